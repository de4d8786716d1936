"""The coordinator console in a real browser (Debian's Chromium via Playwright), against the
real app and engine: two patients complete WHO-5 over the web chat API (one low, one high; one
writes HTML/script), a coordinator logs in, sees the low scorer first, opens the patient page,
marks it reviewed and exports; the script never runs; another team's coordinator gets 403;
axe-core finds no serious or critical violation on any console page or on the web chat."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from bot.export import fhir
from bot.i18n import Texts
from tests.e2e.conftest import BOT, LiveSystem, Patient
from tests.e2e.test_web_api import consent

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

PASSWORD = "a long and secret passphrase"
NURSE, OTHER, ADMIN = "nurse@example.org", "other@example.org", "admin@example.org"
HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(2)>"
LOW = [
    "Lidt af tiden",
    "På intet tidspunkt",
    "Lidt af tiden",
    "Lidt af tiden",
    "På intet tidspunkt",
]
HIGH = ["Hele tiden", "Hele tiden", "Det meste af tiden", "Hele tiden", "Hele tiden"]
BLOCKING = ("serious", "critical")


def add_user(system: LiveSystem, email: str, *args: str) -> None:
    """`bot user add`, as an operator runs it against this system."""
    env = {**os.environ, **system.env, "BOT_USER_PASSWORD": PASSWORD}
    subprocess.run([BOT, "user", "add", email, *args], env=env, check=True,
                   capture_output=True, text=True)  # fmt: skip


class Accessibility:
    """axe-core (the copy bundled with axe-playwright-python: no network) on each page."""

    def __init__(self) -> None:
        from axe_playwright_python.sync_playwright import Axe

        self.axe = Axe()
        self.checked: list[str] = []
        self.problems: list[str] = []

    def check(self, page: Page, name: str) -> None:
        results = self.axe.run(page)
        self.checked.append(name)
        for violation in results.response["violations"]:
            if violation["impact"] in BLOCKING:
                targets = [node["target"] for node in violation["nodes"]][:5]
                self.problems.append(
                    f"{name}: {violation['id']} ({violation['impact']}): {violation['help']} "
                    f"{targets}"
                )


def log_in(page: Page, system: LiveSystem, email: str) -> None:
    page.goto(f"{system.base_url}/console/login")
    page.get_by_label("E-mailadresse").fill(email)
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Arbejdsliste")


def console_client(system: LiveSystem, email: str) -> httpx.Client:
    """An HTTP client logged in to the console as `email` (made with `add_user`)."""
    client = httpx.Client(base_url=system.base_url, timeout=30)
    login = client.get("/console/login")
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', login.text))
    answer = client.post("/console/login", data={**hidden, "email": email, "password": PASSWORD})
    assert answer.status_code == 303, answer.text
    return client


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Log ud").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log ind")


def invite(page: Page, system: LiveSystem, label: str) -> tuple[str, str]:
    """Invite from the console; returns (pseudonym, chat token)."""
    page.goto(f"{system.base_url}/console/invite")
    page.get_by_label("Spørgeskema", exact=True).select_option("who5")
    page.get_by_label("Note").fill(label)
    page.get_by_label("Aldersgruppe").select_option("60-69")
    page.get_by_role("button", name="Opret invitationen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invitationen er oprettet")
    link = page.locator("#web-link").inner_text().strip()
    pseudonym = page.locator("p.notice").inner_text().split()[1]
    return pseudonym, link.rsplit("/chat/", 1)[1]


def complete_who5(system: LiveSystem, token: str, texts: Texts, titles: list[str]) -> Patient:
    patient = Patient(system, token)
    consent(patient, texts)
    for title in titles:
        patient.press(title)
    assert texts._("Thank you! You have answered all the questions.") in patient.text
    return patient


def test_coordinator_console_in_the_browser(system: LiveSystem, browser: Any, texts: Texts) -> None:
    add_user(system, NURSE, "--team", "Team A")
    add_user(system, OTHER, "--team", "Team B")
    add_user(system, ADMIN, "--role", "admin")
    axe = Accessibility()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    dialogs: list[str] = []
    errors: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(f"{system.base_url}/console/login")
    axe.check(page, "login")
    log_in(page, system, NURSE)

    # Two patients invited from the console complete WHO-5 over the web chat API.
    page.goto(f"{system.base_url}/console/invite")
    axe.check(page, "invite")
    high_pseudonym, high_token = invite(page, system, "Stue 2")
    axe.check(page, "invitation created")
    low_pseudonym, low_token = invite(page, system, "Stue 1")
    complete_who5(system, high_token, texts, HIGH)
    low = complete_who5(system, low_token, texts, LOW)
    low.say(HOSTILE)

    # The worklist shows the low scorer (red) before the high scorer (green).
    page.goto(f"{system.base_url}/console/worklist")
    rows = page.locator("#worklist tbody tr")
    expect(rows).to_have_count(2)
    assert rows.nth(0).get_attribute("data-pseudonym") == low_pseudonym
    assert rows.nth(1).get_attribute("data-pseudonym") == high_pseudonym
    expect(rows.nth(0)).to_contain_text("Rød")
    expect(rows.nth(1)).to_contain_text("Grøn")
    axe.check(page, "worklist")

    # The patient page: transcript and answers; the hostile text is shown as text.
    rows.nth(0).get_by_role("link", name=low_pseudonym).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Patient {low_pseudonym}")
    transcript = page.locator("ol.transcript")
    expect(transcript).to_contain_text("I de sidste 2 uger har jeg været glad og i godt humør")
    expect(transcript).to_contain_text("[Lidt af tiden]")
    expect(transcript).to_contain_text(HOSTILE)
    answers = page.locator("table.answers").filter(has_text="who5-1")
    expect(answers).to_contain_text("På intet tidspunkt")
    expect(page.locator("main")).to_contain_text("Stor risiko")
    assert page.locator("ol.transcript script").count() == 0
    assert page.locator("ol.transcript img").count() == 0
    axe.check(page, "patient page")

    # Mark reviewed with a note.
    page.get_by_label("Note (valgfri)").fill("Ringede til patienten.")
    page.get_by_role("button", name="Markér som gennemset").click()
    expect(page.locator("p.notice")).to_have_text("Markeret som gennemset.")
    expect(page.locator("main")).to_contain_text("Ringede til patienten.")

    # Export this patient as FHIR; it validates.
    with page.expect_download() as download:
        page.get_by_role("button", name="Eksportér som FHIR").click()
    bundle = json.loads(download.value.path().read_text(encoding="utf-8"))
    fhir.validate(bundle)
    # The patient's self-contained Bundle: one Patient, with the pseudonym only, and no trace
    # of the other patient.
    people = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"]
    assert [[i["value"] for i in p["identifier"]] for p in people] == [[low_pseudonym]]
    assert high_pseudonym not in json.dumps(bundle)

    page.get_by_role("link", name="Hvem har set denne patients data").click()
    expect(page.locator("main")).to_contain_text(NURSE)
    axe.check(page, "who has seen the data")

    page.goto(f"{system.base_url}/console/export")
    axe.check(page, "export")
    page.get_by_label("Pseudonymiseret CSV (til kvalitetsarbejde og forskning)").check()
    with page.expect_download() as download:
        page.get_by_role("button", name="Hent").click()
    text = download.value.path().read_text(encoding="utf-8")
    assert low_token not in text and high_token not in text
    assert low_pseudonym not in text and "Stue" not in text and "<script>" not in text
    who5_rows = [r for r in csv.DictReader(io.StringIO(text)) if r["questionnaire"] == "who5"]
    assert len(who5_rows) == 2 * (5 + 1)  # 5 answers and 1 score for each patient

    for path, name in (("/console/population", "population"), ("/console/account", "account")):
        page.goto(f"{system.base_url}{path}")
        axe.check(page, name)
    page.goto(f"{system.base_url}/console/worklist?lang=en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Worklist")
    axe.check(page, "worklist (English)")
    page.goto(f"{system.base_url}/console/worklist?lang=da")
    log_out(page)

    # A coordinator of another team gets 403 for the patient.
    log_in(page, system, OTHER)
    expect(page.locator("#worklist tbody")).not_to_contain_text(low_pseudonym)
    response = page.goto(f"{system.base_url}/console/patients/{low_pseudonym}")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Ingen adgang")
    axe.check(page, "403")
    log_out(page)

    # The admin's pages.
    log_in(page, system, ADMIN)
    for path, name in (("/console/audit", "audit log"), ("/console/admin/users", "users"),
                       ("/console/admin/teams", "teams")):  # fmt: skip
        page.goto(f"{system.base_url}{path}")
        axe.check(page, name)
    page.goto(f"{system.base_url}/console/audit?patient={low_pseudonym}")
    audit = page.locator("main table")
    expect(audit).to_contain_text("patient.view")
    expect(audit).to_contain_text("export.fhir")
    expect(audit).to_contain_text("export.csv")
    page.goto(f"{system.base_url}/console/patients/{low_pseudonym}")
    expect(page.locator("ol.transcript")).to_contain_text(HOSTILE)

    # The patient's web chat page, with the hostile message in its history.
    chat = context.new_page()
    chat.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    chat.on("pageerror", lambda error: errors.append(str(error)))
    chat.goto(f"{system.base_url}/chat/{low_token}")
    expect(chat.locator("#log")).to_contain_text(HOSTILE)
    axe.check(chat, "web chat")
    fresh = context.new_page()
    _pseudonym, token = invite(page, system, "Stue 3")
    fresh.goto(f"{system.base_url}/chat/{token}")
    expect(fresh.get_by_role("button", name=texts._("Yes, that is fine"))).to_be_visible()
    axe.check(fresh, "web chat (consent)")
    context.close()

    assert dialogs == []  # no script ever ran
    assert errors == []
    assert len(axe.checked) >= 15
    assert not axe.problems, "\n".join(axe.problems)
