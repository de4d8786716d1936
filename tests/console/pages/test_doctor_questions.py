"""The patient page's "Til samtalen" and marking a question handled
(bot/console/pages/doctor_questions.py): open questions with a form each, handled ones with
who/when/note, escaped; CSRF, team visibility and the audit (no question text in it); the
worklist's count of open questions."""

from __future__ import annotations

import html

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from bot.dialogue.service import Dialogue
from bot.storage.db import session_scope
from bot.storage.doctor_questions import add_question
from bot.storage.models import AuditEvent, Conversation
from bot.storage.question_models import DoctorQuestion
from tests.console.conftest import Staff, assign, complete_who5, events, login, post

HOSTILE = "<script>alert(1)</script> må jeg cykle?"


def _questions(session_factory: sessionmaker[Session], cid: str, *texts: str) -> list[str]:
    """Write questions down for the conversation's patient; their public ids."""
    with session_scope(session_factory) as session:
        conversation = session.get(Conversation, cid)
        assert conversation is not None
        return [add_question(session, conversation, t, source="asked").public_id for t in texts]


def _row(session_factory: sessionmaker[Session], public_id: str) -> DoctorQuestion:
    with session_scope(session_factory) as session:
        found = session.scalar(select(DoctorQuestion).where(DoctorQuestion.public_id == public_id))
        assert found is not None
        return found


def _section(page: str) -> str:
    start = page.index('id="consultation"')
    return page[start : page.index("</section>", start)]


def test_open_questions_are_listed_with_a_form_and_handled_ones_with_who_and_note(
    client: TestClient, staff: Staff, service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    cid = complete_who5(service, session_factory, ["3", "3", "3", "3", "3"])
    pid, pseudonym = assign(session_factory, cid, staff.team_a)
    first, second = _questions(session_factory, cid, HOSTILE, "hvor længe varer kuren?")
    login(client, staff.nurse)
    page = client.get(f"/console/patients/{pseudonym}").text
    section = _section(page)
    assert "Til samtalen" in section
    assert "<script>" not in section and html.escape("<script>") in section
    assert section.count("Markér som klaret") == 2
    action = f"/console/patients/{pseudonym}/questions/{first}/handle"
    assert f'action="{action}"' in section

    answer = post(
        client, action, {"note": "Svar givet <b>i dag</b>"}, page=f"/console/patients/{pseudonym}"
    )
    assert answer.status_code == 303  # type: ignore[attr-defined]
    assert answer.headers["location"].endswith("done=question_handled")  # type: ignore[attr-defined]
    row = _row(session_factory, first)
    assert (row.handled_by, row.handled_note) == (staff.nurse, "Svar givet <b>i dag</b>")
    assert row.handled_at is not None and _row(session_factory, second).handled_at is None

    page = client.get(f"/console/patients/{pseudonym}?done=question_handled").text
    section = _section(page)
    assert "Spørgsmålet er markeret som klaret." in section
    assert section.count("Markér som klaret") == 1  # only the open one has a form
    handled = section[section.index("Klarede spørgsmål") :]
    assert staff.nurse in handled and html.escape("<b>i dag</b>") in handled
    assert ("nurse@example.org", "doctor_question.handle") in events(session_factory, pid)
    with session_scope(session_factory) as session:
        details = session.scalars(
            select(AuditEvent.detail).where(AuditEvent.action == "doctor_question.handle")
        ).all()
    assert len(details) == 1 and "cykle" not in str(details) and "i dag" not in str(details)


def test_a_second_press_changes_nothing_and_is_not_audited_again(
    client: TestClient, staff: Staff, service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    cid = complete_who5(service, session_factory, ["3", "3", "3", "3", "3"])
    pid, pseudonym = assign(session_factory, cid, staff.team_a)
    (public_id,) = _questions(session_factory, cid, "må jeg cykle?")
    login(client, staff.admin)
    action = f"/console/patients/{pseudonym}/questions/{public_id}/handle"
    post(client, action, {"note": "først"})
    post(client, action, {"note": "igen"})
    assert _row(session_factory, public_id).handled_note == "først"
    assert [a for _, a in events(session_factory, pid) if a == "doctor_question.handle"] == [
        "doctor_question.handle"
    ]


def test_handling_needs_the_csrf_token_and_the_patients_team(
    client: TestClient, staff: Staff, service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    cid = complete_who5(service, session_factory, ["3", "3", "3", "3", "3"])
    _pid, pseudonym = assign(session_factory, cid, staff.team_a)
    (public_id,) = _questions(session_factory, cid, "må jeg cykle?")
    action = f"/console/patients/{pseudonym}/questions/{public_id}/handle"
    login(client, staff.nurse)
    assert client.post(action, data={"note": "x"}).status_code == 403  # no CSRF token
    client.cookies.clear()
    login(client, staff.other)  # team B
    assert post(client, action, {"note": "x"}).status_code == 403  # type: ignore[attr-defined]
    assert _row(session_factory, public_id).handled_at is None


def test_another_patients_question_is_not_found(
    client: TestClient, staff: Staff, service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    mine = complete_who5(service, session_factory, ["3", "3", "3", "3", "3"])
    theirs = complete_who5(service, session_factory, ["3", "3", "3", "3", "3"])
    _pid, pseudonym = assign(session_factory, mine, staff.team_a)
    assign(session_factory, theirs, staff.team_a)
    (public_id,) = _questions(session_factory, theirs, "må jeg cykle?")
    login(client, staff.nurse)
    answer = post(client, f"/console/patients/{pseudonym}/questions/{public_id}/handle", {})
    assert answer.status_code == 404  # type: ignore[attr-defined]
    assert _row(session_factory, public_id).handled_at is None


def test_no_questions_says_so(
    client: TestClient, staff: Staff, service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    cid = complete_who5(service, session_factory, ["3", "3", "3", "3", "3"])
    _pid, pseudonym = assign(session_factory, cid, staff.team_a)
    login(client, staff.nurse)
    section = _section(client.get(f"/console/patients/{pseudonym}").text)
    assert "Patienten har ikke skrevet nogen spørgsmål til lægen." in section


def test_the_worklist_counts_the_open_questions(
    client: TestClient, staff: Staff, service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    asking = complete_who5(service, session_factory, ["3", "3", "3", "3", "3"])
    quiet = complete_who5(service, session_factory, ["3", "3", "3", "3", "3"])
    _pid, asking_pseudonym = assign(session_factory, asking, staff.team_a)
    _pid, quiet_pseudonym = assign(session_factory, quiet, staff.team_a)
    first, _second = _questions(session_factory, asking, "a?", "b?")
    login(client, staff.nurse)
    page = client.get("/console/worklist").text

    def cell(pseudonym: str, text: str) -> str:
        start = text.index(f'data-pseudonym="{pseudonym}"')
        return text[start : text.index("</th>", start)]

    assert "Spørgsmål til samtalen: 2" in cell(asking_pseudonym, page)
    assert "Spørgsmål til samtalen" not in cell(quiet_pseudonym, page)
    post(client, f"/console/patients/{asking_pseudonym}/questions/{first}/handle", {})
    assert "Spørgsmål til samtalen: 1" in cell(
        asking_pseudonym, client.get("/console/worklist").text
    )
