"""Console commands of the `bot` CLI: `bot user ...`, `bot audit ...` and the CSV export."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from bot.settings import Settings, user_password
from bot.storage.console_models import ROLES

PASSWORD_VARIABLE = "BOT_USER_PASSWORD"


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


def _password() -> str:
    password = user_password()
    if password:
        return password
    if not sys.stdin.isatty():
        raise SystemExit(f"error: set {PASSWORD_VARIABLE} or run in a terminal to be asked")
    first = getpass.getpass("Password (at least 12 characters): ")
    if getpass.getpass("Password again: ") != first:
        raise SystemExit("error: the passwords are not the same")
    return first


def cmd_user(args: argparse.Namespace, settings: Settings) -> int:
    from sqlalchemy import select

    from bot.console.accounts import create_user
    from bot.console.passwords import AccountError
    from bot.storage import db
    from bot.storage.audit import audit
    from bot.storage.console_models import ConsoleUser
    from bot.storage.staff import default_team

    factory = db.open(settings).session_factory
    if args.user_command == "list":
        with db.session_scope(factory) as session:
            for user in session.scalars(select(ConsoleUser).order_by(ConsoleUser.email)):
                teams = ",".join(team.name for team in user.teams) or "-"
                state = "active" if user.active else "deactivated"
                print(f"{user.email}\t{user.role}\t{teams}\t{state}")
        return 0
    password = _password()
    try:
        with db.session_scope(factory) as session:
            # Without --team, the default team: its coordinators see the patients invited
            # without one (admins join it too; they see every patient anyway).
            user = create_user(
                session,
                args.email,
                password,
                role=args.role,
                teams=list(args.team or [default_team(session).name]),
            )
            audit(
                session, actor=_actor(), action="user.add", detail=f"{user.email} ({user.role})"
            )
            teams = ", ".join(team.name for team in user.teams)
            summary = f"{user.email} ({user.role}; teams: {teams or 'none'})"
    except AccountError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"Created {summary}.")
    return 0


def cmd_audit(args: argparse.Namespace, settings: Settings) -> int:
    """The patient's "who has seen my data" list (a patient right in Denmark)."""
    from bot.storage import db
    from bot.storage.audit import access_log, audit
    from bot.storage.patients import patient_by_pseudonym

    factory = db.open(settings).session_factory
    with db.session_scope(factory) as session:
        patient = patient_by_pseudonym(session, args.patient)
        if patient is None:
            print(f"error: no patient {args.patient}", file=sys.stderr)
            return 1
        events = access_log(session, patient.id)
        print(f"Who has seen the data of {patient.pseudonym} (newest first):")
        for event in events:
            who = "the patient" if event.actor == "patient" else event.actor
            print(f"{event.created_at.isoformat(timespec='seconds')}\t{who}\t{event.action}")
        if not events:
            print("(nothing recorded)")
        audit(session, actor=_actor(), action="access_log.view", patient_id=patient.id)
    return 0


def cmd_export_csv(args: argparse.Namespace, settings: Settings) -> int:
    from bot.console.keys import pseudonym_key
    from bot.export.csv_export import export_csv
    from bot.questionnaire.loader import load_directory
    from bot.storage import db
    from bot.storage.audit import audit
    from bot.storage.patients import patient_by_pseudonym

    factory = db.open(settings).session_factory
    questionnaires = load_directory(
        settings.questionnaire_dir, canonical_base=settings.fhir_canonical_base
    )
    with db.session_scope(factory) as session:
        patient_ids = None
        if getattr(args, "patient", None):
            patient = patient_by_pseudonym(session, args.patient)
            if patient is None:
                print(f"error: no patient {args.patient}", file=sys.stderr)
                return 1
            patient_ids = [patient.id]
        text, included = export_csv(
            session,
            questionnaires,
            key=pseudonym_key(settings),
            patient_ids=patient_ids,
            questionnaire_id=args.questionnaire,
        )
        for patient_id in included:
            audit(session, actor=_actor(), action="export.csv", patient_id=patient_id)
        audit(session, actor=_actor(), action="export.csv", detail=f"{len(included)} patients")
    if args.output:
        with open(args.output, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        print(f"Wrote {len(included)} patients to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def add_commands(commands: Any) -> None:
    """Add `bot user` and `bot audit` to the CLI's subcommands."""
    user = commands.add_parser("user", help="console users (coordinators and admins)")
    user_commands = user.add_subparsers(dest="user_command", required=True)
    add = user_commands.add_parser(
        "add", help=f"add a console user (password from a prompt or {PASSWORD_VARIABLE})"
    )
    add.add_argument("email")
    add.add_argument("--role", choices=list(ROLES), default="coordinator")
    add.add_argument(
        "--team",
        action="append",
        help="team (created if new); repeat for several teams; default: Standard",
    )
    user_commands.add_parser("list", help="list the console users")
    user.set_defaults(handler=cmd_user)

    audit = commands.add_parser(
        "audit", help="who has seen a patient's data (the patient's right to know)"
    )
    audit.add_argument("--patient", required=True, help="the patient's pseudonym, e.g. P-ABCD2345")
    audit.set_defaults(handler=cmd_audit)
