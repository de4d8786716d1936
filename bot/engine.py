"""Client for the Rasa engine, and supervision of its process in development.

The engine runs in its own environment (.venv-rasa, Python 3.10). The app talks to it over
Rasa's REST channel. Rasa answers 200 even when an action failed, so an empty or malformed
answer is treated as an engine failure here.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

from bot.settings import Settings
from bot.turn.messages import Button, Reply

log = logging.getLogger(__name__)


class EngineError(RuntimeError):
    """The engine could not be reached or gave no usable answer."""


def parse_rest_answer(body: Any) -> list[Reply]:
    """Turn Rasa's REST answer into replies; raise EngineError if it is not usable."""
    if not isinstance(body, list) or not body:
        raise EngineError("the engine gave an empty answer (an action may have failed)")
    try:
        replies = [reply for message in body if (reply := _reply(message)) is not None]
    except (KeyError, TypeError, AttributeError, ValueError) as error:
        raise EngineError(
            f"the engine gave a malformed answer ({error.__class__.__name__})"
        ) from error
    if not replies:
        raise EngineError("the engine answer held no messages")
    return replies


def _reply(message: Any) -> Reply | None:
    if not isinstance(message, dict):
        raise EngineError("the engine gave a malformed answer")
    custom = message.get("custom")
    if isinstance(custom, dict) and isinstance(custom.get("reply"), dict):
        reply = custom["reply"]
        buttons = tuple(
            Button(str(b["title"]), str(b["payload"])) for b in reply.get("buttons") or []
        )
        return Reply(
            text=str(reply.get("text") or ""),
            buttons=buttons,
            link_id=reply.get("link_id"),
            meta=reply.get("meta"),
        )
    if message.get("text"):
        buttons = tuple(
            Button(str(b.get("title", "")), str(b.get("payload", "")))
            for b in message.get("buttons") or []
        )
        return Reply(text=str(message["text"]), buttons=buttons)
    return None


