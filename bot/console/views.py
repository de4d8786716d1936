"""The console's pages and form actions (each one ``handler(ctx) -> Response``)."""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response

from bot.console import access, population, worklist
from bot.console import patient as patient_page
from bot.console.access import Forbidden, NotFound, Staff
from bot.console.auth import (
    AccountError,
    authenticate,
    check_password_rules,
    create_user,
    pseudonym_key,
    set_password,
    verify_password,
)
from bot.console.charts import Segment, bar_chart, box_chart, stacked_chart
from bot.console.http import Ctx, page, safe_next
from bot.console.i18n import LANGUAGES
from bot.console.qr import qr_svg
from bot.conversation import SCREENING_ID
from bot.export import fhir
from bot.export.csv_export import export_csv
from bot.storage.console_models import (
    AGE_BANDS,
    ROLES,
    SEXES,
    ConsoleUser,
    PatientProfile,
    Review,
    Team,
)
from bot.storage.models import Alert, AuditEvent, Invitation, Patient, utcnow
from bot.storage.patients import create_invitation, create_patient

log = logging.getLogger(__name__)

CPR_LIKE = re.compile(r"\d{6}-?\d{4}")
MAX_NOTE = 2000
AUDIT_PAGE = 200


# ====================================================================== helpers


def _int(value: str) -> int | None:
    return int(value) if value.isdigit() else None


def _teams_for(session: Session, staff: Staff) -> list[Team]:
    query = select(Team).order_by(Team.name)
    if not staff.is_admin:
        query = query.where(Team.id.in_(sorted(staff.team_ids)))
    return list(session.scalars(query))


def _members(session: Session, team_ids: list[int]) -> list[ConsoleUser]:
    if not team_ids:
        return []
    teams = session.scalars(select(Team).where(Team.id.in_(team_ids))).all()
    members = {user.id: user for team in teams for user in team.members if user.active}
    return sorted(members.values(), key=lambda user: user.email)


def _telegram_link(ctx: Ctx, patient_id: int, questionnaire_id: str) -> str | None:
    """The Telegram invitation link, if the Telegram channel is installed and configured."""
    try:
        from bot.channels import telegram
    except ImportError:
        return None
    make = getattr(telegram, "telegram_invite_link", None)
    if make is None:
        return None
    try:
        result: Any = make(ctx.settings, ctx.factory, patient_id, questionnaire_id)
        if inspect.isawaitable(result):
            result = asyncio.run_coroutine_threadsafe(_awaited(result), ctx.loop).result(30)
    except Exception:
        log.warning("the Telegram invitation link could not be made", exc_info=True)
        return None
    return result if isinstance(result, str) and result else None


async def _awaited(value: Any) -> Any:
    return await value


def _invitable(ctx: Ctx) -> list[Any]:
    """The questionnaires a patient can be invited to (not the opening literacy screen, which
    the conversation asks by itself), by title."""
    return sorted(
        (q for q in ctx.questionnaires.values() if q.id != SCREENING_ID), key=lambda q: q.title
    )


def _web_link(ctx: Ctx, invitation: Invitation) -> str:
    return f"{ctx.settings.public_url}/chat/{invitation.token}"


# ====================================================================== log-in


@page(public=True)
def index(ctx: Ctx) -> Response:
    return ctx.redirect("/worklist" if ctx.staff else "/login")


@page(public=True)
def login(ctx: Ctx) -> Response:
    next_path = safe_next(ctx.query("next", 300) or ctx.field("next", 300))
    if ctx.request.method == "GET":
        if ctx.staff is not None:
            return ctx.redirect(next_path.removeprefix("/console"))
        return ctx.render("login.html", next=next_path, expired=ctx.query("expired") == "1")
    email = ctx.field("email", 254)
    password = ctx.secret("password")
    ip = ctx.request.client.host if ctx.request.client else "unknown"
    with ctx.db() as session:
        result = authenticate(session, ctx.settings, email, password, ip)
        if result.user is None:
            ctx.audit(
                session,
                "login.blocked" if result.blocked else "login.failed",
                actor=email.lower()[:200] or "anonymous",
            )
        else:
            ctx.session = ctx.session.logged_in(result.user)
            ctx.staff = Staff.of(result.user)
            ctx.audit(session, "login")
    if result.user is not None:
        return ctx.redirect(next_path.removeprefix("/console"))
    if result.blocked:
        message = ctx.texts._(
            "Too many failed attempts. Wait {minutes} minutes, then try again.",
            minutes=ctx.settings.console_login_window_minutes,
        )
        status = 429
    else:
        message = ctx.texts._("The e-mail address or the password is wrong.")
        status = 401
    return ctx.render("login.html", status=status, next=next_path, error=message, email=email)


