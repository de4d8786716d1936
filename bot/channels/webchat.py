"""Web chat: the patient's page and its JSON API (a thin translator to ChatHandler)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from bot.chat import BadInput, ChatHandler, message_json
from bot.storage import repo
from bot.storage.db import session_scope

MAX_BODY_BYTES = 16 * 1024

_templates = Environment(
    loader=PackageLoader("bot.channels", "templates"),
    autoescape=select_autoescape(["html"]),
)


def error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _conversation_id(
    request: Request, token: str, *, create: bool
) -> tuple[str | None, int | None]:
    factory = request.app.state.session_factory
    with session_scope(factory) as session:
        invitation = repo.invitation_by_token(session, token)
        if invitation is None or invitation.channel != "web":
            return None, None
        conversation = repo.conversation_for_invitation(session, invitation)
        return conversation.id, invitation.patient_id


async def chat_page(request: Request) -> Response:
    token = request.path_params["token"]
    conversation_id, _patient = await asyncio.to_thread(
        _conversation_id, request, token, create=True
    )
    if conversation_id is None:
        page = _templates.get_template("not_found.html").render(
            texts=request.app.state.texts,
            emergency=request.app.state.settings.crisis.emergency,
        )
        return HTMLResponse(page, status_code=404)
    page = _templates.get_template("chat.html").render(
        texts=request.app.state.texts,
        api_url=f"/api/chat/{token}/messages",
        emergency=request.app.state.settings.crisis.emergency,
    )
    return HTMLResponse(page)


def _transcript(request: Request, conversation_id: str, patient_id: int) -> list[dict[str, Any]]:
    with session_scope(request.app.state.session_factory) as session:
        repo.audit(session, actor="patient", action="transcript.view.self", patient_id=patient_id)
        return [
            message_json(m) for m in repo.transcript(session, conversation_id) if m.kind != "event"
        ]


async def get_messages(request: Request) -> Response:
    token = request.path_params["token"]
    conversation_id, patient_id = await asyncio.to_thread(
        _conversation_id, request, token, create=True
    )
    if conversation_id is None or patient_id is None:
        return error(404, "unknown chat link")
    messages = await asyncio.to_thread(_transcript, request, conversation_id, patient_id)
    return JSONResponse({"messages": messages})


async def post_message(request: Request) -> Response:
    token = request.path_params["token"]
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > MAX_BODY_BYTES:
        return error(413, "message too large")
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        return error(413, "message too large")
    try:
        data = json.loads(body)
    except ValueError:
        return error(400, "body must be JSON")
    if not isinstance(data, dict):
        return error(400, "body must be a JSON object")
    text, payload = data.get("text"), data.get("payload")
    if (text is None) == (payload is None):
        return error(400, "give exactly one of 'text' or 'payload'")
    if not isinstance(text if text is not None else payload, str):
        return error(400, "'text' and 'payload' must be strings")
    settings = request.app.state.settings
    if text is not None and len(text) > settings.max_message_chars:
        return error(413, f"message longer than {settings.max_message_chars} characters")
    conversation_id, _patient = await asyncio.to_thread(
        _conversation_id, request, token, create=True
    )
    if conversation_id is None:
        return error(404, "unknown chat link")
    handler: ChatHandler = request.app.state.chat
    try:
        replies = await handler.handle(conversation_id, channel="web", text=text, payload=payload)
    except BadInput as problem:
        return error(400, str(problem))
    return JSONResponse({"messages": [reply.as_json() for reply in replies]})


async def messages_endpoint(request: Request) -> Response:
    if request.method == "POST":
        return await post_message(request)
    return await get_messages(request)
