"""Every view of a patient page (transcript and answers) and every export is in the audit
log."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from bot.dialogue.service import Dialogue
from tests.console.conftest import Staff, assign, complete_who5, events, login, post


def test_every_view_and_export_is_logged(
    client: TestClient,
    staff: Staff,
    service: Dialogue,
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
