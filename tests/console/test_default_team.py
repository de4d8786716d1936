"""The default team ("Standard"): the README's two-line quick start — `bot user add` and `bot
invite`, neither with `--team` — shows the coordinator the patient; `--team` keeps patients
apart; a database without the default team (a clinic that had teams before) gets it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from bot import cli, settings
from bot.storage.console_models import PatientProfile, Team
from bot.storage.db import session_scope
from bot.storage.models import Patient
from tests.console.conftest import PASSWORD, login


@pytest.fixture
def cli_env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("BOT_VAR_DIR", str(tmp_path / "cli-var"))
    monkeypatch.setenv("BOT_SECRET_KEY", "cli-secret")
    monkeypatch.setenv("BOT_USER_PASSWORD", PASSWORD)
    settings.get_settings.cache_clear()
    yield
    settings.get_settings.cache_clear()


def _invite(
    session_factory: sessionmaker[Session],
    *options: str,
    to: tuple[str, ...] = ("--questionnaire", "who5"),
) -> str:
    """`bot invite --questionnaire who5 [options]` (``to`` instead of the questionnaire, e.g.
    a plan); the new patient's pseudonym."""
    assert cli.main(["invite", *to, *options]) == 0
    with session_scope(session_factory) as session:
        newest = session.scalar(select(Patient).order_by(Patient.id.desc()))
        assert newest is not None
        return newest.pseudonym


def _team_of(session_factory: sessionmaker[Session], pseudonym: str) -> str | None:
    with session_scope(session_factory) as session:
        return session.scalar(
            select(Team.name)
            .join(PatientProfile, PatientProfile.team_id == Team.id)
            .join(Patient, Patient.id == PatientProfile.patient_id)
            .where(Patient.pseudonym == pseudonym)
        )


@pytest.mark.parametrize(
    "to", [("--questionnaire", "who5"), ("--plan", "who5-14d")], ids=["questionnaire", "plan"]
)
def test_the_quick_start_coordinator_sees_the_invited_patient(
    cli_env: None,
    session_factory: sessionmaker[Session],
    client: TestClient,
    capsys: pytest.CaptureFixture[str],
    to: tuple[str, ...],
) -> None:
    assert cli.main(["user", "add", "nurse@example.org", "--role", "coordinator"]) == 0
    assert "teams: Standard" in capsys.readouterr().out
    pseudonym = _invite(session_factory, to=to)
    assert _team_of(session_factory, pseudonym) == "Standard"
    login(client, "nurse@example.org")
    worklist = client.get("/console/worklist")
    assert worklist.status_code == 200
    assert pseudonym in worklist.text
    patient_page = client.get(f"/console/patients/{pseudonym}")
    assert patient_page.status_code == 200
    plan_shown = "Trivsel hver 14. dag i et halvt år" in patient_page.text
    assert plan_shown == (to[0] == "--plan")  # the course is on the patient's page


def test_a_patient_invited_to_another_team_is_not_seen_by_the_standard_team(
    cli_env: None, session_factory: sessionmaker[Session], client: TestClient
) -> None:
    assert cli.main(["user", "add", "nurse@example.org"]) == 0
    assert cli.main(["user", "add", "onko@example.org", "--team", "Onkologi"]) == 0
    standard = _invite(session_factory)
    onkologi = _invite(session_factory, "--team", "Onkologi", "--label", "bed 4")
    assert _team_of(session_factory, onkologi) == "Onkologi"
    login(client, "nurse@example.org")
    page = client.get("/console/worklist").text
    assert standard in page and onkologi not in page
    assert client.get(f"/console/patients/{onkologi}").status_code == 403
    client.cookies.clear()
    login(client, "onko@example.org")
    page = client.get("/console/worklist").text
    assert onkologi in page and standard not in page


def test_a_blank_team_name_is_refused(
    cli_env: None, session_factory: sessionmaker[Session], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        cli.main(["invite", "--questionnaire", "who5", "--team", "  "])
    assert "a team name must not be blank" in capsys.readouterr().err
    with session_scope(session_factory) as session:
        assert session.scalars(select(Patient)).all() == []


def test_a_database_without_the_default_team_gets_it(
    cli_env: None,
    session_factory: sessionmaker[Session],
    client: TestClient,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # As migration 0009 leaves a clinic that had teams: no "Standard".
    with session_scope(session_factory) as session:
        session.execute(text("DELETE FROM console_teams"))
        session.add(Team(name="Onkologi"))
    pseudonym = _invite(session_factory)
    assert cli.main(["user", "add", "nurse@example.org"]) == 0
    assert "teams: Standard" in capsys.readouterr().out
    with session_scope(session_factory) as session:
        assert sorted(session.scalars(select(Team.name))) == ["Onkologi", "Standard"]
    login(client, "nurse@example.org")
    assert pseudonym in client.get("/console/worklist").text


def test_the_demo_patient_joins_the_default_team_and_keeps_a_team_given_later(
    cli_env: None, session_factory: sessionmaker[Session]
) -> None:
    """`bot run --demo` reuses its demo patient: in Standard, unless an admin moved them."""
    config = settings.get_settings()
    cli.create_web_invite(config, "who5", label="demo", reuse_label=True)
    with session_scope(session_factory) as session:
        demo = session.scalar(select(Patient).where(Patient.label == "demo"))
        assert demo is not None
        pseudonym = demo.pseudonym
    assert _team_of(session_factory, pseudonym) == "Standard"
    with session_scope(session_factory) as session:
        profile = session.scalar(
            select(PatientProfile).join(Patient).where(Patient.pseudonym == pseudonym)
        )
        assert profile is not None
        profile.team = Team(name="Onkologi")
    cli.create_web_invite(config, "who5", label="demo", reuse_label=True)
    assert _team_of(session_factory, pseudonym) == "Onkologi"
