"""Staff of the console: users, teams and failed log-ins."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.storage.console_models import ConsoleUser, LoginAttempt, Team, TeamMember
from bot.storage.course_models import DEFAULT_TEAM_NAME

# ------------------------------------------------------------------ users


def user_by_id(session: Session, user_id: int) -> ConsoleUser | None:
    return session.get(ConsoleUser, user_id)


def user_by_email(session: Session, email: str) -> ConsoleUser | None:
    """``email`` as stored: lower-cased."""
    return session.scalar(select(ConsoleUser).where(ConsoleUser.email == email))


def all_users(session: Session) -> list[ConsoleUser]:
    return list(session.scalars(select(ConsoleUser).order_by(ConsoleUser.email)))


def add_user(
    session: Session,
    *,
    email: str,
    password_hash: str,
    role: str,
    locale: str | None,
    teams: list[Team],
) -> ConsoleUser:
    user = ConsoleUser(email=email, password_hash=password_hash, role=role, locale=locale)
    user.teams = teams
    session.add(user)
    session.flush()
    return user


def active_members(session: Session, team_ids: Collection[int]) -> list[ConsoleUser]:
    """The active users in any of these teams, by e-mail."""
    if not team_ids:
        return []
    return list(
        session.scalars(
            select(ConsoleUser)
            .join(TeamMember, TeamMember.user_id == ConsoleUser.id)
            .where(TeamMember.team_id.in_(sorted(team_ids)), ConsoleUser.active)
            .distinct()
            .order_by(ConsoleUser.email)
        )
    )


# ------------------------------------------------------------------ teams


def teams_in(session: Session, team_ids: Collection[int] | None = None) -> list[Team]:
    """The teams with these ids (None: every team), by name."""
    query = select(Team).order_by(Team.name)
    if team_ids is not None:
        query = query.where(Team.id.in_(sorted(team_ids)))
    return list(session.scalars(query))


def team_by_id(session: Session, team_id: int) -> Team | None:
    return session.get(Team, team_id)


def team_named(session: Session, name: str, *, create: bool = False) -> Team | None:
    """The team of this name; with ``create``, a new one when there is none."""
    name = name.strip()
    team = session.scalar(select(Team).where(Team.name == name))
    if team is None and create and name:
        team = add_team(session, name)
    return team


def add_team(session: Session, name: str) -> Team:
    team = Team(name=name)
    session.add(team)
    session.flush()
    return team


def default_team(session: Session) -> Team:
    """The team of patients and users given none ("Standard"). Migration 0009 makes it only
    when a clinic has no team yet, so it is made here when missing; a concurrent maker's row
    wins (the name is unique), hence the savepoint."""
    team = team_named(session, DEFAULT_TEAM_NAME)
    if team is not None:
        return team
    try:
        with session.begin_nested():
            return add_team(session, DEFAULT_TEAM_NAME)
    except IntegrityError:
        found = team_named(session, DEFAULT_TEAM_NAME)
        if found is None:
            raise
        return found


# ------------------------------------------------------------------ failed log-ins

# The advisory lock's key (any fixed number; this one spells 'login').
LOGIN_ATTEMPTS_LOCK = 0x6C6F67696E


def failed_logins_since(
    session: Session, since: datetime, *, email: str | None = None, ip: str | None = None
) -> int:
    """Failed (or still being checked) log-ins since then: for this e-mail, from this
    address, or everyone's when neither is given."""
    query = select(func.count()).select_from(LoginAttempt).where(LoginAttempt.at >= since)
    if email is not None:
        query = query.where(LoginAttempt.email == email)
    if ip is not None:
        query = query.where(LoginAttempt.ip == ip)
    return session.scalar(query) or 0


def lock_failed_logins(session: Session) -> None:
    """Until the transaction ends, no other one counts or adds failed log-ins, so concurrent
    log-ins cannot all pass a limit. SQLite's writer lock does this once a row is added;
    PostgreSQL needs a lock (an advisory one: there may be no row to lock)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(LOGIN_ATTEMPTS_LOCK)))


def add_failed_login(session: Session, email: str, ip: str) -> LoginAttempt:
    attempt = LoginAttempt(email=email, ip=ip)
    session.add(attempt)
    session.flush()
    return attempt


def forget_failed_logins_before(session: Session, before: datetime) -> None:
    session.execute(delete(LoginAttempt).where(LoginAttempt.at < before))


def forget_failed_logins(session: Session, email: str) -> None:
    session.execute(delete(LoginAttempt).where(LoginAttempt.email == email))
