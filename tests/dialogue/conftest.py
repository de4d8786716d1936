"""Fixtures of the dialogue tests."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.dialogue.service import Dialogue
from bot.i18n import Texts
from bot.questionnaire.model import Questionnaire
from bot.settings import CrisisContacts, Settings


@pytest.fixture
def crisis_service(
    settings: Settings,
    session_factory: sessionmaker[Session],
    questionnaires: dict[str, Questionnaire],
    texts: Texts,
) -> Dialogue:
    local = settings.with_overrides(crisis=CrisisContacts(
        emergency="112", medical_helpline="7011 3131", medical_helpline_name="Akuttelefonen",
        livslinien="70 201 209",
    ))
    return Dialogue(local, session_factory, questionnaires, texts)


