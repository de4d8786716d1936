"""Relatives in a real browser (Debian's Chromium via Playwright), against the real app and
engine: a coordinator invites a patient and, from the patient page, a relative ("Invitér
pårørende": the link shown once), sees the "Pårørende" row, removes the access ("Fjern
adgang"); the relative's chat page and the patient's "Hvem har adgang" are shown too. axe-core
finds no serious or critical violation on any of these pages."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from bot.i18n import Texts
from tests.e2e.conftest import LiveSystem, Patient
from tests.e2e.test_console_browser import (
    NURSE,
    Accessibility,
    add_user,
    invite,
    log_in,
)
from tests.e2e.test_web_api import consent

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


def test_a_coordinator_invites_and_removes_a_relative_in_the_browser(
    system: LiveSystem, browser: Any, texts: Texts
) -> None:
    add_user(system, NURSE, "--team", "Team A")
    axe = Accessibility()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, system, NURSE)
    pseudonym, token = invite(page, system, "Stue 3")
    consent(Patient(system, token), texts)

    page.goto(f"{system.base_url}/console/patients/{pseudonym}")
    section = page.locator("#relatives")
    expect(section).to_contain_text("Patienten har ikke inviteret nogen pårørende.")
    axe.check(page, "patient page, no relatives")
    section.get_by_label("Relation", exact=False).fill("søster")
    section.get_by_role("button", name="Invitér pårørende").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pårørende inviteret")
    link = page.locator("#relative-link").inner_text().strip()
    relative_token = link.rsplit("/chat/", 1)[1]
    axe.check(page, "relative invited")

    # The relative's own chat page, before and after consent.
    chat = context.new_page()
    chat.goto(f"{system.base_url}/chat/{relative_token}")
    expect(chat.locator("body")).to_contain_text("En, du er tæt på, har bedt dig være med.")
    assert chat.locator(f'a[href="/chat/{relative_token}/mine"]').count() == 0
    axe.check(chat, "relative's chat (consent)")

    # The patient page lists her; the patient's own page says who has access.
    page.goto(f"{system.base_url}/console/patients/{pseudonym}")
    row = page.locator("#relatives tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("søster")
    expect(row).to_contain_text("af afdelingen")
    axe.check(page, "patient page with a relative")
    mine = context.new_page()
    mine.goto(f"{system.base_url}/chat/{token}/mine")
    expect(mine.locator("#relatives-title")).to_have_text("Hvem har adgang")
    expect(mine.locator("ul.relatives")).to_contain_text("søster")
    axe.check(mine, "Mine svar with who has access")

    row.get_by_role("button", name="Fjern adgang for søster").click()
    expect(page.locator("#relatives p.notice")).to_contain_text("Linket virker ikke længere.")
    expect(page.locator("#relatives tbody tr")).to_contain_text("Adgang fjernet")
    axe.check(page, "patient page, access removed")
    gone = httpx.get(f"{system.base_url}/chat/{relative_token}", timeout=30)
    assert gone.status_code == 410

    assert not errors, errors
    assert len(axe.checked) == 6
    assert not axe.problems, "\n".join(axe.problems)
    context.close()
