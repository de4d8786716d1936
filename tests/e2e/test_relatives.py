"""Relatives with the real engine and app over the web chat API: mid-WHO-5 the patient invites
their daughter from the chat ("invitér en pårørende", the relation, "Ja" to proxy answers),
gets her link once and the same item again; the daughter opens her own link (no Mine svar:
404), gives her own consent and answers her own questionnaire; the patient invites a friend too,
then takes the daughter's access away in the chat ("fjern min pårørende", her button, "Ja"),
and her link answers 410. The proxy answers
themselves are in tests/e2e/test_proxy_answers.py. On Telegram the patient gets a single-use
hand-off link for the relative, and revokes there too."""

from __future__ import annotations

import html
import re
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from bot.i18n import Texts
from bot.storage.db import make_engine, make_session_factory, session_scope
from bot.storage.models import Answer, Response
from bot.storage.relative_models import Relative
from tests.e2e.conftest import LiveSystem, Patient
from tests.e2e.test_telegram import consent as telegram_consent
from tests.e2e.test_telegram import telegram_system
from tests.e2e.test_web_api import consent

pytestmark = pytest.mark.e2e

LINK = re.compile(r"/chat/([A-Za-z0-9_-]+)")


def _asked(person: Patient) -> str | None:
    """The item asked now, if one is."""
    found = [m for m in person.last if m.get("link_id")]
    return str(found[-1]["link_id"]) if found else None


def _answer_own_questionnaire(relative: Patient) -> list[str]:
    """Every item of the relative's questionnaire (the first button, a number, or "spring
    over"); the items asked, in order."""
    asked: list[str] = []
    for _ in range(20):
        link_id = _asked(relative)
        if link_id is None:
            return asked
        asked.append(link_id)
        message = [m for m in relative.last if m.get("link_id")][-1]
        buttons = message.get("buttons") or []
        if buttons:
            relative._post({"payload": buttons[0]["payload"]})
        elif link_id == "pa-belastning":
            relative.say("4")
        else:
            relative.say("spring over")
    raise AssertionError(f"the relative's questionnaire did not end: {relative.last}")


def _rows(system: LiveSystem) -> tuple[list[Relative], list[Any]]:
    engine = make_engine(system.database_url)
    try:
        with session_scope(make_session_factory(engine)) as session:
            relatives = list(session.scalars(select(Relative).order_by(Relative.id)))
            answers = list(
                session.execute(
                    select(Answer.relative_id, Response.questionnaire_id, Response.relative_id)
                    .join(Response, Answer.response_id == Response.id)
                    .where(Answer.superseded_at.is_(None))
                ).all()
            )
            return relatives, answers
    finally:
        engine.dispose()


