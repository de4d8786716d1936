"""What a console handler uses: its request's user, form, texts and settings; rendering,
redirects, the database and the audit log.

Handlers are plain Starlette endpoints ``handler(request) -> Response``, synchronous (Starlette
runs them in a worker thread, so they may use the database), guarded by ``@requires``. The
console's middleware has loaded the session, the user, the language and the form before.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.orm import Session
from starlette.requests import HTTPConnection
from starlette.responses import HTMLResponse, RedirectResponse

from bot.console.access import Staff
from bot.console.i18n import LANGUAGE_NAMES, LANGUAGES, ConsoleTexts
from bot.console.session import CSRF_FIELD
from bot.console.state import visit_of
from bot.questionnaire.model import Questionnaire
from bot.settings import Settings
from bot.storage.audit import audit
from bot.storage.db import session_scope

PREFIX = "/console"

# ------------------------------------------------------------------ the request's context


def staff(request: HTTPConnection) -> Staff:
    """The logged-in user (on a page behind ``@requires("authenticated")``)."""
    user = request.user
    assert isinstance(user, Staff)
    return user


def staff_or_none(request: HTTPConnection) -> Staff | None:
    user = request.user
    return user if isinstance(user, Staff) else None


def texts(request: HTTPConnection) -> ConsoleTexts:
    console_texts = visit_of(request).texts
    assert console_texts is not None
    return console_texts


def settings(request: HTTPConnection) -> Settings:
    return visit_of(request).console.settings


def questionnaires(request: HTTPConnection) -> dict[str, Questionnaire]:
    loaded: dict[str, Questionnaire] = request.app.state.questionnaires
    return loaded


def plan_titles(request: HTTPConnection) -> dict[str, str]:
    """Plan id -> title, for pages that name a patient's plan (plans load at start-up)."""
    return {plan_id: plan.title for plan_id, plan in request.app.state.plans.items()}


@contextmanager
def database(request: HTTPConnection) -> Iterator[Session]:
    with session_scope(request.app.state.session_factory) as session:
        yield session


def record(
    request: HTTPConnection,
    session: Session,
    action: str,
    *,
    patient_id: int | None = None,
    detail: str | None = None,
    actor: str | None = None,
) -> None:
    """An audit event by ``actor``, by default the logged-in user."""
    user = staff_or_none(request)
    audit(
        session,
        actor=actor or (user.email if user else "anonymous"),
        action=action,
        patient_id=patient_id,
        detail=detail,
    )


# ------------------------------------------------------------------ input


def field(request: HTTPConnection, name: str, limit: int = 2000) -> str:
    form = visit_of(request).form
    value = form.get(name) if form is not None else None
    return value.strip()[:limit] if isinstance(value, str) else ""


def secret(request: HTTPConnection, name: str, limit: int = 1024) -> str:
    """A password field: exactly as typed (not stripped)."""
    form = visit_of(request).form
    value = form.get(name) if form is not None else None
    return value[:limit] if isinstance(value, str) else ""


def fields(request: HTTPConnection, name: str) -> list[str]:
    form = visit_of(request).form
    if form is None:
        return []
    return [v.strip() for v in form.getlist(name) if isinstance(v, str)]


def query(request: HTTPConnection, name: str, limit: int = 200) -> str:
    return request.query_params.get(name, "").strip()[:limit]


def whole_number(text: str) -> int | None:
    return int(text) if text.isdigit() else None


# ------------------------------------------------------------------ output


def render(
    request: HTTPConnection, template: str, status: int = 200, **values: Any
) -> HTMLResponse:
    visit = visit_of(request)
    console_texts = texts(request)
    page = visit.console.templates.get_template(template).render(
        _=console_texts._,
        ngettext=console_texts.ngettext,
        t=console_texts,
        lang=console_texts.locale,
        languages=[(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
        staff=staff_or_none(request),
        csrf_token=visit.console.codec.csrf_token(visit.session),
        csrf_field=CSRF_FIELD,
        path=request.url.path,
        prefix=PREFIX,
        **values,
    )
    return HTMLResponse(page, status_code=status)


def redirect(path: str, **parameters: str) -> RedirectResponse:
    """A redirect to a console page (``path`` without the /console prefix)."""
    target = PREFIX + path
    if parameters:
        target += "?" + urlencode(parameters)
    return RedirectResponse(target, status_code=303)


def error_page(request: HTTPConnection, status: int, message: str | None = None) -> HTMLResponse:
    return render(request, "error.html", status=status, status_code=status, message=message)
