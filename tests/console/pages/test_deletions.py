"""The deletion requests page (bot/console/pages/deletions.py): admins only; open requests
first; carrying one out needs a reason, warns that it cannot be undone, empties the engine's
trackers, erases, and is audited without content; an admin may record a request from the
patient page."""

from __future__ import annotations

import html
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from bot import engine_tracker
from bot.dialogue.service import Dialogue
from bot.settings import Settings
from bot.storage.db import session_scope
from bot.storage.deletion_models import DeletionRequest
from bot.storage.deletions import request_deletion
from bot.storage.models import AuditEvent, Message, Patient
from bot.web import create_app
from tests.console.conftest import Staff, assign, complete_who5, events, login, post
from tests.helpers import patient_row

PAGE = "/console/admin/deletions"


@pytest.fixture
def engine_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The engine's tracker API, answering 200 to every PUT (the paths it got)."""
    calls: list[str] = []

    def engine(request: httpx.Request) -> httpx.Response:
        calls.append(f"{request.method} {request.url.path}")
        return httpx.Response(200, json={"events": []})

    real = httpx.Client

    def client(**kwargs: object) -> httpx.Client:
        return real(transport=httpx.MockTransport(engine))

    monkeypatch.setattr(engine_tracker.httpx, "Client", client)
    return calls


@pytest.fixture
def erasing_client(app_settings: Settings) -> Iterator[TestClient]:
    app = create_app(
        app_settings.with_overrides(rasa_url="http://engine.test"), manage_engine=False
    )
    with TestClient(app, follow_redirects=False) as test_client:
        yield test_client


def _requested(
    service: Dialogue, factory: sessionmaker[Session], team: int
) -> tuple[int, str, str]:
    cid = complete_who5(service, factory, ["3", "3", "3", "3", "3"])
    patient_id, pseudonym = assign(factory, cid, team)
    with session_scope(factory) as session:
        request_deletion(session, patient_id, via="chat")
    return patient_id, pseudonym, cid


def test_the_page_and_its_actions_are_for_admins(
    client: TestClient, staff: Staff, service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    _patient_id, pseudonym, _cid = _requested(service, session_factory, staff.team_a)
    with session_scope(session_factory) as session:
        public_id = session.scalars(select(DeletionRequest.public_id)).one()
    login(client, staff.nurse)
    assert client.get(PAGE).status_code == 403
    refused = post(client, f"{PAGE}/{public_id}", {"reason": "ønsket"})
    assert refused.status_code == 403  # type: ignore[attr-defined]
    page = f"/console/patients/{pseudonym}"
    refused = post(client, f"{page}/deletion", {}, page=page)
    assert refused.status_code == 403  # type: ignore[attr-defined]
    assert f'href="{PAGE}"' not in client.get("/console/worklist").text
    assert "Registrér en anmodning om sletning" not in client.get(page).text
    with session_scope(session_factory) as session:
        request = session.scalars(select(DeletionRequest)).one()
        assert request.carried_out_at is None
        assert session.scalar(select(func.count()).select_from(Message)) > 0


def test_an_admin_carries_out_a_request_with_a_reason(
    erasing_client: TestClient,
    staff: Staff,
    service: Dialogue,
    session_factory: sessionmaker[Session],
    engine_calls: list[str],
) -> None:
    client = erasing_client
    patient_id, pseudonym, cid = _requested(service, session_factory, staff.team_a)
    login(client, staff.admin)
    page = html.unescape(client.get(PAGE).text)
    assert pseudonym in page and "Sletningen kan ikke fortrydes." in page
    assert "Af patienten i chatten" in page
    with session_scope(session_factory) as session:
        public_id = session.scalars(select(DeletionRequest.public_id)).one()
    no_reason = post(client, f"{PAGE}/{public_id}", {"reason": " "}, page=PAGE)
    assert no_reason.status_code == 400  # type: ignore[attr-defined]
    assert engine_calls == []
    done = post(client, f"{PAGE}/{public_id}", {"reason": "Patientens ønske"}, page=PAGE)
    assert done.status_code == 303  # type: ignore[attr-defined]
    assert engine_calls == [f"PUT /conversations/{cid}/tracker/events"]
    with session_scope(session_factory) as session:
        assert session.scalar(select(func.count()).select_from(Message)) == 0
        patient = session.get(Patient, patient_id)
        assert patient is not None and patient.erased_at is not None
        request = session.scalars(select(DeletionRequest)).one()
        assert request.carried_out_by == staff.admin and request.reason == "Patientens ønske"
        (erase,) = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "patient.erase")
        ).all()
        assert erase.actor == staff.admin and erase.patient_id == patient_id
        assert erase.detail is not None and erase.detail.startswith("reason: Patientens ønske")
    assert (staff.admin, "patient.erase") in events(session_factory, patient_id)
    again = post(client, f"{PAGE}/{public_id}", {"reason": "igen"}, page=PAGE)
    assert again.headers["location"].endswith("done=already")  # type: ignore[attr-defined]
    assert "Gennemført" in client.get(PAGE).text
    tombstone = client.get(f"/console/patients/{pseudonym}")  # the pseudonym still resolves
    assert tombstone.status_code == 200
    assert "Registrér en anmodning om sletning" not in tombstone.text


def test_nothing_is_erased_when_the_engine_refuses(
    erasing_client: TestClient,
    staff: Staff,
    service: Dialogue,
    session_factory: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = httpx.Client
    monkeypatch.setattr(engine_tracker.httpx, "Client", lambda **_kwargs: real(
        transport=httpx.MockTransport(lambda _request: httpx.Response(500))
    ))  # fmt: skip
    client = erasing_client
    patient_id, _pseudonym, _cid = _requested(service, session_factory, staff.team_a)
    login(client, staff.admin)
    with session_scope(session_factory) as session:
        public_id = session.scalars(select(DeletionRequest.public_id)).one()
    refused = post(client, f"{PAGE}/{public_id}", {"reason": "ønsket"}, page=PAGE)
    assert refused.status_code == 502  # type: ignore[attr-defined]
    with session_scope(session_factory) as session:
        assert session.scalar(select(func.count()).select_from(Message)) > 0
        patient = session.get(Patient, patient_id)
        assert patient is not None and patient.erased_at is None


def test_an_admin_records_a_request_from_the_patient_page(
    client: TestClient, staff: Staff, service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    cid = complete_who5(service, session_factory, ["3", "3", "3", "3", "3"])
    patient_id, pseudonym = assign(session_factory, cid, staff.team_a)
    login(client, staff.admin)
    page = f"/console/patients/{pseudonym}"
    answer = post(client, f"{page}/deletion", {}, page=page)
    assert answer.status_code == 303  # type: ignore[attr-defined]
    with session_scope(session_factory) as session:
        request = session.scalars(select(DeletionRequest)).one()
        assert (request.requested_via, request.requested_by) == ("console", staff.admin)
    assert patient_row(session_factory, cid).id == patient_id
    actions = [action for _actor, action in events(session_factory, patient_id)]
    assert "patient.deletion_requested" in actions and "patient.withdraw" in actions
    assert "I konsollen af" in html.unescape(client.get(PAGE).text)
