"""The conversation service without the engine, on SQLite and PostgreSQL.

Each test drives `Dialogue` the way the actions do, while tests/helpers.py stores
the transcript as bot/turn/handler.py does (the service derives everything from the database).
"""

from __future__ import annotations

from datetime import timedelta
from functools import partial
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.dialogue.service import Dialogue
from bot.i18n import Texts
from bot.questionnaire.model import Questionnaire
from bot.settings import PROJECT_ROOT, CrisisContacts, Settings
from bot.storage.db import session_scope
from bot.storage.models import AuditEvent
from bot.turn.messages import Inbound
from bot.turn.payloads import answer_payload
from tests.helpers import (
    alerts,
    answer_all,
    answers,
    conversation_row,
    current,
    messages,
    new_conversation,
    patient_row,
    present,
    press,
    question,
    responses,
    say,
)

QUESTIONNAIRE_DIR = PROJECT_ROOT / "dialogues" / "questionnaires"


def _yaml_items(name: str) -> dict[str, str]:
    data = yaml.safe_load((QUESTIONNAIRE_DIR / f"{name}.yml").read_text(encoding="utf-8"))
    return {item["linkId"]: item["text"] for item in data["items"] if item["type"] != "display"}


WHO5_TEXT = _yaml_items("who5")
WHO5_IDS = [f"who5-{n}" for n in range(1, 6)]
PHQ9_STEM = yaml.safe_load(Path(QUESTIONNAIRE_DIR / "phq9.yml").read_text("utf-8"))["stem"]


def _start(service: Dialogue, active: bool = False) -> partial:
    return partial(service.start, questionnaire_active=active)


def _audit_actions(session_factory: sessionmaker[Session], patient_id: int) -> list[str]:
    with session_scope(session_factory) as session:
        return list(session.scalars(
            select(AuditEvent.action).where(AuditEvent.patient_id == patient_id)
            .order_by(AuditEvent.id)
        ))


# ====================================================================== consent


def _first_contact_asks_for_consent_and_stores_nothing(
    service: Dialogue, session_factory: sessionmaker[Session], texts: Texts
) -> None:
    cid = new_conversation(session_factory, consent=None)
    outcome = say(service, session_factory, cid, "hej", intent="start", handler=_start(service))

    assert not outcome.resume_questionnaire
    assert not outcome.finished
    assert len(outcome.replies) == 4
    last = outcome.replies[-1]
    assert last.meta == {"kind": "consent"}
    assert last.text == texts._("Is it all right that we store your answers?")
    assert last.text != "Is it all right that we store your answers?"  # Danish, not the msgid
    assert [b.payload for b in last.buttons] == ["/affirm", "/deny"]
    assert any("112" in reply.text for reply in outcome.replies)
    assert patient_row(session_factory, cid).consent == "pending"
    assert responses(session_factory, cid) == []
    assert answers(session_factory, cid) == []


