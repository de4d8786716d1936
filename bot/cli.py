"""The `bot` command: run, chat, export, train (invite and revoke: bot/invites_cli.py)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import sys
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import httpx

from bot.invites_cli import add_commands as add_invite_commands
from bot.invites_cli import cli_actor, create_web_invite, questionnaires_of
from bot.settings import Settings, get_settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from bot.course.scheduler import SendReminder
    from bot.questionnaire.model import Questionnaire

log = logging.getLogger("bot")


def _setup_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # Migration chatter is not news for an operator.
    for noisy in ("alembic", "rasa_sdk", "httpx"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


# ---------------------------------------------------------------------- run


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    import contextlib

    import uvicorn

    from bot.channels.telegram import config_problem
    from bot.engine import EngineClient, EngineError, ensure_model, wait_until_loaded
    from bot.internal import external_engine_problem, internal_server, with_secrets
    from bot.web import create_app

    started = time.monotonic()
    problem = config_problem(settings) or external_engine_problem(settings)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    if settings.manage_rasa:
        if not settings.rasa_python.exists():
            print(
                f"error: the engine environment is missing ({settings.rasa_python}). "
                "Run `make run` (it sets it up) or set RASA_URL to a running engine.",
                file=sys.stderr,
            )
            return 2
        try:
            ensure_model(settings)
        except EngineError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
    demo_url = (
        create_web_invite(settings, args.questionnaire, label="demo", reuse_label=True)
        if args.demo
        else None
    )
    settings = with_secrets(settings)  # the app, its engine and the internal listener share them
    app = create_app(settings)
    internal = internal_server(app.state, settings)
    config = uvicorn.Config(
        app, host=settings.host, port=settings.port, log_level="warning", lifespan="on",
        # X-Forwarded-For only from the configured proxies (none by default; uvicorn's own
        # default would believe any local process).
        proxy_headers=bool(settings.forwarded_allow_ips),
        forwarded_allow_ips=settings.forwarded_allow_ips,
    )  # fmt: skip
    server = uvicorn.Server(config)

    async def announce_when_ready() -> None:
        while not server.started:
            if server.should_exit:
                return
            await asyncio.sleep(0.1)
        print(f"App listening on {settings.public_url} — waiting for the engine ...", flush=True)
        client = EngineClient(settings.rasa_url, token=settings.rasa_auth_token)
        try:
            process = getattr(app.state, "engine_process", None)
            await wait_until_loaded(client, timeout=args.engine_timeout, process=process)
        except EngineError as error:
            print(f"error: {error}", file=sys.stderr, flush=True)
            server.should_exit = True
            return
        finally:
            await client.close()
        print(f"Ready in {time.monotonic() - started:.1f} s.", flush=True)
        if demo_url:
            print(f"\nOpen the demo patient's chat:\n\n    {demo_url}\n", flush=True)
        print("Press Ctrl-C to stop.", flush=True)

    async def serve_internal() -> None:
        with contextlib.suppress(SystemExit):  # uvicorn exits when it cannot bind its port
            await internal.serve()

    async def main() -> int:
        # The engine's action calls go to the internal listener: it listens before the
        # public app starts the engine.
        internal_task = asyncio.create_task(serve_internal())
        while not internal.started and not internal_task.done():
            await asyncio.sleep(0.05)
        if not internal.started:
            print(
                f"error: the action listener cannot listen on 127.0.0.1:{settings.actions_port}"
                " (BOT_ACTIONS_PORT); is another app running?",
                file=sys.stderr,
            )
            return 2
        # Without its listener the engine can run no action: stop the app too.
        internal_task.add_done_callback(lambda _: setattr(server, "should_exit", True))
        announcer = asyncio.create_task(announce_when_ready())
        try:
            await server.serve()
        finally:
            announcer.cancel()
            internal.should_exit = True
            await internal_task
        return 0

    return asyncio.run(main())


# ---------------------------------------------------------------------- chat


def _print_bot(messages: Sequence[dict[str, Any]]) -> list[dict[str, str]]:
    buttons: list[dict[str, str]] = []
    for message in messages:
        print(f"bot> {message.get('text', '')}")
        buttons = list(message.get("buttons") or [])
        for number, button in enumerate(buttons, 1):
            print(f"     [{number}] {button['title']}")
    return buttons


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    url = args.url or create_web_invite(settings, args.questionnaire, label=args.label)
    if "/chat/" not in url:
        print(
            "error: --url must be a chat link like http://127.0.0.1:8000/chat/<token>",
            file=sys.stderr,
        )
        return 2
    base, token = url.rsplit("/chat/", 1)
    api = f"{base}/api/chat/{token}/messages"
    print(f"Chat link: {url}\nType your answer; '#2' presses button 2; Ctrl-D ends.\n")
    with httpx.Client(timeout=60) as client:
        try:
            history = client.get(api)
        except httpx.HTTPError:
            print(
                f"error: the app is not reachable at {base}. Start it with `make run`.",
                file=sys.stderr,
            )
            return 2
        if history.status_code != 200:
            print(f"error: {history.json().get('error', history.status_code)}", file=sys.stderr)
            return 2
        old = history.json()["messages"]
        buttons = _print_bot([m for m in old if m["from"] == "bot"][-1:])
        if not old:
            buttons = _print_bot(client.post(api, json={"payload": "/start"}).json()["messages"])
        while True:
            try:
                line = input("du> ").strip()
            except EOFError:
                print()
                return 0
            if not line:
                continue
            body: dict[str, str] = {"text": line}
            if line.startswith("#") and line[1:].isdigit() and 0 < int(line[1:]) <= len(buttons):
                body = {"payload": buttons[int(line[1:]) - 1]["payload"]}
            else:
                for button in buttons:
                    if button["title"].lower() == line.lower():
                        body = {"payload": button["payload"]}
            answer = client.post(api, json=body)
            if answer.status_code != 200:
                print(f"error: {answer.json().get('error', answer.status_code)}", file=sys.stderr)
                continue
            buttons = _print_bot(answer.json()["messages"])


# ---------------------------------------------------------------------- export


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    if args.format == "csv":
        from bot.console.cli import cmd_export_csv

        return cmd_export_csv(args, settings)
    from bot.course.plans import load_plans
    from bot.export.fhir import export_bundle, patient_bundle, validate
    from bot.storage import db
    from bot.storage.audit import audit
    from bot.storage.patients import patient_by_pseudonym

    if args.patient and args.questionnaire:
        # The patient's Bundle is self-contained: its CarePlans point at every response.
        print("error: --questionnaire does not combine with --patient for FHIR", file=sys.stderr)
        return 2
    factory = db.open(settings).session_factory
    questionnaires = questionnaires_of(settings)
    with db.session_scope(factory) as session:
        patient = patient_by_pseudonym(session, args.patient) if args.patient else None
        if args.patient and patient is None:
            print(f"error: no patient {args.patient}", file=sys.stderr)
            return 1
        if patient is not None:
            plans = load_plans(settings.plans_dir, questionnaires)
            bundle = patient_bundle(session, questionnaires, plans, patient)
            exported = {patient.pseudonym}
        else:
            bundle = export_bundle(
                session,
                questionnaires,
                questionnaire_id=args.questionnaire,
                include_observations=args.with_scores,
            )
            entries = bundle.get("entry", [])
            exported = {e["resource"]["subject"]["identifier"]["value"] for e in entries}
        # Each exported patient's "who has seen my data" list shows this export.
        for pseudonym in sorted(exported):
            row = patient_by_pseudonym(session, pseudonym)
            audit(
                session,
                actor=cli_actor(),
                action="export.fhir",
                patient_id=row.id if row is not None else None,
            )
        audit(
            session,
            actor=cli_actor(),
            action="export.fhir",
            detail=f"{len(bundle.get('entry', []))} resources",
        )
    validate(bundle)
    text = json.dumps(bundle, ensure_ascii=False, indent=2)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
        print(f"Wrote {len(bundle.get('entry', []))} resources to {args.output}", file=sys.stderr)
    else:
        print(text)
    return 0


# ---------------------------------------------------------------------- train


def cmd_train(args: argparse.Namespace, settings: Settings) -> int:
    from bot.engine import EngineError, ensure_model

    try:
        ensure_model(settings)
    except EngineError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


# ---------------------------------------------------------------------- wiring


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bot", description="Danish questionnaire chatbot (web chat, engine, storage)."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="start the engine and the app, and wait until ready")
    run.add_argument("--demo", action="store_true", help="print a demo patient's chat link")
    run.add_argument("--questionnaire", default="who5", help="questionnaire of the demo patient")
    run.add_argument(
        "--engine-timeout",
        type=float,
        default=300.0,
        help="seconds to wait for the engine to load its model",
    )
    run.set_defaults(handler=cmd_run)
    add_invite_commands(commands)  # bot invite ..., bot revoke ...

    chat = commands.add_parser("chat", help="talk to the running bot in this terminal")
    chat.add_argument("--url", help="an existing chat link; default: a new test patient")
    chat.add_argument("--questionnaire", default="who5")
    chat.add_argument("--label", default="terminal test")
    chat.set_defaults(handler=cmd_chat)

    train = commands.add_parser("train", help="train the engine model if dialogues/ changed")
    train.set_defaults(handler=cmd_train)

    export = commands.add_parser("export", help="export answers")
    export.add_argument("--format", required=True, choices=["fhir", "csv"])
    export.add_argument("--patient", help="only this patient (pseudonym)")
    export.add_argument("--questionnaire", help="only this questionnaire")
    export.add_argument(
        "--with-scores", action="store_true", help="add an Observation per score to the Bundle"
    )
    export.add_argument("--output", help="write to this file instead of standard output")
    export.set_defaults(handler=cmd_export)

    from bot.console.cli import add_commands as add_console_commands

    add_console_commands(commands)  # bot user ..., bot audit ...
    from bot.course.cli import add_commands as add_course_commands

    add_course_commands(commands, _reminder_sender)  # bot schedule run
    return parser


def _reminder_sender(
    settings: Settings,
    session_factory: sessionmaker[Session],
    questionnaires: Mapping[str, Questionnaire],
) -> contextlib.AbstractAsyncContextManager[SendReminder | None]:
    """Telegram's reminder sender (imported only when a pass runs: PTB is slow to import)."""
    from bot.channels.telegram.reminders import schedule_sender

    return schedule_sender(settings, session_factory, questionnaires)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = get_settings()
    except ValueError as error:  # a setting with a value it cannot have
        print(f"error: {error}", file=sys.stderr)
        return 2
    _setup_logging(settings)
    try:
        result: int = args.handler(args, settings)
    except KeyboardInterrupt:
        return 130
    return result


if __name__ == "__main__":
    raise SystemExit(main())
