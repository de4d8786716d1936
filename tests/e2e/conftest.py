"""End-to-end harness: the real engine (`rasa run` with the trained model) and the real app
(`bot run`) as separate processes on loopback ports, so tests can kill and restart either."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.engine import engine_environment, serve_command
from bot.settings import PROJECT_ROOT, Settings
from tests.conftest import make_settings

BOT = str(Path(sys.executable).parent / "bot")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveSystem:
    """One engine and one app, with their own ports, database and var directory."""

    var_dir: Path
    model: Path
    database_url: str
    app_port: int = field(default_factory=free_port)
    engine_port: int = field(default_factory=free_port)
    # The app's internal action listener and the two internal secrets: fixed for the system's
    # life, so that an app or engine restarted alone still matches the other.
    actions_port: int = field(default_factory=free_port)
    actions_secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    rasa_auth_token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    app: subprocess.Popen[bytes] | None = None
    engine: subprocess.Popen[bytes] | None = None
    # More environment for the app (e.g. TELEGRAM_*); may refer to {app_port}.
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def env(self) -> dict[str, str]:
        return {
            "BOT_HOME": str(PROJECT_ROOT),
            "BOT_VAR_DIR": str(self.var_dir),
            "BOT_PORT": str(self.app_port),
            "RASA_PORT": str(self.engine_port),
            "RASA_URL": f"http://127.0.0.1:{self.engine_port}",
            "RASA_MANAGE": "false",
            "BOT_ACTIONS_PORT": str(self.actions_port),
            "BOT_ACTIONS_SECRET": self.actions_secret,
            "RASA_AUTH_TOKEN": self.rasa_auth_token,
            "DATABASE_URL": self.database_url,
            **{k: v.format(app_port=self.app_port) for k, v in self.extra_env.items()},
        }

    @property
    def settings(self) -> Settings:
        return make_settings(self.var_dir, **self.env)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.app_port}"

    @property
    def engine_url(self) -> str:
        return f"http://127.0.0.1:{self.engine_port}"

    @property
    def actions_url(self) -> str:
        return f"http://127.0.0.1:{self.actions_port}/webhook"

    def start_engine(self) -> None:
        settings = self.settings
        self.var_dir.mkdir(parents=True, exist_ok=True)
        log = (self.var_dir / "engine.out").open("ab")
        self.engine = subprocess.Popen(
            serve_command(settings, self.model),
            cwd=settings.dialogues_dir,
            env=engine_environment(settings),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def start_app(self) -> None:
        env = {**os.environ, **self.env}
        log = (self.var_dir / "app.out").open("ab")
        self.app = subprocess.Popen(
            [BOT, "run"], env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def wait_ready(self, timeout: float = 180.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, process in (("app", self.app), ("engine", self.engine)):
                if process is not None and process.poll() is not None:
                    raise RuntimeError(f"the {name} exited early; see {self.var_dir}/{name}.out")
            try:
                if httpx.get(f"{self.base_url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise TimeoutError(f"not ready within {timeout} s; see {self.var_dir}")

    @staticmethod
    def _kill(process: subprocess.Popen[bytes] | None, sig: int) -> None:
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def kill_app(self, sig: int = signal.SIGKILL) -> None:
        self._kill(self.app, sig)

    def kill_engine(self, sig: int = signal.SIGKILL) -> None:
        self._kill(self.engine, sig)

    def stop(self) -> None:
        self.kill_app(signal.SIGTERM)
        self.kill_engine(signal.SIGTERM)

    def invite(self, questionnaire: str = "who5") -> str:
        """`bot invite` as an operator runs it; returns the token."""
        result = subprocess.run(
            [BOT, "invite", "--questionnaire", questionnaire],
            env={**os.environ, **self.env}, capture_output=True, text=True, check=True,
        )  # fmt: skip
        url = result.stdout.strip()
        assert url.startswith(f"{self.base_url}/chat/"), url
        return url.rsplit("/", 1)[1]

    def export_fhir(self, *extra: str) -> dict[str, Any]:
        import json

        result = subprocess.run(
            [BOT, "export", "--format", "fhir", *extra],
            env={**os.environ, **self.env}, capture_output=True, text=True, check=True,
        )  # fmt: skip
        bundle: dict[str, Any] = json.loads(result.stdout)
        return bundle


class Patient:
    """A patient using the web chat's JSON API over real HTTP."""

    def __init__(self, system: LiveSystem, token: str) -> None:
        self.system = system
        self.url = f"{system.base_url}/api/chat/{token}/messages"
        self.last: list[dict[str, Any]] = []
        self.turns = 0

    def _post(self, body: dict[str, str]) -> list[dict[str, Any]]:
        answer = httpx.post(self.url, json=body, timeout=60)
        assert answer.status_code == 200, answer.text
        self.turns += 1
        self.last = answer.json()["messages"]
        return self.last

    def start(self) -> list[dict[str, Any]]:
        return self._post({"payload": "/start"})

    def say(self, text: str) -> list[dict[str, Any]]:
        return self._post({"text": text})

    def press(self, title: str) -> list[dict[str, Any]]:
        for message in reversed(self.last):
            for button in message.get("buttons") or []:
                if button["title"] == title:
                    return self._post({"payload": button["payload"]})
        raise AssertionError(f"no button {title!r} in {self.last}")

    def history(self) -> list[dict[str, Any]]:
        answer = httpx.get(self.url, timeout=30)
        assert answer.status_code == 200
        messages: list[dict[str, Any]] = answer.json()["messages"]
        return messages

    @property
    def text(self) -> str:
        return "\n".join(m["text"] for m in self.last)


@pytest.fixture
def make_system(tmp_path: Path, trained_model: Path) -> Iterator[Any]:
    systems: list[LiveSystem] = []

    def factory(database_url: str | None = None, env: dict[str, str] | None = None) -> LiveSystem:
        var_dir = tmp_path / f"system{len(systems)}"
        system = LiveSystem(
            var_dir=var_dir,
            model=trained_model,
            database_url=database_url or f"sqlite:///{var_dir / 'bot.db'}",
            extra_env=dict(env or {}),
        )
        systems.append(system)
        system.start_engine()
        system.start_app()
        system.wait_ready()
        return system

    yield factory
    for system in systems:
        system.stop()


@pytest.fixture
def system(make_system: Any) -> LiveSystem:
    result: LiveSystem = make_system()
    return result


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium per test module (see tests/e2e/browsers.py)."""
    from tests.e2e.browsers import chromium

    with chromium() as started:
        yield started
