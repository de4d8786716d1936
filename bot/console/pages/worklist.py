"""The worklist page: the patients of my teams, most in need first, with filters."""

from __future__ import annotations

from starlette.authentication import requires
from starlette.requests import Request
from starlette.responses import Response

from bot.console.http import (
    database,
    query,
    questionnaires,
    record,
    render,
    settings,
    staff,
    whole_number,
)
from bot.console.worklist import STATUSES, Filters, apply, build_rows
from bot.questionnaire.model import TRIAGE_LEVELS
from bot.storage.staff import teams_in


def _filters(request: Request) -> Filters:
    status, colour = query(request, "status"), query(request, "colour")
    return Filters(
        team_id=whole_number(query(request, "team")),
        status=status if status in STATUSES else None,
        colour=colour if colour in TRIAGE_LEVELS else None,
        mine=query(request, "mine") == "1",
        needs_review=query(request, "review") == "1",
    )


@requires("authenticated")
def worklist_page(request: Request) -> Response:
    me = staff(request)
    filters = _filters(request)
    with database(request) as session:
        rows = build_rows(session, me, questionnaires(request), settings(request))
        teams = teams_in(session, me.visible_teams)
        record(request, session, "worklist.view", detail=f"{len(rows)} patients")
    mine_waiting = sum(
        1 for row in rows if row.responsible_id == me.id and row.needs_review and row.alerts
    )
    return render(
        request,
        "worklist.html",
        rows=apply(rows, filters, me),
        total=len(rows),
        filters=filters,
        teams=teams,
        statuses=STATUSES,
        mine_waiting=mine_waiting,
    )
