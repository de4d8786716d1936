"""The request plumbing of the console: session, user, language, CSRF, rendering.

Every console endpoint is a plain function ``handler(ctx) -> Response`` wrapped by ``page()``.
The wrapper reads the form (for POST), then, in a worker thread: loads the session cookie,
the user and the language, refuses a POST without a valid CSRF token (403), sends a visitor
who is not logged in to the log-in page, refuses non-admins on admin pages (403), runs the
handler, and re-issues the session cookie (the idle timeout slides with each request).
Console pages are never cached (``Cache-Control: no-store``).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from bot.console.access import Forbidden, NotFound, Staff
from bot.console.auth import COOKIE_NAME, CSRF_FIELD, SessionCodec, SessionData
from bot.console.i18n import LANGUAGE_NAMES, LANGUAGES, ConsoleTexts, language
from bot.questionnaire.model import Questionnaire
from bot.settings import Settings
from bot.storage.audit import audit
from bot.storage.console_models import ConsoleUser
from bot.storage.db import session_scope

log = logging.getLogger(__name__)

PREFIX = "/console"
MAX_FORM_BYTES = 64 * 1024
Handler = Callable[["Ctx"], Response]

_state_lock = threading.Lock()


class ConsoleState:
    """What the console keeps per app: settings, the cookie codec and the templates."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.codec = SessionCodec(settings)
        self.templates = Environment(
            loader=PackageLoader("bot.console", "templates"),
            autoescape=select_autoescape(default=True, default_for_string=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )


def console_state(app: Starlette) -> ConsoleState:
    state = getattr(app.state, "console", None)
    if state is None:
        with _state_lock:
            state = getattr(app.state, "console", None)
            if state is None:
                state = ConsoleState(app.state.settings)
                app.state.console = state
    return state


@dataclass
class Ctx:
    request: Request
    console: ConsoleState
    session: SessionData
    staff: Staff | None
    texts: ConsoleTexts
    form: FormData | None
    loop: asyncio.AbstractEventLoop

    # ------------------------------------------------------------ app state

    @property
    def settings(self) -> Settings:
        return self.console.settings

    @property
    def factory(self) -> sessionmaker[Session]:
        factory: sessionmaker[Session] = self.request.app.state.session_factory
        return factory

    @property
    def questionnaires(self) -> dict[str, Questionnaire]:
        questionnaires: dict[str, Questionnaire] = self.request.app.state.questionnaires
        return questionnaires

    @property
    def user(self) -> Staff:
        """The logged-in user (only on pages that require one)."""
        assert self.staff is not None
        return self.staff

    @contextmanager
    def db(self) -> Iterator[Session]:
        with session_scope(self.factory) as session:
            yield session

    def audit(
        self,
        session: Session,
        action: str,
        *,
        patient_id: int | None = None,
        detail: str | None = None,
        actor: str | None = None,
    ) -> None:
        audit(
            session,
            actor=actor or (self.staff.email if self.staff else "anonymous"),
            action=action,
            patient_id=patient_id,
            detail=detail,
        )

    # ------------------------------------------------------------ input

    def field(self, name: str, limit: int = 2000) -> str:
        if self.form is None:
            return ""
        value = self.form.get(name)
        return value.strip()[:limit] if isinstance(value, str) else ""

    def secret(self, name: str, limit: int = 1024) -> str:
        """A password field: exactly as typed (not stripped)."""
        if self.form is None:
            return ""
        value = self.form.get(name)
        return value[:limit] if isinstance(value, str) else ""

    def fields(self, name: str) -> list[str]:
        if self.form is None:
            return []
        return [v.strip() for v in self.form.getlist(name) if isinstance(v, str)]

    def query(self, name: str, limit: int = 200) -> str:
        return self.request.query_params.get(name, "").strip()[:limit]

    # ------------------------------------------------------------ output

    def render(self, template: str, status: int = 200, **values: Any) -> HTMLResponse:
        page = self.console.templates.get_template(template).render(
            _=self.texts._,
            ngettext=self.texts.ngettext,
            t=self.texts,
            lang=self.texts.locale,
            languages=[(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
            staff=self.staff,
            csrf_token=self.console.codec.csrf_token(self.session),
            csrf_field=CSRF_FIELD,
            path=self.request.url.path,
            prefix=PREFIX,
            **values,
        )
        return HTMLResponse(page, status_code=status)

    def redirect(self, path: str, **query: str) -> RedirectResponse:
        target = PREFIX + path
        if query:
            target += "?" + urlencode(query)
        return RedirectResponse(target, status_code=303)

    def error(self, status: int, message: str | None = None) -> HTMLResponse:
        return self.render("error.html", status=status, status_code=status, message=message)


def _same_origin(request: Request, settings: Settings) -> bool:
    """A POST that names its origin must come from the console itself. (Browsers send
    "Origin: null" under the app's "Referrer-Policy: no-referrer"; then the CSRF token alone
    decides.)"""
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return True
    own = f"{request.url.scheme}://{request.url.netloc}"
    public = urlsplit(settings.public_url)
    return origin in {own, f"{public.scheme}://{public.netloc}"}


def safe_next(target: str) -> str:
    """A redirect target after log-in: only a path inside the console."""
    if target.startswith(PREFIX + "/") and not target.startswith("//") and "\\" not in target:
        return target
    return PREFIX + "/worklist"


def _handle(
    handler: Handler,
    request: Request,
    console: ConsoleState,
    form: FormData | None,
    loop: asyncio.AbstractEventLoop,
    *,
    admin: bool,
    public: bool,
) -> Response:
    settings = console.settings
    session = console.codec.load(request.cookies.get(COOKIE_NAME))
    staff: Staff | None = None
    if session.user_id is not None:
        with session_scope(request.app.state.session_factory) as db:
            user = db.get(ConsoleUser, session.user_id)
            if user is not None and user.active and user.session_epoch == session.epoch:
                staff = Staff.of(user)
            else:
                session = session.logged_out()
    requested = request.query_params.get("lang")
    if requested in LANGUAGES:
        session = session.with_lang(str(requested))
    locale = language(session.lang or (staff.locale if staff else None), settings.locale)
    ctx = Ctx(
        request=request,
        console=console,
        session=session,
        staff=staff,
        texts=ConsoleTexts(settings.locales_dir, locale, settings.console_timezone),
        form=form,
        loop=loop,
    )
    response: Response
    if request.method == "POST" and (
        not _same_origin(request, settings)
        or not console.codec.csrf_ok(session, form.get(CSRF_FIELD) if form else None)
    ):
        response = ctx.error(
            403,
            ctx.texts._(
                "The form had expired or did not come from this page. Go back, reload the "
                "page and try again."
            ),
        )
    elif not public and staff is None:
        query = {"next": request.url.path}
        if session.expired:
            query["expired"] = "1"
        response = ctx.redirect("/login", **query)
    elif admin and not (staff is not None and staff.is_admin):
        response = ctx.error(403)
    else:
        try:
            response = handler(ctx)
        except Forbidden:
            response = ctx.error(403)
        except NotFound:
            response = ctx.error(404)
    response.headers["Cache-Control"] = "no-store"
    response.set_cookie(value=console.codec.dump(ctx.session), **console.codec.cookie_options())
    return response


def page(
    *, admin: bool = False, public: bool = False
) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
    """Make ``handler(ctx)`` a Starlette endpoint (see the module docstring)."""

    def decorate(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            console = console_state(request.app)
            form: FormData | None = None
            if request.method == "POST":
                length = request.headers.get("content-length", "")
                if length.isdigit() and int(length) > MAX_FORM_BYTES:
                    return Response("form too large", status_code=413)
                try:
                    form = await request.form(max_files=0, max_fields=200)
                except Exception:  # malformed or file upload: not a console form
                    return Response("malformed form", status_code=400)
            loop = asyncio.get_running_loop()
            return await asyncio.to_thread(
                _handle, handler, request, console, form, loop, admin=admin, public=public
            )

        endpoint.__name__ = handler.__name__
        endpoint.__doc__ = handler.__doc__
        return endpoint

    return decorate
