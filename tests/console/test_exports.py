"""Exports: the pseudonymised CSV (bot/export/csv_export.py) and FHIR from the console."""

from __future__ import annotations

import csv
import io
import json

import pytest
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from bot.conversation import ConversationService
from bot.export import fhir
from bot.export.csv_export import COLUMNS, export_csv, research_pseudonym
from bot.questionnaire.model import Questionnaire
from bot.storage.db import session_scope
from bot.storage.models import Answer, Conversation, Invitation, Patient, Response
from bot.storage.responses import add_answer, open_response
from tests.console.conftest import Staff, assign, complete_who5, login, post

KEY = b"k" * 32
FREE_TEXT = "Min datter Jens Hansen, CPR 010203-1234"


def _patient_with_free_text(session_factory: sessionmaker[Session]) -> str:
    from tests.helpers import new_conversation

    cid = new_conversation(session_factory, "behovsvurdering")
    with session_scope(session_factory) as session:
        conversation = session.get(Conversation, cid)
        assert conversation is not None
        conversation.patient.label = "Stue 12, hr. Hansen"
        response = open_response(session, conversation, "1.0.0")
        add_answer(session, response, Answer(
            link_id="bv-netvaerk-hvem", item_type="string", value_string=FREE_TEXT,
            display=FREE_TEXT, raw_text=FREE_TEXT, input_kind="text", literacy_level="standard",
            wording_shown="Hvem kan hjælpe dig?",
        ))  # fmt: skip
        add_answer(session, response, Answer(
            link_id="bv-belastning", item_type="integer", value_integer=9, display="9",
            raw_text="=9+1", input_kind="text", literacy_level="standard",
            wording_shown="Hvor belastet ...",
        ))  # fmt: skip
    return cid


def test_csv_rows_and_privacy(
    service: ConversationService,
    session_factory: sessionmaker[Session],
    questionnaires: dict[str, Questionnaire],
) -> None:
    who5 = complete_who5(service, session_factory, ["1", "0", "1", "1", "0"])
    needs = _patient_with_free_text(session_factory)
    with session_scope(session_factory) as session:
        text, included = export_csv(session, questionnaires, key=KEY)
        secrets_ = [i.token for i in session.scalars(select(Invitation))]
        secrets_ += [p.pseudonym for p in session.scalars(select(Patient))]
        secrets_ += [r.id for r in session.scalars(select(Response))]
        secrets_ += [who5, needs, "Stue 12", "Hansen", "010203", "=9+1"]
        patient_ids = sorted(included)
    for secret in secrets_:
        assert secret not in text, secret

    rows = list(csv.DictReader(io.StringIO(text)))
    assert tuple(rows[0].keys()) == COLUMNS
    who5_rows = [r for r in rows if r["questionnaire"] == "who5"]
    answers = [r for r in who5_rows if r["row_type"] == "answer"]
    scores = [r for r in who5_rows if r["row_type"] == "score"]
    assert [r["id"] for r in answers] == [f"who5-{n}" for n in range(1, 6)]
    assert [r["code"] for r in answers] == ["1", "0", "1", "1", "0"]
    assert answers[0]["value"] == "Lidt af tiden"
    assert len(scores) == 1
    assert (scores[0]["id"], scores[0]["value"], scores[0]["triage"]) == ("who5-total", "12", "red")
    assert len({r["pseudonym"] for r in who5_rows}) == 1
    assert who5_rows[0]["pseudonym"] == research_pseudonym(KEY, patient_ids[0])

    free = next(r for r in rows if r["id"] == "bv-netvaerk-hvem")
    assert free["value"] == "" and free["withheld"] == "free_text"
    strain = next(r for r in rows if r["id"] == "bv-belastning")
    assert strain["value"] == "9"


def test_csv_pseudonyms_are_stable_and_keyed(
    service: ConversationService,
    session_factory: sessionmaker[Session],
    questionnaires: dict[str, Questionnaire],
) -> None:
    complete_who5(service, session_factory, ["3", "3", "3", "3", "3"])
    with session_scope(session_factory) as session:
        first, _ = export_csv(session, questionnaires, key=KEY)
        again, _ = export_csv(session, questionnaires, key=KEY)
        other, _ = export_csv(session, questionnaires, key=b"another key")
    pseudonym = lambda text: next(csv.DictReader(io.StringIO(text)))["pseudonym"]  # noqa: E731
    assert pseudonym(first) == pseudonym(again)
    assert pseudonym(first) != pseudonym(other)
    assert pseudonym(first).startswith("R-") and len(pseudonym(first)) == 18


def test_console_csv_download_is_limited_to_my_teams(
    client: TestClient,
    staff: Staff,
    service: ConversationService,
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
    service: ConversationService,
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
    service: ConversationService,
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
