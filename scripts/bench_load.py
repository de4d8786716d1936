"""`make bench`: the load benchmark of issue 13, with its two baselines in one run.

Rows: (a) the floor, the engine's bare NLU parse, one at a time and at saturation; (b) the
same bot deployed the way Rasa documents it (SQL tracker store in a SQLite file, the actions
in rasa-sdk's own action server process, scripts/bench_action_server.py); (c) ours as
`make run` deploys it (in-memory tracker, the actions inside the app), SQLite; (d) the same on
PostgreSQL. Rows (b) to (d) are measured with one patient alone and with N patients at once
answering WHO-5 by buttons through the web chat API (scripts/bench_load_driver.py).
docs/PERFORMANCE.md explains the figures.

    .venv/bin/python scripts/bench_load.py [--window 30] [--patients 50] [--skip-postgres]
    .venv/bin/python scripts/bench_load.py --quick     # smoke: 5 patients, 5 s, SQLite only
"""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, closing, contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_load_driver import (
    PARSES_IN_FLIGHT,
    TURNS_PER_PATIENT,
    Driver,
    invite_pool,
    parse_floor,
    stored_answers,
)
from bench_load_report import print_report, result_of
from bench_meter import ProcessMeter, Record, Window, measure
from sqlalchemy import create_engine, text

from bot.engine import engine_environment, ensure_model, serve_command
from bot.i18n import Texts
from bot.settings import PROJECT_ROOT
from tests.conftest import POSTGRES_ADMIN_URL, make_settings
from tests.e2e.conftest import LiveSystem, free_port

ACTION_SERVER = Path(__file__).resolve().parent / "bench_action_server.py"
# Rasa's documented set-up: the SQL tracker store (here a SQLite file), the default lock store,
# and an action server without our shared secret.
DOCUMENTED_ENDPOINTS = """\
action_endpoint:
  url: http://127.0.0.1:{port}/webhook
tracker_store:
  type: SQL
  dialect: sqlite
  db: {db}
"""
# Invitations made beforehand: enough for 320 turns/s (twice the goal) over the window.
POOL_TURNS_PER_S = 320