@page()
def logout(ctx: Ctx) -> Response:
    with ctx.db() as session:
        user = session.get(ConsoleUser, ctx.user.id)
        if user is not None:
            user.session_epoch += 1  # every cookie of this user is void now
        ctx.audit(session, "logout")
    ctx.session = ctx.session.logged_out()
    ctx.staff = None
    return ctx.redirect("/login")


# ====================================================================== worklist


@page()
def worklist_page(ctx: Ctx) -> Response:
    staff = ctx.user
    filters = worklist.Filters(
        team_id=_int(ctx.query("team")),
        status=ctx.query("status") if ctx.query("status") in worklist.STATUSES else None,
        colour=ctx.query("colour") if ctx.query("colour") in ("red", "yellow", "green") else None,
        mine=ctx.query("mine") == "1",
        needs_review=ctx.query("review") == "1",
    )
    with ctx.db() as session:
        rows = worklist.build_rows(session, staff, ctx.questionnaires, ctx.settings)
        teams = _teams_for(session, staff)
        ctx.audit(session, "worklist.view", detail=f"{len(rows)} patients")
    shown = worklist.apply(rows, filters, staff)
    mine_waiting = sum(
        1 for row in rows if row.responsible_id == staff.id and row.needs_review and row.alerts
    )
    return ctx.render(
        "worklist.html",
        rows=shown,
        total=len(rows),
        filters=filters,
        teams=teams,
        statuses=worklist.STATUSES,
        mine_waiting=mine_waiting,
    )


# ====================================================================== invite


def _invite_form(ctx: Ctx, session: Session, status: int = 200, **values: Any) -> Response:
    teams = _teams_for(session, ctx.user)
    return ctx.render(
        "invite.html",
        status=status,
        questionnaires=_invitable(ctx),
        teams=teams,
        members=_members(session, [team.id for team in teams]),
        age_bands=AGE_BANDS,
        sexes=SEXES,
        values=values.pop("values", {}),
        **values,
    )


@page()
def invite(ctx: Ctx) -> Response:
    staff = ctx.user
    if ctx.request.method == "GET":
        with ctx.db() as session:
            return _invite_form(ctx, session)
    values = {
        name: ctx.field(name, 200)
        for name in ("questionnaire", "label", "age_band", "sex", "site", "team", "responsible")
    }
    errors: list[str] = []
    questionnaire = ctx.questionnaires.get(values["questionnaire"])
    if questionnaire is None or questionnaire.id == SCREENING_ID:
        errors.append(ctx.texts._("Choose a questionnaire."))
    if CPR_LIKE.search(values["label"]) or CPR_LIKE.search(values["site"]):
        errors.append(ctx.texts._("Do not write CPR numbers. Use a label without personal data."))
    if values["age_band"] and values["age_band"] not in AGE_BANDS:
        errors.append(ctx.texts._("Choose an age band from the list."))
    if values["sex"] and values["sex"] not in SEXES:
        errors.append(ctx.texts._("Choose a sex from the list."))
    team_id = _int(values["team"])
    with ctx.db() as session:
        teams = {team.id: team for team in _teams_for(session, staff)}
        if team_id is None or team_id not in teams:
            errors.append(ctx.texts._("Choose a team."))
        responsible_id: int | None = _int(values["responsible"]) or staff.id
        team_members = {u.id for u in _members(session, [team_id])} if team_id else set()
        if team_id in teams and responsible_id not in team_members:
            if values["responsible"]:
                errors.append(ctx.texts._("The responsible coordinator must be in the team."))
            responsible_id = None
        if errors:
            return _invite_form(ctx, session, status=400, errors=errors, values=values)
        assert questionnaire is not None
        patient = create_patient(session, label=values["label"] or None)
        invitation = create_invitation(session, patient, questionnaire.id)
        session.add(
            PatientProfile(
                patient_id=patient.id,
                team_id=team_id,
                responsible_user_id=responsible_id,
                age_band=values["age_band"] or None,
                sex=values["sex"] or None,
                site=values["site"] or None,
                created_by=staff.email,
            )
        )
        ctx.audit(session, "patient.invite", patient_id=patient.id, detail=questionnaire.id)
        pseudonym, patient_id = patient.pseudonym, patient.id
        web_link = _web_link(ctx, invitation)
    return _invitation_page(ctx, pseudonym, patient_id, questionnaire.id, web_link)


