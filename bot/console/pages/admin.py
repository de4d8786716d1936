"""Admin pages: the audit log, users (role, teams, active, password) and teams."""

from __future__ import annotations

from starlette.authentication import requires
from starlette.requests import Request
from starlette.responses import Response

from bot.console.access import NotFound
from bot.console.accounts import create_user, set_password
from bot.console.http import (
    database,
    error_page,
    field,
    fields,
    query,
    record,
    redirect,
    render,
    secret,
    staff,
    texts,
    whole_number,
)
from bot.console.passwords import AccountError, check_password_rules
from bot.storage.audit import search_audit_log
from bot.storage.console_models import ROLES
from bot.storage.patient_profiles import patients_per_team
from bot.storage.staff import add_team, all_users, team_named, teams_in, user_by_id

AUDIT_PAGE = 200
ADMIN = ("authenticated", "admin")


@requires(ADMIN)
def audit_log(request: Request) -> Response:
    actor, action = query(request, "actor"), query(request, "action")
    pseudonym = query(request, "patient", 32)
    offset = whole_number(query(request, "offset")) or 0
    with database(request) as session:
        events = search_audit_log(
            session,
            actor=actor,
            action=action,
            pseudonym=pseudonym,
            offset=offset,
            limit=AUDIT_PAGE + 1,  # one more tells whether there is a next page
        )
        record(request, session, "audit_log.view")
    return render(
        request,
        "audit.html",
        events=events[:AUDIT_PAGE],
        more=len(events) > AUDIT_PAGE,
        offset=offset,
        page_size=AUDIT_PAGE,
        actor=actor,
        action=action,
        patient=pseudonym,
    )


# ------------------------------------------------------------------ users


def _account_error(request: Request, error: AccountError) -> str:
    text = str(error)
    _ = texts(request)._
    if "password" in text:
        return _("The password must have at least 12 characters.")
    if "exists" in text:
        return _("A user with this e-mail address exists already.")
    if "role" in text:
        return _("Choose a role.")
    return _("Write a valid e-mail address.")


def _chosen_team_ids(request: Request) -> list[int]:
    return [team_id for team_id in map(whole_number, fields(request, "teams")) if team_id]


def _users_page(request: Request, errors: list[str] | None = None) -> Response:
    with database(request) as session:
        return render(
            request,
            "users.html",
            status=400 if errors else 200,
            users=all_users(session),
            teams=teams_in(session),
            roles=ROLES,
            errors=errors or [],
            done=query(request, "done"),
        )


@requires(ADMIN)
def users_page(request: Request) -> Response:
    return _users_page(request)


@requires(ADMIN)
def new_user(request: Request) -> Response:
    with database(request) as session:
        team_names = [team.name for team in teams_in(session, _chosen_team_ids(request))]
        try:
            user = create_user(
                session,
                field(request, "email", 254),
                secret(request, "password"),
                role=field(request, "role") or "coordinator",
                teams=team_names,
            )
        except AccountError as error:
            message = _account_error(request, error)
        else:
            record(request, session, "user.add", detail=f"{user.email} ({user.role})")
            return redirect("/admin/users", done="added")
    return _users_page(request, [message])


def _update_refused(request: Request, user_id: int, role: str, active: bool) -> str | None:
    """Why this update cannot be made, if it cannot: nothing of it is saved then."""
    _ = texts(request)._
    if user_id == staff(request).id:
        if role in ROLES and role != "admin":
            return _("You cannot remove your own admin role.")
        if not active:
            return _("You cannot deactivate yourself.")
    password = secret(request, "password")
    if password:
        try:
            check_password_rules(password)
        except AccountError as error:
            return _account_error(request, error)
    return None


@requires(ADMIN)
def update_user(request: Request) -> Response:
    """Role, active, teams and (if given) a new password; deactivation ends the sessions."""
    user_id = whole_number(request.path_params["user_id"])
    role = field(request, "role")
    active = field(request, "active") == "1"
    password = secret(request, "password")
    with database(request) as session:
        user = user_by_id(session, user_id) if user_id else None
        if user is None:
            raise NotFound("user")
        refusal = _update_refused(request, user.id, role, active)
        if refusal is not None:
            return error_page(request, 400, refusal)
        if role in ROLES:
            user.role = role
        if user.active and not active:
            user.end_sessions()
        user.active = active
        user.teams = teams_in(session, _chosen_team_ids(request))
        if password:
            set_password(user, password)
        detail = f"{user.email} ({user.role}, active={user.active})"
        record(request, session, "user.update", detail=detail)
    return redirect("/admin/users", done="updated")


# ------------------------------------------------------------------ teams


def _teams_page(request: Request, error: str | None = None) -> Response:
    with database(request) as session:
        patients = patients_per_team(session)
        rows = [
            (team, [user.email for user in team.members], patients.get(team.id, 0))
            for team in teams_in(session)
        ]
        return render(
            request,
            "teams.html",
            status=400 if error else 200,
            rows=rows,
            error=error,
            done=query(request, "done"),
        )


@requires(ADMIN)
def teams_page(request: Request) -> Response:
    return _teams_page(request)


@requires(ADMIN)
def new_team(request: Request) -> Response:
    _ = texts(request)._
    name = field(request, "name", 120)
    if not name:
        return _teams_page(request, _("Write a name for the team."))
    with database(request) as session:
        if team_named(session, name) is not None:
            error = _("A team with this name exists already.")
        else:
            add_team(session, name)
            record(request, session, "team.add", detail=name)
            return redirect("/admin/teams", done="added")
    return _teams_page(request, error)
