"""Log-in and log-out."""

from __future__ import annotations

from starlette.authentication import requires
from starlette.requests import Request
from starlette.responses import Response

from bot.console.accounts import authenticate
from bot.console.http import (
    PREFIX,
    database,
    field,
    query,
    record,
    redirect,
    render,
    secret,
    settings,
    staff,
    texts,
)
from bot.console.state import visit_of
from bot.storage.staff import user_by_id


def safe_next(target: str) -> str:
    """Where to go after log-in: only a path inside the console."""
    if target.startswith(PREFIX + "/") and not target.startswith("//") and "\\" not in target:
        return target
    return PREFIX + "/worklist"


def _next_path(request: Request) -> str:
    return safe_next(query(request, "next", 300) or field(request, "next", 300))


def index(request: Request) -> Response:
    return redirect("/worklist" if request.user.is_authenticated else "/login")


def login_form(request: Request) -> Response:
    next_path = _next_path(request)
    if request.user.is_authenticated:
        return redirect(next_path.removeprefix(PREFIX))
    return render(request, "login.html", next=next_path, expired=query(request, "expired") == "1")


def log_in(request: Request) -> Response:
    next_path = _next_path(request)
    email = field(request, "email", 254)
    ip = request.client.host if request.client else "unknown"
    visit = visit_of(request)
    with database(request) as session:
        result = authenticate(session, settings(request), email, secret(request, "password"), ip)
        if result.user is None:
            action = "login.blocked" if result.blocked else "login.failed"
            record(request, session, action, actor=email.lower()[:200] or "anonymous")
        else:
            visit.session = visit.session.logged_in(result.user)
            record(request, session, "login", actor=result.user.email)
    if result.user is not None:
        return redirect(next_path.removeprefix(PREFIX))
    _ = texts(request)._
    if result.blocked:
        message = _(
            "Too many failed attempts. Wait {minutes} minutes, then try again.",
            minutes=settings(request).console_login_window_minutes,
        )
        status = 429
    else:
        message = _("The e-mail address or the password is wrong.")
        status = 401
    return render(request, "login.html", status=status, next=next_path, error=message, email=email)


@requires("authenticated")
def log_out(request: Request) -> Response:
    with database(request) as session:
        user = user_by_id(session, staff(request).id)
        if user is not None:
            user.end_sessions()
        record(request, session, "logout")
    visit = visit_of(request)
    visit.session = visit.session.logged_out()
    return redirect("/login")