def _invitation_page(
    ctx: Ctx, pseudonym: str, patient_id: int, questionnaire_id: str, web_link: str
) -> Response:
    telegram = _telegram_link(ctx, patient_id, questionnaire_id)
    questionnaire = ctx.questionnaires[questionnaire_id]
    return ctx.render(
        "invite_done.html",
        pseudonym=pseudonym,
        questionnaire=questionnaire,
        web_link=web_link,
        web_qr=qr_svg(web_link, ctx.texts._("QR code for the web chat link")),
        telegram_link=telegram,
        telegram_qr=(
            qr_svg(telegram, ctx.texts._("QR code for the Telegram link")) if telegram else None
        ),
    )


@page()
def invite_again(ctx: Ctx) -> Response:
    """A new invitation (e.g. to another questionnaire) for a patient already known."""
    questionnaire = ctx.questionnaires.get(ctx.field("questionnaire", 64))
    with ctx.db() as session:
        patient = access.patient_for(session, ctx.user, ctx.request.path_params["pseudonym"])
        if questionnaire is None or questionnaire.id == SCREENING_ID:
            return ctx.redirect(f"/patients/{patient.pseudonym}")
        invitation = create_invitation(session, patient, questionnaire.id)
        ctx.audit(session, "patient.invite", patient_id=patient.id, detail=questionnaire.id)
        pseudonym, patient_id, link = patient.pseudonym, patient.id, _web_link(ctx, invitation)
    return _invitation_page(ctx, pseudonym, patient_id, questionnaire.id, link)


# ====================================================================== patient page


@page()
def patient_view(ctx: Ctx) -> Response:
    with ctx.db() as session:
        patient = access.patient_for(session, ctx.user, ctx.request.path_params["pseudonym"])
        view = patient_page.load(session, patient, ctx.questionnaires)
        teams = _teams_for(session, ctx.user)
        team_ids = [team.id for team in teams]
        if view.profile and view.profile.team_id and view.profile.team_id not in team_ids:
            team_ids.append(view.profile.team_id)
        members = _members(session, team_ids)
        ctx.audit(session, "patient.view", patient_id=patient.id, detail="transcript and answers")
        web_links = {
            invitation.id: _web_link(ctx, invitation)
            for invitation in view.invitations
            if invitation.channel == "web"
        }
        return ctx.render(
            "patient.html",
            view=view,
            teams=teams,
            members=members,
            web_links=web_links,
            questionnaires=_invitable(ctx),
            done=ctx.query("done"),
        )


@page()
def review(ctx: Ctx) -> Response:
    note = ctx.field("note", MAX_NOTE)
    with ctx.db() as session:
        patient = access.patient_for(session, ctx.user, ctx.request.path_params["pseudonym"])
        now = utcnow()
        session.add(
            Review(
                patient_id=patient.id,
                reviewed_by_id=ctx.user.id,
                reviewed_by=ctx.user.email,
                note=note,
                at=now,
            )
        )
        for alert in session.scalars(
            select(Alert).where(Alert.patient_id == patient.id, Alert.acknowledged_at.is_(None))
        ):
            alert.acknowledged_at = now
        ctx.audit(session, "patient.review", patient_id=patient.id)
        pseudonym = patient.pseudonym
    return ctx.redirect(f"/patients/{pseudonym}", done="reviewed")


