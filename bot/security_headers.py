"""The security headers of every HTTP response the app sends.

Every response gets the content security policy and its companions. Patient pages and the
chat API are never cached: a shared or borrowed computer must not keep a patient's transcript,
answers or spoken questions in its browser cache. When the public URL is https, browsers are
told to use https only (HSTS) and that the pages use no camera, microphone or location.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.settings import Settings

SECURITY_HEADERS: Mapping[str, str] = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; media-src 'self' blob:; "
        "style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
        "form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}

# Only over https: an HSTS header on plain http is ignored by browsers, and on a developer's
# http://127.0.0.1 it would be wrong anyway. The chat page only plays audio (no getUserMedia
# in chat.js), so it needs no microphone either.
HTTPS_HEADERS: Mapping[str, str] = {
    "Strict-Transport-Security": "max-age=31536000",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}

# Everything under these paths is about one patient (the link token is in the path). The
# read-aloud audio is included: which questions a patient hears says which questionnaire
# they answer, and the app keeps its own cache of the audio (var/audio), so a second fetch is
# cheap.
PATIENT_PATHS = ("/chat/", "/api/chat/")
NO_STORE = "no-store"


def headers_for(settings: Settings) -> dict[str, str]:
    """The headers every response gets under these settings."""
    headers = dict(SECURITY_HEADERS)
    if settings.public_url.lower().startswith("https://"):
        headers.update(HTTPS_HEADERS)
    return headers


def is_patient_path(path: str) -> bool:
    return path.startswith(PATIENT_PATHS)


class SecurityHeaders:
    """Pure ASGI middleware: adds the headers to every HTTP response and ``Cache-Control:
    no-store`` to every patient response (replacing any the handler set)."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.headers = headers_for(settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        patient = is_patient_path(scope["path"])

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    headers.setdefault(name, value)
                if patient:
                    headers["Cache-Control"] = NO_STORE
            await send(message)

        await self.app(scope, receive, send_with_headers)