class EngineClient:
    """Talks to the engine's HTTP API. `token` is the engine's `--auth-token`: sent on every
    call as `?token=` (Rasa checks it on /status, /conversations and /model; its REST channel
    webhook is not protected, which is why the engine listens on 127.0.0.1 only)."""

    def __init__(self, base_url: str, *, token: str = "", timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._client = httpx.AsyncClient(
            timeout=timeout, params={"token": token} if token else None
        )

    async def send(self, sender: str, message: str) -> list[Reply]:
        try:
            answer = await self._client.post(
                f"{self.base_url}/webhooks/rest/webhook",
                json={"sender": sender, "message": message},
            )
        except httpx.HTTPError as error:
            raise EngineError(f"the engine is not reachable: {error.__class__.__name__}") from error
        if answer.status_code != 200:
            raise EngineError(f"the engine answered HTTP {answer.status_code}")
        try:
            body = answer.json()
        except ValueError as error:
            raise EngineError("the engine answered with something that is not JSON") from error
        return parse_rest_answer(body)

    async def model_loaded(self) -> bool:
        try:
            answer = await self._client.get(f"{self.base_url}/status", timeout=2.0)
        except httpx.HTTPError:
            return False
        if answer.status_code != 200:
            return False
        try:
            return bool(answer.json().get("model_file"))
        except ValueError:
            return False

    async def close(self) -> None:
        await self._client.aclose()


# ------------------------------------------------------------------ model and process


# Read at run time, not trained from: editing them must not retrain. Questionnaires and
# plans are content the app reads; endpoints and credentials configure the running engine.
RUN_TIME_CONTENT = {"questionnaires", "plans", "tests", "models"}
NOT_TRAINING_DATA = {("endpoints.yml",), ("credentials.yml",)}


def dialogue_hash(dialogues_dir: Path) -> str:
    """Content hash of what the model is trained from. Questionnaires are left out on purpose:
    their content is read at run time, so changing them must not trigger a retraining."""
    digest = hashlib.sha256()
    for path in sorted(dialogues_dir.rglob("*")):
        relative = path.relative_to(dialogues_dir)
        if not path.is_file() or relative.parts[0] in RUN_TIME_CONTENT:
            continue
        if relative.parts in NOT_TRAINING_DATA:
            continue
        if path.suffix not in {".yml", ".yaml"}:
            continue
        digest.update(str(relative).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def model_path(settings: Settings) -> Path:
    return settings.rasa_model_dir / f"model-{dialogue_hash(settings.dialogues_dir)}.tar.gz"


def engine_environment(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "ACTION_ENDPOINT_URL": settings.action_endpoint_url,
            # endpoints.yml sends it with every action call; RASA_LAUNCH passes the token to
            # `--auth-token`. Both are read from the environment so that neither shows in `ps`.
            "BOT_ACTIONS_SECRET": settings.actions_secret,
            "RASA_AUTH_TOKEN": settings.rasa_auth_token,
            "TF_CPP_MIN_LOG_LEVEL": "3",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            "RASA_TELEMETRY_ENABLED": "false",
            "PYTHONWARNINGS": "ignore",
        }
    )
    return env


def train_command(settings: Settings, output: Path) -> list[str]:
    dialogues = settings.dialogues_dir
    return [
        str(settings.rasa_python), "-m", "rasa", "train",
        "--domain", str(dialogues / "domain"),
        "--data", str(dialogues / "data"),
        "--config", str(dialogues / "config.yml"),
        "--out", str(output.parent),
        "--fixed-model-name", output.name.removesuffix(".tar.gz"),
    ]  # fmt: skip


def ensure_model(settings: Settings, *, quiet: bool = False) -> Path:
    """Train the model only if no model exists for the current dialogue content."""
    target = model_path(settings)
    if target.exists():
        if not quiet:
            print(f"Engine model is up to date: {target.name}", flush=True)
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    print(f"Training the engine model (dialogues/ changed) -> {target.name} ...", flush=True)
    command = train_command(settings, target)
    with subprocess.Popen(
        command, cwd=settings.dialogues_dir, env=engine_environment(settings),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    ) as process:  # fmt: skip
        assert process.stdout is not None
        tail: list[str] = []
        for line in process.stdout:
            tail = [*tail[-40:], line]
            if any(mark in line for mark in ("Epochs", "Processed", "Your Rasa model", "Training")):
                print("  " + line.strip()[:120], flush=True)
        code = process.wait()
    if code != 0 or not target.exists():
        sys.stderr.write("".join(tail))
        raise EngineError(f"training the engine model failed (exit {code})")
    # Keep a few older models: an engine that is still running may be serving one of them.
    models = sorted(target.parent.glob("model-*.tar.gz"), key=lambda p: p.stat().st_mtime)
    for old in models[:-3]:
        old.unlink(missing_ok=True)
    print(f"Engine model trained: {target}", flush=True)
    return target


# `rasa run ... --auth-token <RASA_AUTH_TOKEN>`, with the token taken from the environment
# inside the engine's process: a command-line argument is readable by every local user.
RASA_LAUNCH = (
    "import os, sys\n"
    "token = os.environ.get('RASA_AUTH_TOKEN', '')\n"
    "if not token:\n"
    "    sys.exit('error: RASA_AUTH_TOKEN is not set; the engine API must not run without it')\n"
    # One argument with "=": a token may start with "-" (token_urlsafe), which argparse
    # would otherwise take for an option.
    "sys.argv.append('--auth-token=' + token)\n"
    "from rasa.__main__ import main\n"
    "main()\n"
)


def serve_command(settings: Settings, model: Path) -> list[str]:
    """`rasa run` with its HTTP API on loopback, protected by RASA_AUTH_TOKEN (see RASA_LAUNCH;
    run it with `engine_environment(settings)`)."""
    dialogues = settings.dialogues_dir
    return [
        str(settings.rasa_python), "-c", RASA_LAUNCH, "run",
        "--enable-api",
        "--interface", "127.0.0.1",
        "--port", str(settings.rasa_port),
        "--model", str(model),
        "--endpoints", str(dialogues / "endpoints.yml"),
        "--credentials", str(dialogues / "credentials.yml"),
        "--log-file", str(settings.var_dir / "rasa.log"),
        "--quiet",
    ]  # fmt: skip


def _die_with_parent() -> None:
    """Ask Linux to stop the engine when the app dies, even by SIGKILL, so a restarted app
    never finds an orphaned engine holding the port."""
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


class EngineProcess:
    """Starts `rasa run` as a child process and stops it with the app."""

    def __init__(self, settings: Settings, model: Path) -> None:
        self.settings = settings
        self.model = model
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.settings.var_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.settings.var_dir / "rasa-stdout.log"
        with log_path.open("ab") as output:
            self.process = subprocess.Popen(
                serve_command(self.settings, self.model),
                cwd=self.settings.dialogues_dir,
                env=engine_environment(self.settings),
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
        log.info("engine starting (pid %s, port %s)", self.process.pid, self.settings.rasa_port)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 10.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


async def wait_until_loaded(
    client: EngineClient, *, timeout: float, process: EngineProcess | None = None,
    progress: Sequence[float] = (10, 30, 60, 120),
) -> None:  # fmt: skip
    loop = asyncio.get_running_loop()
    started = loop.time()
    marks = list(progress)
    while not await client.model_loaded():
        waited = loop.time() - started
        if process is not None and not process.running:
            raise EngineError("the engine process stopped while loading; see var/rasa.log")
        if waited > timeout:
            raise EngineError(f"the engine did not load its model within {timeout:.0f} s")
        if marks and waited >= marks[0]:
            print(
                f"  still waiting for the engine to load its model ({waited:.0f} s) ...", flush=True
            )
            marks.pop(0)
        await asyncio.sleep(0.5)