@page()
def assign(ctx: Ctx) -> Response:
    team_id = _int(ctx.field("team"))
    responsible_id = _int(ctx.field("responsible"))
    with ctx.db() as session:
        patient = access.patient_for(session, ctx.user, ctx.request.path_params["pseudonym"])
        profile = session.get(PatientProfile, patient.id)
        if team_id is None or session.get(Team, team_id) is None:
            return ctx.error(400, ctx.texts._("Choose a team."))
        if not access.may_change_assignment(ctx.user, profile, team_id):
            raise Forbidden(patient.pseudonym)
        if responsible_id is not None and responsible_id not in {
            user.id for user in _members(session, [team_id])
        }:
            return ctx.error(400, ctx.texts._("The responsible coordinator must be in the team."))
        if profile is None:
            profile = PatientProfile(patient_id=patient.id, created_by=ctx.user.email)
            session.add(profile)
        profile.team_id = team_id
        profile.responsible_user_id = responsible_id
        ctx.audit(session, "patient.assign", patient_id=patient.id)
        pseudonym = patient.pseudonym
    return ctx.redirect(f"/patients/{pseudonym}", done="assigned")


@page()
def withdraw(ctx: Ctx) -> Response:
    with ctx.db() as session:
        patient = access.patient_for(session, ctx.user, ctx.request.path_params["pseudonym"])
        profile = session.get(PatientProfile, patient.id)
        if profile is None:
            profile = PatientProfile(patient_id=patient.id, created_by=ctx.user.email)
            session.add(profile)
        reinstate = ctx.field("action") == "reinstate"
        profile.withdrawn_at = None if reinstate else utcnow()
        ctx.audit(
            session, "patient.reinstate" if reinstate else "patient.withdraw", patient_id=patient.id
        )
        pseudonym = patient.pseudonym
    return ctx.redirect(f"/patients/{pseudonym}", done="reinstated" if reinstate else "withdrawn")


@page()
def access_log(ctx: Ctx) -> Response:
    with ctx.db() as session:
        patient = access.patient_for(session, ctx.user, ctx.request.path_params["pseudonym"])
        ctx.audit(session, "access_log.view", patient_id=patient.id)
        events = patient_page.access_log(session, patient.id)
        return ctx.render("access_log.html", patient=patient, events=events)


# ====================================================================== exports


def _download(body: str, filename: str, media_type: str) -> Response:
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _fhir_bundle(
    ctx: Ctx, session: Session, patient_ids: set[int] | None, qid: str | None
) -> dict[str, Any]:
    whole = fhir.export_bundle(
        session, ctx.questionnaires, questionnaire_id=qid or None, include_observations=True
    )
    if patient_ids is None:
        bundle = whole
    else:
        pseudonyms = set(
            session.scalars(select(Patient.pseudonym).where(Patient.id.in_(sorted(patient_ids))))
        )
        bundle = fhir.bundle(
            [
                entry["resource"]
                for entry in whole.get("entry", [])
                if entry["resource"]["subject"]["identifier"]["value"] in pseudonyms
            ]
        )
    fhir.validate(bundle)
    return bundle


def _patients_in_bundle(session: Session, bundle: dict[str, Any]) -> list[int]:
    pseudonyms = {
        entry["resource"]["subject"]["identifier"]["value"] for entry in bundle.get("entry", [])
    }
    if not pseudonyms:
        return []
    return list(
        session.scalars(select(Patient.id).where(Patient.pseudonym.in_(sorted(pseudonyms))))
    )


@page()
def patient_export(ctx: Ctx) -> Response:
    with ctx.db() as session:
        patient = access.patient_for(session, ctx.user, ctx.request.path_params["pseudonym"])
        bundle = _fhir_bundle(ctx, session, {patient.id}, None)
        ctx.audit(
            session,
            "export.fhir",
            patient_id=patient.id,
            detail=f"{len(bundle.get('entry', []))} resources",
        )
        name = f"{patient.pseudonym}-fhir.json"
    return _download(
        json.dumps(bundle, ensure_ascii=False, indent=2), name, "application/fhir+json"
    )


