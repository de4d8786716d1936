"""The console's routes: one list, mounted at /console by bot.web.

The pages sit behind the console's middleware (session, user, language, CSRF, error pages);
the static files do not (they are cacheable and need no session).
"""

from __future__ import annotations

from pathlib import Path

from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from bot.console.middleware import console_middleware
from bot.console.pages import (
    account,
    admin,
    auth,
    deletions,
    doctor_questions,
    exports,
    invite,
    patients,
    population,
    preparation,
    relatives,
    worklist,
)

STATIC_DIR = Path(__file__).resolve().parent / "static"
GET, POST = ["GET"], ["POST"]


def routes() -> list[BaseRoute]:
    return [
        Mount("/static", StaticFiles(directory=STATIC_DIR), name="console-static"),
        Mount("", routes=page_routes(), middleware=console_middleware()),
    ]


def page_routes() -> list[BaseRoute]:
    return [
        Route("/", auth.index, methods=GET),
        Route("/login", auth.login_form, methods=GET),
        Route("/login", auth.log_in, methods=POST),
        Route("/logout", auth.log_out, methods=POST),
        Route("/worklist", worklist.worklist_page, methods=GET),
        Route("/invite", invite.invite_form, methods=GET),
        Route("/invite", invite.invite, methods=POST),
        Route("/patients/{pseudonym}", patients.patient_page, methods=GET),
        Route("/patients/{pseudonym}/review", patients.review, methods=POST),
        Route("/patients/{pseudonym}/assign", patients.assign, methods=POST),
        Route("/patients/{pseudonym}/withdraw", patients.withdraw, methods=POST),
        Route(
            "/patients/{pseudonym}/links/{invitation_id:int}/revoke", patients.revoke, methods=POST
        ),
        Route("/patients/{pseudonym}/invite", invite.invite_again, methods=POST),
        Route("/patients/{pseudonym}/relatives/invite", relatives.invite, methods=POST),
        Route("/patients/{pseudonym}/relatives/{public_id}/revoke", relatives.revoke, methods=POST),
        Route("/patients/{pseudonym}/relatives/{public_id}/link", relatives.new_link, methods=POST),
        Route("/patients/{pseudonym}/preparation", preparation.send, methods=POST),
        Route(
            "/patients/{pseudonym}/questions/{public_id}/handle",
            doctor_questions.handle_question,
            methods=POST,
        ),
        Route("/patients/{pseudonym}/export", exports.patient_export, methods=POST),
        Route("/patients/{pseudonym}/access-log", patients.access_log_page, methods=GET),
        Route("/export", exports.export_form, methods=GET),
        Route("/export", exports.export, methods=POST),
        Route("/population", population.population_page, methods=GET),
        Route("/audit", admin.audit_log, methods=GET),
        Route("/admin/users", admin.users_page, methods=GET),
        Route("/admin/users", admin.new_user, methods=POST),
        Route("/admin/users/{user_id}", admin.update_user, methods=POST),
        Route("/admin/teams", admin.teams_page, methods=GET),
        Route("/admin/teams", admin.new_team, methods=POST),
        Route("/admin/deletions", deletions.deletions_page, methods=GET),
        Route("/admin/deletions/{public_id}", deletions.carry_out, methods=POST),
        Route("/patients/{pseudonym}/deletion", deletions.request_from_console, methods=POST),
        Route("/account", account.account_page, methods=GET),
        Route("/account", account.change_account, methods=POST),
    ]
