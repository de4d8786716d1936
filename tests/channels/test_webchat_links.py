"""Web chat links that can be withdrawn: a revoked or expired link answers 410 (a kind Danish
page, JSON for the API) and stores nothing; a hand-off link opens the chat once."""

from __future__ import annotations

import html
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.i18n import Texts
from bot.storage.conversations import conversation_for_invitation
from bot.storage.db import session_scope
from bot.storage.models import AuditEvent, Conversation, Invitation, Message, utcnow
from bot.storage.patients import (
    create_invitation,
    create_patient,
    handoff_invitation,
    invitation_by_token,
    revoke_invitation,
)
from bot.storage.transcripts import add_message
from bot.web import create_app
from tests.channels.test_webchat import closed_port
from tests.conftest import make_settings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # "Using httpx with starlette.testclient is deprecated"
    from starlette.testclient import TestClient

DEPARTMENT = "33 44 55 66"
GONE_DA = "Linket virker ikke længere. Kontakt din afdeling."  # the start of the text


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    tmp_path = tmp_path_factory.mktemp("links")
    settings = make_settings(
        tmp_path / "var",
        RASA_URL=f"http://127.0.0.1:{closed_port()}",
        RASA_MANAGE="false",
        DATABASE_URL=f"sqlite:///{tmp_path / 'links.db'}",
        CRISIS_DEPARTMENT=DEPARTMENT,
        BOT_LINK_DAYS="60",
    )
    with TestClient(create_app(settings, manage_engine=False)) as test_client:
        yield test_client


def factory(client: TestClient) -> Any:
    return client.app.state.session_factory  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Chat:
    token: str
    conversation_id: str
    spoken_id: int


def new_chat(client: TestClient) -> Chat:
    """A web link in use: its conversation has a question the patient asked to hear."""
    with session_scope(factory(client)) as session:
        issued = create_invitation(session, create_patient(session), "who5")
        conversation = conversation_for_invitation(session, issued.invitation)
        spoken = add_message(
            session, conversation, direction="out", channel="web", text="Hvordan har du det?",
            link_id="who5-1", meta={"audio": True},
        )  # fmt: skip
        return Chat(issued.token, conversation.id, spoken.id)


def snapshot(client: TestClient, token: str) -> tuple[int, int, int, datetime | None]:
    """What a request could write: messages, audit rows, conversations, last use."""
    with session_scope(factory(client)) as session:
        invitation = invitation_by_token(session, token)
        assert invitation is not None
        return (
            session.scalar(select(func.count()).select_from(Message)) or 0,
            session.scalar(select(func.count()).select_from(AuditEvent)) or 0,
            session.scalar(select(func.count()).select_from(Conversation)) or 0,
            invitation.last_used_at,
        )


def assert_gone_everywhere(client: TestClient, chat: Chat) -> None:
    before = snapshot(client, chat.token)
    page = client.get(f"/chat/{chat.token}")
    assert page.status_code == 410
    text = html.unescape(page.text)
    assert GONE_DA in text
    assert DEPARTMENT in text and "112" in text  # whom to call instead
    assert "/api/chat/" not in text  # no chat on the page
    api = f"/api/chat/{chat.token}/messages"
    for response in (
        client.get(api),
        client.post(api, json={"text": "hele tiden"}),
        client.get(f"/api/chat/{chat.token}/audio/{chat.spoken_id}"),
    ):
        assert response.status_code == 410
        assert response.json()["error"].startswith(GONE_DA)
    assert snapshot(client, chat.token) == before  # nothing stored, not even the read


def test_a_revoked_link_is_gone_and_stores_nothing(client: TestClient) -> None:
    chat = new_chat(client)
    assert client.get(f"/chat/{chat.token}").status_code == 200
    with session_scope(factory(client)) as session:
        invitation = invitation_by_token(session, chat.token)
        assert invitation is not None
        revoke_invitation(session, invitation, "console")
    assert_gone_everywhere(client, chat)


def test_a_link_without_activity_for_link_days_is_gone(client: TestClient) -> None:
    chat = new_chat(client)
    with session_scope(factory(client)) as session:
        invitation = invitation_by_token(session, chat.token)
        assert invitation is not None
        long_ago = utcnow() - timedelta(days=61)
        invitation.created_at = invitation.used_at = invitation.last_used_at = long_ago
    assert_gone_everywhere(client, chat)


def test_an_active_link_keeps_working_and_records_its_use(client: TestClient) -> None:
    chat = new_chat(client)
    with session_scope(factory(client)) as session:
        invitation = invitation_by_token(session, chat.token)
        assert invitation is not None
        invitation.last_used_at = utcnow() - timedelta(days=59)
    assert client.get(f"/api/chat/{chat.token}/messages").status_code == 200
    first = snapshot(client, chat.token)[3]
    assert first is not None and utcnow() - first < timedelta(minutes=1)  # renewed
    assert client.get(f"/api/chat/{chat.token}/messages").status_code == 200
    assert snapshot(client, chat.token)[3] == first  # not a write per request


def test_an_unknown_link_is_still_404(client: TestClient) -> None:
    assert client.get("/chat/not-a-real-token").status_code == 404
    assert client.get("/api/chat/not-a-real-token/messages").status_code == 404


def test_a_handoff_link_opens_the_chat_once(client: TestClient, texts: Texts) -> None:
    chat = new_chat(client)
    with session_scope(factory(client)) as session:
        conversation = session.get(Conversation, chat.conversation_id)
        assert conversation is not None
        handoff = handoff_invitation(session, conversation, timedelta(minutes=15)).token
    opened = client.get(f"/chat/{handoff}", follow_redirects=False)
    assert opened.status_code == 303
    location = opened.headers["location"]
    fresh = re.fullmatch(r"/chat/([A-Za-z0-9_-]{32,})", location)
    assert fresh is not None and fresh.group(1) not in (handoff, chat.token)
    assert client.get(location).status_code == 200
    history = client.get(f"/api/chat/{fresh.group(1)}/messages").json()["messages"]
    assert [m["text"] for m in history] == ["Hvordan har du det?"]  # the same conversation
    with session_scope(factory(client)) as session:
        web = invitation_by_token(session, fresh.group(1))
        assert web is not None and web.channel == "web"
    before = snapshot(client, chat.token)
    again = client.get(f"/chat/{handoff}", follow_redirects=False)
    assert again.status_code == 410
    assert GONE_DA in html.unescape(again.text)
    assert snapshot(client, chat.token) == before
    # A hand-off link is for the page only: the API does not take it.
    assert client.get(f"/api/chat/{handoff}/messages").status_code == 404


def test_an_expired_handoff_link_is_gone(client: TestClient) -> None:
    chat = new_chat(client)
    with session_scope(factory(client)) as session:
        conversation = session.get(Conversation, chat.conversation_id)
        assert conversation is not None
        issued = handoff_invitation(session, conversation, timedelta(minutes=15))
        issued.invitation.expires_at = utcnow() - timedelta(seconds=1)
        count = session.scalar(select(func.count()).select_from(Invitation))
    assert client.get(f"/chat/{issued.token}", follow_redirects=False).status_code == 410
    with session_scope(factory(client)) as session:
        assert session.scalar(select(func.count()).select_from(Invitation)) == count
