"""The log-in limits and the log-in's own hashing threads (bot/console/login_limits.py,
bot/console/hashing.py, bot/console/pages/auth.py)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from argon2 import PasswordHasher
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from bot.console import passwords
from bot.console.hashing import THREAD_PREFIX
from bot.settings import PROJECT_ROOT, Settings
from bot.storage.console_models import LoginAttempt
from bot.storage.db import session_scope
from bot.storage.models import utcnow
from bot.web import create_app
from tests.console.conftest import CSRF, PASSWORD, Staff, csrf_token
from tests.e2e.conftest import free_port

WRONG = "wrong password!"


class CountingHasher(PasswordHasher):
    """The cheap test hasher, noting the thread of every check; ``hold`` can stop the checks
    until it is set."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=1024, parallelism=1)
        self.threads: list[str] = []
        self.niceness: list[int] = []
        self.hold = threading.Event()
        self.hold.set()

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        self.threads.append(threading.current_thread().name)
        self.niceness.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
        self.hold.wait(20)
        return super().verify(hash, password)


@pytest.fixture
def hasher(monkeypatch: pytest.MonkeyPatch) -> CountingHasher:
    counting = CountingHasher()
    monkeypatch.setattr(passwords, "_hasher", counting)
    return counting


def make_client(settings: Settings) -> Iterator[TestClient]:
    app = create_app(settings, manage_engine=False)
    with TestClient(app, follow_redirects=False) as test_client:
        yield test_client


def log_in(client: TestClient, email: str, password: str, token: str) -> httpx.Response:
    return client.post(
        "/console/login", data={"email": email, "password": password, "csrf_token": token}
    )


def failures(
    session_factory: sessionmaker[Session], count: int, *, email: str, ip: str, minutes: int = 0
) -> None:
    with session_scope(session_factory) as session:
        at = utcnow() - timedelta(minutes=minutes)
        for number in range(count):
            session.add(LoginAttempt(email=email.format(number), ip=ip, at=at))


def test_a_login_is_checked_on_the_hashing_threads(
    client: TestClient, staff: Staff, hasher: CountingHasher
) -> None:
    token = csrf_token(client)
    assert log_in(client, "nobody@example.org", PASSWORD, token).status_code == 401
    assert log_in(client, staff.nurse, PASSWORD, token).status_code == 303
    assert len(hasher.threads) == 2  # an unknown e-mail costs one check too
    assert all(name.startswith(THREAD_PREFIX) for name in hasher.threads), hasher.threads
    if sys.platform == "linux":  # and they give way to the patients' turns
        own = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        assert all(nice > own for nice in hasher.niceness), (own, hasher.niceness)


def test_an_email_blocked_from_other_addresses_never_reaches_the_hasher(
    client: TestClient,
    staff: Staff,
    hasher: CountingHasher,
    session_factory: sessionmaker[Session],
    app_settings: Settings,
) -> None:
    failures(session_factory, app_settings.console_login_max_failures, email=staff.nurse,
             ip="192.0.2.1")  # fmt: skip
    answer = log_in(client, staff.nurse, PASSWORD, csrf_token(client))
    assert answer.status_code == 429
    assert "For mange mislykkede forsøg" in answer.text
    assert hasher.threads == []
    assert log_in(client, staff.other, PASSWORD, csrf_token(client)).status_code == 303


def test_an_address_with_many_failures_never_reaches_the_hasher(
    client: TestClient,
    staff: Staff,
    hasher: CountingHasher,
    session_factory: sessionmaker[Session],
    app_settings: Settings,
) -> None:
    # Each e-mail address is under its own limit; the client's address is not.
    failures(session_factory, app_settings.console_login_ip_max_failures,
             email="person{}@example.org", ip="testclient")  # fmt: skip
    answer = log_in(client, staff.nurse, PASSWORD, csrf_token(client))
    assert answer.status_code == 429
    assert int(answer.headers["retry-after"]) == app_settings.console_login_window_minutes * 60
    assert hasher.threads == []


def test_the_limit_for_everyone_holds_for_a_minute(
    app_settings: Settings,
    staff: Staff,
    hasher: CountingHasher,
    session_factory: sessionmaker[Session],
) -> None:
    settings = app_settings.with_overrides(console_login_global_per_minute=3)
    for client in make_client(settings):
        token = csrf_token(client)
        statuses = [log_in(client, f"p{n}@example.org", WRONG, token).status_code for n in range(3)]
        assert statuses == [401, 401, 401]
        refused = log_in(client, staff.nurse, PASSWORD, token)
        assert refused.status_code == 429
        assert "Prøv igen om lidt" in refused.text
        assert len(hasher.threads) == 3
        with session_scope(session_factory) as session:
            for attempt in session.query(LoginAttempt):
                attempt.at = utcnow() - timedelta(minutes=2)
        assert log_in(client, staff.nurse, PASSWORD, token).status_code == 303


