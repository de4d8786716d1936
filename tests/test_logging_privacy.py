"""Logs hold no patient text and no identifier: a whole conversation through the app, with the
real engine, logged at INFO (and uvicorn's access log asked for at INFO too)."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from bot.cli import create_web_invite
from bot.i18n import Texts
from bot.internal import internal_server
from bot.log_ids import quiet_url_loggers, short_id
from bot.storage import db
from bot.storage.conversations import conversation_for_invitation
from bot.storage.models import Patient as PatientRow
from bot.storage.patients import invitation_by_token
from bot.web import create_app
from tests.e2e.conftest import LiveSystem, Patient

# Typed by the patient; none of it may reach a log (the words are chosen to occur in no bot
# text and no log message).
TYPED = [
    "Min nabo Gormsen har en rød cykel",
    "Jeg drømmer om Ærøskøbing hver nat",
    "Hvad betyder Zanzibarsyndrom egentlig",
]


def test_short_id_is_keyed_short_and_stable() -> None:
    token = "y5MaDzAh1vvwEsSCWlO9BxihmdFtbkzi"
    assert short_id(token, b"key one") == short_id(token, b"key one")
    assert len(short_id(token, b"key one")) == 8
    assert short_id(token, b"key one") != short_id(token, b"key two")
    assert short_id(token, b"key one") not in token
    with pytest.raises(ValueError):
        short_id(token, b"")


def test_the_servers_error_log_names_an_exception_without_its_message(
    caplog: pytest.LogCaptureFixture,
) -> None:
    quiet_url_loggers()  # what the app's lifespan does
    server_errors = logging.getLogger("uvicorn.error")
    # A uvicorn started by another test may have left this logger at CRITICAL, off or without
    # propagation; hear it directly.
    level, disabled = server_errors.level, server_errors.disabled
    server_errors.setLevel(logging.ERROR)
    server_errors.disabled = False
    server_errors.addHandler(caplog.handler)
    try:
        try:
            raise ValueError(f"could not read {TYPED[0]!r}")
        except ValueError as error:
            server_errors.error("Exception in ASGI application\n", exc_info=error)
    finally:
        server_errors.removeHandler(caplog.handler)
        server_errors.setLevel(level)
        server_errors.disabled = disabled
    records = [r for r in caplog.records if r.name == "uvicorn.error"]
    assert records  # once, or twice when it propagates to the root logger too
    line = logging.Formatter().format(records[0])
    assert "Exception in ASGI application (ValueError)" in line
    assert "test_logging_privacy.py" in line  # the frames are kept
    assert "Gormsen" not in line


class _Servers:
    """The public app and the internal action listener, served by uvicorn in a thread of this
    process, so that caplog sees every record the app writes."""

    def __init__(self, system: LiveSystem) -> None:
        settings = system.settings
        app = create_app(settings, manage_engine=False)
        self.internal = internal_server(app.state, settings)
        # The worst case: an operator who serves the app with uvicorn's access log at INFO.
        config = uvicorn.Config(app, host="127.0.0.1", port=system.app_port, log_level="info",
                                log_config=None, lifespan="on")  # fmt: skip
        self.public = uvicorn.Server(config)
        self.thread = threading.Thread(target=asyncio.run, args=(self._serve(),), daemon=True)

    async def _serve(self) -> None:
        internal = asyncio.create_task(self.internal.serve())
        while not self.internal.started:
            await asyncio.sleep(0.05)
        await self.public.serve()
        self.internal.should_exit = True
        await internal

    def __enter__(self) -> _Servers:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.public.should_exit = True
        self.thread.join(timeout=30)


def _wait_ready(system: LiveSystem, timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{system.base_url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"not ready within {timeout} s")


def _identifiers(system: LiveSystem, token: str) -> dict[str, str]:
    settings = system.settings
    database = db.open(settings)
    with db.session_scope(database.session_factory) as session:
        invitation = invitation_by_token(session, token)
        assert invitation is not None
        conversation = conversation_for_invitation(session, invitation)
        patient = session.get(PatientRow, invitation.patient_id)
        assert patient is not None
        found = {
            "token": token,
            "conversation id": conversation.id,
            "pseudonym": patient.pseudonym,
            "actions secret": settings.actions_secret,
            "engine token": settings.rasa_auth_token,
        }
    database.engine.dispose()
    return found


@pytest.fixture
def system(tmp_path: Path, trained_model: Path) -> Iterator[LiveSystem]:
    live = LiveSystem(
        var_dir=tmp_path / "var", model=trained_model, database_url=f"sqlite:///{tmp_path}/b.db"
    )
    live.start_engine()
    try:
        yield live
    finally:
        live.kill_engine()


@pytest.mark.e2e
def test_a_conversation_logs_no_text_and_no_identifier(
    system: LiveSystem, texts: Texts, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    with _Servers(system):
        _wait_ready(system)
        token = create_web_invite(system.settings, "who5").rsplit("/", 1)[1]
        patient = Patient(system, token)
        assert httpx.get(f"{system.base_url}/chat/{token}").status_code == 200
        patient.start()
        patient.press(texts._("Yes, that is fine"))
        for title in ("Aldrig", "Meget sikker"):
            patient.press(title)
        for text in TYPED:
            patient.say(text)
        buttons = [b["title"] for m in patient.last for b in m["buttons"]]
        assert buttons, patient.text
        patient.press(buttons[0])
        assert patient.history()
        # Refusals: a bad body, and another link that does not exist.
        assert httpx.post(patient.url, content=b"{").status_code == 400
        assert httpx.get(f"{system.base_url}/chat/{token[::-1]}").status_code in {404, 410}
    secrets = _identifiers(system, token)
    secrets.update({f"typed {i}": text for i, text in enumerate(TYPED)})
    secrets.update({word: word for word in ("Gormsen", "Ærøskøbing", "Zanzibarsyndrom")})
    records = [r for r in caplog.records if r.levelno >= logging.INFO]
    assert records, "nothing was captured: the test would prove nothing"
    formatter = logging.Formatter("%(name)s %(message)s")
    for record in records:
        line = formatter.format(record)  # with the traceback of an exception, if any
        for what, value in secrets.items():
            assert value not in line, f"{what} in a log record of {record.name}: {line[:300]}"
    # The engine's own log and output (var/rasa.log) as well.
    for path in [*system.var_dir.glob("*.log"), *system.var_dir.glob("*.out")]:
        written = path.read_text(encoding="utf-8", errors="replace")
        for what, value in secrets.items():
            assert value not in written, f"{what} in {path.name}"
