"""The patient's own data page, /chat/<token>/mine, and its FHIR download (the real app, in
process, with the engine down: the answers are stored through the dialogue service)."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.course.plans import load_plans
from bot.course.schedule import planned_occurrences
from bot.export import fhir
from bot.storage.audit import audit
from bot.storage.conversations import conversation_for_invitation
from bot.storage.course_models import Occurrence
from bot.storage.db import session_scope
from bot.storage.enrolments import add_enrolment
from bot.storage.models import Answer, AuditEvent, Conversation, Patient, Response
from bot.storage.patients import (
    create_invitation,
    create_patient,
    handoff_invitation,
    invitation_by_token,
    revoke_invitation,
)
from bot.storage.responses import add_answer
from bot.web import create_app
from tests.channels.test_webchat import assert_security_headers, closed_port
from tests.conftest import make_settings
from tests.helpers import answer_all

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

FIRST = ["5", "4", "3", "2", "1"]  # 15 × 4 = 60
SECOND = ["4", "4", "4", "4", "4"]  # 20 × 4 = 80
EARLIER = datetime(2026, 10, 1, 22, 30, tzinfo=UTC)  # 2 October in Copenhagen
STAFF = "nurse@example.org"
TYPED = "At gå en tur med min hund"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    tmp_path = tmp_path_factory.mktemp("mine")
    settings = make_settings(
        tmp_path / "var",
        RASA_URL=f"http://127.0.0.1:{closed_port()}",
        RASA_MANAGE="false",
        DATABASE_URL=f"sqlite:///{tmp_path / 'mine.db'}",
        BOT_SCHEDULER_SECONDS="0",  # the plan test sets the occurrences' status itself
    )
    with TestClient(create_app(settings, manage_engine=False)) as test_client:
        yield test_client


def state(client: TestClient) -> Any:
    return client.app.state  # type: ignore[attr-defined]


def answered_who5(client: TestClient, patient_id: int, codes: list[str]) -> str:
    """A new web link for the patient and WHO-5 completed in its conversation; the token."""
    factory = state(client).session_factory
    with session_scope(factory) as session:
        patient = session.get(Patient, patient_id)
        assert patient is not None
        issued = create_invitation(session, patient, "who5")
        conversation_id = conversation_for_invitation(session, issued.invitation).id
        token = issued.token
    outcome = answer_all(state(client).dialogue, factory, conversation_id, codes)
    assert outcome.finished
    state(client).dialogue.complete(conversation_id)
    with session_scope(factory) as session:
        response = session.scalar(
            select(Response).where(Response.conversation_id == conversation_id)
        )
        assert response is not None and response.status == "completed"
    return token


def new_patient(client: TestClient) -> int:
    with session_scope(state(client).session_factory) as session:
        patient = create_patient(session)
        patient.consent = "given"
        patient.screening = "skipped"
        session.flush()
        return patient.id


def typed_answer(client: TestClient, patient_id: int) -> None:
    """An unfinished behovsvurdering with a typed answer, corrected once."""
    with session_scope(state(client).session_factory) as session:
        conversation = Conversation(patient_id=patient_id, questionnaire_id="behovsvurdering")
        session.add(conversation)
        session.flush()
        response = Response(
            conversation_id=conversation.id, patient_id=patient_id,
            questionnaire_id="behovsvurdering", questionnaire_version="1",
        )  # fmt: skip
        session.add(response)
        session.flush()
        for text in ("et gammelt svar", TYPED):
            answer = Answer(
                link_id="bv-vigtigst", item_type="string", value_string=text, display=text,
                raw_text=text, input_kind="text", literacy_level="standard",
                wording_shown="Hvad er det vigtigste for dig lige nu?",
            )  # fmt: skip
            add_answer(session, response, answer)


@pytest.fixture(scope="module")
def patient(client: TestClient) -> tuple[int, str]:
    """A patient with WHO-5 answered twice, on two dates, and a typed answer in progress;
    another patient with answers of their own; a member of staff has opened the patient."""
    patient_id = new_patient(client)
    answered_who5(client, patient_id, FIRST)
    factory = state(client).session_factory
    with session_scope(factory) as session:
        first = session.scalar(select(Response).where(Response.patient_id == patient_id))
        assert first is not None
        first.started_at = first.completed_at = EARLIER
        audit(session, actor=STAFF, action="patient.view", patient_id=patient_id)
    token = answered_who5(client, patient_id, SECOND)
    typed_answer(client, patient_id)
    answered_who5(client, new_patient(client), ["0", "0", "0", "0", "0"])
    return patient_id, token


def events(client: TestClient, action: str | None = None) -> int:
    with session_scope(state(client).session_factory) as session:
        query = select(func.count(AuditEvent.id))
        if action is not None:
            query = query.where(AuditEvent.action == action)
        return int(session.scalar(query) or 0)


class Page(HTMLParser):
    """The parts of the page a test checks: texts, inline code, images and tables."""

    def __init__(self) -> None:
        super().__init__()
        self.inline: list[str] = []
        self.svgs: list[dict[str, str | None]] = []
        self.tables = 0
        self.links: list[str] = []
        self._in: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.inline += [f"{tag}[{n}]" for n, _ in attrs if n.startswith("on") or n == "style"]
        if tag in ("script", "style"):
            self.inline.append(tag)
        if tag == "svg":
            self.svgs.append(values)
        if tag == "table":
            self.tables += 1
        if tag == "a" and values.get("href"):
            self.links.append(str(values["href"]))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    return page


def test_the_page_shows_both_occasions_the_words_a_chart_and_who_has_seen(
    client: TestClient, patient: tuple[int, str]
) -> None:
    _, token = patient
    response = client.get(f"/chat/{token}/mine")
    assert response.status_code == 200
    assert_security_headers(response)
    assert response.headers["cache-control"] == "no-store"
    html = response.text
    page = parse(html)
    text = " ".join(" ".join(page.text).split())
    assert page.inline == []
    # Both occasions, by date in Copenhagen (the first was late on 1 October in UTC).
    assert "2. oktober 2026" in text
    today = datetime.now(UTC)
    assert f"{today.year}" in text and text.count("WHO-5 Trivselsindeks,") == 2
    # The words the patient chose, and their own typed text (the current answer only).
    for words in ("Hele tiden", "Lidt af tiden", "Det meste af tiden"):
        assert words in text
    assert TYPED in text and "et gammelt svar" not in text
    assert "Du har ikke svaret på alle spørgsmålene endnu." in text
    # The chart: inline SVG with a title, and the same numbers in a table and in words.
    assert len(page.svgs) == 1
    svg = page.svgs[0]
    assert svg["role"] == "img" and svg.get("aria-labelledby")
    assert re.search(r"<svg[^>]*>\s*<title id=", html)
    assert page.tables == 2  # the chart's numbers and the access log
    assert "Første gang var tallet 60 (2. oktober 2026)" in text
    assert "Sidste gang var det 80" in text
    # Not enrolled in a plan: nothing about plans.
    assert "Din plan" not in text
    # No band label or judgement, no other patient's answers.
    assert "risiko" not in text.lower() and "På intet tidspunkt" not in text
    # Who has seen the data: the kind of actor in words, never a staff e-mail.
    assert "Hvem har set mine data" in text
    assert "En medarbejder" in text and STAFF not in html
    assert "Åbnede siden med dine svar" in text
    assert f"/chat/{token}/mine/data.json" in page.links
    assert not any(link.startswith(("http", "//")) for link in page.links)


def test_the_chat_page_links_to_the_patients_own_data(
    client: TestClient, patient: tuple[int, str]
) -> None:
    _, token = patient
    assert f'href="/chat/{token}/mine"' in client.get(f"/chat/{token}").text


def test_every_view_and_download_is_audited(client: TestClient, patient: tuple[int, str]) -> None:
    patient_id, token = patient
    views, downloads = events(client, "own_data.view"), events(client, "own_data.download")
    assert client.get(f"/chat/{token}/mine").status_code == 200
    assert client.get(f"/chat/{token}/mine").status_code == 200
    assert events(client, "own_data.view") == views + 2
    assert client.get(f"/chat/{token}/mine/data.json").status_code == 200
    assert events(client, "own_data.download") == downloads + 1
    with session_scope(state(client).session_factory) as session:
        latest = session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))
        assert latest is not None
        assert (latest.actor, latest.patient_id) == ("patient", patient_id)


def test_the_download_is_a_fhir_bundle_of_only_this_patient(
    client: TestClient, patient: tuple[int, str]
) -> None:
    patient_id, token = patient
    response = client.get(f"/chat/{token}/mine/data.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/fhir+json")
    assert response.headers["content-disposition"].startswith("attachment")
    assert response.headers["cache-control"] == "no-store"
    bundle = response.json()
    fhir.validate(bundle)
    with session_scope(state(client).session_factory) as session:
        patient_row = session.get(Patient, patient_id)
        assert patient_row is not None
        pseudonym = patient_row.pseudonym
    resources = [entry["resource"] for entry in bundle["entry"]]
    answers = [r for r in resources if r["resourceType"] == "QuestionnaireResponse"]
    assert len(answers) == 3  # two WHO-5 and the unfinished behovsvurdering
    # Self-contained, the same Bundle the console exports: one Patient (the pseudonym
    # only), and everything about a patient refers to that one.
    (person,) = [r for r in resources if r["resourceType"] == "Patient"]
    assert [i["value"] for i in person["identifier"]] == [pseudonym]
    (person_url,) = [e["fullUrl"] for e in bundle["entry"] if e["resource"] is person]
    about_patient = [r for r in resources if "subject" in r]
    assert {r["subject"]["reference"] for r in about_patient} == {person_url}
    assert "Questionnaire" in {r["resourceType"] for r in resources}


def test_unknown_and_revoked_links_show_the_error_pages_and_record_nothing(
    client: TestClient, patient: tuple[int, str]
) -> None:
    before = events(client)
    for path in ("/chat/not-a-real-token/mine", "/chat/not-a-real-token/mine/data.json"):
        response = client.get(path)
        assert response.status_code == 404
        assert "Linket virker ikke" in response.text
    assert events(client) == before
    patient_id = new_patient(client)
    token = answered_who5(client, patient_id, SECOND)
    with session_scope(state(client).session_factory) as session:
        invitation = invitation_by_token(session, token)
        assert invitation is not None
        revoke_invitation(session, invitation, "cli")
    before = events(client)
    for path in (f"/chat/{token}/mine", f"/chat/{token}/mine/data.json"):
        response = client.get(path)
        assert response.status_code == 410
        assert response.headers["content-type"].startswith("text/html")
        assert "Linket virker ikke længere" in response.text
    assert events(client) == before


def test_a_hand_off_link_from_telegram_opens_the_page_once(client: TestClient) -> None:
    patient_id = new_patient(client)
    token = answered_who5(client, patient_id, SECOND)
    factory = state(client).session_factory
    with session_scope(factory) as session:
        invitation = invitation_by_token(session, token)
        assert invitation is not None
        conversation = conversation_for_invitation(session, invitation)
        handoff = handoff_invitation(session, conversation, timedelta(minutes=15)).token
        expired = handoff_invitation(session, conversation, timedelta(minutes=-1)).token
    response = client.get(f"/chat/{handoff}/mine", follow_redirects=False)
    assert response.status_code == 303
    fresh = response.headers["location"].removeprefix("/chat/").removesuffix("/mine")
    assert response.headers["location"] == f"/chat/{fresh}/mine" and fresh != handoff
    with session_scope(factory) as session:
        issued = invitation_by_token(session, fresh)
        assert issued is not None and issued.channel == "web"
        assert issued.patient_id == patient_id
    assert "Mine svar" in page_text(client, fresh)
    for used_or_expired in (handoff, expired):
        response = client.get(f"/chat/{used_or_expired}/mine", follow_redirects=False)
        assert response.status_code == 410
        assert "Linket virker ikke længere" in response.text


def page_text(client: TestClient, token: str) -> str:
    response = client.get(f"/chat/{token}/mine")
    assert response.status_code == 200
    return " ".join(" ".join(parse(response.text).text).split())


def test_the_plan_says_what_is_due_next(client: TestClient) -> None:
    patient_id = new_patient(client)
    token = answered_who5(client, patient_id, SECOND)
    app = state(client)
    plan = load_plans(app.settings.dialogues_dir / "plans", app.questionnaires)["who5-14d"]
    enrolled = datetime.now(UTC) - timedelta(days=20)
    with session_scope(app.session_factory) as session:
        enrolment = add_enrolment(
            session, patient_id, plan.id, enrolled, planned_occurrences(plan, enrolled)
        )
        session.flush()
        occurrences = list(
            session.scalars(
                select(Occurrence)
                .where(Occurrence.enrolment_id == enrolment.id)
                .order_by(Occurrence.due_at)
            )
        )
        occurrences[0].status = "answered"
        occurrences[1].status = "due"
        ids = [o.id for o in occurrences[:3]]
    text = page_text(client, token)
    assert "Din plan" in text and plan.title in text
    assert "Du kan svare på WHO-5 Trivselsindeks nu." in text
    with session_scope(app.session_factory) as session:
        second = session.get(Occurrence, ids[1])
        third = session.get(Occurrence, ids[2])
        assert second is not None and third is not None
        second.status = "answered"
        due = third.due_at
    text = page_text(client, token)
    assert "Du kan svare" not in text
    day = due.astimezone(ZoneInfo("Europe/Copenhagen"))
    assert f"Næste gang: WHO-5 Trivselsindeks den {day.day}. " in text
