"""The user of the session cookie (bot/console/authentication.py)."""

from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import HTTPConnection
from starlette.testclient import TestClient

from bot.console.access import Staff as StaffView
from bot.console.authentication import StaffBackend
from bot.console.session import SessionData
from bot.console.state import VISIT_KEY, ConsoleState, Visit
from bot.settings import Settings
from bot.storage.console_models import ConsoleUser
from bot.storage.db import session_scope
from tests.console.conftest import Staff, login


def test_deactivated_user_is_logged_out(
    client: TestClient, staff: Staff, session_factory: sessionmaker[Session]
) -> None:
    login(client, staff.nurse)
    with session_scope(session_factory) as session:
        user = session.scalar(select(ConsoleUser).where(ConsoleUser.email == staff.nurse))
        assert user is not None
        user.active = False
    assert client.get("/console/worklist").status_code == 303


def connection(
    app_settings: Settings, session_factory: sessionmaker[Session], session: SessionData
) -> tuple[HTTPConnection, Visit]:
    """A request as the backend sees it: the session middleware has put the visit in."""
    visit = Visit(console=ConsoleState(app_settings), session=session)
    app = SimpleNamespace(state=SimpleNamespace(session_factory=session_factory))
    scope = {"type": "http", "app": app, "headers": [], VISIT_KEY: visit}
    return HTTPConnection(scope), visit


def user_named(session_factory: sessionmaker[Session], email: str) -> ConsoleUser:
    with session_scope(session_factory) as session:
        user = session.scalar(select(ConsoleUser).where(ConsoleUser.email == email))
        assert user is not None
        return user


async def test_a_visitor_without_a_user_is_anonymous(
    app_settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    conn, _visit = connection(app_settings, session_factory, SessionData())
    assert await StaffBackend().authenticate(conn) is None


async def test_the_session_user_with_scopes(
    app_settings: Settings, session_factory: sessionmaker[Session], staff: Staff
) -> None:
    for email, scopes in ((staff.nurse, ["authenticated"]),
                          (staff.admin, ["authenticated", "admin"])):  # fmt: skip
        user = user_named(session_factory, email)
        session = SessionData().logged_in(user)
        conn, visit = connection(app_settings, session_factory, session)
        result = await StaffBackend().authenticate(conn)
        assert result is not None
        credentials, found = result
        assert credentials.scopes == scopes
        assert isinstance(found, StaffView)
        assert found.is_authenticated and found.display_name == email
        assert found.identity == str(user.id)
        assert visit.session == session  # unchanged


async def test_a_session_of_another_epoch_or_user_ends(
    app_settings: Settings, session_factory: sessionmaker[Session], staff: Staff
) -> None:
    user = user_named(session_factory, staff.nurse)
    old = SessionData(user_id=user.id, epoch=user.session_epoch + 1, lang="en", login_at=1.0)
    gone = SessionData(user_id=10_000, epoch=0, login_at=1.0)
    for session in (old, gone):
        conn, visit = connection(app_settings, session_factory, session)
        assert await StaffBackend().authenticate(conn) is None
        assert visit.session.user_id is None and visit.session.nonce != session.nonce
        assert visit.session.lang == session.lang


def test_staff_sees_their_teams_only() -> None:
    coordinator = StaffView(id=1, email="c@example.org", role="coordinator",
                            team_ids=frozenset({1}))  # fmt: skip
    admin = StaffView(id=2, email="a@example.org", role="admin", team_ids=frozenset())
    assert coordinator.visible_teams == frozenset({1}) and admin.visible_teams is None
    assert coordinator.may_see(1) and not coordinator.may_see(2)
    assert not coordinator.may_see(None)
    assert admin.may_see(2) and admin.may_see(None)
