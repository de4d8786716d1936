"""`bot user add/list`, `bot audit --patient` ("who has seen my data") and `bot export --format
csv` (and FHIR with --patient)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from bot import cli, settings
from bot.console.passwords import verify_password
from bot.dialogue.service import Dialogue
from bot.export import fhir
from bot.storage.console_models import ConsoleUser
from bot.storage.db import session_scope
from bot.storage.models import AuditEvent
from tests.console.conftest import PASSWORD, Staff, assign, complete_who5, events, login


@pytest.fixture
def cli_env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("BOT_VAR_DIR", str(tmp_path / "cli-var"))
    monkeypatch.setenv("BOT_SECRET_KEY", "cli-secret")
    settings.get_settings.cache_clear()
    yield
    settings.get_settings.cache_clear()


def test_user_add_with_password_from_the_environment(
    cli_env: None,
    session_factory: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("BOT_USER_PASSWORD", PASSWORD)
    assert cli.main(["user", "add", "First.Admin@example.org", "--role", "admin"]) == 0
    assert cli.main(["user", "add", "nurse@example.org", "--team", "Onkologi",
                     "--team", "Palliation"]) == 0  # fmt: skip
    assert cli.main(["user", "add", "nurse@example.org"]) == 1  # exists
    monkeypatch.setenv("BOT_USER_PASSWORD", "short")
    assert cli.main(["user", "add", "x@example.org"]) == 1
    capsys.readouterr()
    assert cli.main(["user", "list"]) == 0
    listing = capsys.readouterr().out
    # Without --team, the default team (an admin too; they see every patient anyway).
    assert "first.admin@example.org\tadmin\tStandard\tactive" in listing
    assert "nurse@example.org\tcoordinator\tOnkologi,Palliation\tactive" in listing
    with session_scope(session_factory) as session:
        user = session.scalar(select(ConsoleUser).where(ConsoleUser.role == "admin"))
        assert user is not None and verify_password(user.password_hash, PASSWORD)
        assert PASSWORD not in user.password_hash
        actions = session.scalars(select(AuditEvent.action)).all()
    assert actions.count("user.add") == 2


def test_user_add_without_a_terminal_or_password_fails(
    cli_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BOT_USER_PASSWORD", raising=False)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    with pytest.raises(SystemExit, match="BOT_USER_PASSWORD"):
        cli.main(["user", "add", "a@example.org"])


def test_export_csv_and_fhir_for_one_patient(
    cli_env: None,
    service: Dialogue,
    session_factory: sessionmaker[Session],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    first = complete_who5(service, session_factory, ["1", "0", "1", "1", "0"])
    second = complete_who5(service, session_factory, ["5", "5", "5", "5", "5"])
    pid, pseudonym = assign(session_factory, first, None)
    assign(session_factory, second, None)
    capsys.readouterr()

    assert cli.main(["export", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len({r["pseudonym"] for r in rows}) == 2
    assert len([r for r in rows if r["row_type"] == "answer"]) == 10
    assert len([r for r in rows if r["row_type"] == "score"]) == 2

    out = tmp_path / "one.csv"
    assert (
        cli.main(["export", "--format", "csv", "--patient", pseudonym, "--output", str(out)]) == 0
    )
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len({r["pseudonym"] for r in rows}) == 1
    assert pseudonym not in out.read_text(encoding="utf-8")

    capsys.readouterr()
    assert cli.main(["export", "--format", "fhir", "--with-scores", "--patient", pseudonym]) == 0
    bundle = json.loads(capsys.readouterr().out)
    fhir.validate(bundle)
    # The patient's self-contained Bundle: one Patient, the pseudonym its only identifier.
    people = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"]
    assert [[i["value"] for i in p["identifier"]] for p in people] == [[pseudonym]]
    assert cli.main(["export", "--format", "csv", "--patient", "P-NOSUCH1"]) == 1

    with session_scope(session_factory) as session:
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.patient_id == pid).order_by(AuditEvent.id)
        ).all()
    assert actions == ["export.csv", "export.csv", "export.fhir"]


def test_cli_who_has_seen_my_data(
    client: TestClient,
    staff: Staff,
    service: Dialogue,
    session_factory: sessionmaker[Session],
    database_url: str,
    tmp_path: object,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from bot import cli, settings

    cid = complete_who5(service, session_factory, ["1", "0", "1", "1", "0"])
    pid, pseudonym = assign(session_factory, cid, staff.team_a)
    login(client, staff.nurse)
    client.get(f"/console/patients/{pseudonym}")
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("BOT_VAR_DIR", str(tmp_path))
    settings.get_settings.cache_clear()
    try:
        assert cli.main(["audit", "--patient", pseudonym]) == 0
    finally:
        settings.get_settings.cache_clear()
    out = capsys.readouterr().out
    assert pseudonym in out
    assert f"{staff.nurse}\tpatient.view" in out
    assert events(session_factory, pid)[-1][1] == "access_log.view"
    assert cli.main(["audit", "--patient", "P-NOSUCH1"]) == 1
