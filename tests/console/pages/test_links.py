"""Closing links from the console: the "Luk linket" button, and withdrawal, which closes all
of the patient's links and unlinks their Telegram chat. Reinstating opens none again."""

from __future__ import annotations

import html
import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from bot.storage.conversations import conversation_for_invitation
from bot.storage.db import session_scope
from bot.storage.models import AuditEvent, Invitation, Patient
from bot.storage.patients import create_invitation, patient_by_pseudonym
from bot.storage.telegram_chats import link_telegram_chat
from bot.storage.telegram_models import TelegramChat
from tests.console.conftest import Staff, login, post

LINK = re.compile(r'<p class="link-box" id="web-link">[^<]*/chat/([^<]+)</p>')
REVOKE = re.compile(r'action="(/console/patients/[^/"]+/links/\d+/revoke)"')


def invited(client: TestClient, staff: Staff) -> tuple[str, str]:
    """A patient invited from the console: (pseudonym, the web link's token)."""
    answer = post(client, "/console/invite", {"questionnaire": "who5", "team": str(staff.team_a)},
                  page="/console/invite")  # fmt: skip
    page = answer.text  # type: ignore[attr-defined]
    token = LINK.search(page)
    assert token is not None
    pseudonym = html.unescape(page).split("Patient ")[1].split(" ")[0]
    return pseudonym, token.group(1)


def actions(session_factory: sessionmaker[Session], pseudonym: str) -> list[str]:
    with session_scope(session_factory) as session:
        return list(
            session.scalars(
                select(AuditEvent.action)
                .join(Patient, Patient.id == AuditEvent.patient_id)
                .where(Patient.pseudonym == pseudonym)
                .order_by(AuditEvent.id)
            )
        )


def test_the_link_is_shown_once_and_closed_with_the_button(
    client: TestClient, staff: Staff, session_factory: sessionmaker[Session]
) -> None:
    login(client, staff.nurse)
    pseudonym, token = invited(client, staff)
    assert client.get(f"/chat/{token}").status_code == 200
    page = client.get(f"/console/patients/{pseudonym}").text
    assert token not in page  # shown at creation only
    buttons = REVOKE.findall(page)
    assert len(buttons) == 1 and "Luk linket" in html.unescape(page)

    refused = client.post(buttons[0], data={})  # no CSRF token
    assert refused.status_code == 403
    assert client.get(f"/chat/{token}").status_code == 200

    answer = post(client, buttons[0], {}, page=f"/console/patients/{pseudonym}")
    assert answer.status_code == 303  # type: ignore[attr-defined]
    assert client.get(f"/chat/{token}").status_code == 410
    assert client.get(f"/api/chat/{token}/messages").status_code == 410
    after = html.unescape(client.get(f"/console/patients/{pseudonym}?done=revoked").text)
    assert "Linket er lukket" in after and not REVOKE.search(after)
    assert actions(session_factory, pseudonym).count("patient.revoke") == 1
    with session_scope(session_factory) as session:
        assert session.scalar(select(Invitation.revoked_reason)) == "console"


def test_another_patients_link_cannot_be_closed_through_this_page(
    client: TestClient, staff: Staff, session_factory: sessionmaker[Session]
) -> None:
    login(client, staff.nurse)
    first, _token = invited(client, staff)
    second, token = invited(client, staff)
    with session_scope(session_factory) as session:
        (link_id,) = session.scalars(
            select(Invitation.id).join(Patient).where(Patient.pseudonym == second)
        ).all()
    answer = post(client, f"/console/patients/{first}/links/{link_id}/revoke", {},
                  page=f"/console/patients/{first}")  # fmt: skip
    assert answer.status_code == 404  # type: ignore[attr-defined]
    assert client.get(f"/chat/{token}").status_code == 200


def test_withdrawal_closes_every_link_and_unlinks_telegram(
    client: TestClient, staff: Staff, session_factory: sessionmaker[Session]
) -> None:
    login(client, staff.nurse)
    pseudonym, token = invited(client, staff)
    with session_scope(session_factory) as session:
        patient = patient_by_pseudonym(session, pseudonym)
        assert patient is not None
        telegram = create_invitation(session, patient, "who5", channel="telegram").invitation
        conversation = conversation_for_invitation(session, telegram)
        link_telegram_chat(session, 4711, telegram, conversation)
        second_web = create_invitation(session, patient, "who5").token
    assert client.get(f"/chat/{second_web}").status_code == 200

    page = f"/console/patients/{pseudonym}"
    answer = post(client, f"{page}/withdraw", {"action": "withdraw"}, page=page)
    assert answer.status_code == 303  # type: ignore[attr-defined]
    for gone in (token, second_web):
        assert client.get(f"/chat/{gone}").status_code == 410
    with session_scope(session_factory) as session:
        assert session.scalar(select(func.count()).select_from(TelegramChat)) == 0
        reasons = session.scalars(select(Invitation.revoked_reason)).all()
        assert reasons == ["withdrawn"] * 3
    notice = html.unescape(client.get(f"{page}?done=withdrawn").text)
    assert "Telegram" in notice

    answer = post(client, f"{page}/withdraw", {"action": "reinstate"}, page=page)
    assert answer.status_code == 303  # type: ignore[attr-defined]
    assert client.get(f"/chat/{token}").status_code == 410  # reinstating opens no old link
    reinstated = html.unescape(client.get(f"{page}?done=reinstated").text)
    assert "ny invitation" in reinstated
    changes = [a for a in actions(session_factory, pseudonym) if a != "patient.view"]
    assert changes[-2:] == ["patient.withdraw", "patient.reinstate"]  # audited
