"""The patient page: transcript beside the answers, scores, bands, triage, levels, superseded
answers; all patient text escaped; mark reviewed with a note (reviews acknowledge the alerts);
"who has seen my data" (bot/console/pages/patients.py)."""

from __future__ import annotations

import html
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from bot.dialogue.service import Dialogue
from bot.storage.console_models import Review
from bot.storage.db import session_scope
from bot.storage.models import Alert, Answer, Conversation, Message, Patient, Response
from bot.storage.responses import add_answer
from bot.storage.transcripts import add_event
from tests.console.conftest import Staff, assign, complete_who5, login, post
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
