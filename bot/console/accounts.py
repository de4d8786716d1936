"""Staff accounts and log-in.

A new user gets an argon2id password hash; teams named for them are created when they do not
exist yet. A log-in has three steps: ``begin_login`` counts it against the limits (see
``login_limits``) and reads the user's hash, the password is checked on the log-in hashing
threads (``passwords.check_login``), and ``finish_login`` records the outcome.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.console.login_limits import Refusal, count_attempt, forget_old_attempts
from bot.console.passwords import AccountError, check_password_rules, hash_password
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
class LoginStart:
    """A counted log-in that may go on to the password check, with the user's hash (None for
    an unknown e-mail address)."""

    email: str
    password_hash: str | None


def begin_login(session: Session, settings: Settings, email: str, ip: str) -> LoginStart | Refusal:
    email = email.strip().lower()[:254]
    attempt = count_attempt(session, settings, email, ip[:64])
    if isinstance(attempt, Refusal):
        return attempt
    user = staff.user_by_email(session, email) if email else None
    return LoginStart(email, user.password_hash if user is not None else None)


def finish_login(
    session: Session,
    settings: Settings,
    start: LoginStart,
    verified: bool,
    new_hash: str | None = None,
) -> ConsoleUser | None:
    """The user when the password was right and the account is active; their failures are
    forgotten then. Otherwise the attempt stays counted as a failure."""
    user = staff.user_by_email(session, start.email) if verified else None
    if user is None or not user.active:
        forget_old_attempts(session, settings)
        session.flush()
        return None
    if new_hash is not None:
        user.password_hash = new_hash
    user.last_login_at = utcnow()
    staff.forget_failed_logins(session, start.email)
    session.flush()
    return user
