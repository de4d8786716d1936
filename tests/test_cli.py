"""The `bot` command: invite and export, against a temporary SQLite database."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import cli
from bot.settings import get_settings
from bot.storage.conversations import conversation_for_invitation
from bot.storage.db import make_engine, make_session_factory, session_scope
from bot.storage.patients import hash_token, invitation_by_token
from bot.storage.responses import open_response

ENV_TO_CLEAR = ("DATABASE_URL", "BOT_HOME", "BOT_HOST", "BOT_PORT", "BOT_PUBLIC_URL",
                "BOT_QUESTIONNAIRE_DIR", "BOT_DIALOGUES_DIR", "RASA_URL")
URL = re.compile(r"^http://127\.0\.0\.1:8000/chat/([A-Za-z0-9_-]+)$")


@pytest.fixture
def var_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    for name in ENV_TO_CLEAR:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BOT_VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    yield tmp_path / "var"
    get_settings.cache_clear()


def _invitations(var_dir: Path) -> list[tuple[str, str, str | None]]:
    engine = make_engine(f"sqlite:///{var_dir / 'bot.db'}")
    try:
        with session_scope(make_session_factory(engine)) as session:
            from sqlalchemy import select

            from bot.storage.models import Invitation, Patient

            rows = session.execute(
                select(Invitation.token_hash, Invitation.questionnaire_id, Patient.label)
                .join(Patient)
            ).all()
            return [tuple(row) for row in rows]  # type: ignore[misc]
    finally:
        engine.dispose()


def test_invite_prints_a_chat_link(var_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["invite", "--questionnaire", "who5"]) == 0
    out = capsys.readouterr().out.strip()
    match = URL.match(out)
    assert match, out
    token = match.group(1)
    assert len(token) >= 32
    assert (var_dir / "bot.db").exists()
    assert _invitations(var_dir) == [(hash_token(token), "who5", None)]  # never the token


def test_invite_twice_gives_two_patients(
    var_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cli.main(["invite", "--questionnaire", "phq9", "--label", "afd. 5 test"])
    cli.main(["invite", "--questionnaire", "phq9", "--label", "afd. 5 test"])
    lines = capsys.readouterr().out.split()
    assert len(lines) == 2 and lines[0] != lines[1]
    assert {row[2] for row in _invitations(var_dir)} == {"afd. 5 test"}


def test_invite_unknown_questionnaire(var_dir: Path) -> None:
    with pytest.raises(SystemExit) as stopped:
        cli.main(["invite", "--questionnaire", "nosuch"])
    message = str(stopped.value.code)
    assert "unknown questionnaire 'nosuch'" in message
    assert "who5" in message and "phq9" in message  # tells what is known


def test_a_patient_is_never_invited_to_the_relatives_questionnaire(var_dir: Path) -> None:
    with pytest.raises(SystemExit) as stopped:
        cli.main(["invite", "--questionnaire", "paarorende"])
    assert "for relatives" in str(stopped.value.code)
    assert not (var_dir / "bot.db").exists() or _invitations(var_dir) == []


def test_invite_requires_a_questionnaire(
    var_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        cli.main(["invite"])
    assert stopped.value.code == 2
    assert "--questionnaire" in capsys.readouterr().err


def test_public_url_is_used_for_links(
    var_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BOT_PUBLIC_URL", "https://chat.example.dk/")
    get_settings.cache_clear()
    cli.main(["invite", "--questionnaire", "gad7"])
    assert re.fullmatch(r"https://chat\.example\.dk/chat/[A-Za-z0-9_-]{32,}",
                        capsys.readouterr().out.strip())


def test_export_fhir_on_an_empty_database(
    var_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.export.fhir import validate

    assert cli.main(["export", "--format", "fhir"]) == 0
    bundle = json.loads(capsys.readouterr().out)
    assert bundle["resourceType"] == "Bundle"
    assert bundle["type"] == "collection"
    assert not bundle.get("entry")
    validate(bundle)


def test_export_fhir_with_a_response(var_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from bot.export.fhir import validate

    cli.main(["invite", "--questionnaire", "who5"])
    token = URL.match(capsys.readouterr().out.strip()).group(1)  # type: ignore[union-attr]
    engine = make_engine(f"sqlite:///{var_dir / 'bot.db'}")
    with session_scope(make_session_factory(engine)) as session:
        invitation = invitation_by_token(session, token)
        assert invitation is not None
        conversation = conversation_for_invitation(session, invitation)
        open_response(session, conversation, "1.0.0")
        pseudonym = invitation.patient.pseudonym
    engine.dispose()

    output = var_dir / "export.json"
    assert cli.main(["export", "--format", "fhir", "--output", str(output)]) == 0
    assert "Wrote 1 resources" in capsys.readouterr().err
    bundle = json.loads(output.read_text(encoding="utf-8"))
    validate(bundle)
    (entry,) = bundle["entry"]
    resource = entry["resource"]
    assert resource["resourceType"] == "QuestionnaireResponse"
    assert resource["subject"]["identifier"]["value"] == pseudonym
    assert token not in output.read_text(encoding="utf-8")


def test_export_needs_a_known_format(var_dir: Path) -> None:
    with pytest.raises(SystemExit) as stopped:
        cli.main(["export", "--format", "xml"])
    assert stopped.value.code == 2


def test_export_empty_bundle_has_no_empty_array(
    var_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cli.main(["export", "--format", "fhir"])
    bundle = json.loads(capsys.readouterr().out)
    assert "entry" not in bundle


def _link_states(var_dir: Path, pseudonym: str) -> list[tuple[str | None, bool]]:
    """(revoked_reason, revoked?) of each of the patient's links, oldest first."""
    from sqlalchemy import select

    from bot.storage.models import Invitation, Patient

    engine = make_engine(f"sqlite:///{var_dir / 'bot.db'}")
    try:
        with session_scope(make_session_factory(engine)) as session:
            rows = session.execute(
                select(Invitation.revoked_reason, Invitation.revoked_at)
                .join(Patient)
                .where(Patient.pseudonym == pseudonym)
                .order_by(Invitation.id)
            ).all()
            return [(reason, at is not None) for reason, at in rows]
    finally:
        engine.dispose()


