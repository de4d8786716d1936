"""A relative's web link: it opens the relative's own conversation (never the patient's, never
the patient's course), shows no "Mine svar", its /mine pages answer 404, and after the
patient revokes the access every page and the API answer 410. The turns themselves are in
tests/dialogue/test_relatives.py and, with the real engine, tests/e2e/test_relatives.py."""

from __future__ import annotations

import html
import warnings
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.storage.conversations import conversation_for_invitation
from bot.storage.db import session_scope
from bot.storage.models import AuditEvent, Conversation, Patient
from bot.storage.patients import create_invitation, create_patient, invitation_by_token
from bot.storage.relative_models import Relative
from bot.storage.relatives import invite_relative, revoke_relative
from bot.storage.transcripts import add_message
from bot.web import create_app
from tests.channels.test_webchat import closed_port
from tests.conftest import make_settings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # "Using httpx with starlette.testclient is deprecated"
    from starlette.testclient import TestClient

PATIENT_WORDS = "Jeg har haft ondt i ryggen hele ugen"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    tmp_path = tmp_path_factory.mktemp("relatives")
    settings = make_settings(
        tmp_path / "var",
        RASA_URL=f"http://127.0.0.1:{closed_port()}",
        RASA_MANAGE="false",
        DATABASE_URL=f"sqlite:///{tmp_path / 'relatives.db'}",
    )
    with TestClient(create_app(settings, manage_engine=False)) as test_client:
        yield test_client


def factory(client: TestClient) -> Any:
    return client.app.state.session_factory  # type: ignore[attr-defined]


def patient_and_relative(client: TestClient) -> tuple[str, str, int]:
    """A patient who has written something in their own chat, and their relative's token."""
    with session_scope(factory(client)) as session:
        patient = create_patient(session)
        patient.consent = "given"
        own = create_invitation(session, patient, "paarorende")  # the same questionnaire id
        conversation = conversation_for_invitation(session, own.invitation)
        add_message(session, conversation, direction="in", channel="web", text=PATIENT_WORDS)
        issued = invite_relative(session, patient, "min datter", invited_by="patient")
        return own.token, issued.token, issued.relative.id


def test_the_relatives_link_opens_their_own_conversation_only(client: TestClient) -> None:
    patient_token, token, relative_id = patient_and_relative(client)
    page = client.get(f"/chat/{token}")
    assert page.status_code == 200
    assert f"/chat/{token}/mine" not in page.text  # no "Mine svar" for a relative
    assert f"/chat/{patient_token}/mine" in client.get(f"/chat/{patient_token}").text
    messages = client.get(f"/api/chat/{token}/messages")
    assert messages.status_code == 200
    assert PATIENT_WORDS not in html.unescape(messages.text)
    with session_scope(factory(client)) as session:
        invitation = invitation_by_token(session, token)
        assert invitation is not None
        conversation = session.scalar(
            select(Conversation).where(Conversation.invitation_id == invitation.id)
        )
        assert conversation is not None and conversation.relative_id == relative_id
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.patient_id == invitation.patient_id)
        ).all()
        assert "transcript.view.relative" in actions
        assert "transcript.view.self" not in actions


def test_the_patients_own_pages_answer_404_to_a_relatives_link(client: TestClient) -> None:
    patient_token, token, _relative = patient_and_relative(client)
    assert client.get(f"/chat/{token}/mine").status_code == 404
    assert client.get(f"/chat/{token}/mine/data.json").status_code == 404
    assert client.get(f"/chat/{patient_token}/mine").status_code == 200


def test_after_revocation_the_relatives_link_answers_410(client: TestClient) -> None:
    patient_token, token, relative_id = patient_and_relative(client)
    assert client.get(f"/chat/{token}").status_code == 200
    with session_scope(factory(client)) as session:
        relative = session.get(Relative, relative_id)
        assert relative is not None
        revoke_relative(session, relative, by="patient")
    assert client.get(f"/chat/{token}").status_code == 410
    api = f"/api/chat/{token}/messages"
    assert client.get(api).status_code == 410
    assert client.post(api, json={"text": "hej"}).status_code == 410
    assert client.get(f"/chat/{token}/mine").status_code == 410
    assert client.get(f"/chat/{patient_token}").status_code == 200  # the patient's still works


def test_a_hand_off_link_for_a_relative_issues_a_relatives_web_link(client: TestClient) -> None:
    with session_scope(factory(client)) as session:
        patient = create_patient(session)
        issued = invite_relative(
            session, patient, "min ven", invited_by="patient", channel="handoff",
            valid_for=timedelta(days=7),
        )  # fmt: skip
    redirect = client.get(f"/chat/{issued.token}", follow_redirects=False)
    assert redirect.status_code == 303
    fresh = redirect.headers["location"].removeprefix("/chat/")
    with session_scope(factory(client)) as session:
        invitation = invitation_by_token(session, fresh)
        assert invitation is not None and invitation.channel == "web"
        assert invitation.relative_id == issued.relative.id
    assert client.get(f"/chat/{issued.token}", follow_redirects=False).status_code == 410


def test_the_patients_own_page_says_who_has_access(client: TestClient) -> None:
    patient_token, _token, relative_id = patient_and_relative(client)
    page = html.unescape(client.get(f"/chat/{patient_token}/mine").text)
    assert "Hvem har adgang" in page
    assert "min datter" in page and "Har ikke sagt ja endnu" in page
    assert "Svarer kun på spørgsmål om sig selv" in page
    with session_scope(factory(client)) as session:
        relative = session.get(Relative, relative_id)
        assert relative is not None
        patient = session.get_one(Patient, relative.patient_id)
        invite_relative(
            session, patient, "min ven", invited_by="patient", may_answer_for_patient=True
        )
        revoke_relative(session, relative, by="patient")
    page = html.unescape(client.get(f"/chat/{patient_token}/mine").text)
    assert "Har ikke adgang mere fra" in page
    assert "Må svare på spørgsmål for dig" in page  # the friend, still active
    assert page.index("min ven") < page.index("min datter")  # the active ones first


def test_a_patient_without_relatives_is_told_how_to_invite_one(client: TestClient) -> None:
    with session_scope(factory(client)) as session:
        issued = create_invitation(session, create_patient(session), "who5")
    page = html.unescape(client.get(f"/chat/{issued.token}/mine").text)
    assert "Du har ikke givet nogen adgang." in page
    assert "„invitér en pårørende“" in page
