"""The console's routes: one list, mounted at /console by bot.web."""

from __future__ import annotations

from pathlib import Path

from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from bot.console import views

STATIC_DIR = Path(__file__).resolve().parent / "static"
GET, POST, BOTH = ["GET"], ["POST"], ["GET", "POST"]


def routes() -> list[BaseRoute]:
    return [
        Route("/", views.index, methods=GET),
        Route("/login", views.login, methods=BOTH),
        Route("/logout", views.logout, methods=POST),
        Route("/worklist", views.worklist_page, methods=GET),
        Route("/invite", views.invite, methods=BOTH),
        Route("/patients/{pseudonym}", views.patient_view, methods=GET),
        Route("/patients/{pseudonym}/review", views.review, methods=POST),
        Route("/patients/{pseudonym}/assign", views.assign, methods=POST),
        Route("/patients/{pseudonym}/withdraw", views.withdraw, methods=POST),
        Route("/patients/{pseudonym}/invite", views.invite_again, methods=POST),
        Route("/patients/{pseudonym}/export", views.patient_export, methods=POST),
        Route("/patients/{pseudonym}/access-log", views.access_log, methods=GET),
        Route("/export", views.export, methods=BOTH),
        Route("/population", views.population_page, methods=GET),
        Route("/audit", views.audit_log, methods=GET),
        Route("/admin/users", views.users, methods=BOTH),
        Route("/admin/users/{user_id}", views.user_update, methods=POST),
        Route("/admin/teams", views.teams, methods=BOTH),
        Route("/account", views.account, methods=BOTH),
        Mount("/static", StaticFiles(directory=STATIC_DIR), name="console-static"),
    ]
