"""My account: the language of the console and the password."""

from __future__ import annotations

from starlette.authentication import requires
from starlette.requests import Request
from starlette.responses import Response

from bot.console.accounts import set_password
from bot.console.http import (
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
from bot.console.i18n import LANGUAGES
from bot.console.passwords import AccountError, verify_password
from bot.console.state import visit_of
from bot.storage.staff import user_by_id


@requires("authenticated")
def account_page(request: Request) -> Response:
    return _page(request)


def _page(request: Request, error: str | None = None) -> Response:
    with database(request) as session:
        user = user_by_id(session, staff(request).id)
        return render(
            request,
            "account.html",
            status=400 if error else 200,
            user=user,
            error=error,
            done=query(request, "done"),
        )


@requires("authenticated")
def change_account(request: Request) -> Response:
    if field(request, "action") == "language":
        return _change_language(request)
    return _change_password(request)


def _change_language(request: Request) -> Response:
    visit = visit_of(request)
    with database(request) as session:
        user = user_by_id(session, staff(request).id)
        assert user is not None
        chosen = field(request, "locale")
        user.locale = chosen if chosen in LANGUAGES else None
        visit.session = visit.session.with_lang(user.locale or settings(request).locale)
    return redirect("/account", done="language")


def _change_password(request: Request) -> Response:
    _ = texts(request)._
    visit = visit_of(request)
    new = secret(request, "new")
    error: str | None = None
    with database(request) as session:
        user = user_by_id(session, staff(request).id)
        assert user is not None
        if not verify_password(user.password_hash, secret(request, "current")):
            error = _("The current password is wrong.")
        elif new != secret(request, "repeat"):
            error = _("The two new passwords are not the same.")
        else:
            try:
                set_password(user, new)
            except AccountError:
                error = _("The password must have at least 12 characters.")
            else:
                # Other sessions end; this one continues with the new epoch.
                visit.session = visit.session.logged_in(user)
                record(request, session, "user.password")
    if error:
        return _page(request, error)
    return redirect("/account", done="password")
