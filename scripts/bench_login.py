"""Patient turn latency while the console's log-in is flooded, with the real engine and app.

Five patients answer WHO-5 through the web chat API, first quietly, then while 200 log-in
requests with wrong passwords (many e-mail addresses, from a few loopback IP addresses, over
real HTTP with the console's CSRF token) arrive at once. Prints the turn p50/p95 of both
phases and their ratio; the goal is a flood p95 within 2x of the quiet one.

    .venv/bin/python scripts/bench_login.py [--logins 200] [--concurrency 40]
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.engine import ensure_model
from bot.settings import PROJECT_ROOT
from tests.conftest import make_settings
from tests.e2e.conftest import BOT, LiveSystem, Patient

PATIENTS = 5
COORDINATOR = "koordinator@example.org"
PASSWORD = "et-langt-kodeord-til-test"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
# Linux answers on all of 127.0.0.0/8, so a client can pick its source address.
FLOOD_IPS = ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def timed(action: Callable[[], object], into: list[float]) -> bool:
    """Its time goes into ``into`` even when it fails (a timeout counts as what it took)."""
    start = time.perf_counter()
    try:
        action()
        return True
    except (httpx.HTTPError, AssertionError) as error:
        print(f"  a patient turn failed: {type(error).__name__}", flush=True)
        return False
    finally:
        into.append((time.perf_counter() - start) * 1000)


def one_questionnaire(system: LiveSystem, token: str, into: list[float]) -> None:
    """Every turn of one WHO-5, from the first message to the last answer (the rest of it is
    left when a turn fails)."""
    patient = Patient(system, token)
    turns: list[Callable[[], object]] = [
        patient.start,
        lambda: patient.say("ja"),
        lambda: patient.say("spring over"),  # the opening literacy screen
        *[lambda: patient.press("Det meste af tiden")] * 5,
    ]
    for turn in turns:
        if not timed(turn, into):
            return


def chat(
    system: LiveSystem, tokens: list[str], rounds: int, until: threading.Event | None
) -> list[float]:
    """One patient's turns: ``rounds`` questionnaires, or more until ``until`` is set."""
    turns: list[float] = []
    done = 0
    while tokens and (done < rounds or (until is not None and not until.is_set())):
        one_questionnaire(system, tokens.pop(), turns)
        done += 1
    return turns


def patients_chat(
    system: LiveSystem, tokens: list[list[str]], rounds: int, until: threading.Event | None
) -> list[float]:
    with concurrent.futures.ThreadPoolExecutor(PATIENTS) as pool:
        futures = [pool.submit(chat, system, tokens[n], rounds, until) for n in range(PATIENTS)]
        return [ms for future in futures for ms in future.result()]


def flood(
    system: LiveSystem, logins: int, concurrency: int
) -> tuple[collections.Counter[str], float]:
    """``logins`` wrong-password log-ins at ``concurrency`` at once; the status codes."""
    statuses: collections.Counter[str] = collections.Counter()
    lock = threading.Lock()
    numbers = iter(range(logins))

    def worker(n: int) -> None:
        transport = httpx.HTTPTransport(local_address=FLOOD_IPS[n % len(FLOOD_IPS)])
        with httpx.Client(base_url=system.base_url, transport=transport, timeout=120) as client:
            page = client.get("/console/login")
            match = CSRF.search(page.text)
            assert match, page.status_code
            while True:
                with lock:
                    number = next(numbers, None)
                if number is None:
                    return
                try:
                    answer = client.post(
                        "/console/login",
                        data={
                            "email": f"person{number % 60}@example.org",
                            "password": f"forkert-kodeord-{number}",
                            "csrf_token": match.group(1),
                        },
                    )
                    outcome = str(answer.status_code)
                except httpx.HTTPError as error:  # a flood may break connections
                    outcome = type(error).__name__
                with lock:
                    statuses[outcome] += 1

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
        for future in [pool.submit(worker, n) for n in range(concurrency)]:
            future.result()
    return statuses, time.perf_counter() - started


