"""The console's answers to refusals and missing things, installed on the console's Mount
with Starlette's ``ExceptionMiddleware``."""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ExceptionHandler

from bot.console.access import Forbidden, NotFound
from bot.console.http import error_page, redirect
from bot.console.state import visit_of


def refused(request: Request, exc: Exception) -> Response:
    """403, also from ``@requires``. A visitor who is not logged in is sent to the log-in
    page instead, which sends them back here afterwards."""
    if request.user.is_authenticated:
        return error_page(request, 403)
    parameters = {"next": request.url.path}
    if visit_of(request).session.expired:
        parameters["expired"] = "1"
    return redirect("/login", **parameters)


def not_found(request: Request, exc: Exception) -> Response:
    return error_page(request, 404)


async def to_the_app(request: Request, exc: Exception) -> Response:
    """Every other HTTP error (an unknown console path, a wrong method) is answered by the
    app's own handlers, as for any other path."""
    raise exc


def error_handlers() -> dict[Any, ExceptionHandler]:
    return {403: refused, Forbidden: refused, NotFound: not_found, HTTPException: to_the_app}
