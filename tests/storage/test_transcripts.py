"""The transcript: every message in and out, and the queries on it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.storage.conversations import get_conversation
from bot.storage.db import session_scope
from bot.storage.models import Message
from bot.storage.transcripts import (
    add_message,
    last_inbound,
    message_with_external_id,
    recent_outbound,
    transcript,
)

from .conftest import assert_utc, new_conversation


def test_transcript_queries(session_factory: sessionmaker[Session]) -> None:
    with session_scope(session_factory) as session:
        _p, _i, conversation = new_conversation(session)
        _p2, _i2, other = new_conversation(session)
        cid = conversation.id
        assert last_inbound(session, cid) is None
        add_message(
            session,
            conversation,
            direction="out",
            channel="web",
            text="q1",
            link_id="who5-1",
            buttons=[{"title": "A", "payload": "/a"}],
            meta={"kind": "question", "progress": [1, 5]},
        )
        add_message(
            session,
            conversation,
            direction="in",
            channel="web",
            text="svar",
            link_id="who5-9",
            external_id="tg-1",
        )
        add_message(
            session, conversation, direction="out", channel="web", text="q2", link_id="who5-2"
        )
        add_message(session, conversation, direction="out", channel="web", text="hjælp")
        add_message(session, other, direction="out", channel="web", text="x", link_id="phq9-1")
        add_message(
            session, other, direction="in", channel="telegram", text="y", external_id="tg-2"
        )

    with session_scope(session_factory) as session:
        lines = transcript(session, cid)
        assert [m.text for m in lines] == ["q1", "svar", "q2", "hjælp"]
        assert lines[0].buttons == [{"title": "A", "payload": "/a"}]
        assert lines[0].meta == {"kind": "question", "progress": [1, 5]}
        assert all(m.created_at.utcoffset() == timedelta(0) for m in lines)
        last = last_inbound(session, cid)
        assert last is not None and last.text == "svar"  # not the other conversation's
        assert [m.text for m in recent_outbound(session, cid, limit=2)] == ["q2", "hjælp"]
        assert [m.text for m in recent_outbound(session, cid, limit=10)] == ["q1", "q2", "hjælp"]
        found = message_with_external_id(session, cid, "tg-1")
        assert found is not None and found.text == "svar"
        assert message_with_external_id(session, cid, "tg-2") is None  # other chat
        assert message_with_external_id(session, cid, "tg-3") is None
        conversation = get_conversation(session, cid)
        assert conversation is not None
        assert [m.text for m in conversation.messages] == ["q1", "svar", "q2", "hjælp"]
        assert_utc(conversation.updated_at)
        assert conversation.updated_at >= conversation.started_at

    # A transcript line needs a known conversation.
    with pytest.raises(IntegrityError), session_scope(session_factory) as session:
        session.add(Message(conversation_id="f" * 32, direction="in", channel="web", text="x"))
        session.flush()
    with session_scope(session_factory) as session:
        assert list(transcript(session, "f" * 32)) == []  # the failed line left nothing
