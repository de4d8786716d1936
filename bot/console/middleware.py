"""The console's middleware, on its Mount only (see ``console_middleware`` for the order).

Pure ASGI: each wraps ``send`` or answers by itself, none buffers a response.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.console.access import Staff
from bot.console.authentication import StaffBackend
from bot.console.errors import error_handlers
from bot.console.http import error_page, texts
from bot.console.i18n import LANGUAGES, ConsoleTexts, language
from bot.console.session import COOKIE_NAME, CSRF_FIELD
from bot.console.state import VISIT_KEY, Visit, console_state, visit_of
from bot.settings import Settings

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
MAX_FORM_BYTES = 64 * 1024
MAX_FORM_FIELDS = 200


def console_middleware() -> list[Middleware]:
    """Outermost first: the session (and no caching), the user, the language, the CSRF check,
    the error pages."""
    return [
        Middleware(ConsoleSessionMiddleware),
        Middleware(AuthenticationMiddleware, backend=StaffBackend()),
        Middleware(LanguageMiddleware),
        Middleware(CsrfMiddleware),
        Middleware(ExceptionMiddleware, handlers=error_handlers()),
    ]


class _HttpMiddleware:
    """A pure ASGI middleware for HTTP requests (anything else passes through untouched)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.handle(scope, receive, send)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError


class ConsoleSessionMiddleware(_HttpMiddleware):
    """Loads the session cookie into the request's visit; re-issues it with every response
    (so the idle timeout slides) and marks every response ``Cache-Control: no-store``."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        console = console_state(scope["app"])
        cookie = HTTPConnection(scope).cookies.get(COOKIE_NAME)
        visit = Visit(console=console, session=console.codec.load(cookie))
        scope[VISIT_KEY] = visit

        async def send_with_session(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["Cache-Control"] = "no-store"
                # The session as the handler left it (logged in, logged out, new language).
                headers.append("set-cookie", console.codec.set_cookie_header(visit.session))
            await send(message)

        await self.app(scope, receive, send_with_session)


class LanguageMiddleware(_HttpMiddleware):
    """The visit's language: ``?lang=`` (kept in the session), else the session's, else the
    user's own choice, else the deployment's default."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        conn = HTTPConnection(scope)
        visit = visit_of(conn)
        requested = conn.query_params.get("lang")
        if requested in LANGUAGES:
            visit.session = visit.session.with_lang(str(requested))
        user = conn.user
        chosen = visit.session.lang or (user.locale if isinstance(user, Staff) else None)
        settings = visit.console.settings
        visit.texts = ConsoleTexts(
            settings.locales_dir, language(chosen, settings.locale), settings.console_timezone
        )
        await self.app(scope, receive, send)


class CsrfMiddleware(_HttpMiddleware):
    """Reads the form of an unsafe request into the visit and refuses the request (403)
    without the session's CSRF token or with the Origin of another site."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > MAX_FORM_BYTES:
            await Response("form too large", status_code=413)(scope, receive, send)
            return
        try:
            body = await request.body()
            form = await request.form(max_files=0, max_fields=MAX_FORM_FIELDS)
        except Exception:  # malformed or a file upload: not a console form
            await Response("malformed form", status_code=400)(scope, receive, send)
            return
        visit = visit_of(request)
        visit.form = form
        if not (
            same_origin(request, visit.console.settings)
            and visit.console.codec.csrf_ok(visit.session, form.get(CSRF_FIELD))
        ):
            message = texts(request)._(
                "The form had expired or did not come from this page. Go back, reload the "
                "page and try again."
            )
            await error_page(request, 403, message)(scope, receive, send)
            return
        await self.app(scope, _replaying(body, receive), send)


def same_origin(request: HTTPConnection, settings: Settings) -> bool:
    """A form that names its origin must come from the console itself. (Browsers send
    "Origin: null" under the app's "Referrer-Policy: no-referrer"; then the CSRF token alone
    decides.)"""
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return True
    own = f"{request.url.scheme}://{request.url.netloc}"
    public = urlsplit(settings.public_url)
    return origin in {own, f"{public.scheme}://{public.netloc}"}


def _replaying(body: bytes, receive: Receive) -> Receive:
    """``receive`` with the body that was read already given once more, for the app."""
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
