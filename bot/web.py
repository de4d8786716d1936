"""The Starlette app: one list of routes, built by a factory."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from actions.table import action_executor
from bot.channels import mine, openapi, telegram, webchat
from bot.channels.telegram.reminders import pass_sender
from bot.console.hashing import close_hashing_pool
from bot.console.routes import routes as console_routes
from bot.course.plans import load_plans
from bot.course.runner import SchedulerRunner
from bot.dialogue.service import Dialogue
from bot.engine import EngineClient, EngineProcess, ensure_model
from bot.i18n import Texts
from bot.internal import with_secrets
from bot.log_ids import quiet_url_loggers
from bot.questionnaire.loader import load_directory
from bot.request_limits import HeaderLimits
from bot.security_headers import SecurityHeaders
from bot.settings import Settings, get_settings
from bot.storage import db
from bot.storage.db import ping
from bot.turn.handler import TurnHandler, apology

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "channels" / "static"


async def healthz(request: Request) -> Response:
    state = request.app.state
    database = await asyncio.to_thread(ping, state.db_engine)
    engine = await state.engine.model_loaded()
    if database and engine:
        return JSONResponse({"status": "ok"})
    return JSONResponse(
        {"status": "starting", "database": database, "engine": engine}, status_code=503
    )


async def not_found(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    return JSONResponse({"error": "not found" if status == 404 else "error"}, status_code=status)


async def server_error(request: Request, exc: Exception) -> Response:
    """A failure nobody handled: JSON with the patient's apology, never the exception text. The
    log names the exception type only (the path holds a patient's link token)."""
    log.error("unhandled %s in a request", type(exc).__name__)
    texts: Texts | None = getattr(request.app.state, "texts", None)
    message = apology(texts).text if texts is not None else "error"
    return JSONResponse({"error": message}, status_code=500)


def routes() -> list[Route | Mount]:
    return [
        Route("/healthz", healthz),
        Route("/chat/{token}", webchat.chat_page),
        Route("/chat/{token}/mine", mine.mine_page),
        Route("/chat/{token}/mine/data.json", mine.mine_download),
        Route("/api/chat/{token}/messages", webchat.messages_endpoint, methods=["GET", "POST"]),
        Route("/api/chat/{token}/audio/{message_id:int}", webchat.audio_endpoint),
        Route("/api/openapi.json", openapi.openapi_endpoint),
        Route(telegram.WEBHOOK_PATH, telegram.webhook_endpoint, methods=["POST"]),
        Mount("/console", routes=console_routes()),
        Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
    ]


def create_app(settings: Settings | None = None, *, manage_engine: bool | None = None) -> Starlette:
    settings = settings or get_settings()
    start_engine = settings.manage_rasa if manage_engine is None else manage_engine
    if not start_engine and not settings.actions_secret:
        # `bot run` refuses this case (bot.internal.external_engine_problem); a generated
        # secret cannot reach an engine started elsewhere.
        log.warning(
            "BOT_ACTIONS_SECRET is not set: using a generated one; an engine started "
            "separately must be given the same BOT_ACTIONS_SECRET or its action calls are refused"
        )
    settings = with_secrets(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # Here, not earlier: the server has configured its loggers by now (uvicorn's access
        # log prints each path, and a chat link's path is its token).
        quiet_url_loggers()
        state = app.state
        state.settings = settings
        database = await asyncio.to_thread(db.open, settings)
        state.db_engine = database.engine
        state.session_factory = database.session_factory
        state.questionnaires = load_directory(
            settings.questionnaire_dir, canonical_base=settings.fhir_canonical_base
        )
        # Validated once here: a plan file with a mistake stops the start-up, naming it.
        state.plans = load_plans(settings.plans_dir, state.questionnaires)
        state.texts = Texts(settings.locales_dir, settings.locale)
        state.dialogue = Dialogue(settings, state.session_factory, state.questionnaires, state.texts)
        state.executor = action_executor(state.dialogue)
        state.engine = EngineClient(
            settings.rasa_url, token=settings.rasa_auth_token, timeout=settings.engine_timeout
        )
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
        # Each pass asks for its sender: Telegram may connect only after the start-up.
        state.scheduler = SchedulerRunner(
            settings, state.session_factory, state.plans,
            lambda: pass_sender(state.telegram, state.questionnaires),
        )  # fmt: skip
        await state.scheduler.start()
        try:
            yield
        finally:
            await state.scheduler.stop()  # before Telegram: a pass in flight may be sending
            if state.telegram is not None:
                await state.telegram.stop()
            if process is not None:
                await asyncio.to_thread(process.stop)
            await state.engine.close()
            close_hashing_pool(app)
            state.db_engine.dispose()

    return Starlette(
        routes=routes(),
        lifespan=lifespan,
        middleware=[Middleware(SecurityHeaders, settings=settings), Middleware(HeaderLimits)],
        exception_handlers={404: not_found, 405: not_found, Exception: server_error},
    )
