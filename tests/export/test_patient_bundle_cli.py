"""`bot export --format fhir --patient P-…` writes the patient's self-contained Bundle
(bot/cli.py cmd_export), audited, against a temporary SQLite database."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot import cli
from bot.course.plans import load_plans
from bot.course.schedule import planned_occurrences
from bot.export.fhir import validate
from bot.questionnaire.loader import load_directory
from bot.settings import PROJECT_ROOT, get_settings
from bot.storage.audit import access_log
from bot.storage.conversations import conversation_for_invitation
from bot.storage.course_models import Occurrence
from bot.storage.db import make_engine, make_session_factory, session_scope
from bot.storage.enrolments import add_enrolment, mark_answered
from bot.storage.models import Invitation
from bot.storage.patients import create_invitation, create_patient, patient_by_pseudonym
from bot.storage.responses import open_response

ENV_TO_CLEAR = ("DATABASE_URL", "BOT_HOME", "BOT_HOST", "BOT_PORT", "BOT_PUBLIC_URL",
                "BOT_QUESTIONNAIRE_DIR", "BOT_DIALOGUES_DIR", "RASA_URL")  # fmt: skip
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@pytest.fixture
def var_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    for name in ENV_TO_CLEAR:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BOT_VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    yield tmp_path / "var"
    get_settings.cache_clear()


def _two_patients(var_dir: Path) -> tuple[str, str, str]:
    """(pseudonym, response id, pseudonym of another patient): the first enrolled in
    who5-14d, its first occurrence answered."""
    assert cli.main(["export", "--format", "fhir", "--output", str(var_dir / "x.json")]) == 0
    questionnaires = dict(load_directory(PROJECT_ROOT / "dialogues" / "questionnaires"))
    plan = load_plans(PROJECT_ROOT / "dialogues" / "plans", questionnaires)["who5-14d"]
    engine = make_engine(f"sqlite:///{var_dir / 'bot.db'}")
    try:
        with session_scope(make_session_factory(engine)) as session:
            found = []
            for _ in range(2):
                patient = create_patient(session, label="Testperson")
                invitation: Invitation = create_invitation(session, patient, "who5").invitation
                conversation = conversation_for_invitation(session, invitation)
                response = open_response(session, conversation, "1.0.0")
                response.status, response.completed_at = "completed", T0
                enrolment = add_enrolment(session, patient.id, plan.id, T0,
                                          planned_occurrences(plan, T0))  # fmt: skip
                first = session.scalars(
                    select(Occurrence).where(Occurrence.enrolment_id == enrolment.id)
                    .order_by(Occurrence.due_at)
                ).first()  # fmt: skip
                assert first is not None
                first.status = "due"
                session.flush()
                assert mark_answered(session, first.id, response.id, T0)
                found.append((patient.pseudonym, response.id))
        return found[0][0], found[0][1], found[1][0]
    finally:
        engine.dispose()


def test_export_of_one_patient_writes_the_self_contained_bundle(var_dir: Path) -> None:
    pseudonym, response_id, other = _two_patients(var_dir)
    output = var_dir / "patient.json"
    argv = ["export", "--format", "fhir", "--patient", pseudonym, "--output", str(output)]
    assert cli.main(argv) == 0
    text = output.read_text(encoding="utf-8")
    bundle = json.loads(text)
    validate(bundle)
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert kinds.count("Patient") == 1
    assert {"Questionnaire", "PlanDefinition", "CarePlan", "QuestionnaireResponse"} <= set(kinds)
    (response,) = (e["resource"] for e in bundle["entry"]
                   if e["resource"]["resourceType"] == "QuestionnaireResponse")  # fmt: skip
    assert response["id"] == response_id
    assert response["basedOn"][0]["type"] == "CarePlan"
    assert other not in text and "Testperson" not in text

    engine = make_engine(f"sqlite:///{var_dir / 'bot.db'}")
    try:
        with session_scope(make_session_factory(engine)) as session:
            patient = patient_by_pseudonym(session, pseudonym)
            assert patient is not None
            assert [e.action for e in access_log(session, patient.id)] == ["export.fhir"]
    finally:
        engine.dispose()


def test_one_patient_and_one_questionnaire_do_not_combine(
    var_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["export", "--format", "fhir", "--patient", "P-ABCD2345", "--questionnaire", "who5"]
    assert cli.main(argv) == 2
    assert "does not combine" in capsys.readouterr().err
