"""`bot invite` and `bot revoke`: making patients and their links, and closing the links."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from typing import Any

from bot.settings import Settings


def questionnaires_of(settings: Settings) -> dict[str, Any]:
    from bot.questionnaire.loader import load_directory

    return load_directory(settings.questionnaire_dir, canonical_base=settings.fhir_canonical_base)


def cli_actor() -> str:
    return f"cli:{getpass.getuser()}"


def _team_name(value: str) -> str:
    """`--team`: a name, not blank."""
    name = value.strip()
    if not name:
        raise argparse.ArgumentTypeError("a team name must not be blank")
    return name


def create_web_invite(
    settings: Settings,
    questionnaire_id: str | None,
    *,
    label: str | None = None,
    reuse_label: bool = False,
    team: str | None = None,
    plan_id: str | None = None,
) -> str:
    """Create a pseudonymous patient with a web invitation; return the chat URL.

    The patient joins the team of that name (made if new), or the default team, whose
    coordinators see them. With `reuse_label`, the patient of that label who has a web link to
    the questionnaire is reused: a stored link cannot be reprinted (only its hash is kept), so
    their web links to it are revoked ("replaced") and a new one is issued, which opens the
    same conversation.

    With `plan_id` (then `questionnaire_id` is None) the patient is enrolled in that plan now
    (once: a reused patient keeps their course) and the link opens the plan's first
    questionnaire; an unknown plan raises `UnknownPlan` before anything is stored.
    """
    from zoneinfo import ZoneInfo

    from sqlalchemy import select

    from bot.course.enrol import enrol_patient, first_questionnaire, plan_named
    from bot.course.plans import Plan, load_plans
    from bot.course.runner import reminder_hours
    from bot.storage import db
    from bot.storage.models import Invitation, Patient, utcnow
    from bot.storage.patient_profiles import place_in_team, team_of
    from bot.storage.patients import create_invitation, create_patient, revoke_invitation
    from bot.storage.relatives import RELATIVE_QUESTIONNAIRE_ID

    questionnaires = questionnaires_of(settings)
    plans: dict[str, Plan] = {}
    if plan_id is not None:
        plans = load_plans(settings.plans_dir, questionnaires)
        questionnaire_id = first_questionnaire(plan_named(plans, plan_id))
    if questionnaire_id is None or questionnaire_id not in questionnaires:
        known = ", ".join(sorted(questionnaires))
        raise SystemExit(f"error: unknown questionnaire '{questionnaire_id}' (known: {known})")
    if questionnaire_id == RELATIVE_QUESTIONNAIRE_ID:
        # A relative's own questionnaire: their link is made in the chat or the console.
        raise SystemExit(f"error: '{questionnaire_id}' is for relatives, not patients")
    factory = db.open(settings).session_factory
    with db.session_scope(factory) as session:
        patient = None
        if reuse_label and label:
            previous = session.scalars(
                select(Invitation)
                .join(Patient)
                .where(
                    Patient.label == label,
                    Invitation.questionnaire_id == questionnaire_id,
                    Invitation.channel == "web",
                )
                .order_by(Invitation.id)
            ).all()
            if previous:
                patient = previous[0].patient
                for invitation in previous:
                    if invitation.patient_id == patient.id:
                        revoke_invitation(session, invitation, "replaced")
        if patient is None:
            patient = create_patient(session, label=label)
        if team or team_of(session, patient.id) is None:
            place_in_team(session, patient.id, team, created_by=cli_actor())
        if plan_id is not None:
            zone = ZoneInfo(settings.console_timezone)
            enrol_patient(
                session, plans, patient.id, plan_id, utcnow(), zone=zone,
                hours=reminder_hours(settings),
            )
        issued = create_invitation(session, patient, questionnaire_id)
        return f"{settings.public_url}/chat/{issued.token}"


# ---------------------------------------------------------------------- invite


def cmd_invite(args: argparse.Namespace, settings: Settings) -> int:
    from bot.course.enrol import UnknownPlan
    from bot.course.plans import PlanError

    if args.channel == "telegram":
        from bot.channels.telegram import InviteError, new_patient_invite
        from bot.storage import db

        try:
            link = asyncio.run(
                new_patient_invite(
                    settings,
                    db.open(settings).session_factory,
                    questionnaires_of(settings),
                    args.questionnaire,
                    label=args.label,
                    team=args.team,
                    created_by=cli_actor(),
                    plan_id=args.plan,
                )
            )
        except InviteError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        print(link)
        return 0
    try:
        link = create_web_invite(
            settings, args.questionnaire, label=args.label, team=args.team, plan_id=args.plan
        )
    except (PlanError, UnknownPlan) as error:  # UnknownPlan's message names the known plans
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(link)  # only the link on stdout: scripts use it
    return 0


# ---------------------------------------------------------------------- revoke


def cmd_revoke(args: argparse.Namespace, settings: Settings) -> int:
    """Revoke every link of a patient (web chat, Telegram invitations, hand-off links)."""
    from bot.storage import db
    from bot.storage.audit import audit
    from bot.storage.patients import patient_by_pseudonym, revoke_patient_links

    factory = db.open(settings).session_factory
    with db.session_scope(factory) as session:
        patient = patient_by_pseudonym(session, args.pseudonym)
        if patient is None:
            print(f"error: no patient {args.pseudonym}", file=sys.stderr)
            return 2
        count = revoke_patient_links(session, patient.id, "cli")
        audit(
            session,
            actor=cli_actor(),
            action="patient.revoke",
            patient_id=patient.id,
            detail=str(count),
        )
    noun = "link" if count == 1 else "links"
    print(f"Revoked {count} {noun} of {args.pseudonym}.")
    return 0


def add_commands(commands: Any) -> None:
    invite = commands.add_parser("invite", help="create a pseudonymous patient and print the link")
    invited_to = invite.add_mutually_exclusive_group(required=True)
    invited_to.add_argument("--questionnaire", help="questionnaire id, e.g. who5 (one-off)")
    invited_to.add_argument(
        "--plan",
        help="plan id, e.g. who5-14d: enrol the patient now; the link opens the first questionnaire",
    )
    invite.add_argument("--channel", default="web", choices=["web", "telegram"])
    invite.add_argument("--label", help="optional label for staff (never a name or CPR number)")
    invite.add_argument(
        "--team",
        type=_team_name,
        help="the patient's team (created if new); default: the default team, Standard",
    )
    invite.set_defaults(handler=cmd_invite)

    revoke = commands.add_parser("revoke", help="revoke all links of a patient (P-XXXXXXXX)")
    revoke.add_argument("pseudonym", help="the patient's pseudonym, e.g. P-ABCD2345")
    revoke.set_defaults(handler=cmd_revoke)
