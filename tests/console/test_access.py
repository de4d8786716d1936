"""Who sees which patient: a coordinator only their own teams' patients (403 otherwise);
admins see everyone; every page but the log-in page needs a login (bot/console/access.py)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from bot.dialogue.service import Dialogue
from bot.storage.console_models import PatientProfile
from bot.storage.db import session_scope
from tests.console.conftest import Staff, assign, complete_who5, csrf_token, login, post


def test_pages_need_a_login(client: TestClient) -> None:
    for path in ("/console/", "/console/worklist", "/console/patients/P-XXXX", "/console/export",
                 "/console/population", "/console/audit", "/console/admin/users"):  # fmt: skip
        answer = client.get(path)
        assert answer.status_code == 303, path
        assert answer.headers["location"].startswith("/console/login")


def test_coordinator_of_another_team_gets_403(
    client: TestClient,
    staff: Staff,
    service: Dialogue,
    session_factory: sessionmaker[Session],
) -> None:
    cid = complete_who5(service, session_factory, ["1", "1", "1", "1", "1"])
    _pid, pseudonym = assign(session_factory, cid, staff.team_a)

    login(client, staff.other)
    assert client.get(f"/console/patients/{pseudonym}").status_code == 403
    assert client.get(f"/console/patients/{pseudonym}/access-log").status_code == 403
    for action in ("review", "export", "assign", "withdraw", "invite"):
        answer = post(client, f"/console/patients/{pseudonym}/{action}", {"note": "x"})
        assert answer.status_code == 403, action  # type: ignore[attr-defined]
    worklist = client.get("/console/worklist").text
    assert pseudonym not in worklist
    assert client.get("/console/patients/P-NOSUCH1").status_code == 404

    token = csrf_token(client, "/console/worklist")
    client.post("/console/logout", data={"csrf_token": token})
    login(client, staff.nurse)
    assert client.get(f"/console/patients/{pseudonym}").status_code == 200
    assert pseudonym in client.get("/console/worklist").text


def test_patient_without_a_team_is_seen_by_admins_only(
    client: TestClient,
    staff: Staff,
    service: Dialogue,
    session_factory: sessionmaker[Session],
) -> None:
    cid = complete_who5(service, session_factory, ["3", "3", "3", "3", "3"])
    _pid, pseudonym = assign(session_factory, cid, None)
    login(client, staff.nurse)
    assert client.get(f"/console/patients/{pseudonym}").status_code == 403
    token = csrf_token(client, "/console/worklist")
    client.post("/console/logout", data={"csrf_token": token})
    login(client, staff.admin)
    assert client.get(f"/console/patients/{pseudonym}").status_code == 200
    # The admin puts the patient in team A; then team A's coordinator sees them.
    answer = post(client, f"/console/patients/{pseudonym}/assign",
                  {"team": str(staff.team_a), "responsible": str(staff.nurse_id)})  # fmt: skip
    assert answer.status_code == 303  # type: ignore[attr-defined]
    with session_scope(session_factory) as session:
        profile = session.scalar(select(PatientProfile))
        assert profile is not None
        assert (profile.team_id, profile.responsible_user_id) == (staff.team_a, staff.nurse_id)


def test_coordinator_cannot_move_a_patient_to_a_team_they_are_not_in(
    client: TestClient,
    staff: Staff,
    service: Dialogue,
    session_factory: sessionmaker[Session],
) -> None:
    cid = complete_who5(service, session_factory, ["3", "3", "3", "3", "3"])
    _pid, pseudonym = assign(session_factory, cid, staff.team_a)
    login(client, staff.nurse)
    answer = post(client, f"/console/patients/{pseudonym}/assign", {"team": str(staff.team_b)})
    assert answer.status_code == 403  # type: ignore[attr-defined]
    answer = post(client, f"/console/patients/{pseudonym}/assign",
                  {"team": str(staff.team_a), "responsible": str(staff.nurse_id)})  # fmt: skip
    assert answer.status_code == 303  # type: ignore[attr-defined]
