"""Staff accounts, passwords, session cookies, CSRF tokens and log-in rate limiting.

- Passwords: argon2id (argon2-cffi's defaults), rehashed when those defaults change.
- Session: a cookie signed with itsdangerous (not encrypted; it holds only a random nonce, the
  user id, a session epoch and the language), HttpOnly, SameSite=Strict, path /console,
  Secure when the public URL is https (a Secure cookie is not sent over plain http, so on
  http://127.0.0.1 it is off). It is re-issued on every request and expires after
  ``console_idle_minutes`` without one, and ``console_session_hours`` after log-in at the
  latest. Log-out and a password change bump the user's epoch, which voids every cookie
  issued before.
- CSRF: every form carries ``csrf_token`` = HMAC(secret, session nonce); a visitor who is not
  logged in still has a session (and a nonce), so the log-in form is protected too.
- Rate limiting: after ``console_login_max_failures`` failed log-ins for one e-mail from one IP
  address within ``console_login_window_minutes``, further attempts are refused without
  checking the password. Failures are rows in the database, so all app workers share them.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
import time
from dataclasses import dataclass, field, replace
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot.settings import Settings
from bot.storage.console_models import ROLES, ConsoleUser, LoginAttempt, Team
from bot.storage.models import utcnow

COOKIE_NAME = "console_session"
COOKIE_PATH = "/console"
CSRF_FIELD = "csrf_token"
MIN_PASSWORD_LENGTH = 12

_hasher = PasswordHasher()
_key_lock = threading.Lock()


@lru_cache(maxsize=2)
def _dummy_hash(hasher: PasswordHasher) -> str:
    """Verified against when the e-mail is unknown, so that takes as long as a wrong password."""
    return hasher.hash(secrets.token_hex(16))


# ------------------------------------------------------------------ secrets


def secret_key(settings: Settings) -> bytes:
    """The key that signs session cookies and CSRF tokens.

    ``BOT_SECRET_KEY`` if set; otherwise a random key kept in ``<var>/secret_key`` (mode 0600,
    created on first use), which the app and the CLI on one machine share.
    """
    if settings.secret_key:
        return settings.secret_key.encode()
    return _file_key(settings.var_dir / "secret_key")


def _file_key(path: Path) -> bytes:
    with _key_lock:
        try:
            return path.read_bytes().strip()
        except FileNotFoundError:
            pass
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_hex(32).encode()
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process was first
            return path.read_bytes().strip()
        with os.fdopen(fd, "wb") as handle:
            handle.write(key)
        return key


def pseudonym_key(settings: Settings) -> bytes:
    """The key of the research pseudonyms in CSV exports: ``BOT_EXPORT_PSEUDONYM_KEY``, or
    derived from the secret key (so it is stable as long as that key is)."""
    if settings.export_pseudonym_key:
        return settings.export_pseudonym_key.encode()
    return hmac.new(secret_key(settings), b"export-pseudonym-key", hashlib.sha256).digest()


# ------------------------------------------------------------------ passwords and users


class AccountError(ValueError):
    """A user or password that cannot be accepted (the message says why, in English)."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    if "@" not in email or len(email) > 254 or any(c.isspace() for c in email):
        raise AccountError("not an e-mail address")
    return email


def team_named(session: Session, name: str, *, create: bool = False) -> Team | None:
    name = name.strip()
    team = session.scalar(select(Team).where(Team.name == name))
    if team is None and create and name:
        team = Team(name=name)
        session.add(team)
        session.flush()
    return team


def create_user(
    session: Session,
    email: str,
    password: str,
    *,
    role: str = "coordinator",
    teams: list[str] | None = None,
    locale: str | None = None,
) -> ConsoleUser:
    """A new staff user; teams are created when they do not exist yet."""
    email = normalise_email(email)
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r} (use {' or '.join(ROLES)})")
    check_password_rules(password)
    if session.scalar(select(ConsoleUser).where(ConsoleUser.email == email)) is not None:
        raise AccountError(f"a user {email} exists already")
    user = ConsoleUser(email=email, password_hash=hash_password(password), role=role)
    user.locale = locale
    session.add(user)
    for name in teams or []:
        team = team_named(session, name, create=True)
        if team is not None and team not in user.teams:
            user.teams.append(team)
    session.flush()
    return user


def user_by_email(session: Session, email: str) -> ConsoleUser | None:
    return session.scalar(select(ConsoleUser).where(ConsoleUser.email == email.strip().lower()))


def set_password(user: ConsoleUser, password: str) -> None:
    check_password_rules(password)
    user.password_hash = hash_password(password)
    user.session_epoch += 1


# ------------------------------------------------------------------ log-in