def coordinator_logs_in(system: LiveSystem) -> int:
    transport = httpx.HTTPTransport(local_address="127.0.0.9")
    with httpx.Client(base_url=system.base_url, transport=transport, timeout=60) as client:
        match = CSRF.search(client.get("/console/login").text)
        assert match
        answer = client.post(
            "/console/login",
            data={"email": COORDINATOR, "password": PASSWORD, "csrf_token": match.group(1)},
        )
        return answer.status_code


def run(args: argparse.Namespace, system: LiveSystem) -> dict[str, object]:
    env = {**os.environ, **system.env, "BOT_USER_PASSWORD": PASSWORD}
    subprocess.run(
        [BOT, "user", "add", COORDINATOR, "--role", "coordinator"],
        env=env, check=True, capture_output=True,
    )  # fmt: skip
    per_patient = args.quiet_rounds + args.flood_rounds
    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        tokens = list(pool.map(lambda _: system.invite("who5"), range(PATIENTS * per_patient)))
    queues = [tokens[n::PATIENTS] for n in range(PATIENTS)]
    print("quiet: five patients chatting ...", flush=True)
    quiet = patients_chat(system, queues, args.quiet_rounds, None)

    print(f"flood: {args.logins} log-ins while five patients chat ...", flush=True)
    flooding = threading.Event()
    outcome: dict[str, object] = {}

    def run_flood() -> None:
        statuses, seconds = flood(system, args.logins, args.concurrency)
        outcome.update(statuses=dict(statuses), seconds=seconds)
        flooding.set()

    flooder = threading.Thread(target=run_flood)
    flooder.start()
    during = patients_chat(system, queues, 1, flooding)
    flooder.join()
    return {
        "quiet_turns": len(quiet),
        "quiet_p50_ms": statistics.median(quiet),
        "quiet_p95_ms": percentile(quiet, 0.95),
        "flood_turns": len(during),
        "flood_p50_ms": statistics.median(during),
        "flood_p95_ms": percentile(during, 0.95),
        "ratio_p95": percentile(during, 0.95) / percentile(quiet, 0.95),
        "logins": args.logins,
        "login_statuses": outcome["statuses"],
        "flood_seconds": outcome["seconds"],
        "coordinator_login_status": coordinator_logs_in(system),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logins", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=40)
    parser.add_argument("--quiet-rounds", type=int, default=2)
    parser.add_argument("--flood-rounds", type=int, default=6, help="at most, per patient")
    parser.add_argument("--json", type=Path, default=PROJECT_ROOT / "var" / "bench" / "login.json")
    args = parser.parse_args()

    model = ensure_model(make_settings(PROJECT_ROOT / "var"), quiet=True)
    with tempfile.TemporaryDirectory() as tmp:
        var_dir = Path(tmp)
        system = LiveSystem(
            var_dir=var_dir, model=model, database_url=f"sqlite:///{var_dir / 'bot.db'}"
        )
        print("starting engine and app ...", flush=True)
        system.start_engine()
        system.start_app()
        system.wait_ready()
        try:
            result = run(args, system)
        finally:
            system.stop()

    print()
    print(f"{'patient turns':<28}{'turns':>7}{'p50 ms':>10}{'p95 ms':>10}")
    for phase in ("quiet", "flood"):
        print(
            f"{phase:<28}{result[f'{phase}_turns']:>7}{result[f'{phase}_p50_ms']:>10.1f}"
            f"{result[f'{phase}_p95_ms']:>10.1f}"
        )
    print(f"ratio flood/quiet (p95): {result['ratio_p95']:.2f}x (goal: at most 2x)")
    print(
        f"log-ins: {result['logins']} in {result['flood_seconds']:.1f} s, "
        f"status codes {result['login_statuses']}"
    )
    print(f"the coordinator's own log-in afterwards: {result['coordinator_login_status']}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
