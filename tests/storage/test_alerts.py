"""Alerts: one per conversation and rule."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from bot.storage.alerts import add_alert, alerts_for
from bot.storage.db import session_scope

from .conftest import assert_utc, new_conversation


def test_add_alert_once_per_conversation_and_rule(session_factory: sessionmaker[Session]) -> None:
    with session_scope(session_factory) as session:
        _p, _i, conversation = new_conversation(session)
        _p2, _i2, other = new_conversation(session)
        first = add_alert(
            session, conversation, rule_id="who5-low", level="red", urgent=False, message="low"
        )
        assert first is not None
        assert (
            add_alert(
                session,
                conversation,
                rule_id="who5-low",
                level="red",
                urgent=False,
                message="low again",
            )
            is None
        )
        assert (
            add_alert(
                session,
                conversation,
                rule_id="phq9-item9",
                level="red",
                urgent=True,
                message="item 9",
            )
            is not None
        )
        assert (
            add_alert(
                session,
                other,
                rule_id="who5-low",
                level="red",
                urgent=False,
                message="other patient",
            )
            is not None
        )
        cid, other_id = conversation.id, other.id

    with session_scope(session_factory) as session:
        rows = alerts_for(session, cid)
        assert [(a.rule_id, a.urgent, a.message) for a in rows] == [
            ("who5-low", False, "low"),
            ("phq9-item9", True, "item 9"),
        ]
        assert all(a.acknowledged_at is None for a in rows)
        assert_utc(rows[0].created_at)
        assert len(alerts_for(session, other_id)) == 1
