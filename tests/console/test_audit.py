"""Every view of a patient page (transcript and answers) and every export is in the audit
log; admins see the log; the patient's "who has seen my data" list (page and CLI)."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from bot.conversation import ConversationService
from bot.storage.db import session_scope
from bot.storage.models import AuditEvent
from tests.console.conftest import Staff, assign, complete_who5, login, post


def events(session_factory: sessionmaker[Session], patient_id: int) -> list[tuple[str, str]]:
    with session_scope(session_factory) as session:
        return [
            (e.actor, e.action)
            for e in session.scalars(
                select(AuditEvent)
                .where(AuditEvent.patient_id == patient_id)
                .order_by(AuditEvent.id)
            )
        ]


def test_every_view_and_export_is_logged(
    client: TestClient,
    staff: Staff,
    service: ConversationService,
    session_factory: sessionmaker[Session],
) -> None:
    cid = complete_who5(service, session_factory, ["1", "0", "1", "1", "0"])
    pid, pseudonym = assign(session_factory, cid, staff.team_a)
    login(client, staff.nurse)
    before = events(session_factory, pid)

    client.get(f"/console/patients/{pseudonym}")
    client.get(f"/console/patients/{pseudonym}")
    post(client, f"/console/patients/{pseudonym}/export", {})
    post(client, "/console/export", {"format": "csv"}, page="/console/export")
    post(client, "/console/export", {"format": "fhir"}, page="/console/export")
    client.get(f"/console/patients/{pseudonym}/access-log")
    new = events(session_factory, pid)[len(before) :]
    assert new == [
        (staff.nurse, "patient.view"),
        (staff.nurse, "patient.view"),
        (staff.nurse, "export.fhir"),
        (staff.nurse, "export.csv"),
        (staff.nurse, "export.fhir"),
        (staff.nurse, "access_log.view"),
    ]
    # A refused view (another team) shows nothing and is not a view of the data.
    other_client_events = len(events(session_factory, pid))
    client.cookies.clear()
    login(client, staff.other)
    assert client.get(f"/console/patients/{pseudonym}").status_code == 403
    assert len(events(session_factory, pid)) == other_client_events


def test_who_has_seen_my_data_page(
    client: TestClient,
    staff: Staff,
    service: ConversationService,
    session_factory: sessionmaker[Session],
) -> None:
    cid = complete_who5(service, session_factory, ["1", "0", "1", "1", "0"])
    _pid, pseudonym = assign(session_factory, cid, staff.team_a)
    login(client, staff.nurse)
    client.get(f"/console/patients/{pseudonym}")
    page = html.unescape(client.get(f"/console/patients/{pseudonym}/access-log").text)
    assert staff.nurse in page
    assert "Åbnede patientsiden (samtale og svar)" in page


def test_admin_audit_log_page(
    client: TestClient,
    staff: Staff,
    service: ConversationService,
    session_factory: sessionmaker[Session],
) -> None:
    cid = complete_who5(service, session_factory, ["1", "0", "1", "1", "0"])
    _pid, pseudonym = assign(session_factory, cid, staff.team_a)
    login(client, staff.nurse)
    client.get(f"/console/patients/{pseudonym}")
    client.cookies.clear()
    login(client, staff.admin)
    page = client.get("/console/audit").text
    assert "patient.view" in page and staff.nurse in page and pseudonym in page
    filtered = client.get(f"/console/audit?patient={pseudonym}&action=patient.").text
    assert "patient.view" in filtered and "login" not in filtered.split("<tbody>")[1]
    assert client.get("/console/audit?actor=nobody").text.count("<tr>") == 2  # head + "nothing"


def test_cli_who_has_seen_my_data(
    client: TestClient,
    staff: Staff,
    service: ConversationService,
    session_factory: sessionmaker[Session],
    database_url: str,
    tmp_path: object,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from bot import cli, settings

    cid = complete_who5(service, session_factory, ["1", "0", "1", "1", "0"])
    pid, pseudonym = assign(session_factory, cid, staff.team_a)
    login(client, staff.nurse)
    client.get(f"/console/patients/{pseudonym}")
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("BOT_VAR_DIR", str(tmp_path))
    settings.get_settings.cache_clear()
    try:
        assert cli.main(["audit", "--patient", pseudonym]) == 0
    finally:
        settings.get_settings.cache_clear()
    out = capsys.readouterr().out
    assert pseudonym in out
    assert f"{staff.nurse}\tpatient.view" in out
    assert events(session_factory, pid)[-1][1] == "access_log.view"
    assert cli.main(["audit", "--patient", "P-NOSUCH1"]) == 1
