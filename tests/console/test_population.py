"""The population report: completion, time to complete and scores by group
(bot/console/population.py)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.console import population
from bot.console.access import Staff as StaffView
from bot.dialogue.service import Dialogue
from bot.questionnaire.model import Questionnaire
from bot.storage.db import session_scope
from bot.storage.models import Conversation, utcnow
from bot.storage.patients import create_invitation
from tests.console.conftest import assign, complete_who5
from tests.helpers import answer_all, new_conversation


def test_report_by_literacy_level(
    service: Dialogue,
    session_factory: sessionmaker[Session],
    questionnaires: dict[str, Questionnaire],
) -> None:
    standard_low = complete_who5(service, session_factory, ["1", "0", "1", "1", "0"])
    standard_high = complete_who5(service, session_factory, ["5", "5", "4", "5", "5"])
    guided = complete_who5(service, session_factory, ["2", "2", "2", "2", "2"],
                           literacy_level="guided")  # fmt: skip
    guided_unfinished = new_conversation(session_factory, "who5", literacy_level="guided")
    answer_all(service, session_factory, guided_unfinished, ["3"])
    for cid in (standard_low, standard_high, guided, guided_unfinished):
        assign(session_factory, cid, None, age_band="60-69", sex="female")
    with session_scope(session_factory) as session:  # a second, unused link: counted once
        conversation = session.get(Conversation, standard_low)
        assert conversation is not None
        create_invitation(session, conversation.patient, "who5", channel="telegram")
    admin = StaffView(id=0, email="a@example.org", role="admin", team_ids=frozenset())
    now = utcnow()
    with session_scope(session_factory) as session:
        report = population.report(
            session, admin, questionnaires, questionnaire_id="who5", dimension="literacy",
            start=now - timedelta(days=1), end=now + timedelta(days=1),
        )  # fmt: skip
    groups = {g.key: g for g in report.groups}
    assert list(groups) == ["standard", "guided"]  # the levels' own order
    assert (groups["standard"].invited, groups["standard"].completed) == (2, 2)
    assert (groups["guided"].invited, groups["guided"].started, groups["guided"].completed) == (
        2, 2, 1)  # fmt: skip
    assert groups["guided"].completion_rate == 0.5
    assert sorted(groups["standard"].scores) == [12.0, 96.0]
    assert groups["standard"].triage == {"red": 1, "yellow": 0, "green": 1}
    assert groups["guided"].triage == {"red": 0, "yellow": 1, "green": 0}
    assert report.total.invited == 4 and report.total.completed == 3
    assert groups["standard"].median_minutes is not None
    # Nothing in another period.
    with session_scope(session_factory) as session:
        empty = population.report(
            session, admin, questionnaires, questionnaire_id="who5", dimension="sex",
            start=now + timedelta(days=2), end=now + timedelta(days=3),
        )  # fmt: skip
    assert empty.groups == [] and empty.total.invited == 0


def test_five_numbers() -> None:
    assert population.five_numbers([]) is None
    assert population.five_numbers([4.0]) == (4.0, 4.0, 4.0, 4.0, 4.0)
    assert population.five_numbers([1.0, 2.0, 3.0, 4.0, 5.0]) == (1.0, 2.0, 3.0, 4.0, 5.0)
