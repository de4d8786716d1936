"""The patient page's "Patientens præferencer" and its "Send forberedelse" button
(bot/console/pages/preparation.py, bot/console/templates/_preferences.html): "Ingen
forberedelse endnu" before; the POST needs the CSRF token and a user who may see the patient,
is audited, and opens a preparation due now; a second press sends nothing new; a withdrawn
patient gets nothing; once answered, the page shows the answers at the top."""

from __future__ import annotations

import html

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from bot.course.preparation import PLAN_ID
from bot.dialogue.service import Dialogue
from bot.storage.console_models import PatientProfile
from bot.storage.course_conversations import course_conversation
from bot.storage.course_models import Enrolment, Occurrence
from bot.storage.db import session_scope
from bot.storage.models import Conversation, utcnow
from tests.console.conftest import Staff, assign, complete_who5, events, login, post
from tests.console.preparation_helpers import WHAT_MATTERS, answer_preparation


def _patient(
    service: Dialogue, session_factory: sessionmaker[Session], staff: Staff
) -> tuple[str, int, str]:
    cid = complete_who5(service, session_factory, ["3", "3", "3", "3", "3"])
    patient_id, pseudonym = assign(session_factory, cid, staff.team_a)
    return cid, patient_id, pseudonym


def _open_preparations(session_factory: sessionmaker[Session], patient_id: int) -> list[str]:
    with session_scope(session_factory) as session:
        return list(
            session.scalars(
                select(Occurrence.status)
                .join(Enrolment, Enrolment.id == Occurrence.enrolment_id)
                .where(Enrolment.patient_id == patient_id, Enrolment.plan_id == PLAN_ID)
                .order_by(Occurrence.sequence)
            )
        )


def test_the_page_says_no_preparation_yet_and_offers_to_send_one(
    client: TestClient, staff: Staff, service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    _cid, _pid, pseudonym = _patient(service, session_factory, staff)
    login(client, staff.nurse)
    page = html.unescape(client.get(f"/console/patients/{pseudonym}").text)
    top = page[page.index("<h1") : page.index('id="summary-title"')]
    assert "Patientens præferencer" in top
    assert "Ingen forberedelse endnu" in top
    assert "Send forberedelse" in top


def test_sending_needs_the_csrf_token_and_a_user_who_may_see_the_patient(
    client: TestClient, staff: Staff, service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    _cid, patient_id, pseudonym = _patient(service, session_factory, staff)
    login(client, staff.nurse)
    answer = client.post(f"/console/patients/{pseudonym}/preparation", data={})
    assert answer.status_code == 403
    client.post("/console/logout", data={})
    other = TestClient(client.app, follow_redirects=False)
    login(other, staff.other)  # a coordinator of team B
    answer = post(other, f"/console/patients/{pseudonym}/preparation", {})
    assert answer.status_code == 403  # type: ignore[attr-defined]
    assert _open_preparations(session_factory, patient_id) == []


def test_sending_opens_a_preparation_due_now_audited_once(
    client: TestClient, staff: Staff, service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    cid, patient_id, pseudonym = _patient(service, session_factory, staff)
    login(client, staff.nurse)
    answer = post(client, f"/console/patients/{pseudonym}/preparation", {})
    assert answer.status_code == 303  # type: ignore[attr-defined]
    location = answer.headers["location"]  # type: ignore[attr-defined]
    assert location == f"/console/patients/{pseudonym}?done=preparation-sent"
    assert "Forberedelsen er sendt" in html.unescape(client.get(location).text)
    assert _open_preparations(session_factory, patient_id) == ["due"]
    assert (staff.nurse, "patient.preparation") in events(session_factory, patient_id)
    # The patient's link now opens the preparation.
    with session_scope(session_factory) as session:
        conversation = session.get(Conversation, cid)
        assert conversation is not None
        assert course_conversation(session, conversation).questionnaire_id == "forberedelse"

    again = post(client, f"/console/patients/{pseudonym}/preparation", {})
    location = again.headers["location"]  # type: ignore[attr-defined]
    assert location.endswith("done=preparation-open")
    assert "En forberedelse venter allerede" in html.unescape(client.get(location).text)
    assert _open_preparations(session_factory, patient_id) == ["due"]
    actions = [a for _, a in events(session_factory, patient_id) if a == "patient.preparation"]
    assert len(actions) == 2  # every press is in the audit log, also the one that did nothing


def test_a_withdrawn_patient_is_sent_nothing(
    client: TestClient, staff: Staff, service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    _cid, patient_id, pseudonym = _patient(service, session_factory, staff)
    with session_scope(session_factory) as session:
        profile = session.scalar(
            select(PatientProfile).where(PatientProfile.patient_id == patient_id)
        )
        assert profile is not None
        profile.withdrawn_at = utcnow()
    login(client, staff.nurse)
    page = html.unescape(client.get(f"/console/patients/{pseudonym}").text)
    assert "Patienten er udtrådt. Der sendes ikke mere til patienten." in page
    assert "Send forberedelse" not in page
    # A form posted from a page opened before the withdrawal sends nothing either.
    answer = post(client, f"/console/patients/{pseudonym}/preparation", {})
    location = answer.headers["location"]  # type: ignore[attr-defined]
    assert location.endswith("done=preparation-withdrawn")
    assert "Patienten er udtrådt. Der er ikke sendt noget." in html.unescape(
        client.get(location).text
    )
    assert _open_preparations(session_factory, patient_id) == []


def test_the_answered_preparation_is_shown_at_the_top(
    client: TestClient, staff: Staff, service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    cid, patient_id, pseudonym = _patient(service, session_factory, staff)
    login(client, staff.nurse)
    post(client, f"/console/patients/{pseudonym}/preparation", {})
    with session_scope(session_factory) as session:
        conversation = session.get(Conversation, cid)
        assert conversation is not None
        preparation_id = course_conversation(session, conversation).id
    answer_preparation(service, session_factory, preparation_id)
    assert _open_preparations(session_factory, patient_id) == ["answered"]
    page = html.unescape(client.get(f"/console/patients/{pseudonym}").text)
    top = page[page.index("<h1") : page.index('id="summary-title"')]
    assert "Ingen forberedelse endnu" not in top
    for shown in (WHAT_MATTERS, "Har jeg virkelig brug for det?",
                  "Er der enklere eller mere sikre muligheder?", "Det vigtigste",
                  "Vi bestemmer sammen", "Fra forberedelsen besvaret"):  # fmt: skip
        assert shown in top, shown
    assert "Hvad er fordele og ulemper?" not in top  # answered no
