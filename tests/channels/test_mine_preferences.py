"""The patient's own page shows their latest preparation for the doctor ("Før samtalen med
lægen", bot/channels/mine_preferences.py): nothing before one is answered; afterwards what
matters most, the Vælg Klogt questions chosen, information and role, as the console shows them."""

from __future__ import annotations

import html
import warnings
from collections.abc import Iterator
from typing import Any

import pytest

from bot.storage.conversations import conversation_for_invitation
from bot.storage.db import session_scope
from bot.storage.patients import create_invitation, create_patient
from bot.web import create_app
from tests.channels.test_webchat import closed_port
from tests.conftest import make_settings
from tests.console.preparation_helpers import WHAT_MATTERS, answer_preparation

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    tmp_path = tmp_path_factory.mktemp("mine-preferences")
    settings = make_settings(
        tmp_path / "var",
        RASA_URL=f"http://127.0.0.1:{closed_port()}",
        RASA_MANAGE="false",
        DATABASE_URL=f"sqlite:///{tmp_path / 'mine.db'}",
        BOT_SCHEDULER_SECONDS="0",
    )
    with TestClient(create_app(settings, manage_engine=False)) as test_client:
        yield test_client


def _state(client: TestClient) -> Any:
    return client.app.state  # type: ignore[attr-defined]


def test_the_own_page_shows_the_latest_preparation(client: TestClient) -> None:
    factory = _state(client).session_factory
    with session_scope(factory) as session:
        patient = create_patient(session)
        patient.consent = "given"
        patient.screening = "skipped"
        issued = create_invitation(session, patient, "forberedelse")
        conversation_id = conversation_for_invitation(session, issued.invitation).id
        token = issued.token
    before = html.unescape(client.get(f"/chat/{token}/mine").text)
    assert "Før samtalen med lægen" not in before

    answer_preparation(_state(client).dialogue, factory, conversation_id)
    page = client.get(f"/chat/{token}/mine")
    assert page.status_code == 200
    text = html.unescape(page.text)
    section = text[text.index("Før samtalen med lægen") :]
    for shown in (WHAT_MATTERS, "Har jeg virkelig brug for det?",
                  "Er der enklere eller mere sikre muligheder?", "Det vigtigste",
                  "Vi bestemmer sammen", "Lægen kan se dine svar."):  # fmt: skip
        assert shown in section, shown
    assert "Hvad er fordele og ulemper?" not in section
