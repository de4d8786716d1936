"""The patient page's "Pårørende" (bot/console/pages/relatives.py, _relatives.html): a
coordinator invites a relative (the link shown once), gives a new link, takes the access away;
statuses and the patient's yes shown; CSRF, team visibility and the audit."""

from __future__ import annotations

import html
import re

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from bot.dialogue.service import Dialogue
from bot.storage.db import session_scope
from bot.storage.models import Patient
from bot.storage.patients import invitation_by_token, web_link_gone
from bot.storage.relative_models import Relative
from bot.storage.relatives import invite_relative, record_relative_consent
from tests.console.conftest import Staff, assign, complete_who5, events, login, post

LINK = re.compile(r'id="relative-link">[^<]*/chat/([A-Za-z0-9_-]+)<')


def _patient(
    service: Dialogue, session_factory: sessionmaker[Session], staff: Staff
) -> tuple[int, str]:
    cid = complete_who5(service, session_factory, ["3", "3", "3", "3", "3"])
    return assign(session_factory, cid, staff.team_a)


def _section(page: str) -> str:
    start = page.index('id="relatives"')
    return html.unescape(page[start : page.index("</section>", start)])


def _relatives(session_factory: sessionmaker[Session], patient_id: int) -> list[Relative]:
    with session_scope(session_factory) as session:
        return list(
            session.scalars(
                select(Relative).where(Relative.patient_id == patient_id).order_by(Relative.id)
            )
        )


def test_a_coordinator_invites_a_relative_and_sees_the_link_once(
    client: TestClient, staff: Staff, service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    pid, pseudonym = _patient(service, session_factory, staff)
    login(client, staff.nurse)
    patient_page = f"/console/patients/{pseudonym}"
    assert "Patienten har ikke inviteret nogen pårørende." in _section(client.get(patient_page).text)
    done = post(client, f"{patient_page}/relatives/invite", {"relation": "datter"},
                page=patient_page)  # fmt: skip
    assert done.status_code == 200  # type: ignore[attr-defined]
    match = LINK.search(done.text)  # type: ignore[attr-defined]
    assert match, done.text  # type: ignore[attr-defined]
    (relative,) = _relatives(session_factory, pid)
    assert relative.relation == "datter" and relative.invited_by == staff.nurse
    assert not relative.may_answer_for_patient  # only the patient says yes, in the chat
    with session_scope(session_factory) as session:
        invitation = invitation_by_token(session, match.group(1))
        assert invitation is not None and invitation.relative_id == relative.id
    assert (staff.nurse, "relative.invite") in events(session_factory, pid)
    section = _section(client.get(patient_page).text)
    assert "datter" in section and "Inviteret" in section and "af afdelingen" in section
    assert "Fjern adgang" in section and match.group(1) not in section  # never reprinted


def test_a_name_typed_as_the_relation_is_not_stored(
    client: TestClient, staff: Staff, service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    pid, pseudonym = _patient(service, session_factory, staff)
    login(client, staff.nurse)
    page = f"/console/patients/{pseudonym}"
    post(client, f"{page}/relatives/invite", {"relation": "Hanne Olsen"}, page=page)
    assert [r.relation for r in _relatives(session_factory, pid)] == ["pårørende"]


def test_inviting_needs_the_csrf_token_and_the_patients_team(
    client: TestClient, staff: Staff, service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    pid, pseudonym = _patient(service, session_factory, staff)
    action = f"/console/patients/{pseudonym}/relatives/invite"
    login(client, staff.nurse)
    assert client.post(action, data={"relation": "søn"}).status_code == 403  # no CSRF token
    other = TestClient(client.app, follow_redirects=False)
    login(other, staff.other)
    assert post(other, action, {"relation": "søn"}).status_code == 403  # type: ignore[attr-defined]
    assert _relatives(session_factory, pid) == []


def test_removing_access_closes_the_relatives_link(
    client: TestClient, staff: Staff, service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    pid, pseudonym = _patient(service, session_factory, staff)
    with session_scope(session_factory) as session:
        patient = session.get_one(Patient, pid)
        issued = invite_relative(
            session, patient, "min søn", invited_by="patient", may_answer_for_patient=True
        )
        record_relative_consent(session, issued.relative, True)
        public_id = issued.relative.public_id
    login(client, staff.nurse)
    page = f"/console/patients/{pseudonym}"
    section = _section(client.get(page).text)
    assert "Samtykke givet" in section and "Ja, siden" in section and "af patienten" in section
    answer = post(client, f"{page}/relatives/{public_id}/revoke", {}, page=page)
    assert answer.status_code == 303  # type: ignore[attr-defined]
    assert answer.headers["location"].endswith("done=relative_revoked")  # type: ignore[attr-defined]
    (relative,) = _relatives(session_factory, pid)
    assert relative.revoked_at is not None and relative.revoked_by == staff.nurse
    assert not relative.may_answer_for_patient
    with session_scope(session_factory) as session:
        invitation = invitation_by_token(session, issued.token)
        assert invitation is not None and web_link_gone(invitation, 90)
    assert (staff.nurse, "relative.revoke") in events(session_factory, pid)
    section = _section(client.get(f"{page}?done=relative_revoked").text)
    assert "Adgang fjernet" in section and "Linket virker ikke længere" in section
    assert "Fjern adgang</button>" not in section


def test_a_new_link_replaces_a_lost_one(
    client: TestClient, staff: Staff, service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    pid, pseudonym = _patient(service, session_factory, staff)
    with session_scope(session_factory) as session:
        issued = invite_relative(session, session.get_one(Patient, pid), "min mor",
                                 invited_by="patient")  # fmt: skip
        public_id = issued.relative.public_id
    login(client, staff.nurse)
    page = f"/console/patients/{pseudonym}"
    done = post(client, f"{page}/relatives/{public_id}/link", {}, page=page)
    match = LINK.search(done.text)  # type: ignore[attr-defined]
    assert match
    with session_scope(session_factory) as session:
        old, new = invitation_by_token(session, issued.token), invitation_by_token(
            session, match.group(1)
        )
        assert old is not None and web_link_gone(old, 90)
        assert new is not None and not web_link_gone(new, 90)
    assert (staff.nurse, "relative.link") in events(session_factory, pid)
    unknown = post(client, f"{page}/relatives/nosuchrelative/link", {}, page=page)
    assert unknown.status_code == 404  # type: ignore[attr-defined]


def test_patients_are_never_invited_to_the_relatives_questionnaire(
    client: TestClient, staff: Staff, service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    _pid, pseudonym = _patient(service, session_factory, staff)
    login(client, staff.nurse)
    assert 'value="paarorende"' not in client.get("/console/invite").text
    assert 'value="paarorende"' not in client.get(f"/console/patients/{pseudonym}").text
