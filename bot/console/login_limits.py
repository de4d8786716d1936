"""The log-in limits, counted before any password is checked.

Three limits, all on the failed log-ins kept in the database (so every app process shares
them): per e-mail address and per IP address within ``console_login_window_minutes``, and for
everyone within a minute. A log-in is counted as failed when it starts and forgotten only when
it succeeds, so a flood of log-ins at the same moment sees its own attempts; a refused log-in
is not counted (it costs nothing, and a block then ends when the window passes).

The IP address is the client's as uvicorn reports it, which follows X-Forwarded-For only for
the proxies in ``FORWARDED_ALLOW_IPS``.
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.settings import Settings
from bot.storage import staff
from bot.storage.console_models import LoginAttempt
from bot.storage.models import utcnow


class Refusal(enum.Enum):
    EMAIL = "email"
    IP = "ip"
    EVERYONE = "everyone"


def count_attempt(
    session: Session, settings: Settings, email: str, ip: str
) -> LoginAttempt | Refusal:
    """The attempt, stored as failed until it succeeds; or the limit it is over (then
    nothing is stored)."""
    staff.lock_failed_logins(session)
    attempt = staff.add_failed_login(session, email, ip)
    refusal = over_limit(session, settings, email, ip, attempt.at)
    if refusal is None:
        return attempt
    session.delete(attempt)
    session.flush()
    return refusal


def over_limit(
    session: Session, settings: Settings, email: str, ip: str, now: datetime
) -> Refusal | None:
    """The first limit the failed log-ins up to ``now`` (counting this one) are over."""
    window = now - timedelta(minutes=settings.console_login_window_minutes)
    if (
        staff.failed_logins_since(session, window, email=email)
        > settings.console_login_max_failures
    ):
        return Refusal.EMAIL
    if staff.failed_logins_since(session, window, ip=ip) > settings.console_login_ip_max_failures:
        return Refusal.IP
    last_minute = now - timedelta(minutes=1)
    if staff.failed_logins_since(session, last_minute) > settings.console_login_global_per_minute:
        return Refusal.EVERYONE
    return None


def forget_old_attempts(session: Session, settings: Settings) -> None:
    """Failures older than every window are of no more use."""
    window = timedelta(minutes=max(settings.console_login_window_minutes, 1))
    staff.forget_failed_logins_before(session, utcnow() - 4 * window)