@dataclass
class DocumentedSystem(LiveSystem):
    """Row (b): `rasa run` with the endpoints above, and rasa-sdk's action server."""

    action_server_port: int = field(default_factory=free_port)
    actions: subprocess.Popen[bytes] | None = None

    def start_engine(self) -> None:
        settings = self.settings
        self.var_dir.mkdir(parents=True, exist_ok=True)
        endpoints = self.var_dir / "endpoints.yml"
        endpoints.write_text(
            DOCUMENTED_ENDPOINTS.format(port=self.action_server_port, db=self.var_dir / "rasa.db")
        )
        command = serve_command(settings, self.model)
        command[command.index("--endpoints") + 1] = str(endpoints)
        self.engine = subprocess.Popen(
            command, cwd=settings.dialogues_dir, env=engine_environment(settings),
            stdout=(self.var_dir / "engine.out").open("ab"), stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        self.actions = subprocess.Popen(
            [sys.executable, str(ACTION_SERVER), "--port", str(self.action_server_port)],
            env={**os.environ, **self.env}, cwd=PROJECT_ROOT,
            stdout=(self.var_dir / "actions.out").open("ab"), stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip

    def wait_ready(self, timeout: float = 180.0) -> None:
        super().wait_ready(timeout)
        deadline = time.monotonic() + timeout
        health = f"http://127.0.0.1:{self.action_server_port}/health"
        while time.monotonic() < deadline:
            if self.actions is not None and self.actions.poll() is not None:
                raise RuntimeError(f"the action server exited; see {self.var_dir}/actions.out")
            try:
                if httpx.get(health, timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise TimeoutError(f"the action server was not ready; see {self.var_dir}")

    def stop(self) -> None:
        super().stop()
        self._kill(self.actions, signal.SIGTERM)


@dataclass
class Deployment:
    key: str
    label: str
    system: LiveSystem
    # Processes outside the system's trees that work for it (PostgreSQL's backends).
    others: dict[str, Callable[[], list[int]]] = field(default_factory=dict)
    tokens: Iterator[str] = field(default_factory=lambda: iter(()))
    rows: list[dict[str, Any]] = field(default_factory=list)
    answers: dict[str, int] = field(default_factory=dict)
    tracker_events: int | None = None

    def meter(self) -> ProcessMeter:
        system = self.system
        assert system.engine is not None and system.app is not None
        roots = {"engine": system.engine.pid, "app": system.app.pid}
        if isinstance(system, DocumentedSystem) and system.actions is not None:
            roots["actions"] = system.actions.pid
        return ProcessMeter(roots, self.others)


@contextmanager
def postgres_database() -> Iterator[tuple[str, Callable[[], list[int]]]]:
    """A fresh database on the local test server (trust auth), dropped at the end, and a
    function listing the server processes that serve it."""
    name = f"bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:
        admin.dispose()
        raise SystemExit(f"PostgreSQL is needed at {POSTGRES_ADMIN_URL} ({error}); "
                         "or run with --skip-postgres") from error  # fmt: skip

    def backends() -> list[int]:
        with admin.connect() as connection:
            query = text("SELECT pid FROM pg_stat_activity WHERE datname = :name")
            return [int(pid) for pid in connection.execute(query, {"name": name}).scalars()]

    try:
        yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}", backends
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run_deployment(deployment: Deployment, driver: Driver, args: argparse.Namespace) -> None:
    key, system, tokens = deployment.key, deployment.system, deployment.tokens
    meter = deployment.meter()
    # One patient first, unmeasured: the first turns pay for lazy loading in both processes.
    records = [] if args.quick else [driver.alone(tokens, TURNS_PER_PATIENT)]

    def alone(window: Window) -> Record:
        records.append(driver.alone(tokens, args.alone_turns, window))
        return records[-1]

    def at_once(window: Window) -> Record:
        records.append(driver.at_once(tokens, args.patients, args.ramp, args.window, window))
        return records[-1]

    first = measure("alone", meter, alone)
    print(f"  ({key}) 1 patient alone: {first['turns']} turns", flush=True)
    load = measure("load", meter, at_once)
    print(f"  ({key}) {args.patients} patients at once: {load['turns']} turns "
          f"in {load['seconds']:.1f} s", flush=True)  # fmt: skip
    deployment.rows = [
        {"row": key, "label": f"({key}) {deployment.label}, 1 patient", **first},
        {"row": key, "label": f"({key}) {deployment.label}, {args.patients} at once", **load},
    ]
    deployment.answers = {
        "stored": stored_answers(system.settings),
        "presses": sum(record.presses for record in records),
        "failed_turns": sum(len(record.errors) for record in records),
        "pool_exhausted": any(record.pool_exhausted for record in records),
    }
    if isinstance(system, DocumentedSystem):
        deployment.tracker_events = tracker_events(system.var_dir / "rasa.db")


def stop_all(systems: list[LiveSystem]) -> None:
    """Stopped side by side: each waits for its engine to shut down."""
    threads = [threading.Thread(target=system.stop) for system in systems]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def floor_rows(system: LiveSystem, args: argparse.Namespace) -> list[dict[str, Any]]:
    """Row (a) on our engine: one parse at a time, then PARSES_IN_FLIGHT at once."""
    assert system.engine is not None
    meter = ProcessMeter({"engine": system.engine.pid})
    rows = []
    for phase, in_flight, seconds in (("alone", 1, args.floor_window / 2),
                                      ("load", PARSES_IN_FLIGHT, args.floor_window)):  # fmt: skip
        work = partial(parse_floor, system.engine_url, system.rasa_auth_token, in_flight, seconds)
        row = measure(phase, meter, work)
        who = "1 at a time" if in_flight == 1 else f"{in_flight} in flight"
        rows.append({"row": "a", "label": f"(a) floor: bare NLU parse, {who}", **row})
    return rows


def tracker_events(path: Path) -> int:
    """Events in the engine's SQL tracker store: shows that row (b) really used it."""
    with closing(sqlite3.connect(path)) as connection:
        return int(connection.execute("SELECT count(*) FROM events").fetchone()[0])


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: 5 patients, 5 s window, SQLite only")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--window", type=float, help="seconds of the N-patient phase (30)")
    parser.add_argument("--patients", type=int, help="patients at once (50)")
    parser.add_argument("--json", type=Path, default=PROJECT_ROOT / "var" / "bench" / "load.json")
    args = parser.parse_args()  # fmt: skip
    args.window = args.window or (5.0 if args.quick else 30.0)
    args.patients = args.patients or (5 if args.quick else 50)
    args.skip_postgres = args.skip_postgres or args.quick
    args.alone_turns = 8 if args.quick else 40
    args.floor_window = 1.0 if args.quick else 10.0
    # Unmeasured start of the N-patient phase: at first every patient's request arrives at
    # once, and none completes for a while.
    args.ramp = min(5.0, args.window / 3)
    return args


def main() -> int:
    args = parse_args()
    load_before = os.getloadavg()
    model = ensure_model(make_settings(PROJECT_ROOT / "var"), quiet=True)
    driver_texts = Texts(PROJECT_ROOT / "locales", "da")
    pool = args.patients + math.ceil(
        (args.ramp + args.window) * POOL_TURNS_PER_S / TURNS_PER_PATIENT
    )
    pool += math.ceil(args.alone_turns / TURNS_PER_PATIENT) + 2  # and the warm-up patient
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        root = Path(tmp)

        def sqlite(name: str) -> str:
            return f"sqlite:///{root / name / 'bot.db'}"

        deployments = [
            Deployment("b", "as Rasa documents it, SQLite", DocumentedSystem(
                var_dir=root / "b", model=model, database_url=sqlite("b"))),
            Deployment("c", "ours (make run), SQLite", LiveSystem(
                var_dir=root / "c", model=model, database_url=sqlite("c"))),
        ]  # fmt: skip
        if not args.skip_postgres:
            url, backends = stack.enter_context(postgres_database())
            deployments.append(Deployment("d", "ours, PostgreSQL", LiveSystem(
                var_dir=root / "d", model=model, database_url=url), {"db": backends}))  # fmt: skip
        stack.callback(stop_all, [d.system for d in deployments])
        for d in deployments:
            print(f"({d.key}) {d.label}: database and {pool} invitations ...", flush=True)
            d.tokens = iter(invite_pool(d.system.settings, pool))
        print("starting every engine and app ...", flush=True)
        started = time.perf_counter()
        for d in deployments:
            d.system.start_engine()
            d.system.start_app()
        for d in deployments:
            d.system.wait_ready()
        print(f"ready in {time.perf_counter() - started:.1f} s", flush=True)
        print(f"(a) floor: bare parses on (c)'s engine, {args.floor_window:.0f} s ...", flush=True)
        rows = floor_rows(deployments[1].system, args)
        for d in deployments:
            print(f"({d.key}) {d.label} ...", flush=True)
            run_deployment(d, Driver(d.system.base_url, driver_texts), args)
            if not args.quick:  # the next deployment runs without it (quick: stopped at the end)
                d.system.stop()
            rows.extend(d.rows)
    settings = {key: getattr(args, key) for key in
                ("quick", "patients", "window", "ramp", "alone_turns", "floor_window")}  # fmt: skip
    result = result_of(rows, {d.key: d.answers for d in deployments}, settings,
                       deployments[0].tracker_events, load_before)  # fmt: skip
    print_report(result)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"written: {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
