"""Who sees which patient: a coordinator only their own teams' patients (403 otherwise);
admins see everyone and manage users and teams."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from bot.conversation import ConversationService
from bot.storage.console_models import ConsoleUser, PatientProfile
from bot.storage.db import session_scope
from tests.console.conftest import PASSWORD, Staff, assign, complete_who5, csrf_token, login, post


def test_pages_need_a_login(client: TestClient) -> None:
    for path in ("/console/", "/console/worklist", "/console/patients/P-XXXX", "/console/export",
                 "/console/population", "/console/audit", "/console/admin/users"):  # fmt: skip
        answer = client.get(path)
        assert answer.status_code == 303, path
        assert answer.headers["location"].startswith("/console/login")


def test_coordinator_of_another_team_gets_403(
    client: TestClient,
    staff: Staff,
    service: ConversationService,
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
    service: ConversationService,
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
    service: ConversationService,
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


def test_admin_pages_are_for_admins(client: TestClient, staff: Staff) -> None:
    login(client, staff.nurse)
    for path in ("/console/audit", "/console/admin/users", "/console/admin/teams"):
        assert client.get(path).status_code == 403, path
    assert 'href="/console/audit"' not in client.get("/console/worklist").text


def test_admin_manages_users_and_teams(
    client: TestClient, staff: Staff, session_factory: sessionmaker[Session]
) -> None:
    login(client, staff.admin)
    page = "/console/admin/teams"
    answer = post(client, page, {"name": "Team C"}, page=page)
    assert answer.status_code == 303  # type: ignore[attr-defined]
    assert "Team C" in client.get(page).text
    assert post(client, page, {"name": "Team C"}, page=page).status_code == 400  # type: ignore[attr-defined]

    with session_scope(session_factory) as session:
        from bot.storage.console_models import Team

        team_c = session.scalar(select(Team).where(Team.name == "Team C"))
        assert team_c is not None
        team_c_id = team_c.id
    users = "/console/admin/users"
    answer = post(client, users, {"email": "new@example.org", "password": "short",
                                  "role": "coordinator"}, page=users)  # fmt: skip
    assert answer.status_code == 400  # type: ignore[attr-defined]
    answer = post(client, users, {"email": "new@example.org", "password": PASSWORD,
                                  "role": "coordinator", "teams": str(team_c_id)}, page=users)  # fmt: skip
    assert answer.status_code == 303  # type: ignore[attr-defined]
    with session_scope(session_factory) as session:
        user = session.scalar(select(ConsoleUser).where(ConsoleUser.email == "new@example.org"))
        assert user is not None and [t.name for t in user.teams] == ["Team C"]
        user_id = user.id
    # Deactivate the new user; the admin cannot deactivate themself.
    answer = post(client, f"{users}/{user_id}", {"role": "coordinator"}, page=users)
    assert answer.status_code == 303  # type: ignore[attr-defined]
    with session_scope(session_factory) as session:
        user = session.get(ConsoleUser, user_id)
        assert user is not None and not user.active and user.teams == []
        admin = session.scalar(select(ConsoleUser).where(ConsoleUser.email == staff.admin))
        assert admin is not None
        admin_id = admin.id
    answer = post(client, f"{users}/{admin_id}", {"role": "admin"}, page=users)
    assert answer.status_code == 400  # type: ignore[attr-defined]
