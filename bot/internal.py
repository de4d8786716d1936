"""The internal listener: rasa-sdk's action executor, served to the engine only.

The engine's action calls write answers and raise alerts, so they are never served on the
public port: this small app listens on 127.0.0.1 (`BOT_ACTIONS_PORT`) and runs an action only
when the call carries the shared secret (endpoints.yml sends `Authorization: Bearer
${BOT_ACTIONS_SECRET}`). Loopback alone is not enough: any local user or a server-side request
forgery could reach the port.
"""

from __future__ import annotations

import contextlib
import hmac
import logging
import secrets
from collections.abc import Iterator
from typing import Any

import uvicorn
from rasa_sdk.executor import ActionExecutor
from rasa_sdk.interfaces import (
    ActionExecutionRejection,
    ActionMissingDomainException,
    ActionNotFoundException,
)
from starlette.applications import Starlette
from starlette.datastructures import State
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.settings import Settings

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
WEBHOOK_PATH = "/webhook"

# Same status codes as rasa-sdk's own server: the engine acts on them (a rejected form
# validation hands the turn to the interruption rules). The bodies are fixed texts so that no
# exception message (which may quote what the patient wrote) leaves the process.
_REFUSALS: dict[type[Exception], tuple[int, str]] = {
    ActionExecutionRejection: (400, "action rejected"),
    ActionNotFoundException: (404, "unknown action"),
    ActionMissingDomainException: (449, "domain missing"),
}


def with_secrets(settings: Settings) -> Settings:
    """The settings with both internal secrets set; an empty one gets a fresh random value.

    Generated values live only in the returned Settings (and in the engine's environment when
    the app starts the engine), so every start gets new ones."""
    changes: dict[str, object] = {}
    if not settings.actions_secret:
        changes["actions_secret"] = secrets.token_urlsafe(32)
    if not settings.rasa_auth_token:
        changes["rasa_auth_token"] = secrets.token_urlsafe(32)
    return settings.with_overrides(**changes) if changes else settings


def external_engine_problem(settings: Settings) -> str | None:
    """Why `bot run` cannot work with a separately run engine, or None.

    A secret generated here could never reach an engine started elsewhere, so every action call
    would be refused and every patient turn would end in an apology: better to refuse to start
    with a message that says what to set."""
    if settings.manage_rasa:
        return None
    missing = [
        name
        for name, value in (
            ("BOT_ACTIONS_SECRET", settings.actions_secret),
            ("RASA_AUTH_TOKEN", settings.rasa_auth_token),
        )
        if not value
    ]
    if not missing:
        return None
    names = " and ".join(missing)
    return (
        f"the engine runs separately (RASA_URL is set or RASA_MANAGE=false), so set {names} "
        "to the same random values in the environment of both the app and the engine "
        "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`)"
    )


def authorised(request: Request, secret: str) -> bool:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if not secret or scheme.lower() != "bearer":
        return False
    # Header values arrive decoded as latin-1; compare the raw bytes in constant time.
    return hmac.compare_digest(value.strip().encode("latin-1"), secret.encode("utf-8"))


def create_internal_app(state: State, secret: str) -> Starlette:
    """The engine's action endpoint. `state` is the public app's state, whose lifespan builds
    the executor (bound to the app's Dialogue); calls before that get 503."""

    async def action_webhook(request: Request) -> Response:
        if not authorised(request, secret):
            return JSONResponse({"error": "unauthorised"}, status_code=401)
        executor: ActionExecutor | None = getattr(state, "executor", None)
        if executor is None:
            return JSONResponse({"error": "starting"}, status_code=503)
        try:
            action_call: dict[str, Any] = await request.json()
        except ValueError:
            return JSONResponse({"error": "body must be JSON"}, status_code=400)
        if not isinstance(action_call, dict):
            return JSONResponse({"error": "body must be a JSON object"}, status_code=400)
        action_name = action_call.get("next_action")
        try:
            result = await executor.run(action_call)
        except (
            ActionExecutionRejection,
            ActionNotFoundException,
            ActionMissingDomainException,
        ) as refusal:
            status, message = next(v for k, v in _REFUSALS.items() if isinstance(refusal, k))
            return JSONResponse(
                {"error": message, "action_name": getattr(refusal, "action_name", action_name)},
                status_code=status,
            )
        except Exception as error:  # the engine must get an answer it understands
            # Only the type at ERROR: the message or traceback may quote the patient.
            log.error("action %s failed (%s)", action_name, type(error).__name__)
            log.debug("action failure", exc_info=True)
            return JSONResponse(
                {"error": "the action failed", "action_name": action_name}, status_code=500
            )
        if result is None:
            return JSONResponse({"events": [], "responses": []})
        return JSONResponse(result.model_dump() if hasattr(result, "model_dump") else result)

    async def refused(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        return JSONResponse(
            {"error": "not found" if status == 404 else "error"}, status_code=status
        )

    return Starlette(
        routes=[Route(WEBHOOK_PATH, action_webhook, methods=["POST"])],
        exception_handlers={404: refused, 405: refused},
    )


class InternalServer(uvicorn.Server):
    """uvicorn for the internal listener, run beside the public server in the same loop.

    It leaves the signals to the public server (the two would otherwise replace each other's
    handlers); `bot run` stops it when the public server stops."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def internal_server(state: State, settings: Settings) -> InternalServer:
    app = create_internal_app(state, settings.actions_secret)
    config = uvicorn.Config(
        app, host=HOST, port=settings.actions_port, log_level="warning", lifespan="off"
    )
    return InternalServer(config)
