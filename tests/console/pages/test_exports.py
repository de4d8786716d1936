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
    assert kinds == ["Observation", "QuestionnaireResponse"]
    subjects = {e["resource"]["subject"]["identifier"]["value"] for e in bundle["entry"]}
    assert subjects == {pseudonym}
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
