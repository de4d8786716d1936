"""Telegram channel: pure helpers, cross-channel storage, and the real python-telegram-bot
stack against the fake Bot API server (real HTTP). The engine is scripted here (fast); the
end-to-end tests in tests/e2e/test_telegram.py use the real one."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.routing import Route

from bot.channels import telegram as tg
from bot.chat import ChatHandler
from bot.conversation import ConversationService, Inbound
from bot.engine import EngineReply
from bot.i18n import Texts
from bot.settings import Settings
from bot.storage.conversations import conversation_for_invitation, get_conversation
from bot.storage.db import make_engine, make_session_factory, migrate, session_scope
from bot.storage.models import Conversation, Invitation, Message, Patient, utcnow
from bot.storage.patients import (
    create_invitation,
    create_patient,
    invitation_by_token,
    web_invitation_for,
)
from bot.storage.telegram_chats import telegram_chat
from bot.storage.telegram_models import TelegramChat
from bot.storage.transcripts import add_message, transcript
from tests.channels.fake_bot_api import TOKEN, USERNAME, FakeBotApi, TelegramUser
from tests.conftest import make_settings

LONG_PAYLOAD = '/inform{"code":"a-rather-long-answer-code","link_id":"behovsvurdering-fysisk-01"}'

# ---------------------------------------------------------------------- pure helpers


def test_split_text_keeps_short_texts_whole() -> None:
    assert tg.split_text("Hej") == ["Hej"]
    assert tg.split_text("") == [""]
    assert tg.split_text("x" * 4096) == ["x" * 4096]


def test_split_text_cuts_at_breaks_within_the_limit() -> None:
    paragraph = ("ord " * 300).strip()  # 1199 characters
    text = "\n\n".join([paragraph] * 5)  # 6003 characters
    parts = tg.split_text(text)
    assert len(parts) == 2
    assert all(len(p) <= 4096 for p in parts)
    assert parts[0].endswith("ord") and parts[1].startswith("ord")
    assert " ".join(" ".join(parts).split()) == " ".join(text.split())
    # Without any break: hard cuts, nothing lost.
    parts = tg.split_text("y" * 9000)
    assert [len(p) for p in parts] == [4096, 4096, 808]


def test_split_text_counts_utf16_units_like_telegram() -> None:
    emoji = "🙂" * 3000  # 2 UTF-16 code units each
    parts = tg.split_text(emoji)
    assert [len(p) for p in parts] == [2048, 952]
    assert "".join(parts) == emoji


def test_callback_data_fits_64_bytes_and_maps_back() -> None:
    short = '/inform{"code":"4","link_id":"who5-1"}'
    assert tg.callback_data(short) == short
    assert len(LONG_PAYLOAD.encode()) > 64
    data = tg.callback_data(LONG_PAYLOAD)
    assert len(data.encode()) <= 64 and data.startswith("#")
    assert tg.callback_data(LONG_PAYLOAD) == data  # deterministic
    assert tg.resolve_callback(data, [short, LONG_PAYLOAD]) == LONG_PAYLOAD
    assert tg.resolve_callback(data, [short]) is None  # only what the bot offered
    assert tg.resolve_callback(short, []) == short
    assert len(tg.callback_data("/inform" + "æ" * 40).encode()) <= 64  # bytes, not characters


def test_keyboard_layout() -> None:
    def rows(titles: list[str]) -> list[int]:
        markup = tg.keyboard([{"title": t, "payload": f"/p{i}"} for i, t in enumerate(titles)])
        assert markup is not None
        return [len(row) for row in markup.inline_keyboard]

    assert tg.keyboard([]) is None
    assert rows([str(n) for n in range(11)]) == [6, 5]
    assert rows(["Ja", "Nej"]) == [2]
    assert rows(["Lidt mindre end halvdelen af tiden", "Hele tiden"]) == [1, 1]


def test_file_base_url() -> None:
    assert tg.file_base_url("https://api.telegram.org/bot") == "https://api.telegram.org/file/bot"
    assert tg.file_base_url("http://127.0.0.1:8081/bot") == "http://127.0.0.1:8081/file/bot"
    assert tg.file_base_url("http://h/x/bot{token}/test") == "http://h/x/file/bot{token}/test"


def test_settings(tmp_path: Path) -> None:
    off = make_settings(tmp_path)
    assert off.telegram_bot_token == "" and off.telegram_mode == "polling"
    assert off.telegram_api_base_url == "https://api.telegram.org/bot"
    assert off.telegram_invite_days == 14
    assert tg.config_problem(off) is None
    on = make_settings(tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_WEBHOOK_SECRET="s3cr3t")
    assert TOKEN not in repr(on) and "s3cr3t" not in repr(on)
    assert tg.config_problem(on) is None
    with pytest.raises(ValueError, match="TELEGRAM_MODE must be 'polling' or 'webhook'"):
        make_settings(tmp_path, TELEGRAM_MODE="pull")
    webhook = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_MODE": "webhook"}
    problem = tg.config_problem(make_settings(tmp_path, **webhook))
    assert problem is not None and "TELEGRAM_WEBHOOK_URL is required" in problem
    webhook["TELEGRAM_WEBHOOK_URL"] = "https://example.org/telegram/webhook"
    problem = tg.config_problem(make_settings(tmp_path, **webhook))
    assert problem is not None and "TELEGRAM_WEBHOOK_SECRET is required" in problem
    webhook["TELEGRAM_WEBHOOK_SECRET"] = "not allowed!"
    problem = tg.config_problem(make_settings(tmp_path, **webhook))
    assert problem is not None and "may only hold" in problem


# ---------------------------------------------------------------------- across channels


def _invite(session: Session, patient: Patient, channel: str, qid: str = "who5") -> Invitation:
    return create_invitation(session, patient, qid, channel=channel)


def test_web_and_telegram_invitations_share_one_conversation(
    session_factory: sessionmaker[Session],
) -> None:
    with session_scope(session_factory) as session:
        patient = create_patient(session)
        web = _invite(session, patient, "web")
        first = conversation_for_invitation(session, web)
        telegram = _invite(session, patient, "telegram")
        assert conversation_for_invitation(session, telegram).id == first.id
        assert telegram.used_at is not None
        assert conversation_for_invitation(session, web).id == first.id
        # Another questionnaire is another conversation.
        other = _invite(session, patient, "telegram", "phq9")
        assert conversation_for_invitation(session, other).id != first.id
        # Another patient never shares.
        stranger = _invite(session, create_patient(session), "web")
        assert conversation_for_invitation(session, stranger).id != first.id
        # A web link made for the conversation opens that conversation.
        link = web_invitation_for(session, first)
        assert link.id == web.id
        assert conversation_for_invitation(session, link).id == first.id


def test_an_unused_web_link_of_the_patient_is_offered_again(
    session_factory: sessionmaker[Session],
) -> None:
    """The console makes a web and a Telegram link at once; the patient starts on Telegram:
    the web link offered at consent is the one already made, not another one."""
    with session_scope(session_factory) as session:
        patient = create_patient(session)
        web = _invite(session, patient, "web")
        telegram = _invite(session, patient, "telegram")
        conversation = conversation_for_invitation(session, telegram)
        assert web_invitation_for(session, conversation).id == web.id
        web.expires_at = utcnow() - timedelta(seconds=1)  # an expired one is not offered
        session.flush()
        fresh = web_invitation_for(session, conversation)
        assert fresh.id != web.id and fresh.channel == "web"
        assert conversation_for_invitation(session, fresh).id == conversation.id


def test_an_invitation_made_after_completion_starts_a_new_round(
    session_factory: sessionmaker[Session],
) -> None:
    with session_scope(session_factory) as session:
        patient = create_patient(session)
        first_invitation = _invite(session, patient, "telegram")
        first = conversation_for_invitation(session, first_invitation)
        sibling = _invite(session, patient, "web")  # made while the first was in progress
        first.status, first.completed_at = "completed", utcnow()
        session.flush()
        assert conversation_for_invitation(session, sibling).id == first.id
        later = _invite(session, patient, "web")
        later.created_at = utcnow() + timedelta(seconds=1)
        session.flush()
        second = conversation_for_invitation(session, later)
        assert second.id != first.id
        assert conversation_for_invitation(session, later).id == second.id
        # The web link for the new round is one that opens the new round.
        link = web_invitation_for(session, second)
        assert conversation_for_invitation(session, link).id == second.id


def test_consent_on_telegram_warns_and_offers_the_web_chat(
    service: ConversationService,
    session_factory: sessionmaker[Session],
    settings: Settings,
    texts: Texts,
) -> None:
    def consent_texts(channel: str) -> tuple[str, list[str]]:
        with session_scope(session_factory) as session:
            patient = create_patient(session)
            invitation = _invite(session, patient, channel)
            conversation = conversation_for_invitation(session, invitation)
            add_message(
                session, conversation, direction="in", channel=channel, kind="event", text=""
            )
            conversation_id = conversation.id
        outcome = service.start(
            Inbound(conversation_id, intent="start"), questionnaire_active=False
        )
        return conversation_id, [r.text for r in outcome.replies]

    _web_id, web = consent_texts("web")
    assert not any("Telegram" in t for t in web)
    conversation_id, on_telegram = consent_texts("telegram")
    assert len(on_telegram) == len(web) + 1
    assert on_telegram[-1] == web[-1] == texts._("Is it all right that we store your answers?")
    notice = on_telegram[-2]
    assert "Telegram" in notice and "CPR" in notice and "krypteret" in notice
    url = notice.split()[-1]
    assert url.startswith(f"{settings.public_url}/chat/")
    with session_scope(session_factory) as session:
        web_invitation = invitation_by_token(session, url.rsplit("/", 1)[1])
        assert web_invitation is not None and web_invitation.channel == "web"
        assert conversation_for_invitation(session, web_invitation).id == conversation_id
    # Asked again (e.g. after a restart): the same web link, not a new one each time.
    again = service.start(Inbound(conversation_id, intent="start"), questionnaire_active=False)
    assert again.replies[-2].text == notice


# ---------------------------------------------------------------------- PTB against the fake


class ScriptedEngine:
    """Stands in for the Rasa engine in these fast tests: fixed replies, every message kept."""

    def __init__(self) -> None:
        self.received: list[str] = []

    async def model_loaded(self) -> bool:
        return True

    async def send(self, sender: str, message: str) -> list[EngineReply]:
        self.received.append(message)
        if message == "/start":
            return [
                EngineReply("Hej! Jeg er en chatbot."),
                EngineReply(
                    "Må vi gemme dine svar?", buttons=(("Ja", "/affirm"), ("Nej", "/deny"))
                ),
            ]
        if message == "/affirm":
            return [
                EngineReply(
                    "Spørgsmål 1",
                    buttons=(
                        ("Lang kode", LONG_PAYLOAD),
                        ("Kort", '/inform{"code":"1","link_id":"q1"}'),
                    ),
                    link_id="q1",
                )
            ]
        if message == "lang tekst":
            return [EngineReply("Dette er en meget lang tekst. " * 200)]  # 6000 characters
        if message == "to tastaturer":  # like the literacy screen: a skip button, then a question
            return [
                EngineReply("Du kan springe over.", buttons=(("Spring over", "/skip"),)),
                EngineReply(
                    "Spørgsmål 2",
                    buttons=(("A", '/inform{"code":"a","link_id":"q2"}'), ("B", "/deny")),
                    link_id="q2",
                ),
            ]
        if message == "læs op":  # read-aloud is on: the question carries audio
            return [
                EngineReply(
                    "Har du haft det godt?",
                    buttons=(("Ja", '/inform{"code":"true","link_id":"q5"}'),),
                    link_id="q5",
                    meta={"audio": True},
                )
            ]
        if message.startswith("/inform"):
            return [EngineReply("Næste spørgsmål", buttons=(("Slut", "/stop"),), link_id="q3")]
        return [EngineReply(f"Modtaget ({len(self.received)})")]

    async def close(self) -> None:
        pass


@dataclass
class Rig:
    api: FakeBotApi
    channel: tg.TelegramChannel
    engine: ScriptedEngine
    session_factory: sessionmaker[Session]
    settings: Settings

    def user(self, chat_id: int) -> TelegramUser:
        def wait(user: TelegramUser, since: int, sends: int, token: int) -> None:
            self.api.wait_for(lambda: self.api.taken(token))
            quiet = 0.4 if sends else 0.8
            self.api.wait_quiet(since, chat_id=user.chat_id, sends=sends, quiet=quiet, timeout=20)

        return TelegramUser(self.api, chat_id, self.api.push_update, wait=wait)

    async def invite(self, **changes: Any) -> str:
        """A new patient with a Telegram invitation; returns the code."""
        with session_scope(self.session_factory) as session:
            patient_id = create_patient(session).id
        link = await tg.telegram_invite_link(
            self.settings, self.session_factory, patient_id, "who5"
        )
        assert link is not None
        code = link.split("?start=", 1)[1]
        with session_scope(self.session_factory) as session:
            invitation = invitation_by_token(session, code)
            assert invitation is not None
            for name, value in changes.items():
                setattr(invitation, name, value)
        return code

    def count(self, model: Any) -> int:
        with session_scope(self.session_factory) as session:
            return int(session.scalar(select(func.count()).select_from(model)) or 0)

    def chat_row(self, chat_id: int) -> TelegramChat | None:
        with session_scope(self.session_factory) as session:
            return telegram_chat(session, chat_id)


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    with FakeBotApi() as server:
        yield server


def _sqlite_factory(tmp_path: Path) -> sessionmaker[Session]:
    engine = make_engine(f"sqlite:///{tmp_path / 'bot.db'}")
    migrate(engine)
    return make_session_factory(engine)


async def _rig(api: FakeBotApi, tmp_path: Path, texts: Texts, **env: str) -> Rig:
    settings = make_settings(
        tmp_path / "var", TELEGRAM_BOT_TOKEN=api.token, TELEGRAM_API_BASE_URL=api.base_url, **env
    )
    factory = _sqlite_factory(tmp_path)
    engine = ScriptedEngine()
    chat = ChatHandler(factory, engine, texts)  # type: ignore[arg-type]
    channel = tg.TelegramChannel(settings, factory, chat, texts)
    await channel.start()
    for _ in range(200):
        if channel.ready:
            break
        await asyncio.sleep(0.05)
    assert channel.ready
    return Rig(api, channel, engine, factory, settings)


@pytest.fixture
async def rig(api: FakeBotApi, tmp_path: Path, texts: Texts) -> AsyncIterator[Rig]:
    rig = await _rig(api, tmp_path, texts)
    yield rig
    await rig.channel.stop()


async def act(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """A blocking test step, off the event loop that runs the bot."""
    return await asyncio.to_thread(function, *args, **kwargs)


async def test_start_up_registers_commands_and_polls(rig: Rig) -> None:
    (commands,) = rig.api.calls_to("setMyCommands")
    names = [c["command"] for c in commands.json("commands")]
    assert names == ["start", "hjaelp", "pause", "stop"]
    descriptions = [c["description"] for c in commands.json("commands")]
    assert "Hold en pause" in descriptions
    assert rig.api.calls_to("deleteWebhook")  # polling: any webhook is removed
    assert not rig.api.calls_to("setWebhook")


async def test_invite_link_is_a_deep_link_with_an_expiring_single_use_code(rig: Rig) -> None:
    code = await rig.invite()
    assert len(code) >= 32
    with session_scope(rig.session_factory) as session:
        invitation = invitation_by_token(session, code)
        assert invitation is not None and invitation.channel == "telegram"
        assert invitation.expires_at is not None
        days = (invitation.expires_at - invitation.created_at) / timedelta(days=1)
        assert days == pytest.approx(14, abs=0.01)
    assert (
        await tg.telegram_invite_link(
            make_settings(Path("/nonexistent")), rig.session_factory, 1, "who5"
        )
        is None
    )  # not configured
    link = await tg.telegram_invite_link(rig.settings, rig.session_factory, 1, "who5")
    assert link is not None and link.startswith(f"https://t.me/{USERNAME}?start=")


async def test_a_stranger_gets_the_explanation_and_nothing_is_stored(
    rig: Rig, texts: Texts
) -> None:
    before = {m: rig.count(m) for m in (Patient, Invitation, Conversation, Message, TelegramChat)}
    stranger = rig.user(4242)
    explanation = texts._(
        "Hi! I am a chatbot from your hospital. To talk with me, you need a personal "
        "link from your care team. Open that link, and we can begin. If you have not "
        "got a link, ask your care team."
    )
    for step in (
        lambda: stranger.command("start"),
        lambda: stranger.say("Hej, jeg hedder Kirstine"),
    ):
        await act(step)
        assert stranger.text == explanation
    await act(stranger.command, "start", "NotARealCode123")
    assert "virker ikke" in stranger.text
    await act(stranger.voice)
    assert stranger.text == explanation
    # A forged button press is answered, not passed on.
    fake = {"message_id": 1, "date": 0, "chat": {"id": 4242, "type": "private"}, "text": "x"}
    await act(stranger.send_update, stranger.callback_update("/affirm", fake))
    assert rig.api.calls_to("answerCallbackQuery", None)
    assert rig.engine.received == []
    assert {m: rig.count(m) for m in before} == before


async def test_deep_link_buttons_and_old_keyboards(rig: Rig, texts: Texts) -> None:
    code = await rig.invite()
    user = rig.user(5001)
    await act(user.command, "start", code)
    assert rig.engine.received == ["/start"]
    assert user.buttons() == ["Ja", "Nej"]
    row = rig.chat_row(5001)
    assert row is not None and row.blocked_at is None
    consent_message = user.keyboards()[-1]
    assert row.keyboard_message_id == consent_message["message_id"]
    # Typing indicator before the reply.
    since_start = rig.api.calls_to("sendChatAction", 5001)
    assert since_start and since_start[0].params["action"] == "typing"

    await act(user.press, "Ja")
    assert rig.engine.received[-1] == "/affirm"
    assert rig.api.calls_to("answerCallbackQuery")
    assert "reply_markup" not in rig.api.messages[consent_message["message_id"]]  # removed
    question = user.keyboards()[-1]
    data = [b["callback_data"] for r in question["reply_markup"]["inline_keyboard"] for b in r]
    assert all(len(d.encode()) <= 64 for d in data) and data[0].startswith("#")

    # An old keyboard cannot answer again (here: re-shown by a client that missed the edit).
    stale = user.callback_update("/affirm", consent_message)
    await act(user.send_update, stale, sends=0)
    assert rig.engine.received.count("/affirm") == 1
    answers = rig.api.calls_to("answerCallbackQuery")
    assert answers[-1].params.get("text") == texts._("You have already answered this.")

    await act(user.press, "Lang kode")
    assert rig.engine.received[-1] == LONG_PAYLOAD  # the hash mapped back to the payload
    assert [m["text"] for m in user.keyboards()] == ["Næste spørgsmål"]  # only the new one

    with session_scope(rig.session_factory) as session:
        inbound = [m for m in transcript(session, row.conversation_id) if m.direction == "in"]
        assert [m.channel for m in inbound] == ["telegram"] * 3
        assert all((m.external_id or "").startswith("tg:") for m in inbound)
        assert inbound[1].text == "Ja" and inbound[2].text == "Lang kode"

    # The link is single-use: another chat cannot use it; the same chat can open it again.
    other = rig.user(5002)
    await act(other.command, "start", code)
    assert "virker ikke" in other.text and rig.chat_row(5002) is None
    await act(user.command, "start", code)
    assert rig.engine.received[-1] == "/start"


async def test_typed_text_commands_voice_and_long_replies(rig: Rig, texts: Texts) -> None:
    user = rig.user(5101)
    await act(user.command, "start", await rig.invite())
    await act(user.say, "ja tak")
    assert rig.engine.received[-1] == "ja tak"
    await act(user.command, "hjaelp")
    await act(user.command, "pause")
    await act(user.command, "stop")
    await act(user.command, "ukendt")
    assert rig.engine.received[-4:] == ["/help", "/pause", "/stop", "/help"]
    received = len(rig.engine.received)
    await act(user.voice)
    assert "talebesked" in user.text and len(rig.engine.received) == received
    await act(user.say, "x" * (rig.settings.max_message_chars + 1))
    assert "for lang" in user.text and len(rig.engine.received) == received
    await act(user.say, "lang tekst", sends=2)
    assert len(user.last) == 2 and all(len(m["text"]) <= 4096 for m in user.last)
    assert all(
        c.json("link_preview_options") == {"is_disabled": True}
        for c in rig.api.calls_to("sendMessage", 5101)
    )


async def test_a_redelivered_update_is_handled_once(rig: Rig) -> None:
    user = rig.user(5201)
    await act(user.command, "start", await rig.invite())
    update = user.message_update("hej igen")
    first = [m["text"] for m in await act(user.send_update, update)]
    messages = rig.count(Message)
    # Delivered again (Telegram got no answer, e.g. the app stopped before replying): not
    # handled twice, and the stored reply is sent again so that nothing is lost.
    again = [m["text"] for m in await act(user.send_update, update)]
    assert rig.engine.received.count("hej igen") == 1
    assert again == first and rig.count(Message) == messages


async def test_a_message_stored_before_a_crash_gets_an_apology(rig: Rig, texts: Texts) -> None:
    user = rig.user(5202)
    await act(user.command, "start", await rig.invite())
    update = user.message_update("det meste af tiden")
    row = rig.chat_row(5202)
    assert row is not None
    with session_scope(rig.session_factory) as session:  # stored, then the app stopped
        conversation = get_conversation(session, row.conversation_id)
        assert conversation is not None
        add_message(
            session, conversation, direction="in", channel="telegram", text="det meste af tiden",
            external_id=f"tg:{update['update_id']}",
        )  # fmt: skip
    await act(user.send_update, update)
    assert "det meste af tiden" not in rig.engine.received
    assert user.text == texts._(
        "Sorry, something went wrong on my side. Nothing you wrote is lost. "
        "Please try again in a moment."
    )


async def test_a_blocked_chat_is_recorded_and_not_retried(rig: Rig) -> None:
    user = rig.user(5301)
    await act(user.command, "start", await rig.invite())
    rig.api.blocked.add(5301)
    since = rig.api.mark()
    await act(user.say, "mit svar", sends=0)
    assert rig.engine.received[-1] == "mit svar"  # what the patient sent is still stored
    attempts = [c for c in rig.api.calls[since:] if c.chat_id == 5301]
    assert len(attempts) == 1  # the typing indicator was refused; nothing else tried
    row = rig.chat_row(5301)
    assert row is not None and row.blocked_at is not None and row.blocked_reason == "forbidden"
    # The patient unblocks and writes again: reachable again.
    rig.api.blocked.discard(5301)
    await act(user.say, "hej")
    row = rig.chat_row(5301)
    assert row is not None and row.blocked_at is None


async def test_an_expired_code_does_not_link(rig: Rig) -> None:
    code = await rig.invite(expires_at=utcnow() - timedelta(minutes=1))
    user = rig.user(5401)
    await act(user.command, "start", code)
    assert "virker ikke" in user.text
    assert rig.chat_row(5401) is None and rig.engine.received == []


# ---------------------------------------------------------------------- webhook mode

SECRET = "w3bh00k-Secret_for-tests"


@pytest.fixture
async def webhook_rig(api: FakeBotApi, tmp_path: Path, texts: Texts) -> AsyncIterator[Rig]:
    rig = await _rig(
        api,
        tmp_path,
        texts,
        TELEGRAM_MODE="webhook",
        TELEGRAM_WEBHOOK_URL="https://bot.example.org/telegram/webhook",
        TELEGRAM_WEBHOOK_SECRET=SECRET,
    )
    yield rig
    await rig.channel.stop()


async def test_webhook_mode(webhook_rig: Rig) -> None:
    rig = webhook_rig
    (hook,) = rig.api.calls_to("setWebhook")
    assert hook.params["url"] == "https://bot.example.org/telegram/webhook"
    assert hook.params["secret_token"] == SECRET
    assert json.loads(hook.params["allowed_updates"]) == ["message", "callback_query"]
    assert not rig.api.calls_to("getUpdates") and not rig.api.calls_to("deleteWebhook")

    app = Starlette(routes=[Route(tg.WEBHOOK_PATH, tg.webhook_endpoint, methods=["POST"])])
    app.state.telegram = rig.channel
    code = await rig.invite()
    user = TelegramUser(rig.api, 6001, deliver=lambda update: None)
    start = user.message_update(f"/start {code}")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://app"
    ) as client:
        before = (rig.count(Message), rig.count(TelegramChat))
        for headers in ({}, {tg.SECRET_HEADER: "wrong"}, {tg.SECRET_HEADER: SECRET + "x"}):
            answer = await client.post(tg.WEBHOOK_PATH, json=start, headers=headers)
            assert answer.status_code == 403
        assert (rig.count(Message), rig.count(TelegramChat)) == before
        assert rig.engine.received == [] and not rig.api.calls_to("sendMessage")

        good = {tg.SECRET_HEADER: SECRET}
        assert (await client.post(tg.WEBHOOK_PATH, content=b"{no", headers=good)).status_code == 400
        answer = await client.post(tg.WEBHOOK_PATH, json=start, headers=good)
        assert answer.status_code == 200
        # Handled before the answer: the replies are already sent.
        assert rig.engine.received == ["/start"]
        assert len(rig.api.calls_to("sendMessage", 6001)) == 2
        again = await client.post(tg.WEBHOOK_PATH, json=start, headers=good)
        assert again.status_code == 200 and rig.engine.received == ["/start"]
        press = user.button_update("Ja")
        assert (await client.post(tg.WEBHOOK_PATH, json=press, headers=good)).status_code == 200
        assert rig.engine.received == ["/start", "/affirm"]


async def test_webhook_is_404_when_telegram_is_off() -> None:
    app = Starlette(routes=[Route(tg.WEBHOOK_PATH, tg.webhook_endpoint, methods=["POST"])])
    app.state.telegram = None
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://app"
    ) as client:
        answer = await client.post(tg.WEBHOOK_PATH, json={}, headers={tg.SECRET_HEADER: ""})
        assert answer.status_code == 404


async def test_webhook_mode_without_a_secret_refuses_to_start(tmp_path: Path, texts: Texts) -> None:
    settings = make_settings(
        tmp_path,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_MODE="webhook",
        TELEGRAM_WEBHOOK_URL="https://bot.example.org/telegram/webhook",
    )
    factory = _sqlite_factory(tmp_path)
    chat = ChatHandler(factory, ScriptedEngine(), texts)  # type: ignore[arg-type]
    channel = tg.TelegramChannel(settings, factory, chat, texts)
    with pytest.raises(RuntimeError, match="TELEGRAM_WEBHOOK_SECRET is required"):
        await channel.start()


async def test_several_keyboards_in_one_turn_stay_usable(rig: Rig, texts: Texts) -> None:
    user = rig.user(5501)
    await act(user.command, "start", await rig.invite())
    await act(user.say, "to tastaturer", sends=2)
    skip, question = user.keyboards()
    assert (skip["text"], question["text"]) == ("Du kan springe over.", "Spørgsmål 2")
    stale = user.button_update("Spring over", skip)  # pressed later, after the turn moved on
    await act(user.press, "A")
    assert rig.engine.received[-1] == '/inform{"code":"a","link_id":"q2"}'
    # Both keyboards of that turn are gone; only the new question's is left.
    assert [m["text"] for m in user.keyboards()] == ["Næste spørgsmål"]
    received = len(rig.engine.received)
    await act(user.send_update, stale, sends=0)
    assert len(rig.engine.received) == received
    answers = rig.api.calls_to("answerCallbackQuery")
    assert answers[-1].params.get("text") == texts._("You have already answered this.")
    # The skip button of a turn works too (it is the first keyboard of that turn).
    await act(user.say, "to tastaturer", sends=2)
    await act(user.press, "Spring over")
    assert rig.engine.received[-1] == "/skip"


async def test_read_aloud_questions_come_as_voice_messages(rig: Rig) -> None:
    user = rig.user(5301)
    await act(user.command, "start", await rig.invite())
    before = len(rig.api.calls_to("sendVoice", 5301))
    await act(user.say, "læs op")
    voices = rig.api.calls_to("sendVoice", 5301)[before:]
    assert len(voices) == 1
    # OGG/Opus made by espeak-ng and opusenc (Debian packages from install-system-deps.sh).
    assert " OggS>" in voices[0].params["voice"]
    assert user.buttons() == ["Ja"]  # the question with its keyboard came as text too