def _consent_given_starts_the_questionnaire(
    service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    cid = new_conversation(session_factory, consent=None)
    say(service, session_factory, cid, "/start", intent="start", handler=_start(service))
    outcome = say(service, session_factory, cid, "/affirm", intent="affirm",
                  handler=_start(service))

    assert outcome.resume_questionnaire
    patient = patient_row(session_factory, cid)
    assert patient.consent == "given"
    assert patient.consent_at is not None
    assert patient.consent_at.utcoffset() == timedelta(0)
    assert _audit_actions(session_factory, patient.id) == ["consent.given"]
    assert responses(session_factory, cid) == []
    assert answers(session_factory, cid) == []


def _typed_yes_counts_as_consent_only_after_the_question(
    service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    cid = new_conversation(session_factory, consent=None)
    # "ja" before the consent question was shown is not consent: the question comes first.
    first = say(service, session_factory, cid, "ja", intent=None, handler=_start(service))
    assert first.replies[-1].meta == {"kind": "consent"}
    assert patient_row(session_factory, cid).consent == "pending"

    second = say(service, session_factory, cid, "ja", intent=None, handler=_start(service))
    assert second.resume_questionnaire
    assert patient_row(session_factory, cid).consent == "given"


def test_consent_declined_then_asked_again_on_start(
    service: Dialogue, session_factory: sessionmaker[Session], texts: Texts
) -> None:
    cid = new_conversation(session_factory, consent=None)
    say(service, session_factory, cid, "/start", intent="start", handler=_start(service))
    declined = say(service, session_factory, cid, "nej", intent="deny", handler=_start(service))

    expected = texts._("That is completely fine. We do not store any answers. "
                       "If you change your mind, just write “start” here.")
    assert [r.text for r in declined.replies] == [expected]
    assert expected.startswith("Det er helt i orden")
    assert not declined.resume_questionnaire
    patient = patient_row(session_factory, cid)
    assert patient.consent == "declined"
    assert conversation_row(session_factory, cid).status == "declined"
    assert _audit_actions(session_factory, patient.id) == ["consent.declined"]
    assert responses(session_factory, cid) == []
    assert answers(session_factory, cid) == []

    again = say(service, session_factory, cid, "start", intent="start", handler=_start(service))
    assert again.replies[0].text == texts._(
        "Welcome back. Before we start, I need your permission.")
    assert again.replies[-1].meta == {"kind": "consent"}
    assert not again.resume_questionnaire

    yes = say(service, session_factory, cid, "ja", intent="affirm", handler=_start(service))
    assert yes.resume_questionnaire
    assert patient_row(session_factory, cid).consent == "given"
    assert conversation_row(session_factory, cid).status == "active"


def test_no_answer_is_stored_without_consent(
    service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    stored = {}
    for consent in ("pending", "declined"):
        cid = new_conversation(session_factory, consent=consent)
        say(service, session_factory, cid, "/start", intent="start", handler=_start(service))
        press(service, session_factory, cid, "who5-1", "3")
        stored[consent] = (len(responses(session_factory, cid)),
                           len(answers(session_factory, cid)))
    assert stored == {"pending": (0, 0), "declined": (0, 0)}


def _start_with_consent_resumes_the_questionnaire(
    service: Dialogue, session_factory: sessionmaker[Session], texts: Texts
) -> None:
    cid = new_conversation(session_factory)
    outcome = say(service, session_factory, cid, "hej", intent="greet", handler=_start(service))
    assert outcome.resume_questionnaire and outcome.replies == []
    # Inside an active form the start action must not restart the form.
    assert not service.start(Inbound(cid, "hej", "greet"), questionnaire_active=True)\
        .resume_questionnaire

    present(service, session_factory, cid)
    again = say(service, session_factory, cid, "hej", intent="greet", handler=_start(service))
    assert [r.text for r in again.replies] == [
        texts._("Hi again. We continue where we left off.")]


def _paused_conversation_is_welcomed_back(
    service: Dialogue, session_factory: sessionmaker[Session], texts: Texts
) -> None:
    cid = new_conversation(session_factory)
    present(service, session_factory, cid)
    say(service, session_factory, cid, "pause", intent="pause", handler=service.pause)
    assert conversation_row(session_factory, cid).status == "paused"
    back = say(service, session_factory, cid, "fortsæt", intent="start", handler=_start(service))
    assert back.resume_questionnaire
    assert [r.text for r in back.replies] == [
        texts._("Welcome back. We continue where we left off.")]
    assert conversation_row(session_factory, cid).status == "active"


# ====================================================================== WHO-5 by buttons


def _first_question_has_intro_and_buttons(
    service: Dialogue,
    session_factory: sessionmaker[Session],
    questionnaires: dict[str, Questionnaire],
) -> None:
    cid = new_conversation(session_factory)
    replies = present(service, session_factory, cid)
    who5 = questionnaires["who5"]

    kinds = [(r.meta or {}).get("kind") for r in replies]
    assert kinds[0] == "intro" and kinds[-1] == "question" and kinds.count("question") == 1
    assert replies[0].text == who5.intro_for("standard")
    asked = replies[-1]
    assert asked.link_id == "who5-1"
    assert asked.text == WHO5_TEXT["who5-1"]
    assert asked.meta is not None and asked.meta["wording"] == WHO5_TEXT["who5-1"]
    assert asked.meta["progress"] == [1, 5]
    assert [b.title for b in asked.buttons] == [
        "Hele tiden", "Det meste af tiden", "Lidt mere end halvdelen af tiden",
        "Lidt mindre end halvdelen af tiden", "Lidt af tiden", "På intet tidspunkt"]
    assert asked.buttons[0].payload == answer_payload("who5-1", "5")
    assert asked.buttons[0].payload == '/inform{"code":"5","link_id":"who5-1"}'

    # The intro is given once: asking again shows the question only.
    again = present(service, session_factory, cid)
    assert [(r.meta or {}).get("kind") for r in again] == ["question"]


def test_full_who5_by_buttons(
    service: Dialogue, session_factory: sessionmaker[Session], texts: Texts
) -> None:
    cid = new_conversation(session_factory)
    for index, link_id in enumerate(WHO5_IDS):
        asked = question(present(service, session_factory, cid))
        assert asked.link_id == link_id
        outcome = press(service, session_factory, cid, link_id, "0")
        assert outcome.finished == (index == 4)
        assert outcome.replies == []
        # Committed before the next question is asked.
        assert current(session_factory, cid)[link_id].code == "0"

    assert present(service, session_factory, cid) == []
    assert service.ask(cid).finished
    assert responses(session_factory, cid)[0].status == "in-progress"
    assert alerts(session_factory, cid) == []  # score alerts fire on completion

    done = service.complete(cid)
    assert done.replies[0].text == texts._(
        "Thank you! You have answered all the questions.")
    assert (done.replies[-1].meta or {}).get("kind") == "completed"
    (response,) = responses(session_factory, cid)
    assert response.status == "completed"
    assert response.completed_at is not None
    conversation = conversation_row(session_factory, cid)
    assert conversation.status == "completed"
    assert conversation.completed_at == response.completed_at
    rows = alerts(session_factory, cid)
    assert [(a.rule_id, a.level, a.urgent) for a in rows] == [
        ("who5-low", "red", False), ("who5-risk", "yellow", False)]
    assert all(a.response_id == response.id for a in rows)

    # Completing twice changes nothing and adds no alerts; start says it is done.
    assert service.complete(cid).replies == []
    assert len(alerts(session_factory, cid)) == 2
    after = service.start(Inbound(cid, "hej", "greet"), questionnaire_active=False)
    assert not after.resume_questionnaire
    assert [r.text for r in after.replies] == [texts._(
        "You have already answered all the questions. Thank you! Your care team can see your "
        "answers.")]


def test_who5_score_alerts_follow_the_score(
    service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    cases = {
        ("2", "2", "2", "2", "2"): ["who5-risk"],  # 40
        ("3", "3", "3", "2", "2"): [],  # 13 -> 52: above both thresholds
        ("3", "3", "2", "2", "2"): ["who5-risk"],  # 12 -> 48
        ("2", "2", "2", "2", "1"): ["who5-risk"],  # 9 -> 36: just above 35
        ("2", "2", "2", "1", "1"): ["who5-low", "who5-risk"],  # 8 -> 32
    }
    seen = {}
    for codes in cases:
        cid = new_conversation(session_factory)
        assert answer_all(service, session_factory, cid, codes).finished
        service.complete(cid)
        seen[codes] = [a.rule_id for a in alerts(session_factory, cid)]
    assert seen == cases


def test_every_stored_answer_records_how_it_was_given(
    service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    cid = new_conversation(session_factory)
    answer_all(service, session_factory, cid, ["5", "4", "3", "1", "0"])
    rows = answers(session_factory, cid)
    inbound = {m.id: m for m in messages(session_factory, cid) if m.direction == "in"}

    assert [a.link_id for a in rows] == WHO5_IDS
    assert [a.score for a in rows] == [5.0, 4.0, 3.0, 1.0, 0.0]
    assert [a.display for a in rows] == [
        "Hele tiden", "Det meste af tiden", "Lidt mere end halvdelen af tiden",
        "Lidt af tiden", "På intet tidspunkt"]
    for row in rows:
        assert row.status == "answered"
        assert row.item_type == "choice"
        assert row.input_kind == "button"
        assert row.interpretation == "payload"
        assert row.literacy_level == "standard"
        assert row.wording_shown == WHO5_TEXT[row.link_id]
        assert row.raw_text == answer_payload(row.link_id, row.code or "")
        assert row.message_id in inbound
        assert inbound[row.message_id].payload == row.raw_text
        assert row.superseded_at is None and row.superseded_by_id is None
        assert row.created_at.utcoffset() is not None


def _guided_level_keeps_the_exact_validated_wording(
    service: Dialogue, session_factory: sessionmaker[Session], texts: Texts
) -> None:
    cid = new_conversation(session_factory, literacy_level="guided")
    asked = question(present(service, session_factory, cid))
    assert asked.text.splitlines()[-1] == WHO5_TEXT["who5-1"]
    assert asked.meta is not None and asked.meta["wording"] == WHO5_TEXT["who5-1"]
    # The validated option wording is kept on the buttons too.
    assert asked.buttons[0].title == "Hele tiden"
    press(service, session_factory, cid, "who5-1", "5")
    (row,) = answers(session_factory, cid)
    assert row.literacy_level == "guided"
    assert row.wording_shown == WHO5_TEXT["who5-1"]
    assert (row.presentation or {}).get("level") == "guided"


# ====================================================================== typed answers


TYPED = [
    ("Det meste af tiden", "4", "exact"),
    ("det mste af tiden", "4", "fuzzy"),
    ("hele tidn", "5", "fuzzy"),
    ("aldrig", "0", "synonym"),
    ("lidt af tidn", "1", "fuzzy"),
    ("  HELE TIDEN  ", "5", "exact"),
]


def test_typed_answers_including_misspellings_are_stored(
    service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    for text, code, reason in TYPED:
        cid = new_conversation(session_factory)
        present(service, session_factory, cid)
        outcome = say(service, session_factory, cid, text)
        assert outcome.replies == [] and not outcome.finished, text
        (row,) = answers(session_factory, cid)
        last_in = [m for m in messages(session_factory, cid) if m.direction == "in"][-1]
        assert (row.link_id, row.code, row.input_kind, row.interpretation) == (
            "who5-1", code, "text", reason), text
        assert row.raw_text == text
        assert row.message_id == last_in.id
        assert row.wording_shown == WHO5_TEXT["who5-1"]
        assert row.literacy_level == "standard"
        assert question(present(service, session_factory, cid)).link_id == "who5-2"


def test_bare_number_is_confirmed_before_it_is_stored(
    service: Dialogue, session_factory: sessionmaker[Session], texts: Texts
) -> None:
    cid = new_conversation(session_factory)
    present(service, session_factory, cid)
    unsure = say(service, session_factory, cid, "3")

    (confirm,) = unsure.replies
    assert confirm.meta == {"kind": "confirm", "item": "who5-1"}
    assert confirm.text == texts._("I understood: “{answer}”. Is that right?",
                                   answer="Lidt mere end halvdelen af tiden")
    assert [b.payload for b in confirm.buttons] == ["/affirm", "/deny"]
    assert answers(session_factory, cid) == []
    assert conversation_row(session_factory, cid).pending is not None

    yes = say(service, session_factory, cid, "ja", intent="affirm")
    assert not yes.finished
    (row,) = answers(session_factory, cid)
    assert (row.link_id, row.code, row.input_kind) == ("who5-1", "3", "confirmed")
    assert row.raw_text == "3"
    assert row.interpretation == "number"
    assert row.literacy_level == "standard"
    assert row.wording_shown == WHO5_TEXT["who5-1"]
    assert row.message_id is not None
    assert conversation_row(session_factory, cid).pending is None
    assert question(present(service, session_factory, cid)).link_id == "who5-2"


def test_denied_confirmation_stores_nothing(
    service: Dialogue, session_factory: sessionmaker[Session], texts: Texts
) -> None:
    cid = new_conversation(session_factory)
    present(service, session_factory, cid)
    say(service, session_factory, cid, "3")
    no = say(service, session_factory, cid, "nej", intent="deny")

    assert [r.text for r in no.replies] == [texts._("Okay. Choose the answer that fits you best.")]
    assert answers(session_factory, cid) == []
    assert conversation_row(session_factory, cid).pending is None
    # The same item is still the one to answer; a typed "ja tak" (no intent) confirms.
    say(service, session_factory, cid, "to")
    say(service, session_factory, cid, "ja tak", intent=None)
    (row,) = answers(session_factory, cid)
    assert (row.code, row.input_kind, row.raw_text) == ("2", "confirmed", "to")


def _dont_know_twice_offers_to_skip_and_stores_nothing(
    service: Dialogue, session_factory: sessionmaker[Session], texts: Texts
) -> None:
    cid = new_conversation(session_factory)
    present(service, session_factory, cid)

    first = say(service, session_factory, cid, "ved ikke", intent="dont_know")
    assert [r.text for r in first.replies] == [texts._(
        "That is all right. Choose the answer that fits best right now. "
        "There are no right or wrong answers.")]
    assert alerts(session_factory, cid) == []
    assert conversation_row(session_factory, cid).attempts == 1

    second = say(service, session_factory, cid, "ved ikke", intent="dont_know")
    assert len(second.replies) == 2
    offer = second.replies[1]
    assert offer.text == texts._(
        "Would you like to skip this question? You can also ask a nurse to call you.")
    assert [b.payload for b in offer.buttons] == ["/skip", "/talk_to_person"]
    (alert,) = alerts(session_factory, cid)
    assert (alert.rule_id, alert.level, alert.urgent) == ("difficulty:who5-1", "yellow", False)
    assert answers(session_factory, cid) == []

    say(service, session_factory, cid, "ved det ikke", intent="dont_know")
    assert len(alerts(session_factory, cid)) == 1  # once per rule
    assert answers(session_factory, cid) == []


def _not_understood_text_asks_again(
    service: Dialogue, session_factory: sessionmaker[Session], texts: Texts
) -> None:
    cid = new_conversation(session_factory)
    present(service, session_factory, cid)
    outcome = say(service, session_factory, cid, "blåbærgrød")
    assert [r.text for r in outcome.replies] == [texts._(
        "I did not quite understand. You can press one of the buttons, "
        "or write the answer in your own words.")]
    assert answers(session_factory, cid) == []


def test_skip_stores_skipped_and_moves_on(
    service: Dialogue, session_factory: sessionmaker[Session], texts: Texts
) -> None:
    cid = new_conversation(session_factory)
    present(service, session_factory, cid)
    say(service, session_factory, cid, "ved ikke", intent="dont_know")
    outcome = say(service, session_factory, cid, "/skip", intent="skip")

    assert [r.text for r in outcome.replies] == [texts._("Okay, we skip that question.")]
    (row,) = answers(session_factory, cid)
    assert (row.link_id, row.status, row.code, row.score) == ("who5-1", "skipped", None, None)
    assert row.wording_shown == WHO5_TEXT["who5-1"]
    assert conversation_row(session_factory, cid).attempts == 0
    assert question(present(service, session_factory, cid)).link_id == "who5-2"


# ====================================================================== PHQ-9 safety


@pytest.fixture
def crisis_service(
    settings: Settings,
    session_factory: sessionmaker[Session],
    questionnaires: dict[str, Questionnaire],
    texts: Texts,
) -> Dialogue:
    local = settings.with_overrides(crisis=CrisisContacts(
        emergency="112", medical_helpline="7011 3131", medical_helpline_name="Akuttelefonen",
        livslinien="70 201 209",
    ))
    return Dialogue(local, session_factory, questionnaires, texts)


def _assert_crisis(reply_texts: list[str]) -> None:
    crisis = [t for t in reply_texts if "Akuttelefonen" in t]
    assert len(crisis) == 1, reply_texts
    text = crisis[0]
    assert "112" in text and "7011 3131" in text and "70 201 209" in text
    assert "1813" not in text  # the settings' number, not the default
    assert "urgent" not in text and "Thank you" not in text  # translated, not the msgid


def _assert_urgent_alert(session_factory: sessionmaker[Session], cid: str) -> None:
    rows = [a for a in alerts(session_factory, cid) if a.rule_id == "phq9-item9"]
    assert len(rows) == 1
    assert rows[0].level == "red" and rows[0].urgent is True
    assert rows[0].response_id == responses(session_factory, cid)[0].id


def test_phq9_item9_above_zero_gives_crisis_reply_in_the_same_outcome(
    crisis_service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    service = crisis_service
    for how in ("button", "typed"):
        cid = new_conversation(session_factory, "phq9")
        answer_all(service, session_factory, cid, ["0"] * 8)
        asked = question(present(service, session_factory, cid))
        assert asked.link_id == "phq9-9"
        assert alerts(session_factory, cid) == []

        if how == "button":
            outcome = press(service, session_factory, cid, "phq9-9", "1")
        else:
            outcome = say(service, session_factory, cid, "flere dage")
        _assert_crisis([r.text for r in outcome.replies])
        assert [(r.meta or {}).get("kind") for r in outcome.replies] == ["crisis"]
        _assert_urgent_alert(session_factory, cid)
        row = current(session_factory, cid)["phq9-9"]
        assert (row.code, row.input_kind) == ("1", "button" if how == "button" else "text")
        assert row.wording_shown == f"{PHQ9_STEM}\n{_yaml_items('phq9')['phq9-9']}"
        # Item 10 is now enabled: the questionnaire goes on.
        assert not outcome.finished
        assert question(present(service, session_factory, cid)).link_id == "phq9-10"


def _phq9_item9_confirmed_number_gives_crisis_reply(
    crisis_service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    service = crisis_service
    cid = new_conversation(session_factory, "phq9")
    answer_all(service, session_factory, cid, ["0"] * 8)
    present(service, session_factory, cid)
    say(service, session_factory, cid, "1")
    assert alerts(session_factory, cid) == []
    outcome = say(service, session_factory, cid, "ja", intent="affirm")
    _assert_crisis([r.text for r in outcome.replies])
    _assert_urgent_alert(session_factory, cid)
    assert current(session_factory, cid)["phq9-9"].input_kind == "confirmed"


def _phq9_item9_zero_gives_no_crisis(
    crisis_service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    service = crisis_service
    cid = new_conversation(session_factory, "phq9")
    outcome = answer_all(service, session_factory, cid, ["0"] * 9)
    assert outcome.replies == []
    assert outcome.finished  # item 10 is only asked after a problem
    assert alerts(session_factory, cid) == []
    service.complete(cid)
    assert all(a.rule_id != "phq9-item9" for a in alerts(session_factory, cid))


# ====================================================================== correction


def test_correction_reopens_the_previous_item_and_supersedes(
    service: Dialogue, session_factory: sessionmaker[Session], texts: Texts
) -> None:
    cid = new_conversation(session_factory)
    answer_all(service, session_factory, cid, ["5", "4"])
    assert question(present(service, session_factory, cid)).link_id == "who5-3"

    outcome = say(service, session_factory, cid, "ret mit svar", intent="correct",
                  handler=service.correct)
    assert outcome.resume_questionnaire
    assert outcome.replies[0].text == texts._(
        "Okay. Let us change your answer to the previous question.")
    assert conversation_row(session_factory, cid).reopened_link_id == "who5-2"

    assert question(present(service, session_factory, cid)).link_id == "who5-2"
    done = press(service, session_factory, cid, "who5-2", "1")
    assert not done.finished

    rows = [a for a in answers(session_factory, cid) if a.link_id == "who5-2"]
    assert len(rows) == 2
    old, new = rows
    assert (old.code, new.code) == ("4", "1")
    assert old.superseded_at is not None and old.superseded_at.utcoffset() is not None
    assert old.superseded_by_id == new.id
    assert new.superseded_at is None and new.superseded_by_id is None
    assert current(session_factory, cid)["who5-2"].code == "1"
    assert conversation_row(session_factory, cid).reopened_link_id is None
    assert question(present(service, session_factory, cid)).link_id == "who5-3"


def _correction_after_completion_reopens_the_last_item(
    service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    cid = new_conversation(session_factory)
    answer_all(service, session_factory, cid, ["5"] * 5)
    service.complete(cid)

    outcome = service.correct(Inbound(cid, "ret", "correct"))
    assert outcome.resume_questionnaire
    assert conversation_row(session_factory, cid).status == "active"
    assert question(present(service, session_factory, cid)).link_id == "who5-5"
    assert press(service, session_factory, cid, "who5-5", "0").finished
    service.complete(cid)
    assert conversation_row(session_factory, cid).status == "completed"
    assert current(session_factory, cid)["who5-5"].code == "0"
    assert len(answers(session_factory, cid)) == 6


def _correction_with_nothing_answered(
    service: Dialogue, session_factory: sessionmaker[Session], texts: Texts
) -> None:
    cid = new_conversation(session_factory)
    present(service, session_factory, cid)
    outcome = service.correct(Inbound(cid, "ret", "correct"))
    assert [r.text for r in outcome.replies] == [texts._("There is no answer to change yet.")]
    assert not outcome.resume_questionnaire
    assert conversation_row(session_factory, cid).reopened_link_id is None


# ====================================================================== what is not stored


def _stale_button_stores_nothing(
    service: Dialogue, session_factory: sessionmaker[Session], texts: Texts
) -> None:
    cid = new_conversation(session_factory)
    answer_all(service, session_factory, cid, ["5"])
    present(service, session_factory, cid)  # who5-2

    outcome = press(service, session_factory, cid, "who5-1", "0")
    assert [r.text for r in outcome.replies] == [texts._(
        "That button belongs to another question. Please answer the question below. "
        "To change an answer, write “change my answer”.")]
    rows = answers(session_factory, cid)
    assert [(a.link_id, a.code, a.superseded_at) for a in rows] == [("who5-1", "5", None)]


def _answer_to_an_item_not_yet_presented_stores_nothing(
    service: Dialogue, session_factory: sessionmaker[Session], texts: Texts
) -> None:
    cid = new_conversation(session_factory)
    answer_all(service, session_factory, cid, ["5"])
    # who5-2 is current, but the last question shown was who5-1.
    outcome = say(service, session_factory, cid, "hele tiden")
    assert [r.text for r in outcome.replies] == [
        texts._("Your answer is saved. Here is the next question.")]
    assert [a.link_id for a in answers(session_factory, cid)] == ["who5-1"]


def test_nothing_is_stored_without_a_question_or_with_a_forged_option(
    service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    from bot.dialogue.state import UnknownConversation

    cid = new_conversation(session_factory)
    outcome = say(service, session_factory, cid, "hele tiden")
    assert outcome.replies == [] and not outcome.finished
    assert answers(session_factory, cid) == []

    present(service, session_factory, cid)
    press(service, session_factory, cid, "who5-1", "9")
    press(service, session_factory, cid, "who5-1", "<script>")
    assert answers(session_factory, cid) == []

    with pytest.raises(UnknownConversation):
        service.ask("0" * 32)


# ====================================================================== interruptions


def test_talk_to_person_and_show_answers(
    service: Dialogue, session_factory: sessionmaker[Session], settings: Settings
) -> None:
    cid = new_conversation(session_factory)
    outcome = service.talk_to_person(Inbound(cid, "ring til mig", "talk_to_person"))
    assert settings.crisis.medical_helpline in outcome.replies[0].text
    service.talk_to_person(Inbound(cid, "ring til mig", "talk_to_person"))
    assert [(a.rule_id, a.level, a.urgent) for a in alerts(session_factory, cid)] == [
        ("talk-to-person", "yellow", False)]

    answer_all(service, session_factory, cid, ["5", "0"])
    (reply,) = service.show_answers(Inbound(cid, "vis mine svar", "show_answers")).replies
    assert f"{WHO5_TEXT['who5-1']}: Hele tiden" in reply.text
    assert f"{WHO5_TEXT['who5-2']}: På intet tidspunkt" in reply.text
    patient = patient_row(session_factory, cid)
    assert _audit_actions(session_factory, patient.id) == ["answers.view.self"]


def test_explain_and_change_level(
    service: Dialogue,
    session_factory: sessionmaker[Session],
    questionnaires: dict[str, Questionnaire],
) -> None:
    cid = new_conversation(session_factory)
    present(service, session_factory, cid)
    reply = service.explain(Inbound(cid, "hvad betyder det", "explain")).replies[0]
    assert reply.text == questionnaires["who5"].item("who5-1").help
    option = service.explain(Inbound(cid, "hvad betyder lidt af tiden", "explain")).replies[0]
    assert option.text.startswith("“Lidt af tiden”:")

    cid = new_conversation(session_factory)
    service.change_level(Inbound(cid, "enklere", "simpler"))
    assert patient_row(session_factory, cid).literacy_level == "plain"
    service.change_level(Inbound(cid, "enklere", "simpler"))
    service.change_level(Inbound(cid, "enklere", "simpler"))
    assert patient_row(session_factory, cid).literacy_level == "guided"
    # A validated item keeps its exact text at the new level too.
    asked = question(present(service, session_factory, cid))
    assert asked.meta is not None and asked.meta["wording"] == WHO5_TEXT["who5-1"]
    assert asked.meta["level"] == "guided"


# ====================================================================== grouped runs
# The checks above that start with "_" run in groups, so that each database is created once per
# group (a fresh PostgreSQL database costs about a second).


def test_consent_is_asked_given_and_typed(
    service: Dialogue, session_factory: sessionmaker[Session], texts: Texts
) -> None:
    _first_contact_asks_for_consent_and_stores_nothing(service, session_factory, texts)
    _consent_given_starts_the_questionnaire(service, session_factory)
    _typed_yes_counts_as_consent_only_after_the_question(service, session_factory)


def test_start_resumes_and_welcomes_back(
    service: Dialogue, session_factory: sessionmaker[Session], texts: Texts
) -> None:
    _start_with_consent_resumes_the_questionnaire(service, session_factory, texts)
    _paused_conversation_is_welcomed_back(service, session_factory, texts)


def test_presentation_of_the_first_question_and_at_guided_level(
    service: Dialogue,
    session_factory: sessionmaker[Session],
    questionnaires: dict[str, Questionnaire],
    texts: Texts,
) -> None:
    _first_question_has_intro_and_buttons(service, session_factory, questionnaires)
    _guided_level_keeps_the_exact_validated_wording(service, session_factory, texts)


def test_dont_know_and_not_understood(
    service: Dialogue, session_factory: sessionmaker[Session], texts: Texts
) -> None:
    _dont_know_twice_offers_to_skip_and_stores_nothing(service, session_factory, texts)
    _not_understood_text_asks_again(service, session_factory, texts)


def test_phq9_item9_confirmed_and_zero(
    crisis_service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    _phq9_item9_confirmed_number_gives_crisis_reply(crisis_service, session_factory)
    _phq9_item9_zero_gives_no_crisis(crisis_service, session_factory)


def test_correction_after_completion_and_with_nothing_answered(
    service: Dialogue, session_factory: sessionmaker[Session], texts: Texts
) -> None:
    _correction_after_completion_reopens_the_last_item(service, session_factory)
    _correction_with_nothing_answered(service, session_factory, texts)


def test_stale_button_and_unpresented_item_store_nothing(
    service: Dialogue, session_factory: sessionmaker[Session], texts: Texts
) -> None:
    _stale_button_stores_nothing(service, session_factory, texts)
    _answer_to_an_item_not_yet_presented_stores_nothing(service, session_factory, texts)


def test_questions_before_consent_create_no_response(
    service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    cid = new_conversation(session_factory, "who5", consent=None)
    for method in (service.why, service.correct, service.show_answers, service.explain):
        outcome = method(Inbound(cid, text="hvorfor", intent="why"))
        assert outcome.replies
    assert responses(session_factory, cid) == []


@pytest.mark.parametrize(
    ("channel", "expected"),
    [
        ("web", "Okay. Now you can hear the questions. Press “Read aloud”."),
        ("telegram", "Okay. From now on the questions also come as voice messages."),
    ],
)
def test_read_aloud_reply_fits_the_channel(
    service: Dialogue,
    session_factory: sessionmaker[Session],
    texts: Texts,
    monkeypatch: pytest.MonkeyPatch,
    channel: str,
    expected: str,
) -> None:
    from bot import speech
    from bot.storage.conversations import get_conversation
    from bot.storage.transcripts import add_message

    monkeypatch.setattr(speech, "available", lambda: True)
    cid = new_conversation(session_factory, "who5")
    with session_scope(session_factory) as session:
        conversation = get_conversation(session, cid)
        assert conversation is not None
        add_message(session, conversation, direction="in", channel=channel, text="læs op")
    outcome = service.read_aloud(Inbound(cid, text="læs op", intent="read_aloud"))
    assert [r.text for r in outcome.replies] == [texts._(expected)]
