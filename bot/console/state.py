"""What the console keeps per app (settings, cookie codec, templates) and per request (the
visit: session, texts, form), which its middleware puts into the request's scope."""

from __future__ import annotations

from dataclasses import dataclass

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.datastructures import FormData
from starlette.requests import HTTPConnection

from bot.console.i18n import ConsoleTexts
from bot.console.session import SessionCodec, SessionData
from bot.settings import Settings

VISIT_KEY = "bot.console.visit"


class ConsoleState:
    """The console's part of one app."""

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
    """The app's console state, made on its first console request (the settings are there
    only once the app has started). Only the event loop calls this, so no lock is needed."""
    state = getattr(app.state, "console", None)
    if state is None:
        state = ConsoleState(app.state.settings)
        app.state.console = state
    return state


@dataclass
class Visit:
    """One console request. A handler logs the user in or out by replacing ``session``; the
    middleware stores whatever it is when the response starts."""

    console: ConsoleState
    session: SessionData
    texts: ConsoleTexts | None = None
    form: FormData | None = None


def visit_of(conn: HTTPConnection) -> Visit:
    visit = conn.scope[VISIT_KEY]
    assert isinstance(visit, Visit)
    return visit
