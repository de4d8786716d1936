"""Withdrawal and deletion with the real engine and app (issue 12): mid-WHO-5 "jeg vil ikke
være med mere" -> the confirmation -> "Ja" -> withdrawn: the link answers 410 (chat page, API,
Mine svar) and the worklist shows "Udtrådt" with the time; "slet mine data" -> "Ja" -> a
request an admin carries out in the console, after which no word the patient typed is left in
any table of the app database or in the engine's tracker; an admin records and carries out a
deletion in Chromium, and the pages pass axe."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect
from sqlalchemy import JSON, String, select

from bot.i18n import Texts
from bot.storage import db
from bot.storage.models import Base
from bot.storage.patients import invitation_by_token
from tests.e2e.browsers import chromium
from tests.e2e.conftest import LiveSystem, Patient
from tests.e2e.fixtures import running_system
from tests.e2e.test_console_browser import (
    Accessibility,
    add_user,
    console_client,
    log_in,
)
from tests.e2e.test_course import pseudonym_of
from tests.e2e.test_telegram import consent as telegram_consent
from tests.e2e.test_telegram import telegram_system
from tests.e2e.test_web_api import consent

pytestmark = pytest.mark.e2e

ADMIN = "deletions-admin@example.org"
WORDS = "min hund Vuffelinesen savner mig"  # what the patient types, searched for after


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory, trained_model: Any) -> Iterator[LiveSystem]:
    with running_system(tmp_path_factory.mktemp("withdrawal"), trained_model) as live:
        add_user(live, ADMIN, "--role", "admin")
        yield live


def _items(patient: Patient) -> list[str]:
    return [m["link_id"] for m in patient.last if m.get("link_id")]


def _started(system: LiveSystem, texts: Texts) -> tuple[str, Patient]:
    token = system.invite("who5")
    patient = Patient(system, token)
    consent(patient, texts)
    assert _items(patient) == ["who5-1"]
    patient.press("Det meste af tiden")
    assert _items(patient) == ["who5-2"]
    return token, patient


def _conversation_ids(system: LiveSystem, token: str) -> list[str]:
    with db.session_scope(db.open(system.settings).session_factory) as session:
        invitation = invitation_by_token(session, token)
        assert invitation is not None
        return [c.id for c in invitation.patient.conversations]


def _tracker(system: LiveSystem, conversation_id: str) -> str:
    answer = httpx.get(
        f"{system.engine_url}/conversations/{conversation_id}/tracker",
        params={"token": system.rasa_auth_token, "include_events": "ALL"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    return answer.text


def _database_holds(system: LiveSystem, words: str) -> list[str]:
    """table.column of every text in every table of the app database that holds `words`."""
    found = []
    with db.session_scope(db.open(system.settings).session_factory) as session:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, (String, JSON))]
            for row in session.execute(select(*columns)) if columns else []:
                for column, value in zip(columns, row, strict=True):
                    if value is not None and words.lower() in str(value).lower():
                        found.append(f"{table.name}.{column.name}")
    return found


def test_withdrawal_in_the_chat_closes_the_link_and_shows_on_the_worklist(
    system: LiveSystem, texts: Texts
) -> None:
    token, patient = _started(system, texts)
    patient.say("jeg vil ikke være med mere")
    assert "Vil du ikke være med mere?" in patient.text
    assert "kan ikke fortrydes" in patient.text
    assert _items(patient) == []  # the item waits for the answer
    patient.press("Nej, jeg vil gerne fortsætte")
    assert "Godt. Vi fortsætter." in patient.text
    assert _items(patient) == ["who5-2"]  # the same item comes back

    patient.say("træk mit samtykke tilbage")
    assert "Vil du ikke være med mere?" in patient.text
    patient.press("Ja, jeg vil ikke være med")
    assert "Nu er du ikke med mere." in patient.text
    assert "kontakt din afdeling" in patient.text
    assert _items(patient) == []  # nothing is asked after it

    chat = f"{system.base_url}/chat/{token}"
    assert httpx.post(patient.url, json={"text": "hallo"}, timeout=30).status_code == 410
    assert httpx.get(chat, timeout=30).status_code == 410
    assert httpx.get(f"{chat}/mine", timeout=30).status_code == 410

    pseudonym = pseudonym_of(system, token)
    console = console_client(system, ADMIN)
    page = html.unescape(console.get("/console/worklist").text)
    console.close()
    row = re.search(rf'<tr data-pseudonym="{pseudonym}">(.*?)</tr>', page, re.DOTALL)
    assert row is not None, page
    assert "Udtrådt" in row.group(1)
    assert re.search(r'<span class="hint">\d', row.group(1))  # with the time


def test_a_deletion_asked_in_the_chat_and_carried_out_leaves_no_patient_text(
    system: LiveSystem, texts: Texts
) -> None:
    token, patient = _started(system, texts)
    patient.say(WORDS)
    conversation_ids = _conversation_ids(system, token)
    # The words are there before: in the transcript and in the engine's tracker.
    assert "messages.text" in _database_holds(system, WORDS)
    assert any(WORDS in _tracker(system, cid) for cid in conversation_ids)

    patient.say("slet mine data")
    assert "Det kan ikke fortrydes." in patient.text
    patient.press("Ja, slet mine data")
    assert "Dit behandlerteam sletter dine svar" in patient.text
    assert httpx.post(patient.url, json={"text": "hallo"}, timeout=30).status_code == 410

    console = console_client(system, ADMIN)
    page = console.get("/console/admin/deletions").text
    assert "Sletningen kan ikke fortrydes." in html.unescape(page)
    pseudonym = pseudonym_of(system, token)
    form = re.search(
        rf'{pseudonym}.*?<form method="post" action="(/console/admin/deletions/[0-9a-f]+)".*?'
        r'name="csrf_token" value="([^"]+)"', page, re.DOTALL,
    )  # fmt: skip
    assert form is not None, page
    answer = console.post(form.group(1), data={"csrf_token": form.group(2),
                                               "reason": "Patientens ønske i chatten"})  # fmt: skip
    assert answer.status_code == 303, answer.text
    assert "Gennemført" in console.get("/console/admin/deletions").text
    console.close()

    assert _database_holds(system, WORDS) == []
    # ("slet mine data" itself is in the other patient's transcript: a button of theirs.)
    for cid in conversation_ids:
        tracker = _tracker(system, cid)
        assert WORDS not in tracker and "slet mine data" not in tracker


@pytest.mark.browser
def test_an_admin_records_and_carries_out_a_deletion_in_the_browser(
    system: LiveSystem, texts: Texts
) -> None:
    token, patient = _started(system, texts)
    patient.say(WORDS)
    pseudonym = pseudonym_of(system, token)
    axe = Accessibility()
    with chromium() as browser:
        page = browser.new_page()
        log_in(page, system, ADMIN)
        page.goto(f"{system.base_url}/console/patients/{pseudonym}")
        axe.check(page, "patient page with the deletion section")
        page.get_by_role("button", name="Registrér en anmodning om sletning").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Anmodninger om sletning")
        expect(page.locator("p.notice")).to_contain_text("patienten er udtrådt")
        axe.check(page, "deletion requests with an open one")
        row = page.locator("#deletions tbody tr", has_text=pseudonym)
        expect(row).to_contain_text("Sletningen kan ikke fortrydes.")
        expect(row).to_contain_text(f"I konsollen af {ADMIN}")
        row.get_by_label("Begrundelse (skal udfyldes; intet patientindhold)").fill(
            "Patienten ringede"
        )
        row.get_by_role("button", name="Slet patientens data").click()
        expect(page.locator("p.notice")).to_have_text("Patientens data er slettet.")
        expect(row).to_contain_text("Patienten ringede")
        axe.check(page, "deletion requests after one was carried out")
    assert axe.problems == [], axe.problems
    assert httpx.get(f"{system.base_url}/chat/{token}", timeout=30).status_code == 410
    assert _database_holds(system, WORDS) == []


def test_withdrawal_on_telegram_unlinks_the_chat(
    tmp_path_factory: pytest.TempPathFactory, trained_model: Any, texts: Texts
) -> None:
    var_dir = tmp_path_factory.mktemp("withdrawal-telegram")
    with telegram_system(var_dir, trained_model, "webhook") as tg:
        user = tg.user()
        telegram_consent(user, tg, texts)
        user.press("Det meste af tiden")
        user.say("jeg vil ikke være med mere")
        assert "Vil du ikke være med mere?" in user.text
        user.press("Ja, jeg vil ikke være med")
        assert "Nu er du ikke med mere." in user.text  # the reply still reaches the chat
        assert tg.chat(user.chat_id) is None
        user.say("hej igen")
        assert "personligt link" in user.text  # a stranger now: nothing is stored or asked
