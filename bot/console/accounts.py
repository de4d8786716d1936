"""Staff accounts and log-in.

A new user gets an argon2id password hash; teams named for them are created when they do not
exist yet. A log-in is refused without checking the password after
``console_login_max_failures`` failures for one e-mail from one IP address within
``console_login_window_minutes``; failures are rows in the database, so all app workers
share them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from bot.console.passwords import (
    AccountError,
    check_password_rules,
    hash_password,
    needs_rehash,
    verify_nothing,
    verify_password,
)
from bot.settings import Settings
from bot.storage import staff
from bot.storage.console_models import ROLES, ConsoleUser, Team
from bot.storage.models import utcnow


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    if "@" not in email or len(email) > 254 or any(c.isspace() for c in email):
        raise AccountError("not an e-mail address")
    return email


def create_user(
    session: Session,
    email: str,
    password: str,
    *,
    role: str = "coordinator",
    teams: list[str] | None = None,
    locale: str | None = None,
) -> ConsoleUser:
    """A new staff user in the teams of these names (created when they do not exist yet)."""
    email = normalise_email(email)
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r} (use {' or '.join(ROLES)})")
    check_password_rules(password)
    if staff.user_by_email(session, email) is not None:
        raise AccountError(f"a user {email} exists already")
    members_of: list[Team] = []
    for name in teams or []:
        team = staff.team_named(session, name, create=True)
        if team is not None and team not in members_of:
            members_of.append(team)
    return staff.add_user(
        session,
        email=email,
        password_hash=hash_password(password),
        role=role,
        locale=locale,
        teams=members_of,
    )


def set_password(user: ConsoleUser, password: str) -> None:
    """A new password ends every session of the user."""
    check_password_rules(password)
    user.password_hash = hash_password(password)
    user.end_sessions()


@dataclass(frozen=True)
class LoginResult:
    user: ConsoleUser | None
    blocked: bool = False


def login_blocked(session: Session, settings: Settings, email: str, ip: str) -> bool:
    since = utcnow() - timedelta(minutes=settings.console_login_window_minutes)
    failures = staff.failed_logins_since(session, email, ip, since)
    return failures >= settings.console_login_max_failures


def authenticate(
    session: Session, settings: Settings, email: str, password: str, ip: str
) -> LoginResult:
    """Check a log-in; a failure is counted, a success clears the count for that e-mail+IP."""
    email = email.strip().lower()[:254]
    ip = ip[:64]
    if login_blocked(session, settings, email, ip):
        return LoginResult(None, blocked=True)
    user = staff.user_by_email(session, email) if email else None
    if user is None:
        verify_nothing(password)
    if user is None or not (verify_password(user.password_hash, password) and user.active):
        staff.add_failed_login(session, email, ip)
        # Old failures are of no more use.
        window = timedelta(minutes=settings.console_login_window_minutes)
        staff.forget_failed_logins_before(session, utcnow() - 4 * window)
        session.flush()
        return LoginResult(None)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    staff.forget_failed_logins(session, email, ip)
    session.flush()
    return LoginResult(user)
