"""The patient page: transcript beside the answers, scores, bands, triage, levels, superseded
answers; all patient text escaped; mark reviewed with a note (reviews acknowledge the alerts);
"who has seen my data" (bot/console/pages/patients.py)."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from bot.dialogue.service import Dialogue
from bot.questionnaire.model import Questionnaire
from bot.storage.console_models import Review
from bot.storage.db import session_scope
from bot.storage.models import Alert, Answer, Conversation, Message, Patient, Response, utcnow
from bot.storage.responses import add_answer
from bot.storage.transcripts import add_event
from tests.console.conftest import Staff, assign, complete_who5, login, post
from tests.console.course_helpers import enrol, set_status
from tests.helpers import store_inbound

HOSTILE = "<script>alert(1)</script>"


def test_patient_page_shows_transcript_answers_and_scores(
    client: TestClient,
    staff: Staff,
    service: Dialogue,
    session_factory: sessionmaker[Session],
) -> None:
    cid = complete_who5(service, session_factory, ["1", "0", "1", "1", "0"])
    store_inbound(session_factory, cid, "Tak for i dag")
    with session_scope(session_factory) as session:
        conversation = session.get(Conversation, cid)
        assert conversation is not None
        add_event(session, conversation, "signal", signal="explain")
        add_event(session, conversation, "level", level="plain", previous="standard",
                       reason="conversation: asked what something means")  # fmt: skip
        response = session.scalar(select(Response).where(Response.conversation_id == cid))
        assert response is not None
        # A corrected answer: the first one is kept as superseded.
        add_answer(session, response, Answer(
            link_id="who5-1", item_type="choice", code="2",
            display="Lidt mindre end halvdelen af tiden", score=2, input_kind="text",
            raw_text="lidt under halvdelen", interpretation="synonym", literacy_level="plain",
            wording_shown="I de sidste 2 uger har jeg været glad og i godt humør",
        ))  # fmt: skip
    _pid, pseudonym = assign(session_factory, cid, staff.team_a)
    login(client, staff.nurse)
    answer = client.get(f"/console/patients/{pseudonym}")
    assert answer.status_code == 200
    page = answer.text
    text = html.unescape(page)

    # Both sides of the transcript, with Danish dates.
    assert "I de sidste 2 uger har jeg været glad og i godt humør" in text  # the bot
    assert "Tak for i dag" in text  # the patient, typed
    assert "[Lidt af tiden]" in text and "trykkede på en knap" in text  # a button press
    assert "Niveau skiftet til: Enkelt sprog" in text  # the level change
    assert "samtalen: spurgte, hvad noget betyder" in text  # the level change's reason
    assert "spurgte, hvad noget betyder" in text  # the clarification signal
    with session_scope(session_factory) as session:
        first = session.scalars(
            select(Message).where(Message.conversation_id == cid).order_by(Message.id)
        ).first()
        assert first is not None
        danish = format_datetime(first.created_at, "medium",
                                 tzinfo=ZoneInfo("Europe/Copenhagen"), locale="da")  # fmt: skip
    assert danish in text

    # Answers with points, level and wording; the score with band and triage.
    assert "WHO-5 Trivselsindeks (0–100)" in text
    assert "Stor risiko" in text
    assert "badge red" in page
    assert "Lidt mindre end halvdelen af tiden" in text and "lidt under halvdelen" in text
    assert "Erstattet" in text  # the superseded first answer to item 1
    assert 'class="superseded"' in page
    assert "Enkelt sprog" in text
    # The presentation record in words, and the alerts in Danish.
    assert "confirmed_back" not in text and "Niveau: Standard · Knapper vist" in text
    assert "WHO-5 score 35 eller derunder: stor risiko for depression eller stress." in text
    assert "high risk of depression" not in text


def test_patient_text_is_escaped(
    client: TestClient,
    staff: Staff,
    service: Dialogue,
    session_factory: sessionmaker[Session],
) -> None:
    cid = complete_who5(service, session_factory, ["3", "3", "3", "3", "3"])
    store_inbound(session_factory, cid, HOSTILE)
    with session_scope(session_factory) as session:
        conversation = session.get(Conversation, cid)
        assert conversation is not None
        session.get(Patient, conversation.patient_id).label = '<img src=x onerror="alert(2)">'  # type: ignore[union-attr]
    _pid, pseudonym = assign(session_factory, cid, staff.team_a)
    login(client, staff.nurse)
    for path in (f"/console/patients/{pseudonym}", "/console/worklist"):
        page = client.get(path).text
        assert HOSTILE not in page
        assert "<img src=x" not in page
        assert "onerror=" not in page.replace("onerror=&#34;", "").replace("onerror=&quot;", "")
    page = client.get(f"/console/patients/{pseudonym}").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    # A review note is hostile input too.
    from tests.console.conftest import post

    post(client, f"/console/patients/{pseudonym}/review", {"note": HOSTILE})
    page = client.get(f"/console/patients/{pseudonym}").text
    assert HOSTILE not in page and page.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 2


def test_patient_page_without_conversations(client: TestClient, staff: Staff) -> None:
    from tests.console.conftest import post

    login(client, staff.nurse)
    token_page = client.get("/console/invite").text
    assert "Team A" in token_page
    answer = post(client, "/console/invite", {"questionnaire": "who5", "team": str(staff.team_a)},
                  page="/console/invite")  # fmt: skip
    assert answer.status_code == 200  # type: ignore[attr-defined]
    pseudonym = html.unescape(answer.text).split("Patient ")[1].split(" ")[0]  # type: ignore[attr-defined]
    page = client.get(f"/console/patients/{pseudonym}")
    assert page.status_code == 200
    assert "Patienten har ikke åbnet linket endnu." in html.unescape(page.text)


def test_mark_reviewed_with_a_note(
    client: TestClient,
    staff: Staff,
    service: Dialogue,
    session_factory: sessionmaker[Session],
) -> None:
    cid = complete_who5(service, session_factory, ["1", "0", "1", "1", "0"])
    pid, pseudonym = assign(session_factory, cid, staff.team_a)
    login(client, staff.nurse)
    page = client.get(f"/console/patients/{pseudonym}").text
    assert "Ikke gennemset endnu." in html.unescape(page)
    worklist = client.get("/console/worklist?review=1").text
    assert pseudonym in worklist

    answer = post(client, f"/console/patients/{pseudonym}/review",
                  {"note": "Ringede til patienten; samtale booket."},
                  page=f"/console/patients/{pseudonym}")  # fmt: skip
    assert answer.status_code == 303  # type: ignore[attr-defined]
    location = answer.headers["location"]  # type: ignore[attr-defined]
    assert location == f"/console/patients/{pseudonym}?done=reviewed"
    page = html.unescape(client.get(location).text)
    assert "Markeret som gennemset." in page
    assert "Ringede til patienten; samtale booket." in page
    assert staff.nurse in page

    post(client, f"/console/patients/{pseudonym}/review", {"note": ""})
    with session_scope(session_factory) as session:
        reviews = session.scalars(select(Review).where(Review.patient_id == pid)).all()
        assert [(r.reviewed_by, r.note) for r in reviews] == [
            (staff.nurse, "Ringede til patienten; samtale booket."),
            (staff.nurse, ""),
        ]
        alerts = session.scalars(select(Alert).where(Alert.patient_id == pid)).all()
        assert alerts and all(a.acknowledged_at is not None for a in alerts)
    # Reviewed and nothing new since: not in the "not reviewed" filter any more.
    assert pseudonym not in client.get("/console/worklist?review=1").text
    # The history is newest first.
    page = client.get(f"/console/patients/{pseudonym}").text
    history = page[page.index('id="history-title"') :]
    assert history.index(">–</td>") < history.index("samtale booket")


def test_review_needs_the_csrf_token(
    client: TestClient,
    staff: Staff,
    service: Dialogue,
    session_factory: sessionmaker[Session],
) -> None:
    cid = complete_who5(service, session_factory, ["1", "0", "1", "1", "0"])
    _pid, pseudonym = assign(session_factory, cid, staff.team_a)
    login(client, staff.nurse)
    answer = client.post(f"/console/patients/{pseudonym}/review", data={"note": "x"})
    assert answer.status_code == 403
    with session_scope(session_factory) as session:
        assert session.scalars(select(Review)).all() == []


def test_who_has_seen_my_data_page(
    client: TestClient,
    staff: Staff,
    service: Dialogue,
    session_factory: sessionmaker[Session],
) -> None:
    cid = complete_who5(service, session_factory, ["1", "0", "1", "1", "0"])
    _pid, pseudonym = assign(session_factory, cid, staff.team_a)
    login(client, staff.nurse)
    client.get(f"/console/patients/{pseudonym}")
    page = html.unescape(client.get(f"/console/patients/{pseudonym}/access-log").text)
    assert staff.nurse in page
    assert "Åbnede patientsiden (samtale og svar)" in page


def test_an_incomplete_score_is_shown_as_not_computed(
    client: TestClient,
    staff: Staff,
    service: Dialogue,
    session_factory: sessionmaker[Session],
) -> None:
    cid = complete_who5(service, session_factory, ["3", "3", "3", "3", "3"])
    with session_scope(session_factory) as session:
        response = session.scalar(select(Response).where(Response.conversation_id == cid))
        assert response is not None
        row = session.scalar(
            select(Answer).where(Answer.response_id == response.id, Answer.link_id == "who5-5")
        )
        assert row is not None
        row.status, row.code, row.display, row.score = "skipped", None, None, None
    _pid, pseudonym = assign(session_factory, cid, staff.team_a)
    login(client, staff.nurse)
    text = html.unescape(client.get(f"/console/patients/{pseudonym}").text)
    assert "Ikke beregnet: 1 af 5 spørgsmål ikke besvaret (muligt interval 48–68)" in text


def _move_to(session_factory: sessionmaker[Session], cid: str, patient_id: int) -> str:
    """Make conversation ``cid`` (and its responses) the patient's; its WHO-5 response id."""
    with session_scope(session_factory) as session:
        conversation = session.get(Conversation, cid)
        assert conversation is not None
        conversation.patient_id = patient_id
        for response in session.scalars(select(Response).where(Response.conversation_id == cid)):
            response.patient_id = patient_id
        found = session.scalar(
            select(Response.id).where(
                Response.conversation_id == cid, Response.questionnaire_id == "who5"
            )
        )
        assert found is not None
        return found