def test_a_patient_invites_a_relative_who_consents_answers_and_is_revoked(
    system: LiveSystem, texts: Texts
) -> None:
    token = system.invite("who5")
    patient = Patient(system, token)
    consent(patient, texts)
    assert _asked(patient) == "who5-1"

    # Mid-WHO-5: the invitation, in three turns, and the same item comes back.
    patient.say("invitér en pårørende")
    assert "Hvem vil du invitere?" in patient.text, patient.last
    patient.say("min datter")
    assert "Må din pårørende så svare for dig?" in patient.text, patient.last
    patient.press(texts._("Yes"))
    found = LINK.search(patient.text)
    assert found, patient.last
    relative_token = found.group(1)
    assert "Din pårørende må også svare for dig." in patient.text
    assert _asked(patient) == "who5-1", patient.last

    # The daughter's own link: her own chat, no "Mine svar".
    page = httpx.get(f"{system.base_url}/chat/{relative_token}", timeout=30)
    assert page.status_code == 200 and f"/chat/{relative_token}/mine" not in page.text
    assert httpx.get(f"{system.base_url}/chat/{relative_token}/mine", timeout=30).status_code == 404
    relative = Patient(system, relative_token)
    relative.start()
    assert "En, du er tæt på, har bedt dig være med." in relative.text, relative.last
    assert "Du ser aldrig, hvad patienten svarer eller skriver her." in relative.text
    relative.press(texts._("Yes, that is fine"))
    asked = _answer_own_questionnaire(relative)
    assert asked[0] == "pa-belastning" and "screening" not in " ".join(asked)
    if texts._("No") in [b["title"] for m in relative.last for b in m.get("buttons") or []]:
        relative.press(texts._("No"))  # the offer to answer for the patient: not now

    (daughter,), answers = _rows(system)
    assert daughter.relation == "min datter" and daughter.consent == "given"
    assert daughter.may_answer_for_patient and daughter.invited_by == "patient"
    own = [row for row in answers if row[1] == "paarorende"]
    assert own and all(row[0] == daughter.id and row[2] == daughter.id for row in own)
    assert all(row[0] is None for row in answers if row[1] == "who5")

    # A second relative, without the yes; then the patient takes the daughter's access away,
    # picking her by button; the same item comes back.
    patient.say("jeg vil gerne invitere en pårørende")
    patient.say("min ven")
    patient.press(texts._("No"))
    assert "Din pårørende svarer kun om sig selv." in patient.text, patient.last
    patient.say("fjern min pårørende")
    assert [b["title"] for m in patient.last for b in m.get("buttons") or []] == [
        "min datter",
        "min ven",
    ], patient.last
    patient.press("min datter")
    assert "Skal min datter ikke have adgang mere?" in patient.text, patient.last
    patient.press(texts._("Yes"))
    assert "Nu har min datter ikke adgang mere." in patient.text, patient.last
    assert _asked(patient) == "who5-1", patient.last

    # Her link is gone: the page and the API answer 410, and nothing more is stored.
    assert httpx.get(f"{system.base_url}/chat/{relative_token}", timeout=30).status_code == 410
    api = f"{system.base_url}/api/chat/{relative_token}/messages"
    assert httpx.post(api, json={"text": "hej"}, timeout=30).status_code == 410
    (daughter, friend), _answers = _rows(system)
    assert daughter.revoked_at is not None and daughter.revoked_by == "patient"
    assert not daughter.may_answer_for_patient
    assert friend.revoked_at is None and not friend.may_answer_for_patient

    # The patient's own page says who had access, and that it was taken away.
    mine = httpx.get(f"{system.base_url}/chat/{token}/mine", timeout=30)
    assert mine.status_code == 200
    text = html.unescape(mine.text)
    assert "Hvem har adgang" in text and "min datter" in text
    assert "Har ikke adgang mere fra" in text


def test_on_telegram_the_relative_gets_a_hand_off_link_and_is_revoked(
    tmp_path_factory: pytest.TempPathFactory, trained_model: Any, texts: Texts
) -> None:
    with telegram_system(tmp_path_factory.mktemp("tg-relatives"), trained_model, "polling") as tg:
        user = tg.user()
        telegram_consent(user, tg, texts)
        item_one = user.text
        user.say("invitér en pårørende")
        assert "Hvem vil du invitere?" in user.text, user.last
        user.say("min mor")
        assert user.buttons() == ["Ja", "Nej"], user.last
        user.press("Ja", sends=3)
        assert "Linket virker én gang inden for 7 dage." in user.text, user.last
        found = re.search(r"(http://\S+/chat/[A-Za-z0-9_-]+)", user.text)
        assert found, user.last
        assert item_one.splitlines()[-1] in user.text  # the same item again

        # The hand-off link works once: it issues the mother's own web link.
        opened = httpx.get(found.group(1), follow_redirects=False, timeout=30)
        assert opened.status_code == 303
        assert httpx.get(found.group(1), follow_redirects=False, timeout=30).status_code == 410
        web_token = opened.headers["location"].rsplit("/chat/", 1)[1]
        mother = Patient(tg.system, web_token)
        mother.start()
        assert "En, du er tæt på, har bedt dig være med." in mother.text, mother.last

        user.say("fjern min pårørende")
        assert "Skal min mor ikke have adgang mere?" in user.text, user.last
        user.press("Ja", sends=2)
        assert "Nu har min mor ikke adgang mere." in user.text, user.last
        gone = httpx.get(f"{tg.system.base_url}/chat/{web_token}", timeout=30)
        assert gone.status_code == 410
