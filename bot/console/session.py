"""The console's session cookie and the CSRF tokens bound to it.

The cookie is signed with itsdangerous (not encrypted: it holds only a random nonce, the user
id, a session epoch, the language and the log-in time), HttpOnly, SameSite=Strict, path
/console, Secure whenever the public URL is https (a Secure cookie is not sent over plain
http, so on http://127.0.0.1 it is off unless BOT_COOKIE_SECURE asks for it). It is
re-issued with every response and expires after ``console_idle_minutes`` without a request,
and ``console_session_hours`` after log-in at the latest. The user's epoch is bumped at
log-out, password change and deactivation, which voids every cookie issued before.

A CSRF token is HMAC(secret, session nonce); a visitor who is not logged in still has a
session (and a nonce), so the log-in form is protected too.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass, field, replace
from http.cookies import SimpleCookie
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from bot.console.keys import secret_key
from bot.settings import Settings
from bot.storage.console_models import ConsoleUser

COOKIE_NAME = "console_session"
COOKIE_PATH = "/console"
CSRF_FIELD = "csrf_token"


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


def cookie_secure(settings: Settings) -> bool:
    """Whether the cookie is sent over https only: always when the public URL is https
    (BOT_COOKIE_SECURE cannot turn it off there: the cookie lets its holder read patients'
    data), and when BOT_COOKIE_SECURE asks for it."""
    return settings.public_url.lower().startswith("https://") or settings.console_cookie_secure


class SessionCodec:
    """Reads and writes the session cookie and makes and checks its CSRF tokens."""

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

    def set_cookie_header(self, session: SessionData) -> str:
        """The value of the ``Set-Cookie`` header that stores ``session``."""
        cookie: SimpleCookie = SimpleCookie()
        cookie[COOKIE_NAME] = self.dump(session)
        morsel = cookie[COOKIE_NAME]
        morsel["max-age"] = self.idle_seconds
        morsel["path"] = COOKIE_PATH
        if cookie_secure(self.settings):
            morsel["secure"] = True
        morsel["httponly"] = True
        morsel["samesite"] = "strict"
        return cookie.output(header="").strip()

    def csrf_token(self, session: SessionData) -> str:
        return hmac.new(self.key, b"csrf:" + session.nonce.encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, session: SessionData, token: object) -> bool:
        return isinstance(token, str) and hmac.compare_digest(self.csrf_token(session), token)
