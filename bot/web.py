"""The Starlette app: one list of routes, built by a factory."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from rasa_sdk.executor import ActionExecutor
from rasa_sdk.interfaces import (
    ActionExecutionRejection,
    ActionMissingDomainException,
    ActionNotFoundException,
)
from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from actions.table import action_executor
from bot.channels import telegram, webchat
from bot.console.routes import routes as console_routes
from bot.dialogue.service import Dialogue
from bot.engine import EngineClient, EngineProcess, ensure_model
from bot.i18n import Texts
from bot.questionnaire.loader import load_directory
from bot.settings import Settings, get_settings
from bot.storage import db
from bot.storage.db import ping
from bot.turn.handler import TurnHandler

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "channels" / "static"

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; media-src 'self' blob:; "
        "style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
        "form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


async def healthz(request: Request) -> Response:
    state = request.app.state
    database = await asyncio.to_thread(ping, state.db_engine)
    engine = await state.engine.model_loaded()
    if database and engine:
        return JSONResponse({"status": "ok"})
    return JSONResponse(
        {"status": "starting", "database": database, "engine": engine}, status_code=503
    )


async def action_webhook(request: Request) -> Response:
    """The engine's action endpoint (rasa-sdk's executor, served in the app's process)."""
    try:
        action_call: dict[str, Any] = await request.json()
    except ValueError:
        return JSONResponse({"error": "body must be JSON"}, status_code=400)
    executor: ActionExecutor = request.app.state.executor
    try:
        result = await executor.run(action_call)
    except (ActionExecutionRejection, ActionNotFoundException, ActionMissingDomainException) as e:
        # Same status codes as rasa-sdk's own server: the engine acts on them (a rejected
        # form validation hands the turn to the interruption rules).
        status = {ActionExecutionRejection: 400, ActionNotFoundException: 404}.get(type(e), 449)
        return JSONResponse({"error": e.message, "action_name": e.action_name}, status_code=status)
    except Exception as error:  # the engine must get an answer it understands
        log.exception("action %s failed", action_call.get("next_action"))
        return JSONResponse(
            {"error": str(error), "action_name": action_call.get("next_action")},
            status_code=500,
        )
    if result is None:
        return JSONResponse({"events": [], "responses": []})
    return JSONResponse(result.model_dump() if hasattr(result, "model_dump") else result)


async def not_found(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    return JSONResponse({"error": "not found" if status == 404 else "error"}, status_code=status)


def routes() -> list[Route | Mount]:
    return [
        Route("/healthz", healthz),
        Route("/chat/{token}", webchat.chat_page),
        Route("/api/chat/{token}/messages", webchat.messages_endpoint, methods=["GET", "POST"]),
        Route("/api/chat/{token}/audio/{message_id:int}", webchat.audio_endpoint),
        Route("/actions/webhook", action_webhook, methods=["POST"]),
        Route(telegram.WEBHOOK_PATH, telegram.webhook_endpoint, methods=["POST"]),
        Mount("/console", routes=console_routes()),
        Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
    ]


def create_app(settings: Settings | None = None, *, manage_engine: bool | None = None) -> Starlette:
    settings = settings or get_settings()
    start_engine = settings.manage_rasa if manage_engine is None else manage_engine

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        state = app.state
        state.settings = settings
        database = await asyncio.to_thread(db.open, settings)
        state.db_engine = database.engine
        state.session_factory = database.session_factory
        state.questionnaires = load_directory(
            settings.questionnaire_dir, canonical_base=settings.fhir_canonical_base
        )
        state.texts = Texts(settings.locales_dir, settings.locale)
        state.dialogue = Dialogue(settings, state.session_factory, state.questionnaires, state.texts)
        state.executor = action_executor(state.dialogue)
        state.engine = EngineClient(settings.rasa_url, timeout=settings.engine_timeout)
        state.chat = TurnHandler(state.session_factory, state.engine, state.texts)
        state.telegram = None
        if settings.telegram_bot_token:  # a settings problem stops the start-up here
            state.telegram = telegram.TelegramChannel(
                settings, state.session_factory, state.chat, state.texts
            )
            await state.telegram.start()
        process: EngineProcess | None = None
        if start_engine:
            model = await asyncio.to_thread(ensure_model, settings, quiet=True)
            process = EngineProcess(settings, model)
            process.start()
        state.engine_process = process
        try:
            yield
        finally:
            if state.telegram is not None:
                await state.telegram.stop()
            if process is not None:
                await asyncio.to_thread(process.stop)
            await state.engine.close()
            state.db_engine.dispose()

    return Starlette(
        routes=routes(),
        lifespan=lifespan,
        middleware=[Middleware(SecurityHeaders)],
        exception_handlers={404: not_found, 405: not_found},
    )


class SecurityHeaders:
    """Adds the security headers to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)
