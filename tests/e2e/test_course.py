"""A web patient's course with the real engine, app, scheduler command and a real browser:
enrolled in who5-14d with `bot invite --plan`, the patient completes WHO-5; `bot schedule run
--now` 15 days later opens the next occasion, which the patient's next message starts; after
the second WHO-5, "Mine svar" shows both occasions and a chart; with no answer, a pass 40 days
on puts the patient on the worklist of a coordinator created without `--team` as "Forsinket";
the patient's FHIR export says which occasion of the CarePlan each response answers."""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from bot.i18n import Texts
from tests.e2e.browsers import chromium
from tests.e2e.conftest import BOT, LiveSystem, Patient
from tests.e2e.fixtures import running_system
from tests.e2e.test_console_browser import PASSWORD, add_user, log_in
from tests.e2e.test_web_api import consent

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

FIRST = ["Det meste af tiden", "Lidt af tiden", "Hele tiden", "Lidt af tiden", "Hele tiden"]
SECOND = ["Lidt af tiden", "På intet tidspunkt", "Lidt af tiden", "Lidt af tiden", "Lidt af tiden"]
NURSE = "course-nurse@example.org"


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory, trained_model: Any) -> Iterator[LiveSystem]:
    with running_system(tmp_path_factory.mktemp("course"), trained_model) as live:
        yield live


def bot(system: LiveSystem, *args: str) -> str:
    result = subprocess.run(
        [BOT, *args], env={**os.environ, **system.env}, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def invite_to_plan(system: LiveSystem, plan: str) -> str:
    url = bot(system, "invite", "--plan", plan).strip()
    assert url.startswith(f"{system.base_url}/chat/"), url
    return url.rsplit("/", 1)[1]


def schedule_pass(system: LiveSystem, at: datetime) -> str:
    return bot(system, "schedule", "run", "--now", at.isoformat(timespec="minutes"))


def answer_all(patient: Patient, titles: list[str], texts: Texts) -> None:
    for title in titles:
        patient.press(title)
    assert texts._("Thank you! You have answered all the questions.") in patient.text


def pseudonym_of(system: LiveSystem, token: str) -> str:
    from bot.storage import db
    from bot.storage.patients import invitation_by_token

    with db.session_scope(db.open(system.settings).session_factory) as session:
        invitation = invitation_by_token(session, token)
        assert invitation is not None
        return str(invitation.patient.pseudonym)


def test_a_web_patient_follows_the_who5_course(system: LiveSystem, texts: Texts) -> None:
    start = datetime.now(UTC)
    token = invite_to_plan(system, "who5-14d")
    patient = Patient(system, token)
    consent(patient, texts)
    answer_all(patient, FIRST, texts)

    # Nothing is due yet: the link says when the next one comes.
    patient.say("hej")
    assert texts._("You have already answered all the questions. "
                   "Thank you! Your care team can see your answers.") in patient.text  # fmt: skip
    assert "Dit næste skema kommer den" in patient.text

    report = schedule_pass(system, start + timedelta(days=15))
    assert "opened 1" in report, report

    # The patient's next message starts the new occasion, in a conversation of its own.
    patient.say("hej")
    assert "Hej. Nu er det tid til dit næste skema." in patient.text
    assert any(m["buttons"] for m in patient.last), patient.last
    answer_all(patient, SECOND, texts)
    history = patient.history()
    # The page shows the new occasion, from the patient's "hej", not the first one's consent.
    assert (history[0]["from"], history[0]["text"]) == ("patient", "hej")
    assert not any(texts._("Yes, that is fine") in m["text"] for m in history)

    # "Mine svar": both occasions, and a chart of WHO-5 over time with its table.
    mine = httpx.get(f"{system.base_url}/chat/{token}/mine", timeout=30)
    assert mine.status_code == 200
    assert mine.text.count("<svg") >= 1
    assert len(re.findall(r"WHO-5", mine.text)) >= 2
    for title in ("Det meste af tiden", "På intet tidspunkt"):
        assert title in mine.text

    # The export: one CarePlan, two responses based on it, each naming its occasion.
    pseudonym = pseudonym_of(system, token)
    exported = json.loads(bot(system, "export", "--format", "fhir", "--patient", pseudonym))
    resources = [entry["resource"] for entry in exported["entry"]]
    care_plans = [r for r in resources if r["resourceType"] == "CarePlan"]
    responses = [
        r
        for r in resources
        if r["resourceType"] == "QuestionnaireResponse" and r["questionnaire"].endswith("/who5")
    ]
    assert len(care_plans) == 1 and len(responses) == 2
    plan_id = care_plans[0]["id"]
    (plan_url,) = [e["fullUrl"] for e in exported["entry"] if e["resource"]["id"] == plan_id]
    for response in responses:
        assert [based["reference"] for based in response["basedOn"]] == [plan_url]
    occasions = sorted(r["identifier"]["value"] for r in responses)
    assert occasions == [f"{plan_id}/1/1", f"{plan_id}/1/2"]

    # No answer to the next ones: 40 days on the patient is overdue ("Forsinket") for a
    # coordinator who was created without --team.
    report = schedule_pass(system, start + timedelta(days=40))
    assert "overdue 1" in report, report
    add_user(system, NURSE, "--role", "coordinator")
    with chromium() as browser:
        page = browser.new_page()
        log_in(page, system, NURSE)
        row = page.locator("tr", has_text=pseudonym)
        expect(row).to_contain_text("Forsinket")


def test_a_coordinator_without_a_team_sees_a_cli_invited_patient(system: LiveSystem) -> None:
    token = system.invite("who5")
    pseudonym = pseudonym_of(system, token)
    email = "plain-nurse@example.org"
    add_user(system, email, "--role", "coordinator")
    client = httpx.Client(base_url=system.base_url, timeout=30)
    login = client.get("/console/login")
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', login.text))
    assert hidden, login.text
    answer = client.post(
        "/console/login",
        data={**hidden, "email": email, "password": PASSWORD},
        follow_redirects=True,
    )
    assert answer.status_code == 200
    assert pseudonym in answer.text
