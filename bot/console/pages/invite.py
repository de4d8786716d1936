"""Inviting a patient: a pseudonymous patient with a profile, the web link, the Telegram link
(if configured) and their QR codes; and a new invitation for a patient already known."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.orm import Session
from starlette.authentication import requires
from starlette.requests import Request
from starlette.responses import Response

from bot.console.access import Staff, patient_for
from bot.console.http import (
    database,
    field,
    plan_titles,
    questionnaires,
    record,
    redirect,
    render,
    settings,
    staff,
    texts,
    whole_number,
)
from bot.console.invitations import (
    chosen_plan,
    enrol_now,
    invitable,
    may_invite_to,
    plan_choices,
    telegram_link,
    wants_plan,
    web_link,
)
from bot.console.qr import qr_svg
from bot.course.enrol import first_questionnaire
from bot.questionnaire.model import Questionnaire
from bot.storage.console_models import AGE_BANDS, SEXES, PatientProfile
from bot.storage.patient_profiles import add_profile
from bot.storage.patients import create_invitation, create_patient
from bot.storage.staff import active_members, default_team, teams_in

CPR_LIKE = re.compile(r"\d{6}-?\d{4}")
FORM_FIELDS = ("invite_to", "questionnaire", "plan", "label", "age_band", "sex", "site", "team",
               "responsible")  # fmt: skip


def _default_team(session: Session, me: Staff) -> int | None:
    """The team of a patient invited without a team choice: the inviter's first (by name),
    else the default team when the inviter may see it (an admin); None: they must choose."""
    own = teams_in(session, me.team_ids)
    if own:
        return own[0].id
    return default_team(session).id if me.is_admin else None


def _form(request: Request, session: Session, status: int = 200, **values: Any) -> Response:
    teams = teams_in(session, staff(request).visible_teams)
    return render(
        request,
        "invite.html",
        status=status,
        questionnaires=invitable(questionnaires(request)),
        plans=plan_choices(plan_titles(request)),
        teams=teams,
        members=active_members(session, [team.id for team in teams]),
        age_bands=AGE_BANDS,
        sexes=SEXES,
        values=values.pop("values", {}),
        **values,
    )


@requires("authenticated")
def invite_form(request: Request) -> Response:
    with database(request) as session:
        chosen = _default_team(session, staff(request))
        return _form(request, session, values={"team": str(chosen) if chosen else ""})


def _fact_errors(request: Request, values: dict[str, str]) -> list[str]:
    """What is wrong with the questionnaire and the patient's facts."""
    _ = texts(request)._
    errors = []
    if wants_plan(values):
        if chosen_plan(request.app.state.plans, values) is None:
            errors.append(_("Choose a course."))
    elif not may_invite_to(questionnaires(request).get(values["questionnaire"])):
        errors.append(_("Choose a questionnaire."))
    if CPR_LIKE.search(values["label"]) or CPR_LIKE.search(values["site"]):
        errors.append(_("Do not write CPR numbers. Use a label without personal data."))
    if values["age_band"] and values["age_band"] not in AGE_BANDS:
        errors.append(_("Choose an age band from the list."))
    if values["sex"] and values["sex"] not in SEXES:
        errors.append(_("Choose a sex from the list."))
    return errors


@requires("authenticated")
def invite(request: Request) -> Response:
    me = staff(request)
    _ = texts(request)._
    values = {name: field(request, name, 200) for name in FORM_FIELDS}
    errors = _fact_errors(request, values)
    with database(request) as session:
        team_id = whole_number(values["team"]) if values["team"] else _default_team(session, me)
        teams = {team.id for team in teams_in(session, me.visible_teams)}
        if team_id is None or team_id not in teams:
            errors.append(_("Choose a team."))
        responsible_id: int | None = whole_number(values["responsible"]) or me.id
        members = {user.id for user in active_members(session, [team_id])} if team_id else set()
        if team_id in teams and responsible_id not in members:
            if values["responsible"]:
                errors.append(_("The responsible coordinator must be in the team."))
            responsible_id = None
        if errors:
            return _form(request, session, status=400, errors=errors, values=values)
        plan = chosen_plan(request.app.state.plans, values)
        first = first_questionnaire(plan) if plan else values["questionnaire"]
        questionnaire = questionnaires(request)[first]
        patient = create_patient(session, label=values["label"] or None)
        invitation = create_invitation(session, patient, questionnaire.id)
        add_profile(
            session,
            PatientProfile(
                patient_id=patient.id,
                team_id=team_id,
                responsible_user_id=responsible_id,
                age_band=values["age_band"] or None,
                sex=values["sex"] or None,
                site=values["site"] or None,
                created_by=me.email,
            ),
        )
        record(request, session, "patient.invite", patient_id=patient.id, detail=questionnaire.id)
        if plan is not None:
            enrol_now(session, settings(request), request.app.state.plans, patient.id, plan.id)
            record(request, session, "patient.enrol", patient_id=patient.id, detail=plan.id)
        pseudonym, patient_id = patient.pseudonym, patient.id
        link = web_link(settings(request), invitation)
    return _invitation_page(
        request, pseudonym, patient_id, questionnaire, link, plan.title if plan else None
    )


@requires("authenticated")
def invite_again(request: Request) -> Response:
    """A new invitation (e.g. to another questionnaire) for a patient already known."""
    questionnaire = questionnaires(request).get(field(request, "questionnaire", 64))
    with database(request) as session:
        patient = patient_for(session, staff(request), request.path_params["pseudonym"])
        if questionnaire is None or not may_invite_to(questionnaire):
            return redirect(f"/patients/{patient.pseudonym}")
        invitation = create_invitation(session, patient, questionnaire.id)
        record(request, session, "patient.invite", patient_id=patient.id, detail=questionnaire.id)
        pseudonym, patient_id = patient.pseudonym, patient.id
        link = web_link(settings(request), invitation)
    return _invitation_page(request, pseudonym, patient_id, questionnaire, link)


def _invitation_page(
    request: Request,
    pseudonym: str,
    patient_id: int,
    questionnaire: Questionnaire,
    link: str,
    plan_title: str | None = None,
) -> Response:
    _ = texts(request)._
    channel = request.app.state.telegram  # None when Telegram is not configured
    telegram = telegram_link(
        settings(request),
        request.app.state.session_factory,
        patient_id,
        questionnaire.id,
        username=channel.username if channel is not None else None,
    )
    return render(
        request,
        "invite_done.html",
        pseudonym=pseudonym,
        questionnaire=questionnaire,
        plan_title=plan_title,
        web_link=link,
        web_qr=qr_svg(link, _("QR code for the web chat link")),
        telegram_link=telegram,
        telegram_qr=qr_svg(telegram, _("QR code for the Telegram link")) if telegram else None,
    )