def run_flood(
    client: TestClient, hasher: CountingHasher, email: str, password: str, count: int, refused: int
) -> list[httpx.Response]:
    """``count`` log-ins at once while the hasher holds, released once ``refused`` of them
    have answered (or after 5 s: then the test fails)."""
    token = csrf_token(client)
    answers: list[httpx.Response] = []
    threads = [
        threading.Thread(target=lambda: answers.append(log_in(client, email, password, token)))
        for _ in range(count)
    ]
    hasher.hold.clear()
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 5
    while len(answers) < refused and time.monotonic() < deadline:
        time.sleep(0.02)
    early = len(answers)
    hasher.hold.set()
    for thread in threads:
        thread.join(30)
    assert early >= refused, Counter(answer.status_code for answer in answers)
    return answers


def test_a_flood_waits_in_a_short_queue_and_the_rest_is_told_to_come_back(
    client: TestClient, staff: Staff, hasher: CountingHasher, app_settings: Settings
) -> None:
    # One hashing thread: one log-in is checked and four wait; the rest are answered at once.
    assert app_settings.login_hash_workers == 1
    answers = run_flood(client, hasher, "someone@example.org", WRONG, count=10, refused=5)
    statuses = Counter(answer.status_code for answer in answers)
    assert statuses == {401: 5, 503: 5}
    busy = next(answer for answer in answers if answer.status_code == 503)
    assert "Prøv igen om lidt" in busy.text and busy.headers["retry-after"] == "5"
    assert len(hasher.threads) == 5


def test_concurrent_failures_are_counted_before_hashing(
    app_settings: Settings, staff: Staff, hasher: CountingHasher
) -> None:
    settings = app_settings.with_overrides(console_login_max_failures=3)
    for client in make_client(settings):
        answers = run_flood(client, hasher, staff.nurse, WRONG, count=10, refused=7)
        statuses = Counter(answer.status_code for answer in answers)
        assert statuses[401] == 3 and statuses[429] + statuses[503] == 7, statuses
        assert len(hasher.threads) == 3


# ---------------------------------------------------------------- forwarded headers


def attempt_ip_behind_uvicorn(tmp_path: Path, **env: str) -> str:
    """The address a failed log-in is counted for, when a client on 127.0.0.1 claims to be
    203.0.113.7 through X-Forwarded-For to the real `bot run` (uvicorn)."""
    port = free_port()
    environment = {
        **os.environ,
        "BOT_HOME": str(PROJECT_ROOT),
        "BOT_VAR_DIR": str(tmp_path),
        "BOT_PORT": str(port),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
        # No engine: the console works without one.
        "RASA_URL": f"http://127.0.0.1:{free_port()}",
        "RASA_MANAGE": "false",
        "RASA_AUTH_TOKEN": "test-engine-token",
        "BOT_ACTIONS_PORT": str(free_port()),
        "BOT_ACTIONS_SECRET": "test-actions-secret",
        "BOT_SECRET_KEY": "test-secret-key",
        **env,
    }
    tmp_path.mkdir(parents=True)
    bot = str(Path(sys.executable).parent / "bot")
    with (tmp_path / "app.out").open("wb") as log:
        app = subprocess.Popen([bot, "run"], env=environment, stdout=log, stderr=subprocess.STDOUT)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            deadline = time.monotonic() + 60
            while True:
                assert app.poll() is None, (tmp_path / "app.out").read_text()
                try:
                    page = http.get("/console/login")
                    break
                except httpx.TransportError:
                    assert time.monotonic() < deadline
                    time.sleep(0.2)
            match = CSRF.search(page.text)
            assert match, page.text
            answer = http.post(
                "/console/login",
                data={"email": "x@example.org", "password": WRONG, "csrf_token": match.group(1)},
                headers={"X-Forwarded-For": "203.0.113.7"},
            )
            assert answer.status_code == 401
    finally:
        app.terminate()
        app.wait(20)
    with sqlite3.connect(tmp_path / "bot.db") as database:
        (ip,) = database.execute("SELECT ip FROM console_login_attempts").fetchone()
    return str(ip)


def test_forwarded_headers_count_only_from_configured_proxies(tmp_path: Path) -> None:
    assert attempt_ip_behind_uvicorn(tmp_path / "default") == "127.0.0.1"
    trusted = attempt_ip_behind_uvicorn(tmp_path / "proxy", FORWARDED_ALLOW_IPS="127.0.0.1")
    assert trusted == "203.0.113.7"
