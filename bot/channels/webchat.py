"""Web chat: the patient's page and its JSON API (a thin translator to the turn handler)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from bot import speech
from bot.channels.chat_input import InputError, read_post, unreadable
from bot.i18n import Texts
from bot.settings import CrisisContacts, Settings
from bot.storage.audit import audit
from bot.storage.conversations import conversation_for_invitation
from bot.storage.course_conversations import course_conversation
from bot.storage.db import session_scope
from bot.storage.models import Conversation, Message
from bot.storage.patient_profiles import site_of
from bot.storage.patients import consume_handoff, invitation_by_token, touch, web_link_gone
from bot.storage.transcripts import transcript
from bot.turn.handler import TurnHandler
from bot.turn.messages import Inbound, Reply
from bot.turn.payloads import BadInput

log = logging.getLogger(__name__)

MAX_MESSAGE_ID = 2**31 - 1

templates = Environment(
    loader=PackageLoader("bot.channels", "templates"),
    autoescape=select_autoescape(["html"]),
)


def error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def page_contacts(request: Request, patient_id: int | None) -> CrisisContacts:
    """Whom the page names for urgent matters: the patient's site's numbers."""
    settings: Settings = request.app.state.settings
    if patient_id is None:
        return settings.crisis
    with session_scope(request.app.state.session_factory) as session:
        return settings.contacts_for(site_of(session, patient_id))


class LinkGone(Exception):
    """A web chat link that was revoked or has expired (HTTP 410; nothing is stored)."""

    def __init__(self, patient_id: int) -> None:
        super().__init__("link gone")
        self.patient_id = patient_id


def gone_json(request: Request) -> JSONResponse:
    texts = request.app.state.texts
    return error(
        410,
        texts._(
            "The link no longer works. Contact your department. They will give you a new "
            "link if you need one."
        ),
    )


def link_conversation(request: Request, token: str) -> tuple[str | None, int | None]:
    """The conversation a web chat link opens, or (None, None) for an unknown link; raises
    LinkGone for a revoked or expired one (checked before anything is written)."""
    factory = request.app.state.session_factory
    with session_scope(factory) as session:
        invitation = invitation_by_token(session, token)
        if invitation is None or invitation.channel != "web":
            return None, None
        if web_link_gone(invitation, request.app.state.settings.link_days):
            raise LinkGone(invitation.patient_id)
        touch(invitation)
        # A course patient's link opens the questionnaire that is due now, if one is; a
        # relative's link always opens the relative's own conversation.
        opened = conversation_for_invitation(session, invitation)
        conversation = opened if opened.relative_id else course_conversation(session, opened)
        return conversation.id, invitation.patient_id


def use_handoff(request: Request, token: str) -> tuple[str | None, int | None]:
    """A hand-off link (sent over Telegram) used up: (a fresh web token for the same
    conversation, None); (None, patient) when it was a hand-off link no longer usable;
    (None, None) when the token is not a hand-off link."""
    with session_scope(request.app.state.session_factory) as session:
        invitation = invitation_by_token(session, token)
        if invitation is None or invitation.channel != "handoff":
            return None, None
        issued = consume_handoff(session, invitation)
        if issued is None:
            return None, invitation.patient_id
        return issued.token, None


def render_page(request: Request, name: str, status: int, contacts: CrisisContacts) -> HTMLResponse:
    page = templates.get_template(name).render(texts=request.app.state.texts, contacts=contacts)
    return HTMLResponse(page, status_code=status)


def relative_link(request: Request, token: str) -> bool:
    """Whether the link is a relative's (their own conversation, never the patient's data)."""
    with session_scope(request.app.state.session_factory) as session:
        invitation = invitation_by_token(session, token)
        return invitation is not None and invitation.relative_id is not None


async def open_link(
    request: Request, token: str, *, patient_only: bool = False
) -> tuple[str, int, CrisisContacts] | HTMLResponse:
    """The conversation and patient a web chat link opens, with the numbers its pages name;
    or the page that says why it does not open (404 unknown, 410 revoked or expired).
    `patient_only`: pages of the patient's own data, which a relative's link never opens
    (404, as for an unknown link)."""
    try:
        conversation_id, patient_id = await asyncio.to_thread(link_conversation, request, token)
    except LinkGone as gone:
        contacts = await asyncio.to_thread(page_contacts, request, gone.patient_id)
        return render_page(request, "gone.html", 410, contacts)
    contacts = await asyncio.to_thread(page_contacts, request, patient_id)
    if conversation_id is None or patient_id is None:
        return render_page(request, "not_found.html", 404, contacts)
    if patient_only and await asyncio.to_thread(relative_link, request, token):
        return render_page(request, "not_found.html", 404, contacts)
    return conversation_id, patient_id, contacts


async def handoff_page(request: Request, token: str, page: str = "") -> Response | None:
    """For a hand-off link: the redirect to ``/chat/<fresh web token><page>`` (the link is
    used up), or the 410 page once it was used or has expired; None for any other token."""
    fresh, used_up = await asyncio.to_thread(use_handoff, request, token)
    if fresh is not None:
        return RedirectResponse(f"/chat/{fresh}{page}", status_code=303)
    if used_up is not None:
        contacts = await asyncio.to_thread(page_contacts, request, used_up)
        return render_page(request, "gone.html", 410, contacts)
    return None


async def chat_page(request: Request) -> Response:
    token = request.path_params["token"]
    handed_off = await handoff_page(request, token)
    if handed_off is not None:
        return handed_off
    opened = await open_link(request, token)
    if isinstance(opened, HTMLResponse):
        return opened
    _conversation, _patient, contacts = opened
    # A relative has no "Mine svar": that page is the patient's.
    for_relative = await asyncio.to_thread(relative_link, request, token)
    page = templates.get_template("chat.html").render(
        texts=request.app.state.texts,
        api_url=f"/api/chat/{token}/messages",
        mine_url=None if for_relative else f"/chat/{token}/mine",
        contacts=contacts,
        max_chars=request.app.state.settings.max_message_chars,
    )
    return HTMLResponse(page)


def audio_path(token: str, message_id: int) -> str:
    """Where the web page fetches a bot message read aloud (see `audio_endpoint`)."""
    return f"/api/chat/{token}/audio/{message_id}"


def _speaks(message: Message) -> bool:
    """A bot message the patient asked to hear (read-aloud on: meta audio True)."""
    return message.direction == "out" and bool((message.meta or {}).get("audio"))


def _message_entry(token: str, message: Message) -> dict[str, Any]:
    """A transcript line as the web API shows it."""
    entry: dict[str, Any] = {
        "from": "patient" if message.direction == "in" else "bot",
        "text": message.text,
        "kind": message.kind,
        "at": message.created_at.isoformat(),
    }
    if message.direction == "out":
        entry["buttons"] = message.buttons or []
        # The item a question asks: the page sends it back with typed text.
        entry["link_id"] = message.link_id
    if message.kind == "button":
        entry["payload"] = message.payload
    if _speaks(message):
        entry["audio_url"] = audio_path(token, message.id)
    return entry


def _reply_json(token: str, reply: Reply) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "text": reply.text,
        "buttons": [button.as_dict() for button in reply.buttons],
        "link_id": reply.link_id,
    }
    if reply.read_aloud and reply.message_id is not None:
        entry["audio_url"] = audio_path(token, reply.message_id)
    return entry


def _transcript(
    request: Request, conversation_id: str, patient_id: int, token: str
) -> list[dict[str, Any]]:
    with session_scope(request.app.state.session_factory) as session:
        conversation = session.get_one(Conversation, conversation_id)
        # A relative reads their own conversation only (the link opens nothing else).
        if conversation.relative_id is None:
            audit(session, actor="patient", action="transcript.view.self", patient_id=patient_id)
        else:
            audit(session, actor="relative", action="transcript.view.relative",
                  patient_id=patient_id, detail=f"conversation={conversation_id}")  # fmt: skip
        return [
            _message_entry(token, m)
            for m in transcript(session, conversation_id)
            if m.kind != "event"
        ]


def unknown_link(texts: Texts) -> str:
    return texts._("This link does not work. Check that you have the whole link.")


def speech_unavailable(texts: Texts) -> str:
    return texts._("Reading aloud does not work right now. You can still read the text.")


async def get_messages(request: Request) -> Response:
    token = request.path_params["token"]
    conversation_id, patient_id = await asyncio.to_thread(link_conversation, request, token)
    if conversation_id is None or patient_id is None:
        return error(404, unknown_link(request.app.state.texts))
    messages = await asyncio.to_thread(_transcript, request, conversation_id, patient_id, token)
    return JSONResponse({"messages": messages})


async def post_message(request: Request) -> Response:
    token = request.path_params["token"]
    texts = request.app.state.texts
    max_chars = request.app.state.settings.max_message_chars
    post = await read_post(request.stream(), request.headers, texts, max_chars)
    if isinstance(post, InputError):
        return error(post.status, post.message)
    conversation_id, _patient = await asyncio.to_thread(link_conversation, request, token)
    if conversation_id is None:
        return error(404, unknown_link(request.app.state.texts))
    handler: TurnHandler = request.app.state.chat
    inbound = Inbound(
        conversation_id,
        text=post.text or "",
        channel="web",
        payload=post.payload,
        link_id=post.link_id,
    )
    try:
        replies = await handler.handle(inbound)
    except BadInput:
        return error(400, unreadable(texts))
    return JSONResponse({"messages": [_reply_json(token, reply) for reply in replies]})


async def messages_endpoint(request: Request) -> Response:
    try:
        if request.method == "POST":
            return await post_message(request)
        return await get_messages(request)
    except LinkGone:
        return gone_json(request)


def _spoken_text(request: Request, token: str, message_id: int) -> str | None:
    """The text of a bot message of this link's conversation that is to be read aloud."""
    conversation_id, _patient = link_conversation(request, token)
    if conversation_id is None or not 0 < message_id <= MAX_MESSAGE_ID:
        return None
    with session_scope(request.app.state.session_factory) as session:
        message = session.get(Message, message_id)
        if message is None or message.conversation_id != conversation_id or not _speaks(message):
            return None
        return message.text


async def audio_endpoint(request: Request) -> Response:
    """A bot question as Danish speech (WAV), for the page's "Læs op" button."""
    token = request.path_params["token"]
    message_id: int = request.path_params["message_id"]
    try:
        text = await asyncio.to_thread(_spoken_text, request, token, message_id)
    except LinkGone:
        return gone_json(request)
    if text is None or not speech.clean_text(text):
        return error(404, request.app.state.texts._("There is no sound for this message."))
    cache_dir = request.app.state.settings.var_dir / "audio"
    try:
        audio = await asyncio.to_thread(speech.cached, cache_dir, text, "wav")
    except speech.SpeechUnavailable:
        return error(503, speech_unavailable(request.app.state.texts))
    except speech.SpeechError:
        log.exception("read-aloud failed")  # no message id: it leads to the patient
        return error(500, speech_unavailable(request.app.state.texts))
    # Patient data (which questions they hear): never cached by the browser (the app keeps
    # its own cache in var/audio).
    return Response(audio, media_type="audio/wav", headers={"Cache-Control": "no-store"})
