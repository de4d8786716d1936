"""Fixtures for the export tests: a migrated temporary SQLite database, the real WHO-5
questionnaire, the shipped plans, a small mixed-type questionnaire, and helpers to store
responses."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import MappingProxyType

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bot.course.plans import Plan, load_plans
from bot.questionnaire.loader import load_directory
from bot.questionnaire.model import (
    AnswerOption,
    EnableWhen,
    Item,
    Questionnaire,
)
from bot.storage.conversations import conversation_for_invitation
from bot.storage.db import make_engine, make_session_factory, migrate
from bot.storage.models import Answer, Invitation, Patient, Response
from bot.storage.patients import create_invitation, create_patient
from bot.storage.responses import add_answer as store_answer
from bot.storage.responses import open_response

ROOT = Path(__file__).resolve().parents[2]
QUESTIONNAIRE_DIR = ROOT / "dialogues" / "questionnaires"


@pytest.fixture(scope="session")
def questionnaires() -> dict[str, Questionnaire]:
    loaded = dict(load_directory(QUESTIONNAIRE_DIR))
    assert "who5" in loaded, f"who5.yml missing in {QUESTIONNAIRE_DIR}"
    loaded[MIXED.id] = MIXED
    return loaded


@pytest.fixture(scope="session")
def plans(questionnaires: dict[str, Questionnaire]) -> dict[str, Plan]:
    return load_plans(ROOT / "dialogues" / "plans", questionnaires)


@pytest.fixture(scope="session")
def who5(questionnaires: dict[str, Questionnaire]) -> Questionnaire:
    return questionnaires["who5"]


@pytest.fixture(scope="session")
def mixed() -> Questionnaire:
    return MIXED


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'export.db'}")
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    factory = make_session_factory(engine)
    with factory() as session:
        yield session


@dataclass
class Stored:
    """One stored response with the rows around it."""

    patient: Patient
    invitation: Invitation
    response: Response
    token: str  # the link's token, known only at creation

    @property
    def conversation_id(self) -> str:
        return self.response.conversation_id


StartResponse = Callable[..., Stored]
AddAnswer = Callable[..., Answer]


@pytest.fixture
def start_response(session: Session) -> StartResponse:
    """Create patient → invitation → conversation → response for a questionnaire."""

    def start(
        questionnaire: Questionnaire,
        *,
        patient: Patient | None = None,
        status: str = "in-progress",
        completed_at: datetime | None = None,
    ) -> Stored:
        if patient is None:
            patient = create_patient(session, label="Testperson Hansen")
        issued = create_invitation(session, patient, questionnaire.id)
        invitation = issued.invitation
        conversation = conversation_for_invitation(session, invitation)
        response = open_response(session, conversation, questionnaire.version)
        response.status = status
        response.completed_at = completed_at
        session.flush()
        return Stored(
            patient=patient, invitation=invitation, response=response, token=issued.token
        )

    return start


@pytest.fixture
def add_answer(session: Session) -> AddAnswer:
    """Store one answer like the chat does (an earlier answer to the item is superseded)."""

    def add(
        questionnaire: Questionnaire,
        response: Response,
        link_id: str,
        *,
        code: str | None = None,
        value: int | bool | str | None = None,
        skipped: bool = False,
    ) -> Answer:
        item = questionnaire.item(link_id)
        row = Answer(
            link_id=link_id,
            item_type=item.type,
            status="skipped" if skipped else "answered",
            input_kind="button",
            literacy_level="standard",
            wording_shown=item.text,
        )
        if not skipped:
            if item.type == "choice":
                assert code is not None
                option = item.option(code)
                row.code = code
                row.display = option.display if option else None
                row.score = option.score if option else None
            elif item.type == "integer":
                row.value_integer = value  # type: ignore[assignment]
            elif item.type == "boolean":
                row.value_boolean = value  # type: ignore[assignment]
            else:
                row.value_string = value  # type: ignore[assignment]
        return store_answer(session, response, row)

    return add


def _mixed_questionnaire() -> Questionnaire:
    yes_no = (AnswerOption("ja", "Ja", 1), AnswerOption("nej", "Nej", 0))
    return Questionnaire(
        id="mixed-test",
        url="https://pro-chat.example.org/fhir/Questionnaire/mixed-test",
        title="Blandet testskema",
        version="1.0",
        status="draft",
        language="da",
        description="Testskema med alle svartyper",
        source="tests",
        licence="MIT",
        attribution=None,
        verified=True,
        unverified=(),
        validated=False,
        intro=MappingProxyType({"standard": "Hej"}),
        stem=None,
        scale_explanation=MappingProxyType({}),
        purpose="test",
        items=(
            Item(link_id="intro", type="display", text="Nu kommer nogle spørgsmål."),
            Item(
                link_id="pain",
                type="integer",
                text="Hvor ondt har du (0-10)?",
                min_value=0,
                max_value=10,
            ),
            Item(link_id="sleep", type="boolean", text="Sover du godt?"),
            Item(link_id="worry", type="choice", text="Er du bekymret?", options=yes_no),
            Item(
                link_id="worry-about",
                type="string",
                text="Hvad bekymrer dig?",
                enable_when=(EnableWhen(question="worry", operator="=", answer="ja"),),
            ),
            Item(link_id="note", type="string", text="Andet?", required=False),
        ),
    )


MIXED = _mixed_questionnaire()