@page()
def export(ctx: Ctx) -> Response:
    if ctx.request.method == "GET":
        return ctx.render(
            "export.html",
            questionnaires=sorted(ctx.questionnaires.values(), key=lambda q: q.title),
        )
    kind = ctx.field("format")
    qid = ctx.field("questionnaire", 64)
    if qid and qid not in ctx.questionnaires:
        qid = ""
    if kind not in ("fhir", "csv"):
        return ctx.error(400)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M")
    with ctx.db() as session:
        visible: set[int] | None = None
        if not ctx.user.is_admin:
            visible = set(session.scalars(access.visible_patient_ids(ctx.user)))
        if kind == "fhir":
            bundle = _fhir_bundle(ctx, session, visible, qid)
            included = _patients_in_bundle(session, bundle)
            body = json.dumps(bundle, ensure_ascii=False, indent=2)
        else:
            body, included = export_csv(
                session,
                ctx.questionnaires,
                key=pseudonym_key(ctx.settings),
                patient_ids=visible,
                questionnaire_id=qid or None,
            )
        for patient_id in included:
            ctx.audit(session, f"export.{kind}", patient_id=patient_id)
        ctx.audit(session, f"export.{kind}", detail=f"{len(included)} patients")
    if kind == "fhir":
        return _download(body, f"export-{stamp}-fhir.json", "application/fhir+json")
    return _download(body, f"export-{stamp}.csv", "text/csv; charset=utf-8")


# ====================================================================== population


def _parse_date(text: str, default: date) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return default


@page()
def population_page(ctx: Ctx) -> Response:
    texts = ctx.texts
    today = datetime.now(texts.timezone).date()
    start_day = _parse_date(ctx.query("from"), today - timedelta(days=90))
    end_day = _parse_date(ctx.query("to"), today)
    if end_day < start_day:
        start_day, end_day = end_day, start_day
    dimension = ctx.query("by") if ctx.query("by") in population.DIMENSIONS else "literacy"
    scored = [q for q in ctx.questionnaires.values() if q.scoring]
    default_q = "who5" if "who5" in ctx.questionnaires else (scored[0].id if scored else "")
    qid = (
        ctx.query("questionnaire")
        if ctx.query("questionnaire") in ctx.questionnaires
        else default_q
    )
    start = datetime.combine(start_day, time.min, texts.timezone)
    end = datetime.combine(end_day + timedelta(days=1), time.min, texts.timezone)
    with ctx.db() as session:
        result = population.report(
            session,
            ctx.user,
            ctx.questionnaires,
            questionnaire_id=qid,
            dimension=dimension,
            start=start,
            end=end,
        )
        ctx.audit(session, "population.view", detail=f"{qid} by {dimension}")
    names = _group_names(ctx)
    label = {key: names.get(dimension, {}).get(key, key) for key in [g.key for g in result.groups]}
    label[population.UNKNOWN] = texts._("Not recorded")
    charts = _population_charts(ctx, result, label)
    return ctx.render(
        "population.html",
        report=result,
        charts=charts,
        group_label=label,
        dimension=dimension,
        dimensions=population.DIMENSIONS,
        start_day=start_day,
        end_day=end_day,
        questionnaires=_invitable(ctx),
        selected=qid,
    )


def _group_names(ctx: Ctx) -> dict[str, dict[str, str]]:
    _ = ctx.texts._
    return {
        "literacy": {
            "standard": _("Standard"),
            "plain": _("Plain language"),
            "guided": _("Guided"),
        },
        "sex": {"female": _("Female"), "male": _("Male"), "other": _("Other")},
    }


