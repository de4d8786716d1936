"""The population report: completion, time to complete and scores by group
(bot/console/population.py)."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from bot.console import population
from bot.console.access import Staff as StaffView
from bot.console.response_rates import response_rates
from bot.dialogue.service import Dialogue
from bot.questionnaire.model import Questionnaire
from bot.storage.console_models import PatientProfile
from bot.storage.db import session_scope
from bot.storage.models import Conversation, utcnow
from bot.storage.patients import create_invitation, create_patient
from bot.storage.population_queries import course_outcomes
from tests.console.conftest import Staff, assign, complete_who5, login
from tests.console.course_helpers import enrol, set_status
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


def _course_patients(
    session_factory: sessionmaker[Session],
    questionnaires: dict[str, Questionnaire],
    site: str,
    outcomes: list[list[str]],
    team_id: int | None = None,
) -> None:
    """One patient per entry, enrolled in WHO-5 every 14 days on 20 March 2026 (so the first
    occurrence is due in March, the second and third in April), each occurrence given the
    entry's statuses in order."""
    for statuses in outcomes:
        with session_scope(session_factory) as session:
            patient = create_patient(session)
            session.add(PatientProfile(patient_id=patient.id, site=site, team_id=team_id))
            session.flush()
            patient_id = patient.id
        enrolment = enrol(session_factory, questionnaires, patient_id, ENROLLED)
        for sequence, status in enumerate(statuses, start=1):
            set_status(session_factory, enrolment, sequence, status)


ENROLLED = datetime(2026, 3, 20, 9, tzinfo=UTC)


def test_response_rate_per_occurrence_and_site_with_small_groups_suppressed(
    client: TestClient,
    staff: Staff,
    session_factory: sessionmaker[Session],
    questionnaires: dict[str, Questionnaire],
) -> None:
    aarhus = [
        ["answered", "answered", "answered"],
        ["answered", "answered", "answered"],
        ["answered", "answered"],
        ["answered", "missed"],
        ["answered", "overdue", "due"],  # an open occurrence has no outcome yet
    ]
    _course_patients(session_factory, questionnaires, "Aarhus", aarhus, staff.team_a)
    _course_patients(session_factory, questionnaires, "Odense",
                     [["answered"], ["answered", "missed"]], staff.team_a)  # fmt: skip
    # Team B's patients are not the nurse's (the admin below sees them).
    _course_patients(session_factory, questionnaires, "Vejle", [["missed"]] * 5, staff.team_b)
    admin = StaffView(id=0, email="a@example.org", role="admin", team_ids=frozenset())
    start, end = datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 5, 1, tzinfo=UTC)
    with session_scope(session_factory) as session:
        outcomes = course_outcomes(session, admin.visible_teams, start=start, end=end)
    rates = response_rates(outcomes, questionnaires, {}, UTC, no_site="?")
    by_occurrence = {g.sequence: g for g in rates.by_occurrence}
    first, second, third = by_occurrence[1], by_occurrence[2], by_occurrence[3]
    assert (len(first.patients), first.answered, first.missed) == (12, 7, 5)
    assert first.rate == 7 / 12
    assert (second.answered, second.missed, second.overdue) == (3, 2, 1)
    assert second.rate == 3 / 6
    assert len(third.patients) == 2 and third.suppressed and third.rate is None
    sites = {(g.site, g.month): g for g in rates.by_site_month}
    assert sites[("Aarhus", "2026-03")].rate == 1.0
    assert sites[("Aarhus", "2026-04")].rate == 5 / 7
    assert sites[("Odense", "2026-03")].suppressed and sites[("Odense", "2026-03")].rate is None
    assert sites[("Vejle", "2026-03")].rate == 0.0  # five patients: shown

    login(client, staff.nurse)
    page = html.unescape(client.get("/console/population?from=2026-03-01&to=2026-04-30").text)
    table = page[page.index('id="rates-by-occurrence"') :].split("</table>")[0]
    rows = table.split("<tr")[2:]
    assert "WHO-5 Trivselsindeks nr. 1" in rows[0] and "100 %" in rows[0]  # team A only
    assert "WHO-5 Trivselsindeks nr. 2" in rows[1] and "50 %" in rows[1]
    assert 'data-suppressed="yes"' in rows[2] and "Færre end 5 patienter" in rows[2]
    assert "%" not in rows[2]
    by_site = page[page.index('id="rates-by-site"') :].split("</table>")[0]
    assert "Vejle" not in by_site and "71 %" in by_site
    odense = by_site[by_site.index("Odense") :].split("</tr>")[0]
    assert "Færre end 5 patienter" in odense and "%" not in odense
