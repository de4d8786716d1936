"""Answers a relative gave on the patient's behalf in the console (bot/console/proxy_view.py):
marked on the patient page, their scores apart from the patient's trends, and left out of the
population view's self-report figures."""

from __future__ import annotations

import csv
import html
import io
from collections import Counter
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from bot.console import population
from bot.console.access import Staff as StaffView
from bot.console.patient_view import load
from bot.console.worklist import build_rows
from bot.dialogue.service import Dialogue
from bot.export.csv_export import export_csv
from bot.questionnaire.model import Questionnaire
from bot.settings import Settings
from bot.storage.db import session_scope
from bot.storage.models import Conversation, Invitation, Patient, utcnow
from bot.storage.proxy_conversations import open_proxy_conversation
from bot.storage.relatives import (
    RELATIVE_QUESTIONNAIRE_ID,
    invite_relative,
    record_relative_consent,
)
from tests.console.conftest import Staff, assign, complete_who5, login
from tests.helpers import answer_all, store_replies

ADMIN = StaffView(id=0, email="a@example.org", role="admin", team_ids=frozenset())


def _proxy_who5(
    service: Dialogue,
    factory: sessionmaker[Session],
    patient_cid: str,
    codes: list[str],
    *,
    under_patients_link: bool = False,
) -> str:
    """The patient's daughter answers a WHO-5 for them in the chat; the conversation id.
    ``under_patients_link``: the proxy conversation hangs under the patient's own WHO-5 link
    (not how the chat opens it, but the worst case for figures counted per link)."""
    with session_scope(factory) as session:
        conversation = session.get(Conversation, patient_cid)
        assert conversation is not None
        relative = invite_relative(session, conversation.patient, "min datter",
                                   invited_by="patient", may_answer_for_patient=True).relative  # fmt: skip
        record_relative_consent(session, relative, True)
        link = session.scalar(select(Invitation).where(Invitation.relative_id == relative.id))
        assert link is not None
        invitation_id = conversation.invitation_id if under_patients_link else link.id
        proxy = open_proxy_conversation(session, relative, "who5", invitation_id)
        cid = proxy.id
    answer_all(service, factory, cid, codes)
    store_replies(factory, cid, service.complete(cid).replies)
    return cid


def _report(factory: sessionmaker[Session], questionnaires: dict[str, Questionnaire],
            questionnaire_id: str = "who5") -> population.Report:  # fmt: skip
    now = utcnow()
    with session_scope(factory) as session:
        return population.report(
            session, ADMIN, questionnaires, questionnaire_id=questionnaire_id,
            dimension="literacy", start=now - timedelta(days=1), end=now + timedelta(days=1),
        )  # fmt: skip


def _figures(report: population.Report) -> tuple[object, ...]:
    total = report.total
    return (total.invited, total.started, total.completed, sorted(total.scores),
            dict(total.triage), len(total.minutes))  # fmt: skip


def test_a_proxy_who5_does_not_change_the_population_figures(
    service: Dialogue,
    session_factory: sessionmaker[Session],
    questionnaires: dict[str, Questionnaire],
) -> None:
    low = complete_who5(service, session_factory, ["1", "0", "1", "1", "0"])
    before = _figures(_report(session_factory, questionnaires))
    assert before[:5] == (1, 1, 1, [12.0], {"red": 1, "yellow": 0, "green": 0})
    _proxy_who5(service, session_factory, low, ["5", "5", "5", "5", "5"])
    _proxy_who5(service, session_factory, low, ["5", "5", "5", "5", "5"], under_patients_link=True)
    assert _figures(_report(session_factory, questionnaires)) == before
    # Nor is a relative counted as invited to their own questionnaire.
    assert _report(session_factory, questionnaires, RELATIVE_QUESTIONNAIRE_ID).total.invited == 0


def test_the_patient_page_marks_the_relatives_answers_and_keeps_their_scores_apart(
    client: TestClient,
    staff: Staff,
    service: Dialogue,
    session_factory: sessionmaker[Session],
    questionnaires: dict[str, Questionnaire],
) -> None:
    first = complete_who5(service, session_factory, ["1", "0", "1", "1", "0"])
    proxy = _proxy_who5(service, session_factory, first, ["5", "5", "5", "5", "5"])
    with session_scope(session_factory) as session:
        conversation = session.get(Conversation, first)
        assert conversation is not None
        patient_id = conversation.patient_id
        # The patient's second WHO-5 of their own, in a new round.
        second = Conversation(patient_id=patient_id, questionnaire_id="who5",
                              invitation_id=conversation.invitation_id)  # fmt: skip
        session.add(second)
        session.flush()
        second_cid = second.id
    answer_all(service, session_factory, second_cid, ["3", "3", "3", "3", "3"])
    store_replies(session_factory, second_cid, service.complete(second_cid).replies)

    with session_scope(session_factory) as session:
        patient = session.get(Patient, patient_id)
        assert patient is not None
        view = load(session, patient, questionnaires)
    (trend,) = view.trends
    assert [p.value for p in trend.points] == [12.0, 60.0]  # the patient's own two only
    (given,) = view.proxy_scores
    assert (given.score.value, given.relation, given.completed) == (100.0, "min datter", True)
    marked = {c.id: c.respondent for c in view.conversations}
    assert marked[first] is None and marked[second_cid] is None
    assert marked[proxy] is not None and marked[proxy].on_behalf

    _pid, pseudonym = assign(session_factory, first, staff.team_a)
    login(client, staff.nurse)
    page = html.unescape(client.get(f"/console/patients/{pseudonym}").text)
    assert page.count("Svaret af pårørende (min datter)") == 1
    assert "Scorer besvaret af pårørende" in page
    assert "Pårørende (min datter)" in page


def test_the_csv_says_who_responded_never_which_relative(
    service: Dialogue,
    session_factory: sessionmaker[Session],
    questionnaires: dict[str, Questionnaire],
) -> None:
    own = complete_who5(service, session_factory, ["1", "0", "1", "1", "0"])
    _proxy_who5(service, session_factory, own, ["5", "5", "5", "5", "5"])
    with session_scope(session_factory) as session:
        text, _included = export_csv(session, questionnaires, key=b"k" * 32)
    rows = list(csv.DictReader(io.StringIO(text)))
    by_respondent = Counter((r["respondent"], r["row_type"]) for r in rows)
    assert by_respondent == {("patient", "answer"): 5, ("patient", "score"): 1,
                             ("relative", "answer"): 5, ("relative", "score"): 1}  # fmt: skip
    assert "min datter" not in text


def test_the_worklist_shows_the_patients_own_scores_only(
    service: Dialogue,
    session_factory: sessionmaker[Session],
    questionnaires: dict[str, Questionnaire],
    settings: Settings,
) -> None:
    own = complete_who5(service, session_factory, ["5", "5", "4", "5", "5"])  # 96: green
    _proxy_who5(service, session_factory, own, ["0", "0", "0", "0", "0"])  # 0: red
    with session_scope(session_factory) as session:
        (row,) = build_rows(session, ADMIN, questionnaires, settings)
    assert [s.value for s in row.scores] == [96.0]  # the relative's 0 is on the patient page
    # An alert the relative's answers set off still counts: it is for the care team to see.
    assert row.alerts >= 1 and row.colour == "red"