def _population_charts(
    ctx: Ctx, result: population.Report, label: dict[str, str]
) -> dict[str, Any]:
    texts = ctx.texts
    _ = texts._
    groups = result.groups
    if not groups:
        return {}
    completion = bar_chart(
        _("Completion rate"),
        _("Share of invited patients who completed the questionnaire, per group."),
        [
            (
                label[g.key],
                (g.completion_rate or 0) * 100,
                f"{texts.percent(g.completion_rate)} ({g.completed}/{g.invited})",
            )
            for g in groups
        ],
        maximum=100,
        low_text="0 %",
        high_text="100 %",
    )
    longest = max((max(g.minutes) for g in groups if g.minutes), default=0.0)
    times = box_chart(
        _("Time to complete (minutes)"),
        _("Minimum, quartiles and maximum of the minutes from start to completion, per group."),
        [
            (
                label[g.key],
                g.time_stats,
                _("{minutes} min", minutes=texts.number(g.median_minutes)) if g.minutes else "–",
            )
            for g in groups
        ],
        low=0,
        high=max(longest, 1.0),
    )
    charts: dict[str, Any] = {"completion": completion, "times": times}
    rule = result.rule
    if rule is not None:
        bands = [(band.min, band.max, band.triage) for band in rule.bands]
        charts["scores"] = box_chart(
            _("{score}: distribution", score=rule.name),
            _(
                "Minimum, quartiles and maximum of the score of completed questionnaires, per "
                "group, over the score bands."
            ),
            [
                (
                    label[g.key],
                    g.score_stats,
                    _("median {value}", value=texts.number(g.score_stats[2]))
                    if g.score_stats
                    else "–",
                )
                for g in groups
            ],
            low=rule.min,
            high=rule.max,
            bands=bands,
        )
        charts["triage"] = stacked_chart(
            _("{score}: triage", score=rule.name),
            _("Share of completed questionnaires with a red, yellow or green result, per group."),
            [
                (
                    label[g.key],
                    [
                        Segment(
                            "red", g.triage.get("red", 0), _("Red: {n}", n=g.triage.get("red", 0))
                        ),
                        Segment(
                            "yellow",
                            g.triage.get("yellow", 0),
                            _("Yellow: {n}", n=g.triage.get("yellow", 0)),
                        ),
                        Segment(
                            "green",
                            g.triage.get("green", 0),
                            _("Green: {n}", n=g.triage.get("green", 0)),
                        ),
                    ],
                    f"{g.triage.get('red', 0)} / {g.triage.get('yellow', 0)} / {g.triage.get('green', 0)}",
                )
                for g in groups
            ],
        )
    return charts


# ====================================================================== audit log (admin)


@page(admin=True)
def audit_log(ctx: Ctx) -> Response:
    actor = ctx.query("actor")
    action = ctx.query("action")
    pseudonym = ctx.query("patient", 32)
    offset = _int(ctx.query("offset")) or 0
    with ctx.db() as session:
        query = (
            select(AuditEvent, Patient.pseudonym)
            .outerjoin(Patient, Patient.id == AuditEvent.patient_id)
            .order_by(AuditEvent.id.desc())
        )
        if actor:
            query = query.where(AuditEvent.actor.contains(actor.lower(), autoescape=True))
        if action:
            query = query.where(AuditEvent.action.startswith(action, autoescape=True))
        if pseudonym:
            query = query.where(Patient.pseudonym == pseudonym)
        events = session.execute(query.offset(offset).limit(AUDIT_PAGE + 1)).tuples().all()
        ctx.audit(session, "audit_log.view")
    return ctx.render(
        "audit.html",
        events=events[:AUDIT_PAGE],
        more=len(events) > AUDIT_PAGE,
        offset=offset,
        page_size=AUDIT_PAGE,
        actor=actor,
        action=action,
        patient=pseudonym,
    )


# ====================================================================== users and teams (admin)


@page(admin=True)
def users(ctx: Ctx) -> Response:
    errors: list[str] = []
    done = ctx.query("done")
    if ctx.request.method == "POST":
        with ctx.db() as session:
            teams = [
                t.name
                for t in session.scalars(
                    select(Team).where(Team.id.in_([_int(v) or 0 for v in ctx.fields("teams")]))
                )
            ]
            try:
                user = create_user(
                    session,
                    ctx.field("email", 254),
                    ctx.secret("password"),
                    role=ctx.field("role") or "coordinator",
                    teams=teams,
                )
            except AccountError as error:
                errors.append(_account_error(ctx, error))
            else:
                ctx.audit(session, "user.add", detail=f"{user.email} ({user.role})")
                return ctx.redirect("/admin/users", done="added")
    with ctx.db() as session:
        all_users = list(session.scalars(select(ConsoleUser).order_by(ConsoleUser.email)))
        all_teams = list(session.scalars(select(Team).order_by(Team.name)))
        return ctx.render(
            "users.html",
            status=400 if errors else 200,
            users=all_users,
            teams=all_teams,
            roles=ROLES,
            errors=errors,
            done=done,
        )