def _pseudonym_of(var_dir: Path, token: str) -> str:
    engine = make_engine(f"sqlite:///{var_dir / 'bot.db'}")
    try:
        with session_scope(make_session_factory(engine)) as session:
            invitation = invitation_by_token(session, token)
            assert invitation is not None
            return invitation.patient.pseudonym
    finally:
        engine.dispose()


def test_revoke_closes_every_link_of_the_patient(
    var_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cli.main(["invite", "--questionnaire", "who5"])
    token = URL.match(capsys.readouterr().out.strip()).group(1)  # type: ignore[union-attr]
    pseudonym = _pseudonym_of(var_dir, token)
    other = cli.main(["invite", "--questionnaire", "who5"])  # another patient: left alone
    assert other == 0
    capsys.readouterr()

    assert cli.main(["revoke", pseudonym]) == 0
    assert capsys.readouterr().out.strip() == f"Revoked 1 link of {pseudonym}."
    assert _link_states(var_dir, pseudonym) == [("cli", True)]
    assert cli.main(["revoke", pseudonym]) == 0  # nothing left to revoke
    assert capsys.readouterr().out.strip() == f"Revoked 0 links of {pseudonym}."
    assert len(_invitations(var_dir)) == 2  # the other patient's link is not revoked


def test_revoke_an_unknown_patient(var_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cli.main(["invite", "--questionnaire", "who5"])
    assert cli.main(["revoke", "P-NOSUCH22"]) == 2
    assert "no patient P-NOSUCH22" in capsys.readouterr().err


def test_the_demo_patient_gets_a_new_link_and_the_old_one_is_replaced(var_dir: Path) -> None:
    settings = get_settings()
    first = cli.create_web_invite(settings, "who5", label="demo", reuse_label=True)
    second = cli.create_web_invite(settings, "who5", label="demo", reuse_label=True)
    assert first != second
    first_token, second_token = first.rsplit("/", 1)[1], second.rsplit("/", 1)[1]
    pseudonym = _pseudonym_of(var_dir, second_token)
    assert _pseudonym_of(var_dir, first_token) == pseudonym  # the same demo patient
    assert _link_states(var_dir, pseudonym) == [("replaced", True), (None, False)]


def _course_of(var_dir: Path, pseudonym: str) -> list[tuple[str, str, str, int]]:
    """(plan, questionnaire, status, reminders) of each of the patient's occurrences that is
    no longer merely scheduled."""
    from sqlalchemy import func, select

    from bot.storage.course_models import Enrolment, Occurrence, Reminder
    from bot.storage.models import Patient

    engine = make_engine(f"sqlite:///{var_dir / 'bot.db'}")
    try:
        with session_scope(make_session_factory(engine)) as session:
            reminders = (
                select(func.count())
                .where(Reminder.occurrence_id == Occurrence.id)
                .scalar_subquery()
            )
            columns = (Enrolment.plan_id, Occurrence.questionnaire_id, Occurrence.status)
            rows = session.execute(
                select(*columns, reminders)
                .join(Enrolment, Enrolment.id == Occurrence.enrolment_id)
                .join(Patient, Patient.id == Enrolment.patient_id)
                .where(Patient.pseudonym == pseudonym, Occurrence.status != "scheduled")
                .order_by(Occurrence.id)
            ).all()
            return [tuple(row) for row in rows]
    finally:
        engine.dispose()


@pytest.mark.parametrize(("plan", "first"), [("who5-14d", "who5"), ("kemo", "behovsvurdering")])
def test_invite_to_a_plan_enrols_the_patient_and_links_the_first_questionnaire(
    var_dir: Path, capsys: pytest.CaptureFixture[str], plan: str, first: str
) -> None:
    assert cli.main(["invite", "--plan", plan, "--label", "stue 3"]) == 0
    out = capsys.readouterr().out
    match = URL.match(out.strip())
    assert match and out.count("\n") == 1, out  # only the link: scripts read it
    assert _invitations(var_dir) == [(hash_token(match.group(1)), first, "stue 3")]
    pseudonym = _pseudonym_of(var_dir, match.group(1))
    assert _course_of(var_dir, pseudonym) == [(plan, first, "due", 2)]  # open now, 2 reminders


def test_invite_to_an_unknown_plan_names_the_known_ones(
    var_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["invite", "--plan", "x"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "error: unknown plan 'x' (known: forberedelse, kemo, who5-14d)" in captured.err
    assert not (var_dir / "bot.db").exists()  # refused before anything is stored


def test_invite_takes_a_plan_or_a_questionnaire_not_both(
    var_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        cli.main(["invite", "--plan", "who5-14d", "--questionnaire", "who5"])
    assert stopped.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["invite", "--channel", "web"])
    assert "one of the arguments --questionnaire --plan is required" in capsys.readouterr().err


def test_a_reused_patient_invited_to_a_plan_keeps_one_course(var_dir: Path) -> None:
    settings = get_settings()
    first = cli.create_web_invite(settings, None, label="demo", reuse_label=True,
                                  plan_id="who5-14d")  # fmt: skip
    second = cli.create_web_invite(settings, None, label="demo", reuse_label=True,
                                   plan_id="who5-14d")  # fmt: skip
    pseudonym = _pseudonym_of(var_dir, second.rsplit("/", 1)[1])
    assert _pseudonym_of(var_dir, first.rsplit("/", 1)[1]) == pseudonym
    assert _link_states(var_dir, pseudonym) == [("replaced", True), (None, False)]
    assert _course_of(var_dir, pseudonym) == [("who5-14d", "who5", "due", 2)]
