"""The pseudonymised CSV export (bot/export/csv_export.py)."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.dialogue.service import Dialogue
from bot.export.csv_export import COLUMNS, export_csv, research_pseudonym
from bot.questionnaire.model import Questionnaire
from bot.storage.db import session_scope
from bot.storage.models import Answer, Conversation, Invitation, Patient, Response
from bot.storage.responses import add_answer, open_response
from tests.console.conftest import complete_who5

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
    service: Dialogue,
    session_factory: sessionmaker[Session],
    questionnaires: dict[str, Questionnaire],
) -> None:
    who5 = complete_who5(service, session_factory, ["1", "0", "1", "1", "0"])
    needs = _patient_with_free_text(session_factory)
    with session_scope(session_factory) as session:
        text, included = export_csv(session, questionnaires, key=KEY)
        secrets_ = [i.token_hash for i in session.scalars(select(Invitation))]
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
    service: Dialogue,
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
