"""A patient completes WHO-5 in a real browser (Debian's Chromium driven by Playwright)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from bot.i18n import Texts
from tests.e2e.conftest import LiveSystem
from tests.e2e.test_web_api import exported_codes

pytestmark = [pytest.mark.e2e, pytest.mark.browser]



def test_patient_completes_who5_in_the_browser(
    system: LiveSystem, browser: Any, texts: Texts
) -> None:
    token = system.invite("who5")
    page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{system.base_url}/chat/{token}")
    log = page.locator("#log")

    page.get_by_role("button", name=texts._("Yes, that is fine")).click()
    page.get_by_role("button", name=texts._("Skip the questions")).click()
    page.get_by_role("button", name="Det meste af tiden").last.wait_for()
    assert "glad og i godt humør" in log.inner_text()

    # Item 1 by button, item 2 typed with a misspelling, item 3 "ved ikke" then typed.
    page.get_by_role("button", name="Det meste af tiden").last.click()
    expect(log).to_contain_text("rolig og afslappet")
    textbox = page.get_by_label(texts._("Your answer"))
    textbox.fill("hele tidden")
    textbox.press("Enter")
    expect(log).to_contain_text("aktiv og energisk")
    textbox.fill("ved ikke")
    textbox.press("Enter")
    expect(log).to_contain_text("ingen rigtige eller forkerte svar")
    textbox.fill("lidt af tiden")
    textbox.press("Enter")
    expect(log).to_contain_text("frisk og udhvilet")
    # Keyboard only: Tab to the first answer button of the newest question and press Enter.
    page.get_by_role("button", name="På intet tidspunkt").last.focus()
    page.keyboard.press("Enter")
    expect(log).to_contain_text("ting der interesserer")
    page.get_by_role("button", name="Hele tiden").last.click()
    expect(log).to_contain_text("svaret på alle spørgsmålene")
    # Old buttons can no longer answer.
    assert page.get_by_role("button", name="Hele tiden").first.is_disabled()
    assert errors == []

    # A reload shows the whole conversation again.
    page.reload()
    expect(log).to_contain_text("svaret på alle spørgsmålene")
    page.close()
    assert exported_codes(system.export_fhir()) == {
        "who5-1": "4",
        "who5-2": "5",
        "who5-3": "1",
        "who5-4": "0",
        "who5-5": "5",
    }


def test_a_link_revoked_mid_chat_shows_why_and_keeps_what_was_typed(
    system: LiveSystem, browser: Any, texts: Texts
) -> None:
    import os
    import subprocess

    from sqlalchemy import create_engine, text

    from tests.e2e.conftest import BOT

    token = system.invite("who5")
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(f"{system.base_url}/chat/{token}")
    log = page.locator("#log")
    page.get_by_role("button", name=texts._("Yes, that is fine")).click()
    page.get_by_role("button", name=texts._("Skip the questions")).click()
    expect(log).to_contain_text("glad og i godt humør")

    engine = create_engine(system.database_url)
    with engine.connect() as connection:
        (pseudonym,) = connection.execute(
            text("SELECT pseudonym FROM patients ORDER BY id DESC LIMIT 1")
        ).one()
    engine.dispose()
    revoked = subprocess.run(
        [BOT, "revoke", pseudonym], env={**os.environ, **system.env},
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "Revoked 1 link" in revoked.stdout

    textbox = page.get_by_label(texts._("Your answer"))
    textbox.fill("det meste af tiden")
    textbox.press("Enter")
    status = page.locator("#status")
    expect(status).to_be_visible()
    expect(status).to_contain_text("Linket virker ikke længere")
    # Not taken, so given back: nothing the patient typed is lost, and no bubble pretends
    # it was sent.
    expect(textbox).to_have_value("det meste af tiden")
    assert "det meste af tiden" not in log.inner_text()
    page.reload()
    expect(page.locator("body")).to_contain_text("Linket virker ikke længere")
    page.close()