def test_patient_page_shows_the_course_and_a_trend_chart(
    client: TestClient,
    staff: Staff,
    service: Dialogue,
    session_factory: sessionmaker[Session],
    questionnaires: dict[str, Questionnaire],
) -> None:
    first = complete_who5(service, session_factory, ["1", "0", "1", "1", "0"])  # WHO-5 12
    second = complete_who5(service, session_factory, ["3", "3", "3", "3", "3"])  # 60
    pid, pseudonym = assign(session_factory, first, staff.team_a)
    enrolment = enrol(session_factory, questionnaires, pid, utcnow() - timedelta(days=30))
    with session_scope(session_factory) as session:
        first_response = session.scalar(
            select(Response.id).where(
                Response.conversation_id == first, Response.questionnaire_id == "who5"
            )
        )
    # Make the second completion come later than the first, as it would in the course.
    second_response = _move_to(session_factory, second, pid)
    with session_scope(session_factory) as session:
        response = session.get(Response, second_response)
        assert response is not None and response.completed_at is not None
        response.completed_at += timedelta(days=14)
    set_status(session_factory, enrolment, 1, "answered", response_id=first_response)
    set_status(session_factory, enrolment, 2, "answered", response_id=second_response)
    set_status(session_factory, enrolment, 3, "missed")
    set_status(session_factory, enrolment, 4, "overdue")
    set_status(session_factory, enrolment, 5, "due")

    login(client, staff.nurse)
    page = html.unescape(client.get(f"/console/patients/{pseudonym}").text)
    assert "Trivsel hver 14. dag i et halvt år" in page  # the plan's title
    statuses = dict(re.findall(
        r'<tr data-occurrence="who5-(\d+)">.*?class="badge occurrence-\w+">([^<]+)</span>',
        page, flags=re.S))  # fmt: skip
    assert statuses["1"] == statuses["2"] == "Besvaret"
    assert statuses["3"] == "Ikke besvaret"
    assert statuses["4"] == "Forsinket"
    assert statuses["5"] == "Åben"
    assert statuses["6"] == "Planlagt"
    assert len(statuses) == 14  # every 14 days for 182 days
    assert "WHO-5 Trivselsindeks nr. 3" in page
    chart = page[page.index('<svg class="chart"') :].split("</svg>")[0]
    assert 'role="img"' in chart and "<polyline" in chart and chart.count("<circle") == 2
    assert ">12<" in chart and ">60<" in chart
    trends = page[page.index('id="trends-title"') :]
    assert re.search(r'<td class="number">12</td>', trends)
    assert re.search(r'<td class="number">60</td>', trends)


def test_one_answer_is_no_trend(
    client: TestClient,
    staff: Staff,
    service: Dialogue,
    session_factory: sessionmaker[Session],
) -> None:
    _, pseudonym = assign(session_factory, complete_who5(service, session_factory, ["3"] * 5),
                          staff.team_a)  # fmt: skip
    login(client, staff.nurse)
    page = client.get(f"/console/patients/{pseudonym}").text
    assert 'id="trends-title"' not in page and 'id="course-title"' not in page
