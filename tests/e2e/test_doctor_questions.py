"""Questions for the doctor with the real engine and app (issue 12): mid-WHO-5 "jeg har et
spørgsmål til lægen" -> asked for it -> the typed question is stored and the SAME item comes
back; "skal jeg tage flere piller?" -> no advice and the offer, "Ja" -> stored; both show in
the console's "Til samtalen" (a coordinator logged in over HTTP), with a count on the
worklist, and on /chat/<token>/mine; a coordinator marks one handled in Chromium, and the
patient page, the worklist and the patient's own page pass axe."""

from __future__ import annotations

import html
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from bot.i18n import Texts
from bot.questionnaire.model import Questionnaire
from bot.storage import db
from bot.storage.question_models import DoctorQuestion
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

NURSE = "questions-nurse@example.org"
QUESTION = "hvor længe varer kuren?"
MEDICAL = "skal jeg tage flere piller?"


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory, trained_model: Any) -> Iterator[LiveSystem]:
    with running_system(tmp_path_factory.mktemp("questions"), trained_model) as live:
        add_user(live, NURSE, "--role", "coordinator")  # no team: sees CLI-invited patients
        yield live


def _items(patient: Patient) -> list[str]:
    """The linkIds of the questions in the bot's last reply."""
    return [m["link_id"] for m in patient.last if m.get("link_id")]


def _stored(system: LiveSystem) -> list[tuple[str, str]]:
    with db.session_scope(db.open(system.settings).session_factory) as session:
        rows = session.scalars(select(DoctorQuestion).order_by(DoctorQuestion.id))
        return [(q.text, q.source) for q in rows]


def _asked_questions(system: LiveSystem, texts: Texts, who5: Questionnaire) -> tuple[str, str]:
    """A patient answers WHO-5 item 1, then puts both questions mid-questionnaire; (token,
    pseudonym)."""
    token = system.invite("who5")
    patient = Patient(system, token)
    consent(patient, texts)
    assert _items(patient) == ["who5-1"]
    patient.press("Det meste af tiden")
    assert _items(patient) == ["who5-2"]

    patient.say("jeg har et spørgsmål til lægen")
    assert "Skriv dit spørgsmål til lægen. Så skriver jeg det ned." in patient.text
    assert _items(patient) == []  # the item waits while the patient types
    patient.say(QUESTION)
    assert "Jeg har skrevet dit spørgsmål ned" in patient.text
    assert "næste samtale med lægen" in patient.text
    assert _items(patient) == ["who5-2"]  # the same item comes back
    assert who5.item("who5-2").text in patient.text

    patient.say(MEDICAL)
    texts_now = [m["text"] for m in patient.last]
    assert "Det kan jeg ikke svare på. Spørg dit behandlerteam." in texts_now
    assert "Skal jeg skrive det ned som et spørgsmål til din læge?" in texts_now
    # No advice: nothing but the refusal and the offer (a red flag would come first).
    assert len(texts_now) == 2 and _items(patient) == []
    patient.press("Ja")
    assert "Jeg har skrevet dit spørgsmål ned" in patient.text
    assert _items(patient) == ["who5-2"]
    assert _stored(system)[-2:] == [(QUESTION, "asked"), (MEDICAL, "offered")]
    # The rest of WHO-5 goes on as before.
    for title in ("Lidt af tiden", "Hele tiden", "Lidt af tiden", "Hele tiden"):
        patient.press(title)
    assert texts._("Thank you! You have answered all the questions.") in patient.text
    return token, pseudonym_of(system, token)


def test_questions_mid_who5_are_stored_and_shown_in_the_console_and_on_the_own_page(
    system: LiveSystem, texts: Texts, questionnaires: dict[str, Questionnaire]
) -> None:
    token, pseudonym = _asked_questions(system, texts, questionnaires["who5"])

    console = console_client(system, NURSE)
    page = console.get(f"/console/patients/{pseudonym}").text
    section = page[page.index('id="consultation"') :]
    section = html.unescape(section[: section.index("</section>")])
    assert "Til samtalen" in section and QUESTION in section and MEDICAL in section
    assert section.count("Markér som klaret") == 2
    worklist = console.get("/console/worklist").text
    row = worklist[worklist.index(f'data-pseudonym="{pseudonym}"') :]
    assert "Spørgsmål til samtalen: 2" in row[: row.index("</tr>")]

    mine = html.unescape(httpx.get(f"{system.base_url}/chat/{token}/mine", timeout=30).text)
    own = mine[mine.index("Mine spørgsmål") :]
    assert QUESTION in own and MEDICAL in own
    assert own.index(MEDICAL) < own.index(QUESTION)  # the newest first


@pytest.mark.browser
def test_a_coordinator_marks_a_question_handled_in_the_browser(
    system: LiveSystem, texts: Texts, questionnaires: dict[str, Questionnaire]
) -> None:
    token, pseudonym = _asked_questions(system, texts, questionnaires["who5"])
    axe = Accessibility()
    with chromium() as browser:
        page = browser.new_page()
        log_in(page, system, NURSE)
        row = page.locator("#worklist tbody tr", has_text=pseudonym)
        expect(row).to_contain_text("Spørgsmål til samtalen: 2")
        axe.check(page, "worklist with questions")
        row.get_by_role("link", name=pseudonym).click()
        section = page.locator("#consultation")
        expect(section).to_contain_text(QUESTION)
        axe.check(page, "patient page with questions")
        item = section.locator("li", has_text=QUESTION)
        item.get_by_label("Note (valgfri)").fill("Talt om ved samtalen.")
        item.get_by_role("button", name="Markér som klaret").click()
        expect(page.locator("#consultation p.notice")).to_have_text(
            "Spørgsmålet er markeret som klaret."
        )
        handled = page.locator("#consultation table")
        expect(handled).to_contain_text(QUESTION)
        expect(handled).to_contain_text("Talt om ved samtalen.")
        expect(handled).to_contain_text(NURSE)
        expect(section.get_by_role("button", name="Markér som klaret")).to_have_count(1)
        axe.check(page, "patient page with a handled question")

        page.goto(f"{system.base_url}/chat/{token}/mine")
        own = page.locator("section", has_text="Mine spørgsmål")
        expect(own).to_contain_text("Klaret den")
        expect(own).to_contain_text("Venter på din næste samtale med lægen")
        assert "Talt om ved samtalen." not in page.content()
        axe.check(page, "own page with questions")
    assert axe.problems == [], axe.problems


def test_on_telegram_a_question_and_an_offered_one_are_written_down(
    tmp_path_factory: pytest.TempPathFactory, trained_model: Any, texts: Texts
) -> None:
    with telegram_system(tmp_path_factory.mktemp("tg-questions"), trained_model, "polling") as tg:
        user = tg.user()
        telegram_consent(user, tg, texts)
        user.press("Det meste af tiden")
        assert "glad og i godt humør" not in user.text  # item 2 now
        item_two = user.text
        user.say("jeg har et spørgsmål til lægen")
        assert "Skriv dit spørgsmål til lægen" in user.text
        user.say(QUESTION, sends=2)
        assert "Jeg har skrevet dit spørgsmål ned" in user.text
        assert item_two.splitlines()[-1] in user.text  # the same item again
        user.say(MEDICAL, sends=2)
        assert "Det kan jeg ikke svare på" in user.text
        assert user.buttons() == ["Ja", "Nej"]
        user.press("Ja", sends=2)
        assert "Jeg har skrevet dit spørgsmål ned" in user.text
        assert _stored(tg.system) == [(QUESTION, "asked"), (MEDICAL, "offered")]