@dataclass(frozen=True)
class LoginResult:
    user: ConsoleUser | None
    blocked: bool = False


def login_blocked(session: Session, settings: Settings, email: str, ip: str) -> bool:
    since = utcnow() - timedelta(minutes=settings.console_login_window_minutes)
    failures = session.scalar(
        select(func.count())
        .select_from(LoginAttempt)
        .where(LoginAttempt.email == email, LoginAttempt.ip == ip, LoginAttempt.at >= since)
    )
    return (failures or 0) >= settings.console_login_max_failures


def authenticate(
    session: Session, settings: Settings, email: str, password: str, ip: str
) -> LoginResult:
    """Check a log-in; a failure is counted, a success clears the count for that e-mail+IP."""
    email = email.strip().lower()[:254]
    ip = ip[:64]
    if login_blocked(session, settings, email, ip):
        return LoginResult(None, blocked=True)
    user = user_by_email(session, email) if email else None
    if user is None:
        verify_password(_dummy_hash(_hasher), password)
        ok = False
    else:
        ok = verify_password(user.password_hash, password) and user.active
    if not ok:
        session.add(LoginAttempt(email=email, ip=ip))
        # Old failures are of no more use.
        window = timedelta(minutes=settings.console_login_window_minutes)
        session.execute(delete(LoginAttempt).where(LoginAttempt.at < utcnow() - 4 * window))
        session.flush()
        return LoginResult(None)
    assert user is not None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    session.execute(delete(LoginAttempt).where(LoginAttempt.email == email, LoginAttempt.ip == ip))
    session.flush()
    return LoginResult(user)


# ------------------------------------------------------------------ session cookie


@dataclass(frozen=True)
class SessionData:
    """What the session cookie holds. ``expired`` is not stored: it marks a session that was
    just ended by the idle or absolute timeout (to say so on the log-in page)."""

    nonce: str = field(default_factory=lambda: secrets.token_urlsafe(18))
    user_id: int | None = None
    epoch: int = 0
    lang: str | None = None
    login_at: float | None = None
    expired: bool = False

    def dump(self) -> dict[str, Any]:
        return {
            "n": self.nonce,
            "u": self.user_id,
            "e": self.epoch,
            "l": self.lang,
            "t": self.login_at,
        }

    def logged_out(self, *, expired: bool = False) -> SessionData:
        """A fresh anonymous session (a new nonce: no token of the old one is valid)."""
        return SessionData(lang=self.lang, expired=expired)

    def logged_in(self, user: ConsoleUser) -> SessionData:
        """A fresh session for ``user`` (a new nonce against session fixation)."""
        return SessionData(
            user_id=user.id, epoch=user.session_epoch, lang=self.lang, login_at=time.time()
        )

    def with_lang(self, lang: str) -> SessionData:
        return replace(self, lang=lang)


class SessionCodec:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.key = secret_key(settings)
        self.serializer = URLSafeTimedSerializer(self.key, salt="bot.console.session")

    @property
    def idle_seconds(self) -> int:
        return self.settings.console_idle_minutes * 60

    def load(self, cookie: str | None) -> SessionData:
        if not cookie:
            return SessionData()
        try:
            data = self.serializer.loads(cookie, max_age=self.idle_seconds)
        except SignatureExpired:
            return SessionData(expired=True)
        except BadSignature:
            return SessionData()
        if not isinstance(data, dict) or not isinstance(data.get("n"), str):
            return SessionData()
        user_id = data.get("u") if isinstance(data.get("u"), int) else None
        login_at = data.get("t") if isinstance(data.get("t"), int | float) else None
        session = SessionData(
            nonce=data["n"],
            user_id=user_id,
            epoch=int(data["e"]) if isinstance(data.get("e"), int) else 0,
            lang=data.get("l") if isinstance(data.get("l"), str) else None,
            login_at=login_at,
        )
        limit = self.settings.console_session_hours * 3600
        if user_id is not None and (login_at is None or time.time() - login_at > limit):
            return session.logged_out(expired=True)
        return session

    def dump(self, session: SessionData) -> str:
        return str(self.serializer.dumps(session.dump()))

    def cookie_options(self) -> dict[str, Any]:
        return {
            "key": COOKIE_NAME,
            "path": COOKIE_PATH,
            "max_age": self.idle_seconds,
            "httponly": True,
            "samesite": "strict",
            "secure": self.settings.console_cookie_secure,
        }

    def csrf_token(self, session: SessionData) -> str:
        return hmac.new(self.key, b"csrf:" + session.nonce.encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, session: SessionData, token: object) -> bool:
        return isinstance(token, str) and hmac.compare_digest(self.csrf_token(session), token)
