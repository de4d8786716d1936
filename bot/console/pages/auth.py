"""Log-in and log-out."""

from __future__ import annotations

from starlette.authentication import requires
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from bot.console.accounts import LoginStart, begin_login, finish_login
from bot.console.hashing import HashingBusy, hashing_pool
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
from bot.console.login_limits import Refusal
from bot.console.passwords import check_login
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


async def log_in(request: Request) -> Response:
    """Counted against the limits before the password is checked; the check runs on the
    log-in hashing threads, the database steps on the shared ones (they are short)."""
    next_path = _next_path(request)
    email = field(request, "email", 254)
    # Set by uvicorn from X-Forwarded-For only for a trusted proxy (FORWARDED_ALLOW_IPS).
    ip = request.client.host if request.client else "unknown"
    pool = hashing_pool(request.app)
    try:
        with pool.admission():
            start = await run_in_threadpool(_begin, request, email, ip)
            if isinstance(start, Refusal):
                return _refused(request, next_path, email, start)
            verified, new_hash = await pool.run(
                check_login, start.password_hash, secret(request, "password")
            )
            logged_in = await run_in_threadpool(_finish, request, start, verified, new_hash)
    except HashingBusy:
        return _refused(request, next_path, email, None)
    if logged_in:
        return redirect(next_path.removeprefix(PREFIX))
    message = texts(request)._("The e-mail address or the password is wrong.")
    return render(request, "login.html", status=401, next=next_path, error=message, email=email)


def _begin(request: Request, email: str, ip: str) -> LoginStart | Refusal:
    with database(request) as session:
        start = begin_login(session, settings(request), email, ip)
        if isinstance(start, Refusal):
            record(request, session, "login.blocked", actor=_actor(email))
        return start


def _finish(request: Request, start: LoginStart, verified: bool, new_hash: str | None) -> bool:
    with database(request) as session:
        user = finish_login(session, settings(request), start, verified, new_hash)
        if user is None:
            record(request, session, "login.failed", actor=_actor(email=start.email))
            return False
        visit = visit_of(request)
        visit.session = visit.session.logged_in(user)
        record(request, session, "login", actor=user.email)
        return True


def _actor(email: str) -> str:
    return email.lower()[:200] or "anonymous"


def _refused(request: Request, next_path: str, email: str, refusal: Refusal | None) -> Response:
    """429 for a limit (for one e-mail or address: the window's length); 503 when the
    password checks are busy. Neither has checked a password."""
    _ = texts(request)._
    if refusal in (Refusal.EMAIL, Refusal.IP):
        minutes = settings(request).console_login_window_minutes
        message = _(
            "Too many failed attempts. Wait {minutes} minutes, then try again.", minutes=minutes
        )
        status, retry_after = 429, minutes * 60
    else:
        message = _("Many are logging in just now. Please try again in a moment.")
        status, retry_after = (429, 60) if refusal is Refusal.EVERYONE else (503, 5)
    page = render(request, "login.html", status=status, next=next_path, error=message, email=email)
    page.headers["Retry-After"] = str(retry_after)
    return page


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
