"""Exports from the console: FHIR and the pseudonymised CSV (bot/console/pages/exports.py)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from bot.dialogue.service import Dialogue
from bot.export import fhir
from bot.export.csv_export import research_pseudonym
from tests.console.conftest import Staff, assign, complete_who5, login, post


def test_console_csv_download_is_limited_to_my_teams(
    client: TestClient,
    staff: Staff,
    service: Dialogue,
    session_factory: sessionmaker[Session],
) -> None:
    mine = complete_who5(service, session_factory, ["1", "0", "1", "1", "0"])
    theirs = complete_who5(service, session_factory, ["5", "5", "5", "5", "5"])
    pid_mine, _ = assign(session_factory, mine, staff.team_a)
    assign(session_factory, theirs, staff.team_b)
    login(client, staff.nurse)
    answer = post(client, "/console/export", {"format": "csv"}, page="/console/export")
    assert answer.status_code == 200  # type: ignore[attr-defined]
    assert answer.headers["content-type"].startswith("text/csv")  # type: ignore[attr-defined]
    assert "attachment" in answer.headers["content-disposition"]  # type: ignore[attr-defined]
    rows = list(csv.DictReader(io.StringIO(answer.text)))  # type: ignore[attr-defined]
    assert {r["pseudonym"] for r in rows} == {research_pseudonym_for(client, pid_mine)}


def research_pseudonym_for(client: TestClient, patient_id: int) -> str:
    from bot.console.keys import pseudonym_key

    settings = client.app.state.settings  # type: ignore[attr-defined]
    return research_pseudonym(pseudonym_key(settings), patient_id)


def test_fhir_export_from_the_console_validates(
    client: TestClient,
    staff: Staff,
    service: Dialogue,
    session_factory: sessionmaker[Session],
) -> None:
    cid = complete_who5(service, session_factory, ["1", "0", "1", "1", "0"])
    other = complete_who5(service, session_factory, ["5", "5", "5", "5", "5"])
    _pid, pseudonym = assign(session_factory, cid, staff.team_a)
    _pid2, other_pseudonym = assign(session_factory, other, staff.team_b)
    login(client, staff.nurse)

    answer = post(client, f"/console/patients/{pseudonym}/export", {})
    assert answer.status_code == 200  # type: ignore[attr-defined]
    assert answer.headers["content-type"].startswith("application/fhir+json")  # type: ignore[attr-defined]
    bundle = json.loads(answer.text)  # type: ignore[attr-defined]
    fhir.validate(bundle)
    Bundle.model_validate(bundle)
    kinds = sorted(e["resource"]["resourceType"] for e in bundle["entry"])
    # A WHO-5 of 12 raises two alerts, open until someone looks: two Flags.
    assert kinds == ["Flag", "Flag", "Observation", "Patient", "Questionnaire",
                     "QuestionnaireResponse"]  # fmt: skip
    subjects = {e["resource"]["subject"]["identifier"]["value"] for e in bundle["entry"]
                if "subject" in e["resource"]}  # fmt: skip
    assert subjects == {pseudonym}
    assert other_pseudonym not in answer.text  # type: ignore[attr-defined]
    observation = next(e["resource"] for e in bundle["entry"]
                       if e["resource"]["resourceType"] == "Observation")  # fmt: skip
    assert observation["valueInteger"] == 12

    everything = post(client, "/console/export", {"format": "fhir"}, page="/console/export")
    bundle = json.loads(everything.text)  # type: ignore[attr-defined]
    fhir.validate(bundle)
    subjects = {e["resource"]["subject"]["identifier"]["value"] for e in bundle["entry"]}
    assert subjects == {pseudonym}  # not the other team's patient
    assert other_pseudonym not in everything.text  # type: ignore[attr-defined]


@pytest.mark.parametrize("fmt", ["fhir", "csv"])
def test_admin_exports_everyone(
    client: TestClient,
    staff: Staff,
    service: Dialogue,
    session_factory: sessionmaker[Session],
    fmt: str,
) -> None:
    a = complete_who5(service, session_factory, ["1", "0", "1", "1", "0"])
    b = complete_who5(service, session_factory, ["5", "5", "5", "5", "5"])
    assign(session_factory, a, staff.team_a)
    assign(session_factory, b, None)
    login(client, staff.admin)
    answer = post(client, "/console/export", {"format": fmt, "questionnaire": "who5"},
                  page="/console/export")  # fmt: skip
    assert answer.status_code == 200  # type: ignore[attr-defined]
    if fmt == "fhir":
        bundle = json.loads(answer.text)  # type: ignore[attr-defined]
        fhir.validate(bundle)
        assert len(bundle["entry"]) == 4
    else:
        rows = list(csv.DictReader(io.StringIO(answer.text)))  # type: ignore[attr-defined]
        assert len({r["pseudonym"] for r in rows}) == 2


def test_the_patient_export_holds_the_course_and_the_open_alerts(
    client: TestClient,
    staff: Staff,
    service: Dialogue,
    session_factory: sessionmaker[Session],
) -> None:
    from datetime import UTC, datetime

    from bot.course.schedule import planned_occurrences
    from bot.storage.alerts import add_alert
    from bot.storage.enrolments import add_enrolment
    from bot.storage.models import Conversation
    from tests.console.conftest import events

    cid = complete_who5(service, session_factory, ["1", "0", "1", "1", "0"])
    patient_id, pseudonym = assign(session_factory, cid, staff.team_a)
    plan = client.app.state.plans["who5-14d"]  # type: ignore[attr-defined]
    at = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    with session_factory() as session:
        enrolment = add_enrolment(session, patient_id, plan.id, at, planned_occurrences(plan, at))
        conversation = session.get(Conversation, cid)
        assert conversation is not None
        add_alert(session, conversation, rule_id="talk-to-person", level="yellow", urgent=False,
                  message="Patient asked to talk to a person.")  # fmt: skip
        public_id = enrolment.public_id
        session.commit()
    login(client, staff.nurse)
    answer = post(client, f"/console/patients/{pseudonym}/export", {})
    bundle = json.loads(answer.text)  # type: ignore[attr-defined]
    fhir.validate(bundle)
    by_kind: dict[str, list[dict[str, object]]] = {}
    for entry in bundle["entry"]:
        by_kind.setdefault(entry["resource"]["resourceType"], []).append(entry["resource"])
    (care,) = by_kind["CarePlan"]
    assert care["id"] == public_id
    flag = next(f for f in by_kind["Flag"] if "talk-to-person" in json.dumps(f["code"]))
    assert flag["code"] == {"coding": [{"system": "urn:pro-chat:alert", "code": "talk-to-person"}],
                            "text": "Patient asked to talk to a person"}  # fmt: skip
    assert len(by_kind["PlanDefinition"]) == 1 and len(by_kind["Patient"]) == 1
    assert "export.fhir" in {action for _actor, action in events(session_factory, patient_id)}
