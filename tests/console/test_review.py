"""Mark reviewed with a note; the review history; reviews acknowledge the alerts."""

from __future__ import annotations

import html

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from bot.conversation import ConversationService
from bot.storage.console_models import Review
from bot.storage.db import session_scope
from bot.storage.models import Alert
from tests.console.conftest import Staff, assign, complete_who5, login, post


def test_mark_reviewed_with_a_note(
    client: TestClient,
    staff: Staff,
    service: ConversationService,
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
    service: ConversationService,
    session_factory: sessionmaker[Session],
) -> None:
    cid = complete_who5(service, session_factory, ["1", "0", "1", "1", "0"])
    _pid, pseudonym = assign(session_factory, cid, staff.team_a)
    login(client, staff.nurse)
    answer = client.post(f"/console/patients/{pseudonym}/review", data={"note": "x"})
    assert answer.status_code == 403
    with session_scope(session_factory) as session:
        assert session.scalars(select(Review)).all() == []
