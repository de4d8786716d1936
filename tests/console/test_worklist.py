"""The worklist: status, triage colour, vulnerability flags; the most in need first."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from bot.console.access import Staff as StaffView
from bot.console.worklist import Filters, WorklistRow, apply, build_rows, sort_key
from bot.dialogue.service import Dialogue
from bot.questionnaire.model import Questionnaire
from bot.settings import Settings
from bot.storage.alerts import add_alert
from bot.storage.console_models import PatientProfile
from bot.storage.db import session_scope
from bot.storage.models import Answer, Conversation, Invitation, utcnow
from bot.storage.patients import create_invitation
from bot.storage.responses import add_answer, open_response
from bot.storage.withdrawal import withdraw_patient
from tests.console.conftest import Staff, assign, complete_who5, login
from tests.console.course_helpers import enrol, set_status
from tests.helpers import answer_all, new_conversation, store_inbound

LOW = ["1", "0", "1", "1", "0"]  # WHO-5 12: red
MIDDLE = ["2", "2", "2", "2", "2"]  # 40: yellow
HIGH = ["5", "5", "4", "5", "5"]  # 96: green
ROW = re.compile(r'<tr data-pseudonym="([^"]+)"')


def admin_view() -> StaffView:
    return StaffView(id=0, email="admin@example.org", role="admin", team_ids=frozenset())


def rows_by_pseudonym(
    session_factory: sessionmaker[Session],
    questionnaires: dict[str, Questionnaire],
    settings: Settings,
    **kwargs: object,
) -> dict[str, WorklistRow]:
    with session_scope(session_factory) as session:
        rows = build_rows(session, admin_view(), questionnaires, settings, **kwargs)  # type: ignore[arg-type]
    return {row.pseudonym: row for row in rows}


def test_low_who5_scorer_comes_before_a_high_scorer(
    client: TestClient,
    staff: Staff,
    service: Dialogue,
    session_factory: sessionmaker[Session],
) -> None:
    high = complete_who5(service, session_factory, HIGH)  # the high scorer answered first
    low = complete_who5(service, session_factory, LOW)
    _, p_high = assign(session_factory, high, staff.team_a)
    _, p_low = assign(session_factory, low, staff.team_a)
    login(client, staff.nurse)
    page = client.get("/console/worklist").text
    assert ROW.findall(page) == [p_low, p_high]
    row_low = page[page.index(f'data-pseudonym="{p_low}"') :].split("</tr>")[0]
    assert "badge red" in row_low and "12" in row_low and "Stor risiko" in row_low
    row_high = page[page.index(f'data-pseudonym="{p_high}"') :].split("</tr>")[0]
    assert "badge green" in row_high


def test_red_and_vulnerable_first(
    service: Dialogue,
    session_factory: sessionmaker[Session],
    questionnaires: dict[str, Questionnaire],
    app_settings: Settings,
) -> None:
    green = complete_who5(service, session_factory, HIGH)
    green_vulnerable = complete_who5(service, session_factory, HIGH, literacy_level="guided")
    yellow = complete_who5(service, session_factory, MIDDLE)
    red = complete_who5(service, session_factory, LOW)
    red_vulnerable = complete_who5(service, session_factory, LOW, literacy_level="plain")
    names = {}
    for cid, name in [(green, "green"), (green_vulnerable, "green+flag"), (yellow, "yellow"),
                      (red, "red"), (red_vulnerable, "red+flag")]:  # fmt: skip
        _, pseudonym = assign(session_factory, cid, None)
        names[pseudonym] = name
    rows = rows_by_pseudonym(session_factory, questionnaires, app_settings)
    ordered = [names[row.pseudonym] for row in sorted(rows.values(), key=sort_key)]
    assert ordered == ["red+flag", "red", "yellow", "green+flag", "green"]
    flagged = next(r for p, r in rows.items() if names[p] == "green+flag")
    assert flagged.flags == ("low_literacy",) and flagged.vulnerable


def test_urgent_alert_comes_first_and_withdrawn_last(
    service: Dialogue,
    session_factory: sessionmaker[Session],
    questionnaires: dict[str, Questionnaire],
    app_settings: Settings,
) -> None:
    red = complete_who5(service, session_factory, LOW)
    urgent = complete_who5(service, session_factory, HIGH)
    withdrawn = complete_who5(service, session_factory, LOW)
    with session_scope(session_factory) as session:
        conversation = session.get(Conversation, urgent)
        assert conversation is not None
        add_alert(session, conversation, rule_id="phq9-item9", level="red", urgent=True,
                       message="PHQ-9 item 9 above 0.")  # fmt: skip
    p_red = assign(session_factory, red, None)[1]
    p_urgent = assign(session_factory, urgent, None)[1]
    pid, p_withdrawn = assign(session_factory, withdrawn, None)
    with session_scope(session_factory) as session:
        profile = session.get(PatientProfile, pid)
        assert profile is not None
        profile.withdrawn_at = utcnow()
    rows = rows_by_pseudonym(session_factory, questionnaires, app_settings)
    assert rows[p_urgent].urgent and rows[p_urgent].colour == "red"
    assert rows[p_withdrawn].status == "withdrawn"
    ordered = [row.pseudonym for row in sorted(rows.values(), key=sort_key)]
    assert ordered == [p_urgent, p_red, p_withdrawn]


def test_statuses_and_stalled(
    service: Dialogue,
    session_factory: sessionmaker[Session],
    questionnaires: dict[str, Questionnaire],
    app_settings: Settings,
) -> None:
    invited = new_conversation(session_factory, "who5")
    started = new_conversation(session_factory, "who5")
    answer_all(service, session_factory, started, ["3", "3"])
    completed = complete_who5(service, session_factory, HIGH)
    declined = new_conversation(session_factory, "who5", consent="declined")
    store_inbound(session_factory, declined, "nej tak")
    pseudonyms = {cid: assign(session_factory, cid, None)[1]
                  for cid in (invited, started, completed, declined)}  # fmt: skip
    rows = rows_by_pseudonym(session_factory, questionnaires, app_settings)
    assert rows[pseudonyms[invited]].status == "invited"
    assert rows[pseudonyms[started]].status == "in_progress"
    assert rows[pseudonyms[completed]].status == "completed"
    assert rows[pseudonyms[declined]].status == "withdrawn"
    assert rows[pseudonyms[started]].scores == []  # WHO-5 needs all five answers

    later = utcnow() + timedelta(days=app_settings.console_stalled_days, hours=1)
    rows = rows_by_pseudonym(session_factory, questionnaires, app_settings, now=later)
    assert rows[pseudonyms[invited]].status == "stalled"
    assert rows[pseudonyms[started]].status == "stalled"
    assert "stalled" in rows[pseudonyms[started]].flags
    assert rows[pseudonyms[completed]].status == "completed"  # done is never stalled


def test_an_unused_second_link_to_the_same_questionnaire_does_not_hold_completion(
    service: Dialogue,
    session_factory: sessionmaker[Session],
    questionnaires: dict[str, Questionnaire],
    app_settings: Settings,
) -> None:
    cid = complete_who5(service, session_factory, HIGH)
    with session_scope(session_factory) as session:
        conversation = session.get(Conversation, cid)
        assert conversation is not None
        create_invitation(session, conversation.patient, "who5", channel="telegram")
        create_invitation(session, conversation.patient, "phq9")
    _pid, pseudonym = assign(session_factory, cid, None)
    rows = rows_by_pseudonym(session_factory, questionnaires, app_settings)
    assert rows[pseudonym].status == "in_progress"  # PHQ-9 is still to do
    assert rows[pseudonym].questionnaires == ["phq9", "who5"]
    with session_scope(session_factory) as session:
        for invitation in session.scalars(
            select(Invitation).where(Invitation.questionnaire_id == "phq9")
        ):
            session.delete(invitation)
    rows = rows_by_pseudonym(session_factory, questionnaires, app_settings)
    assert rows[pseudonym].status == "completed"  # the unused Telegram link does not count


def test_no_network_and_misunderstanding_flags(
    service: Dialogue,
    session_factory: sessionmaker[Session],
    questionnaires: dict[str, Questionnaire],
    app_settings: Settings,
) -> None:
    alone = new_conversation(session_factory, "behovsvurdering")
    confused = complete_who5(service, session_factory, HIGH)
    with session_scope(session_factory) as session:
        conversation = session.get(Conversation, alone)
        assert conversation is not None
        response = open_response(session, conversation, "1.0.0")
        add_answer(session, response, Answer(
            link_id="bv-netvaerk", item_type="boolean", value_boolean=False, display="Nej",
            input_kind="button", literacy_level="standard", wording_shown="Har du nogen ...",
        ))  # fmt: skip
        other = session.get(Conversation, confused)
        assert other is not None
        add_alert(session, other, rule_id="difficulty:who5-2", level="yellow", urgent=False,
                       message="Patient had difficulty answering item who5-2.")  # fmt: skip
    p_alone = assign(session_factory, alone, None)[1]
    p_confused = assign(session_factory, confused, None)[1]
    rows = rows_by_pseudonym(session_factory, questionnaires, app_settings)
    assert rows[p_alone].flags == ("no_network",)
    assert rows[p_confused].flags == ("misunderstanding",)
    assert rows[p_confused].colour == "yellow"  # the difficulty alert is yellow


def test_filters_and_review_state(
    client: TestClient,
    staff: Staff,
    service: Dialogue,
    session_factory: sessionmaker[Session],
    questionnaires: dict[str, Questionnaire],
    app_settings: Settings,
) -> None:
    low = complete_who5(service, session_factory, LOW)
    high = complete_who5(service, session_factory, HIGH)
    p_low = assign(session_factory, low, staff.team_a, responsible_id=staff.nurse_id)[1]
    p_high = assign(session_factory, high, staff.team_b)[1]
    me = StaffView(id=staff.nurse_id, email=staff.nurse, role="coordinator",
                   team_ids=frozenset({staff.team_a}))  # fmt: skip
    with session_scope(session_factory) as session:
        rows = build_rows(session, admin_view(), questionnaires, app_settings)
    by = {row.pseudonym: row for row in rows}
    assert [r.pseudonym for r in apply(rows, Filters(colour="red"), me)] == [p_low]
    assert [r.pseudonym for r in apply(rows, Filters(team_id=staff.team_b), me)] == [p_high]
    assert [r.pseudonym for r in apply(rows, Filters(mine=True), me)] == [p_low]
    assert [r.pseudonym for r in apply(rows, Filters(status="completed"), me)] == [p_low, p_high]
    assert by[p_low].needs_review and by[p_low].responsible_email == staff.nurse

    login(client, staff.nurse)
    page = client.get("/console/worklist?colour=green").text
    assert ROW.findall(page) == []  # the green patient is in team B
    page = client.get("/console/worklist?mine=1").text
    assert ROW.findall(page) == [p_low]
    assert "?mine=1&amp;review=1" in client.get("/console/worklist").text  # my open alerts


def _overdue_patient(
    service: Dialogue,
    session_factory: sessionmaker[Session],
    questionnaires: dict[str, Questionnaire],
    codes: list[str],
) -> tuple[int, str]:
    """A patient whose first WHO-5 of the course, due ten days ago, is overdue."""
    pid, pseudonym = assign(session_factory, complete_who5(service, session_factory, codes), None)
    enrolment = enrol(session_factory, questionnaires, pid, utcnow() - timedelta(days=10))
    set_status(session_factory, enrolment, 1, "overdue")
    return pid, pseudonym


def test_an_overdue_course_is_forsinket_after_urgent_and_red(
    client: TestClient,
    staff: Staff,
    service: Dialogue,
    session_factory: sessionmaker[Session],
    questionnaires: dict[str, Questionnaire],
    app_settings: Settings,
) -> None:
    green = assign(session_factory, complete_who5(service, session_factory, HIGH), None)[1]
    yellow = assign(session_factory, complete_who5(service, session_factory, MIDDLE), None)[1]
    _, overdue = _overdue_patient(service, session_factory, questionnaires, HIGH)
    red = assign(session_factory, complete_who5(service, session_factory, LOW), None)[1]
    urgent_cid = complete_who5(service, session_factory, HIGH)
    with session_scope(session_factory) as session:
        conversation = session.get(Conversation, urgent_cid)
        assert conversation is not None
        add_alert(session, conversation, rule_id="phq9-item9", level="red", urgent=True,
                  message="PHQ-9 item 9 above 0.")  # fmt: skip
    urgent = assign(session_factory, urgent_cid, None)[1]
    # A course that is only due (not yet past its overdue time) is not late.
    pid_due, due = assign(session_factory, complete_who5(service, session_factory, HIGH), None)
    set_status(session_factory, enrol(session_factory, questionnaires, pid_due, utcnow()), 1,
               "due")  # fmt: skip
    rows = rows_by_pseudonym(session_factory, questionnaires, app_settings)
    assert rows[overdue].status == "overdue" and rows[due].status == "completed"
    ordered = [row.pseudonym for row in sorted(rows.values(), key=sort_key)]
    assert ordered[:4] == [urgent, red, overdue, yellow]
    assert set(ordered[4:]) == {green, due}

    login(client, staff.admin)
    page = client.get("/console/worklist").text
    row = page[page.index(f'data-pseudonym="{overdue}"') :].split("</tr>")[0]
    assert "Forsinket" in row and "WHO-5 Trivselsindeks nr. 1" in row
    assert "forsinket siden" in row
    assert "Forsinket" not in page[page.index(f'data-pseudonym="{due}"') :].split("</tr>")[0]
    filtered = client.get("/console/worklist?status=overdue").text
    assert ROW.findall(filtered) == [overdue]


def test_a_withdrawn_patient_is_never_forsinket(
    service: Dialogue,
    session_factory: sessionmaker[Session],
    questionnaires: dict[str, Questionnaire],
    app_settings: Settings,
) -> None:
    pid, pseudonym = _overdue_patient(service, session_factory, questionnaires, LOW)
    assert rows_by_pseudonym(session_factory, questionnaires, app_settings)[pseudonym].status == (
        "overdue")  # fmt: skip
    with session_scope(session_factory) as session:
        profile = session.get(PatientProfile, pid)
        assert profile is not None
        profile.withdrawn_at = utcnow()
    row = rows_by_pseudonym(session_factory, questionnaires, app_settings)[pseudonym]
    assert row.status == "withdrawn" and row.overdue is None


def test_the_worklist_makes_as_many_queries_for_many_patients_as_for_one(
    service: Dialogue,
    session_factory: sessionmaker[Session],
    questionnaires: dict[str, Questionnaire],
    app_settings: Settings,
) -> None:
    engine = session_factory.kw["bind"]
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    def queries() -> int:
        statements.clear()
        event.listen(engine, "before_cursor_execute", count)
        try:
            rows = rows_by_pseudonym(session_factory, questionnaires, app_settings)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        assert {row.status for row in rows.values()} == {"overdue"}
        return len(statements)

    _overdue_patient(service, session_factory, questionnaires, LOW)
    one = queries()
    for codes in (HIGH, MIDDLE, LOW):
        _overdue_patient(service, session_factory, questionnaires, codes)
    assert queries() == one


def test_a_patient_who_withdrew_in_the_chat_shows_udtraadt_with_the_time(
    client: TestClient,
    staff: Staff,
    service: Dialogue,
    session_factory: sessionmaker[Session],
    questionnaires: dict[str, Questionnaire],
    app_settings: Settings,
) -> None:
    cid = complete_who5(service, session_factory, MIDDLE)
    pid, pseudonym = assign(session_factory, cid, staff.team_a)
    with session_scope(session_factory) as session:
        withdrawal = withdraw_patient(session, pid, actor="patient")
    row = rows_by_pseudonym(session_factory, questionnaires, app_settings)[pseudonym]
    assert row.status == "withdrawn" and row.withdrawn_at == withdrawal.at
    login(client, staff.nurse)
    page = client.get("/console/worklist").text
    cells = page.split(f'<tr data-pseudonym="{pseudonym}">', 1)[1].split("</tr>", 1)[0]
    assert "Udtrådt" in cells
    assert re.search(r'Udtrådt</span><br><span class="hint">[^<]*\d', cells), cells