def _account_error(ctx: Ctx, error: AccountError) -> str:
    text = str(error)
    _ = ctx.texts._
    if "password" in text:
        return _("The password must have at least 12 characters.")
    if "exists" in text:
        return _("A user with this e-mail address exists already.")
    if "role" in text:
        return _("Choose a role.")
    return _("Write a valid e-mail address.")


@page(admin=True)
def user_update(ctx: Ctx) -> Response:
    user_id = _int(ctx.request.path_params["user_id"])
    with ctx.db() as session:
        user = session.get(ConsoleUser, user_id) if user_id else None
        if user is None:
            raise NotFound("user")
        role = ctx.field("role")
        if role in ROLES:
            if user.id == ctx.user.id and role != "admin":
                return ctx.error(400, ctx.texts._("You cannot remove your own admin role."))
            user.role = role
        active = ctx.field("active") == "1"
        if user.id == ctx.user.id and not active:
            return ctx.error(400, ctx.texts._("You cannot deactivate yourself."))
        if user.active and not active:
            user.session_epoch += 1
        user.active = active
        wanted = {_int(v) for v in ctx.fields("teams")}
        user.teams = list(
            session.scalars(select(Team).where(Team.id.in_([t for t in wanted if t])))
        )
        password = ctx.secret("password")
        if password:
            try:
                set_password(user, password)
            except AccountError as error:
                return ctx.error(400, _account_error(ctx, error))
        ctx.audit(
            session, "user.update", detail=f"{user.email} ({user.role}, active={user.active})"
        )
    return ctx.redirect("/admin/users", done="updated")


@page(admin=True)
def teams(ctx: Ctx) -> Response:
    error = None
    if ctx.request.method == "POST":
        name = ctx.field("name", 120)
        with ctx.db() as session:
            if not name:
                error = ctx.texts._("Write a name for the team.")
            elif session.scalar(select(Team).where(Team.name == name)) is not None:
                error = ctx.texts._("A team with this name exists already.")
            else:
                session.add(Team(name=name))
                ctx.audit(session, "team.add", detail=name)
                return ctx.redirect("/admin/teams", done="added")
    with ctx.db() as session:
        rows = []
        for team in session.scalars(select(Team).order_by(Team.name)):
            patients = session.scalars(
                select(PatientProfile.patient_id).where(PatientProfile.team_id == team.id)
            ).all()
            rows.append((team, [u.email for u in team.members], len(patients)))
        return ctx.render(
            "teams.html",
            status=400 if error else 200,
            rows=rows,
            error=error,
            done=ctx.query("done"),
        )


# ====================================================================== account


@page()
def account(ctx: Ctx) -> Response:
    message = None
    error = None
    if ctx.request.method == "POST":
        with ctx.db() as session:
            user = session.get(ConsoleUser, ctx.user.id)
            assert user is not None
            if ctx.field("action") == "language":
                chosen = ctx.field("locale")
                user.locale = chosen if chosen in LANGUAGES else None
                ctx.session = ctx.session.with_lang(user.locale or ctx.settings.locale)
                message = "language"
            else:
                current = ctx.secret("current")
                new = ctx.secret("new")
                if not verify_password(user.password_hash, current):
                    error = ctx.texts._("The current password is wrong.")
                elif new != ctx.secret("repeat"):
                    error = ctx.texts._("The two new passwords are not the same.")
                else:
                    try:
                        check_password_rules(new)
                        set_password(user, new)
                    except AccountError:
                        error = ctx.texts._("The password must have at least 12 characters.")
                    else:
                        # Other sessions end; this one continues with the new epoch.
                        ctx.session = ctx.session.logged_in(user)
                        ctx.audit(session, "user.password")
                        message = "password"
        if message:
            return ctx.redirect("/account", done=message)
    with ctx.db() as session:
        user = session.get(ConsoleUser, ctx.user.id)
        return ctx.render(
            "account.html",
            status=400 if error else 200,
            user=user,
            error=error,
            done=ctx.query("done"),
        )
