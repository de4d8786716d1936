"""Starlette authentication for the console: the user of the session cookie.

``AuthenticationMiddleware`` with this backend sets ``request.user`` (a ``Staff``, or
Starlette's ``UnauthenticatedUser``) and ``request.auth.scopes`` ("authenticated", plus "admin"
for admins), which the pages check with ``@requires``. A cookie of a user who was deactivated,
logged out elsewhere or changed their password (another session epoch) ends the session.
"""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker
from starlette.authentication import AuthCredentials, AuthenticationBackend, BaseUser
from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection

from bot.console.access import Staff
from bot.console.session import SessionData
from bot.console.state import visit_of
from bot.storage.db import session_scope
from bot.storage.staff import user_by_id


class StaffBackend(AuthenticationBackend):
    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, BaseUser] | None:
        visit = visit_of(conn)
        if visit.session.user_id is None:
            return None
        staff = await run_in_threadpool(
            staff_of_session, conn.app.state.session_factory, visit.session
        )
        if staff is None:
            visit.session = visit.session.logged_out()
            return None
        return AuthCredentials(staff.scopes), staff


def staff_of_session(factory: sessionmaker[Session], session: SessionData) -> Staff | None:
    """The session's user if the account is active and the session's epoch is current."""
    if session.user_id is None:
        return None
    with session_scope(factory) as db:
        user = user_by_id(db, session.user_id)
        if user is None or not user.active or user.session_epoch != session.epoch:
            return None
        return Staff.of(user)
