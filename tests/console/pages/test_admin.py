"""Admin pages: users, teams and the audit log (bot/console/pages/admin.py)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from bot.dialogue.service import Dialogue
from bot.storage.console_models import ConsoleUser
from bot.storage.db import session_scope
from tests.console.conftest import PASSWORD, Staff, assign, complete_who5, login, post


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


def test_admin_audit_log_page(
    client: TestClient,
    staff: Staff,
    service: Dialogue,
    session_factory: sessionmaker[Session],
) -> None:
    cid = complete_who5(service, session_factory, ["1", "0", "1", "1", "0"])
    _pid, pseudonym = assign(session_factory, cid, staff.team_a)
    login(client, staff.nurse)
    client.get(f"/console/patients/{pseudonym}")
    client.cookies.clear()
    login(client, staff.admin)
    page = client.get("/console/audit").text
    assert "patient.view" in page and staff.nurse in page and pseudonym in page
    filtered = client.get(f"/console/audit?patient={pseudonym}&action=patient.").text
    assert "patient.view" in filtered and "login" not in filtered.split("<tbody>")[1]
    assert client.get("/console/audit?actor=nobody").text.count("<tr>") == 2  # head + "nothing"
