"""The patient page and what is done there: mark reviewed, team and responsible, withdrawal;
and the patient's "who has seen my data" list."""

from __future__ import annotations

from markupsafe import Markup
from starlette.authentication import requires
from starlette.requests import Request
from starlette.responses import Response

from bot.console.access import Forbidden, may_change_assignment, patient_for
from bot.console.course_view import Trend
from bot.console.http import (
    database,
    error_page,
    field,
    plan_titles,
    query,
    questionnaires,
    record,
    redirect,
    render,
    settings,
    staff,
    texts,
    whole_number,
)
from bot.console.i18n import ConsoleTexts
from bot.console.invitations import invitable
from bot.console.patient_view import load
from bot.console.trend_chart import trend_chart
from bot.storage.alerts import acknowledge_alerts
from bot.storage.audit import access_log
from bot.storage.models import Invitation, utcnow
from bot.storage.patient_profiles import profile_for_update, profile_of
from bot.storage.patients import revoke_invitation, web_link_gone
from bot.storage.reviews import add_review
from bot.storage.staff import active_members, team_by_id, teams_in
from bot.storage.withdrawal import reinstate_patient, withdraw_patient

MAX_NOTE = 2000


@requires("authenticated")
def patient_page(request: Request) -> Response:
    me = staff(request)
    with database(request) as session:
        patient = patient_for(session, me, request.path_params["pseudonym"])
        view = load(session, patient, questionnaires(request), plan_titles(request))
        teams = teams_in(session, me.visible_teams)
        team_ids = [team.id for team in teams]
        if view.profile and view.profile.team_id and view.profile.team_id not in team_ids:
            team_ids.append(view.profile.team_id)
        members = active_members(session, team_ids)
        record(
            request, session, "patient.view", patient_id=patient.id, detail="transcript and answers"
        )
        link_days = settings(request).link_days
        # A link cannot be shown again (only its hash is stored): the page says whether it
        # still works and offers to close it.
        gone = {
            invitation.id
            for invitation in view.invitations
            if invitation.revoked_at is not None
            or (invitation.channel == "web" and web_link_gone(invitation, link_days))
        }
        return render(
            request,
            "patient.html",
            view=view,
            teams=teams,
            members=members,
            gone=gone,
            questionnaires=invitable(questionnaires(request)),
            done=query(request, "done"),
            trend_charts=[(trend, _chart(texts(request), trend)) for trend in view.trends],
        )


def _chart(console_texts: ConsoleTexts, trend: Trend) -> Markup:
    _ = console_texts._
    values = ", ".join(
        f"{console_texts.date(p.at)}: {console_texts.number(p.value)}" for p in trend.points
    )
    return trend_chart(
        _("{name} over time", name=trend.name),
        _("{count} answers, oldest first: {values}.", count=len(trend.points), values=values),
        trend.rule,
        [(console_texts.date(p.at, "short"), p.value) for p in trend.points],
    )


@requires("authenticated")
def review(request: Request) -> Response:
    """Mark reviewed: who, when and a note; the patient's alerts count as seen."""
    me = staff(request)
    with database(request) as session:
        patient = patient_for(session, me, request.path_params["pseudonym"])
        now = utcnow()
        add_review(
            session,
            patient_id=patient.id,
            reviewed_by_id=me.id,
            reviewed_by=me.email,
            note=field(request, "note", MAX_NOTE),
            at=now,
        )
        acknowledge_alerts(session, patient.id, now)
        record(request, session, "patient.review", patient_id=patient.id)
        pseudonym = patient.pseudonym
    return redirect(f"/patients/{pseudonym}", done="reviewed")


@requires("authenticated")
def assign(request: Request) -> Response:
    """The patient's team and responsible coordinator."""
    me = staff(request)
    _ = texts(request)._
    team_id = whole_number(field(request, "team"))
    responsible_id = whole_number(field(request, "responsible"))
    with database(request) as session:
        patient = patient_for(session, me, request.path_params["pseudonym"])
        if team_id is None or team_by_id(session, team_id) is None:
            return error_page(request, 400, _("Choose a team."))
        if not may_change_assignment(me, profile_of(session, patient.id), team_id):
            raise Forbidden(patient.pseudonym)
        if responsible_id is not None and responsible_id not in {
            user.id for user in active_members(session, [team_id])
        }:
            return error_page(request, 400, _("The responsible coordinator must be in the team."))
        profile = profile_for_update(session, patient.id, created_by=me.email)
        profile.team_id = team_id
        profile.responsible_user_id = responsible_id
        record(request, session, "patient.assign", patient_id=patient.id)
        pseudonym = patient.pseudonym
    return redirect(f"/patients/{pseudonym}", done="assigned")


@requires("authenticated")
def withdraw(request: Request) -> Response:
    """Withdraw the patient (or, with action=reinstate, take that back): the same withdrawal
    as the patient's own in the chat (bot/storage/withdrawal.py)."""
    me = staff(request)
    reinstate = field(request, "action") == "reinstate"
    with database(request) as session:
        patient = patient_for(session, me, request.path_params["pseudonym"])
        if reinstate:
            reinstate_patient(session, patient.id, actor=me.email)
        else:
            withdraw_patient(session, patient.id, actor=me.email)
        pseudonym = patient.pseudonym
    return redirect(f"/patients/{pseudonym}", done="reinstated" if reinstate else "withdrawn")


@requires("authenticated")
def revoke(request: Request) -> Response:
    """Close one of the patient's links ("Luk linket"): it answers 410 from now on."""
    me = staff(request)
    invitation_id: int = request.path_params["invitation_id"]
    with database(request) as session:
        patient = patient_for(session, me, request.path_params["pseudonym"])
        invitation = session.get(Invitation, invitation_id)
        if invitation is None or invitation.patient_id != patient.id:
            return error_page(request, 404, texts(request)._("There is no such link."))
        if revoke_invitation(session, invitation, "console"):
            record(request, session, "patient.revoke", patient_id=patient.id, detail="1")
        pseudonym = patient.pseudonym
    return redirect(f"/patients/{pseudonym}", done="revoked")


@requires("authenticated")
def access_log_page(request: Request) -> Response:
    """Who has seen this patient's data."""
    with database(request) as session:
        patient = patient_for(session, staff(request), request.path_params["pseudonym"])
        record(request, session, "access_log.view", patient_id=patient.id)
        events = access_log(session, patient.id)
        return render(request, "access_log.html", patient=patient, events=events)
