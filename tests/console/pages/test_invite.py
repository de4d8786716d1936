"""Inviting a patient from the console: pseudonymous patient, profile, links and QR code."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from bot.storage.console_models import PatientProfile
from bot.storage.course_models import Enrolment, Occurrence, Reminder
from bot.storage.db import session_scope
from bot.storage.models import AuditEvent, Invitation, Patient
from bot.storage.patients import hash_token
from tests.console.conftest import Staff, login, post

LINK = re.compile(r'<p class="link-box" id="web-link">([^<]+)</p>')


def invite(client: TestClient, **fields: str) -> object:
    return post(client, "/console/invite", fields, page="/console/invite")


def test_invite_creates_a_pseudonymous_patient_with_link_and_qr(
    client: TestClient, staff: Staff, session_factory: sessionmaker[Session]
) -> None:
    login(client, staff.nurse)
    answer = invite(client, questionnaire="who5", team=str(staff.team_a), label="Stue 4",
                    age_band="60-69", sex="female", site="Aarhus")  # fmt: skip
    assert answer.status_code == 200  # type: ignore[attr-defined]
    page = answer.text  # type: ignore[attr-defined]
    link = LINK.search(page)
    assert link
    with session_scope(session_factory) as session:
        patient = session.scalar(select(Patient))
        assert patient is not None and patient.label == "Stue 4"
        invitation = session.scalar(select(Invitation))
        assert invitation is not None and invitation.channel == "web"
        profile = session.get(PatientProfile, patient.id)
        assert profile is not None
        assert (profile.team_id, profile.responsible_user_id) == (staff.team_a, staff.nurse_id)
        assert (profile.age_band, profile.sex, profile.site) == ("60-69", "female", "Aarhus")
        audit = session.scalars(select(AuditEvent.action).where(
            AuditEvent.patient_id == patient.id)).all()  # fmt: skip
        pseudonym, token_hash = patient.pseudonym, invitation.token_hash
    prefix, token = link.group(1).rsplit("/", 1)
    assert prefix == "http://127.0.0.1:8000/chat" and hash_token(token) == token_hash
    assert pseudonym in page
    assert '<svg class="qr"' in page and "<title id=" in page  # inline, with a text alternative
    assert "telegram-link" not in page  # Telegram is not configured
    assert audit == ["patient.invite"]
    assert client.get(f"/chat/{token}").status_code == 200  # the link works


def test_telegram_link_is_shown_when_the_channel_gives_one(
    client: TestClient, staff: Staff, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.channels import telegram

    calls = []

    async def fake_link(
        settings: object, factory: object, patient_id: int, qid: str, **_: object
    ) -> str:
        calls.append((patient_id, qid))
        return "https://t.me/test_bot?start=abc123"

    monkeypatch.setattr(telegram, "telegram_invite_link", fake_link)
    login(client, staff.nurse)
    answer = invite(client, questionnaire="who5", team=str(staff.team_a))
    page = html.unescape(answer.text)  # type: ignore[attr-defined]
    assert "https://t.me/test_bot?start=abc123" in page
    assert page.count('<svg class="qr"') == 2
    assert len(calls) == 1 and calls[0][1] == "who5"


def test_telegram_failure_shows_only_the_web_link(
    client: TestClient, staff: Staff, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.channels import telegram

    async def broken(*args: object, **_: object) -> str:
        raise RuntimeError("Bot API unreachable")

    monkeypatch.setattr(telegram, "telegram_invite_link", broken)
    login(client, staff.nurse)
    answer = invite(client, questionnaire="who5", team=str(staff.team_a))
    assert answer.status_code == 200  # type: ignore[attr-defined]
    assert LINK.search(answer.text)  # type: ignore[attr-defined]
    assert "telegram-link" not in answer.text  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"label": "010203-1234"}, "CPR"),
        ({"label": "0102031234"}, "CPR"),
        ({"age_band": "7-9"}, "aldersgruppe"),
        ({"team": "team-b"}, "Vælg et team"),
        ({"questionnaire": "nope"}, "Vælg et spørgeskema"),
        ({"invite_to": "plan", "plan": "nope"}, "Vælg et forløb"),
    ],
)
def test_invite_form_is_checked(
    client: TestClient,
    staff: Staff,
    session_factory: sessionmaker[Session],
    fields: dict[str, str],
    message: str,
) -> None:
    login(client, staff.nurse)
    data = {"questionnaire": "who5", "team": str(staff.team_a), **fields}
    if data["team"] == "team-b":
        data["team"] = str(staff.team_b)  # not the nurse's team
    answer = invite(client, **data)
    assert answer.status_code == 400  # type: ignore[attr-defined]
    assert message in html.unescape(answer.text)  # type: ignore[attr-defined]
    with session_scope(session_factory) as session:
        assert session.scalars(select(Patient)).all() == []


def test_invite_again_for_another_questionnaire(
    client: TestClient, staff: Staff, session_factory: sessionmaker[Session]
) -> None:
    login(client, staff.nurse)
    invite(client, questionnaire="who5", team=str(staff.team_a))
    with session_scope(session_factory) as session:
        patient = session.scalar(select(Patient))
        assert patient is not None
        pseudonym = patient.pseudonym
    answer = post(client, f"/console/patients/{pseudonym}/invite", {"questionnaire": "phq9"},
                  page=f"/console/patients/{pseudonym}")  # fmt: skip
    assert answer.status_code == 200  # type: ignore[attr-defined]
    with session_scope(session_factory) as session:
        assert sorted(i.questionnaire_id for i in session.scalars(select(Invitation))) == [
            "phq9", "who5"]  # fmt: skip


def test_without_a_team_choice_the_patient_joins_the_inviters_team_or_the_default(
    client: TestClient, staff: Staff, session_factory: sessionmaker[Session]
) -> None:
    """A form sent without a team (not the browser's: its list is required) is not refused:
    a coordinator's patient joins their first team, an admin without a team's the default."""
    login(client, staff.nurse)
    assert f'<option value="{staff.team_a}" selected>' in client.get("/console/invite").text
    assert invite(client, questionnaire="who5").status_code == 200  # type: ignore[attr-defined]
    client.cookies.clear()
    login(client, staff.admin)
    assert invite(client, questionnaire="who5").status_code == 200  # type: ignore[attr-defined]
    with session_scope(session_factory) as session:
        teams = [
            profile.team.name if profile.team else None
            for profile in session.scalars(
                select(PatientProfile).order_by(PatientProfile.patient_id)
            )
        ]
    assert teams == ["Team A", "Standard"]


def test_the_form_offers_a_course_beside_one_questionnaire_which_stays_the_default(
    client: TestClient, staff: Staff
) -> None:
    login(client, staff.nurse)
    page = client.get("/console/invite").text
    assert 'id="invite-to-questionnaire" name="invite_to" value="questionnaire" checked' in page
    assert 'id="invite-to-plan" name="invite_to" value="plan" aria-describedby="plan-hint">' in page
    assert '<option value="who5-14d">Trivsel hver 14. dag i et halvt år</option>' in page
    assert '<option value="kemo">Forløb med kemoterapi</option>' in page
    assert "Forløb" in page


def test_invite_to_a_course_enrols_the_patient_and_links_its_first_questionnaire(
    client: TestClient, staff: Staff, session_factory: sessionmaker[Session]
) -> None:
    login(client, staff.nurse)
    answer = invite(client, invite_to="plan", plan="kemo", questionnaire="who5",
                    team=str(staff.team_a))  # fmt: skip
    assert answer.status_code == 200  # type: ignore[attr-defined]
    page = html.unescape(answer.text)  # type: ignore[attr-defined]
    assert "“Forløb med kemoterapi”" in page
    with session_scope(session_factory) as session:
        patient = session.scalar(select(Patient))
        assert patient is not None
        invitation = session.scalar(select(Invitation))
        assert invitation is not None and invitation.questionnaire_id == "behovsvurdering"
        (enrolment,) = session.scalars(select(Enrolment)).all()
        assert (enrolment.patient_id, enrolment.plan_id) == (patient.id, "kemo")
        due = session.scalars(
            select(Occurrence.questionnaire_id).where(Occurrence.status == "due")
        ).all()
        assert due == ["behovsvurdering"]
        assert len(session.scalars(select(Reminder)).all()) == 2
        audit = session.execute(
            select(AuditEvent.action, AuditEvent.detail)
            .where(AuditEvent.patient_id == patient.id)
            .order_by(AuditEvent.id)
        ).all()
        pseudonym = patient.pseudonym
    assert [tuple(row) for row in audit] == [
        ("patient.invite", "behovsvurdering"), ("patient.enrol", "kemo")
    ]  # fmt: skip
    assert "Forløb med kemoterapi" in client.get(f"/console/patients/{pseudonym}").text


def test_invite_to_one_questionnaire_enrols_nobody(
    client: TestClient, staff: Staff, session_factory: sessionmaker[Session]
) -> None:
    login(client, staff.nurse)
    answer = invite(client, invite_to="questionnaire", questionnaire="who5", plan="kemo",
                    team=str(staff.team_a))  # fmt: skip
    assert answer.status_code == 200  # type: ignore[attr-defined]
    assert 'id="invite-plan"' not in answer.text  # type: ignore[attr-defined]
    with session_scope(session_factory) as session:
        assert session.scalars(select(Enrolment)).all() == []
