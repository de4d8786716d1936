"""The conversation service: what the bot says and stores at each step of a questionnaire.

Actions call this service; it reads and writes the database and asks the questionnaire engine
(`bot.questionnaire`) to interpret answers and pick the next item. It never trusts the
dialogue engine's memory: where the patient is comes from the stored answers and transcript,
so a restart of any process resumes at the first unanswered item.

Every answer is committed here, before the reply that carries the next question leaves.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot.i18n import Texts
from bot.literacy.estimate import LevelChange, level_after_signals, level_from_screening
from bot.literacy.levels import GUIDED, rules_for, shorter, simpler
from bot.questionnaire.flow import (
    displays_before,
    is_complete,
    next_item,
    previous_answered,
    progress,
)
from bot.questionnaire.interpret import Interpretation, interpret
from bot.questionnaire.model import AnswerValue, Item, Questionnaire
from bot.questionnaire.scoring import AlertHit, evaluate_alerts, item_alerts
from bot.settings import Settings
from bot.storage.alerts import add_alert
from bot.storage.audit import audit
from bot.storage.conversations import get_conversation
from bot.storage.db import session_scope
from bot.storage.models import Answer, Conversation, Patient, Response, utcnow
from bot.storage.patients import web_invitation_for
from bot.storage.responses import add_answer, current_answers, open_response
from bot.storage.transcripts import (
    add_event,
    events_since_level_change,
    last_inbound_channel,
    last_inbound_id,
    last_outbound,
    last_presented_link_id,
    recent_outbound,
    transcript,
)

log = logging.getLogger(__name__)

# Reads a typed "ja"/"nej" (consent, "Passer det?") with the questionnaire engine's rules.
YES_NO_ITEM = Item(link_id="_yes_no", type="boolean", text="")

# After this many failed attempts at one item the patient is offered to skip it or be called.
MAX_ATTEMPTS = 2
# The opening health-literacy screen (dialogues/questionnaires/screening.yml).
SCREENING_ID = "screening"
# How sure the engine must be of an interruption (why, explain, pause, ...) for it to win over
# reading the message as an answer (see ConversationService.answer_instead).
INTERRUPTION_CONFIDENCE = 0.85
WEAK_INTERRUPTION_CONFIDENCE = 0.5


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: tuple[Button, ...] = ()
    link_id: str | None = None
    meta: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Inbound:
    """What the patient did, as the dialogue engine understood it."""

    conversation_id: str
    text: str = ""
    intent: str | None = None
    confidence: float = 1.0
    entities: Mapping[str, str] = field(default_factory=dict)


@dataclass
class Outcome:
    replies: list[Reply] = field(default_factory=list)
    # The questionnaire has nothing left to ask.
    finished: bool = False
    # The questionnaire form should (re)start after these replies.
    resume_questionnaire: bool = False


def _item_titles(texts: Sequence[str], limit: int = 48) -> list[str]:
    """Short, distinct button titles for items: the words all of them start with (a stem such
    as "I de sidste 2 uger har jeg") are left out."""
    lines = [text.splitlines()[-1] if text else "" for text in texts]
    split = [line.split() for line in lines]
    common = 0
    if len(split) > 1:
        while (
            all(len(words) > common + 1 for words in split)
            and len({words[common].lower() for words in split}) == 1
        ):
            common += 1
    titles = []
    for words in split:
        title = " ".join(words[common:])
        title = title[:1].upper() + title[1:]
        titles.append(title if len(title) <= limit else title[: limit - 1].rstrip() + "…")
    return titles


def _yes_or_no(inbound: Inbound) -> bool | None:
    """The patient's yes or no: from the engine's intent, else from the typed words. None when
    it is neither (an answer button, or a new answer instead of yes/no)."""
    if inbound.intent == "affirm":
        return True
    if inbound.intent == "deny":
        return False
    if inbound.entities.get("code"):
        return None
    reading = interpret(YES_NO_ITEM, inbound.text)
    return reading.value if reading.status == "match" and isinstance(reading.value, bool) else None


def answer_payload(link_id: str, code: str) -> str:
    return "/inform" + json.dumps({"code": code, "link_id": link_id}, separators=(",", ":"))


class UnknownConversation(LookupError):
    pass


class ConversationService:
    def __init__(
        self,
        settings: Settings,
        session_factory: sessionmaker[Session],
        questionnaires: Mapping[str, Questionnaire],
        texts: Texts,
    ) -> None:
        self.settings = settings
        self.session_factory = session_factory
        self.questionnaires = questionnaires
        self.texts = texts
        self._ = texts._

    # ----------------------------------------------------------------- state helpers

    def _load(self, session: Session, conversation_id: str) -> tuple[Conversation, Patient]:
        conversation = get_conversation(session, conversation_id)
        if conversation is None:
            raise UnknownConversation(conversation_id)
        return conversation, conversation.patient

    def _questionnaire(self, conversation: Conversation) -> Questionnaire:
        return self.questionnaires[conversation.questionnaire_id]

    def _active_questionnaire(self, conversation: Conversation) -> Questionnaire:
        """The opening literacy screen until it is answered or skipped, then the invited one."""
        patient = conversation.patient
        if (
            patient.consent == "given"
            and patient.screening == "pending"
            and SCREENING_ID in self.questionnaires
            and conversation.questionnaire_id != SCREENING_ID
        ):
            return self.questionnaires[SCREENING_ID]
        return self._questionnaire(conversation)

    @staticmethod
    def _answers(rows: Sequence[Answer]) -> dict[str, AnswerValue]:
        answers: dict[str, AnswerValue] = {}
        for row in rows:
            if row.status == "skipped":
                answers[row.link_id] = AnswerValue(skipped=True)
                continue
            value: int | bool | str | None = row.value_string
            if row.value_integer is not None:
                value = row.value_integer
            elif row.value_boolean is not None:
                value = row.value_boolean
            answers[row.link_id] = AnswerValue(code=row.code, value=value)
        return answers

    def _state(
        self, session: Session, conversation: Conversation
    ) -> tuple[Questionnaire, Response, dict[str, AnswerValue], Item | None]:
        questionnaire = self._active_questionnaire(conversation)
        response = open_response(
            session, conversation, questionnaire.version, questionnaire_id=questionnaire.id
        )
        answers = self._answers(current_answers(session, response.id))
        current: Item | None = None
        if conversation.reopened_link_id and questionnaire.id == conversation.questionnaire_id:
            current = questionnaire.item(conversation.reopened_link_id)
        else:
            current = next_item(questionnaire, answers)
        return questionnaire, response, answers, current

    # ----------------------------------------------------------------- start and consent

    def start(self, inbound: Inbound, *, questionnaire_active: bool) -> Outcome:
        """First contact, consent, and resuming after a pause, a stop or a lost engine state."""
        with session_scope(self.session_factory) as session:
            conversation, patient = self._load(session, inbound.conversation_id)
            if patient.consent != "given":
                return self._consent(session, conversation, patient, inbound)
            if conversation.status == "completed":
                return Outcome(
                    [
                        Reply(
                            self._(
                                "You have already answered all the questions. "
                                "Thank you! Your care team can see your answers."
                            )
                        )
                    ]
                )
            outcome = Outcome(resume_questionnaire=not questionnaire_active)
            if conversation.status in {"paused", "stopped", "declined"}:
                conversation.status = "active"
                outcome.replies.append(
                    Reply(self._("Welcome back. We continue where we left off."))
                )
            elif inbound.intent in {"greet", "start"} and last_presented_link_id(
                session, conversation.id
            ):
                outcome.replies.append(Reply(self._("Hi again. We continue where we left off.")))
            return outcome

    def _consent(
        self, session: Session, conversation: Conversation, patient: Patient, inbound: Inbound
    ) -> Outcome:
        last = last_outbound(session, conversation.id)
        asked = last is not None and (last.meta or {}).get("kind") == "consent"
        decision = _yes_or_no(inbound) if asked else None
        if decision is True:
            patient.consent = "given"
            patient.consent_at = utcnow()
            conversation.status = "active"
            audit(session, actor="patient", action="consent.given", patient_id=patient.id)
            return Outcome(
                [Reply(self._("Thank you. Let us begin. You can write “help” at any time."))],
                resume_questionnaire=True,
            )
        if decision is False:
            patient.consent = "declined"
            conversation.status = "declined"
            audit(session, actor="patient", action="consent.declined", patient_id=patient.id)
            return Outcome(
                [
                    Reply(
                        self._(
                            "That is completely fine. We do not store any answers. "
                            "If you change your mind, just write “start” here."
                        )
                    )
                ]
            )
        return Outcome(self._consent_question(session, conversation))

    def _consent_question(self, session: Session, conversation: Conversation) -> list[Reply]:
        crisis = self.settings.crisis
        intro = (
            self._("Welcome back. Before we start, I need your permission.")
            if conversation.patient.consent == "declined"
            else self._(
                "Hi! I am a chatbot from your hospital. I will ask you some questions "
                "about how you are doing."
            )
        )
        replies = [
            Reply(intro),
            Reply(
                self._(
                    "Your answers are stored safely. Only your care team can see them. "
                    "We do not store your name."
                )
            ),
            Reply(
                self._(
                    "I am not an emergency service. If it is urgent, call {emergency}.",
                    emergency=crisis.emergency,
                )
            ),
            Reply(
                self._("Is it all right that we store your answers?"),
                buttons=(
                    Button(self._("Yes, that is fine"), "/affirm"),
                    Button(self._("No thanks"), "/deny"),
                ),
                meta={"kind": "consent"},
            ),
        ]
        # On Telegram: say plainly that it is not end-to-end encrypted; offer the web chat.
        if last_inbound_channel(session, conversation.id) == "telegram":
            web = web_invitation_for(session, conversation)
            notice = self._(
                "You are writing to me on Telegram. Telegram chats are not end-to-end "
                "encrypted, so Telegram could read them. Never write your name or CPR number "
                "here. If you prefer, you can answer in our secure web chat instead: {url}",
                url=f"{self.settings.public_url}/chat/{web.token}",
            )
            replies.insert(-1, Reply(notice, meta={"kind": "privacy"}))
        return replies

    # ----------------------------------------------------------------- asking

    def ask(self, conversation_id: str) -> Outcome:
        """The current item, presented for the patient's level (or `finished`)."""
        with session_scope(self.session_factory) as session:
            conversation, patient = self._load(session, conversation_id)
            if patient.consent != "given":
                return Outcome()
            questionnaire, _response, answers, current = self._state(session, conversation)
            if current is None:
                return Outcome(finished=True)
            if conversation.pending and conversation.pending.get("link_id") == current.link_id:
                # The patient is answering "Passer det?": asking the item again would bury it.
                return Outcome()
            replies: list[Reply] = []
            shown = self._shown_kinds(session, conversation.id)
            level = patient.literacy_level
            rules = rules_for(level)
            if f"intro:{questionnaire.id}" not in shown:
                replies.append(
                    Reply(
                        questionnaire.intro_for(level),
                        meta={"kind": "intro", "questionnaire": questionnaire.id},
                    )
                )
            explanation = questionnaire.scale_explanation_for(level)
            if rules.explain_scale and explanation and f"scale:{questionnaire.id}" not in shown:
                replies.append(
                    Reply(explanation, meta={"kind": "scale", "questionnaire": questionnaire.id})
                )
            if current.link_id not in shown:
                for display in displays_before(questionnaire, current):
                    replies.append(
                        Reply(
                            display.text_for(level),
                            meta={"kind": "display", "item": display.link_id},
                        )
                    )
                if rules.show_examples and current.example and not questionnaire.validated:
                    replies.append(Reply(current.example, meta={"kind": "example"}))
            if questionnaire.id == SCREENING_ID and "screening_skip" not in shown:
                replies.append(
                    Reply(
                        self._("You can also skip these questions."),
                        buttons=(Button(self._("Skip the questions"), "/skip"),),
                        meta={"kind": "screening_skip"},
                    )
                )
            question = self._question(questionnaire, current, answers, level)
            if patient.read_aloud:
                question = replace(question, meta={**(question.meta or {}), "audio": True})
            replies.append(question)
            return Outcome(replies)

    @staticmethod
    def _shown_kinds(session: Session, conversation_id: str) -> set[str]:
        shown: set[str] = set()
        for message in transcript(session, conversation_id):
            if message.direction != "out":
                continue
            if message.link_id:
                shown.add(message.link_id)
            meta = message.meta or {}
            kind = meta.get("kind")
            if kind:
                shown.add(str(kind))
                if meta.get("questionnaire"):
                    shown.add(f"{kind}:{meta['questionnaire']}")
        return shown

    def _question(
        self,
        questionnaire: Questionnaire,
        item: Item,
        answers: Mapping[str, AnswerValue],
        level: str,
    ) -> Reply:
        text = self.wording(questionnaire, item, level)
        number, total = progress(questionnaire, answers)
        rules = rules_for(level)
        lines = []
        if rules.show_progress:
            lines.append(self._("Question {number} of {total}", number=number, total=total))
        lines.append(text)
        buttons = self._buttons(item, level, validated=questionnaire.validated)
        if item.type == "integer" and item.min_label and item.max_label:
            # "0 = slet ikke hårdt": left out where the wording already explains the ends.
            ends = [
                label.split("=", 1)[-1].strip().lower()
                for label in (item.min_label, item.max_label)
            ]
            if not all(end in text.lower() for end in ends):
                lines.append(f"{item.min_label} · {item.max_label}")
        if item.type == "string":
            lines.append(self._("Write your answer in your own words."))
        return Reply(
            "\n".join(lines),
            buttons=buttons,
            link_id=item.link_id,
            meta={
                "kind": "question",
                "level": level,
                "wording": text,
                "progress": [number, total],
                "questionnaire": questionnaire.id,
                "buttons": [b.title for b in buttons],
            },
        )

    @staticmethod
    def wording(questionnaire: Questionnaire, item: Item, level: str) -> str:
        """The exact item text shown (validated items are never reworded)."""
        text = item.text if questionnaire.validated else item.text_for(level)
        stem = questionnaire.stem_for(item)
        return f"{stem}\n{text}" if stem else text

    def _buttons(self, item: Item, level: str, *, validated: bool) -> tuple[Button, ...]:
        rules = rules_for(level)
        if item.type == "choice":
            # Validated instruments keep their exact option wording on the buttons too.
            short = rules.short_labels and not validated
            return tuple(
                Button(
                    (o.short if short and o.short else o.display),
                    answer_payload(item.link_id, o.code),
                )
                for o in item.options
            )
        if item.type == "boolean":
            return (
                Button(self._("Yes"), answer_payload(item.link_id, "true")),
                Button(self._("No"), answer_payload(item.link_id, "false")),
            )
        if (
            item.type == "integer"
            and item.min_value is not None
            and item.max_value is not None
            and item.max_value - item.min_value <= 10
        ):
            return tuple(
                Button(str(n), answer_payload(item.link_id, str(n)))
                for n in range(item.min_value, item.max_value + 1)
            )
        if item.type == "string" and (not item.required or rules.buttons_on_every_question):
            return (Button(self._("Skip"), "/skip"),)
        return ()

    # ----------------------------------------------------------------- answering

    def answer(self, inbound: Inbound) -> Outcome:
        """Interpret and store one answer to the current item. `finished` when nothing is left."""
        with session_scope(self.session_factory) as session:
            conversation, patient = self._load(session, inbound.conversation_id)
            if patient.consent != "given":
                # Nothing is stored as an answer before consent, whatever arrives.
                return self._consent(session, conversation, patient, inbound)
            questionnaire, response, _answers, current = self._state(session, conversation)
            if current is None:
                return Outcome(finished=True)
            button_link = inbound.entities.get("link_id")
            if button_link and button_link != current.link_id:
                return Outcome(
                    [
                        Reply(
                            self._(
                                "That button belongs to another question. Please answer the "
                                "question below. To change an answer, write “change my answer”."
                            )
                        )
                    ]
                )
            presented = last_presented_link_id(session, conversation.id)
            if presented is None and not button_link:
                return Outcome()
            if presented != current.link_id and not button_link:
                # The patient has not seen the current item yet (e.g. the app stopped after
                # the last answer was stored but before the next question was sent).
                return Outcome([Reply(self._("Your answer is saved. Here is the next question."))])

            if conversation.pending and conversation.pending.get("link_id") == current.link_id:
                outcome = self._resolve_pending(
                    session, conversation, patient, questionnaire, response, current, inbound
                )
                if outcome is not None:
                    return outcome
            conversation.pending = None

            if inbound.intent == "skip" and questionnaire.id == SCREENING_ID:
                return self._skip_screening(session, conversation, patient)
            if inbound.intent == "skip":
                self._store(
                    session,
                    conversation,
                    patient,
                    questionnaire,
                    response,
                    current,
                    None,
                    inbound,
                    input_kind="text",
                    skipped=True,
                )
                return self._after_answer(
                    session,
                    conversation,
                    questionnaire,
                    response,
                    [Reply(self._("Okay, we skip that question."))],
                    [],
                )
            if inbound.intent == "dont_know" and not inbound.entities.get("code"):
                return self._not_understood(
                    session, conversation, questionnaire, current, dont_know=True
                )

            signals: list[Reply] = []
            if inbound.entities.get("code") and conversation.attempts > 0:
                signals = self._signal(session, conversation, "button_after_failed_typing")
            reading = interpret(current, inbound.text, code=inbound.entities.get("code"))
            typed = reading.reason != "payload"
            if (
                reading.status == "match"
                and typed
                and rules_for(patient.literacy_level).confirm_typed_answers
            ):
                # Guided level: a typed answer is said back and counts only after "ja".
                return self._ask_to_confirm(session, conversation, current, reading, inbound)
            if reading.status == "match":
                hits = self._store(
                    session,
                    conversation,
                    patient,
                    questionnaire,
                    response,
                    current,
                    reading,
                    inbound,
                    input_kind="text" if typed else "button",
                )
                return self._after_answer(
                    session, conversation, questionnaire, response, signals, hits
                )
            if reading.status == "unsure":
                return self._ask_to_confirm(session, conversation, current, reading, inbound)
            return self._not_understood(
                session,
                conversation,
                questionnaire,
                current,
                out_of_range=reading.reason == "out_of_range",
            )

    def answer_instead(self, inbound: Inbound) -> Outcome | None:
        """Store the message as the answer when the engine took it for an interruption but it
        answers the current item. A free-text item takes anything but a short, confident
        interruption ("Hvilke bivirkninger kan jeg få?" answers "Skriv dine spørgsmål til
        lægen"); other items take what the questionnaire engine reads as one of their answers
        ("slet ik"), or a likely answer when the engine was unsure ("lidtt")."""
        with session_scope(self.session_factory) as session:
            conversation, patient = self._load(session, inbound.conversation_id)
            if patient.consent != "given" or conversation.status != "active":
                return None
            _q, _response, _answers, current = self._state(session, conversation)
            if current is None:
                return None
            if last_presented_link_id(session, conversation.id) != current.link_id:
                return None
        confident = inbound.confidence >= INTERRUPTION_CONFIDENCE
        if current.type == "string":
            if confident and len(inbound.text.split()) <= 5:
                return None
        else:
            reading = interpret(current, inbound.text)
            # "hvad betyder lidt af tiden" contains an option but asks about it.
            whole_answer = reading.status == "match" and reading.reason != "contains"
            likely_answer = (
                reading.status in {"match", "unsure"}
                and inbound.confidence < WEAK_INTERRUPTION_CONFIDENCE
            )
            if not (whole_answer or likely_answer):
                return None
        return self.answer(replace(inbound, intent="inform"))

    def _resolve_pending(
        self,
        session: Session,
        conversation: Conversation,
        patient: Patient,
        questionnaire: Questionnaire,
        response: Response,
        current: Item,
        inbound: Inbound,
    ) -> Outcome | None:
        pending = conversation.pending or {}
        if pending.get("kind") == "choose":
            return None  # the patient picks one of the offered options (or answers afresh)
        decision = _yes_or_no(inbound)
        if decision is None:
            return None  # a new answer instead of yes/no: interpret it afresh
        conversation.pending = None
        if decision is False:
            return Outcome([Reply(self._("Okay. Choose the answer that fits you best."))])
        if pending.get("code") is not None:
            confirmed = interpret(current, None, code=str(pending["code"]))
        else:
            confirmed = Interpretation(
                status="match", value=pending.get("value"), display=pending.get("display"),
                reason=str(pending.get("reason", "")),
            )  # fmt: skip
        if confirmed.status != "match":
            return Outcome([Reply(self._("Okay. Choose the answer that fits you best."))])
        raw = Inbound(
            conversation_id=inbound.conversation_id,
            text=str(pending.get("raw_text", "")),
            intent="inform",
        )
        hits = self._store(
            session,
            conversation,
            patient,
            questionnaire,
            response,
            current,
            confirmed,
            raw,
            input_kind="confirmed",
            interpretation=str(pending.get("reason", "")),
            message_id=pending.get("message_id"),
        )
        return self._after_answer(session, conversation, questionnaire, response, [], hits)

    def _ask_to_confirm(
        self,
        session: Session,
        conversation: Conversation,
        item: Item,
        reading: Interpretation,
        inbound: Inbound,
    ) -> Outcome:
        inbound_message_id = last_inbound_id(session, conversation.id)
        if len(reading.candidates) > 1:
            buttons = tuple(
                Button(option.display, answer_payload(item.link_id, option.code))
                for option in reading.candidates
            )
            conversation.pending = {"link_id": item.link_id, "kind": "choose"}
            return Outcome([Reply(self._("Which of these did you mean?"), buttons=buttons)])
        code = reading.code or (reading.candidates[0].code if reading.candidates else None)
        display = reading.display or (reading.candidates[0].display if reading.candidates else "")
        if isinstance(reading.value, bool):
            display = self._("Yes") if reading.value else self._("No")
        elif item.type != "choice" and reading.value is not None:
            display = display or str(reading.value)
        conversation.pending = {
            "message_id": inbound_message_id,
            "link_id": item.link_id,
            "code": code,
            "value": reading.value,
            "display": display,
            "raw_text": inbound.text,
            "reason": reading.reason,
        }
        return Outcome(
            [
                Reply(
                    self._("I understood: “{answer}”. Is that right?", answer=display),
                    buttons=(Button(self._("Yes"), "/affirm"), Button(self._("No"), "/deny")),
                    meta={"kind": "confirm", "item": item.link_id},
                )
            ]
        )

    def _not_understood(
        self,
        session: Session,
        conversation: Conversation,
        questionnaire: Questionnaire,
        item: Item,
        *,
        dont_know: bool = False,
        out_of_range: bool = False,
    ) -> Outcome:
        conversation.attempts += 1
        replies: list[Reply] = []
        level_replies = self._signal(
            session, conversation, "dont_know" if dont_know else "not_understood"
        )
        if dont_know:
            replies.append(
                Reply(
                    self._(
                        "That is all right. Choose the answer that fits best right now. "
                        "There are no right or wrong answers."
                    )
                )
            )
        elif out_of_range and item.min_value is not None and item.max_value is not None:
            replies.append(
                Reply(
                    self._(
                        "Please write a number from {low} to {high}.",
                        low=item.min_value,
                        high=item.max_value,
                    )
                )
            )
        elif item.type == "boolean":
            replies.append(Reply(self._("I did not quite understand. Please answer yes or no.")))
        else:
            replies.append(
                Reply(
                    self._(
                        "I did not quite understand. You can press one of the buttons, "
                        "or write the answer in your own words."
                    )
                )
            )
        if conversation.attempts >= MAX_ATTEMPTS:
            add_alert(
                session,
                conversation,
                rule_id=f"difficulty:{item.link_id}",
                level="yellow",
                urgent=False,
                message=f"Patient had difficulty answering item {item.link_id}.",
            )
            replies.append(
                Reply(
                    self._(
                        "Would you like to skip this question? You can also ask a nurse to call "
                        "you."
                    ),
                    buttons=(
                        Button(self._("Skip the question"), "/skip"),
                        Button(self._("A nurse may call me"), "/talk_to_person"),
                    ),
                )
            )
        return Outcome(replies + level_replies)

    def _store(
        self,
        session: Session,
        conversation: Conversation,
        patient: Patient,
        questionnaire: Questionnaire,
        response: Response,
        item: Item,
        reading: Interpretation | None,
        inbound: Inbound,
        *,
        input_kind: str,
        skipped: bool = False,
        interpretation: str | None = None,
        message_id: int | None = None,
    ) -> list[AlertHit]:
        level = patient.literacy_level
        if message_id is None:
            message_id = last_inbound_id(session, conversation.id)
        wording = self.wording(questionnaire, item, level)
        shown = item.text if questionnaire.validated else item.text_for(level)
        answer = Answer(
            link_id=item.link_id,
            item_type=item.type,
            status="skipped" if skipped else "answered",
            raw_text=inbound.text or None,
            input_kind=input_kind,
            interpretation=interpretation or (reading.reason if reading else "skip"),
            literacy_level=level,
            wording_shown=wording,
            presentation={
                "level": level,
                "buttons": [
                    b.title for b in self._buttons(item, level, validated=questionnaire.validated)
                ],
                "progress": rules_for(level).show_progress,
                "confirmed_back": input_kind == "confirmed",
                "variant": next(
                    (f"variant:{name}" for name, text in item.variants.items() if text == shown),
                    "exact",
                ),
            },
            message_id=message_id,
        )
        if reading is not None and not skipped:
            if item.type == "choice":
                option = item.option(str(reading.code))
                answer.code = reading.code
                answer.display = option.display if option else reading.display
                answer.score = option.score if option else None
            elif item.type == "integer" and isinstance(reading.value, int):
                answer.value_integer = reading.value
                answer.display = str(reading.value)
            elif item.type == "boolean" and isinstance(reading.value, bool):
                answer.value_boolean = reading.value
                answer.display = self._("Yes") if reading.value else self._("No")
            else:
                answer.value_string = str(reading.value)
                answer.display = answer.value_string
        add_answer(session, response, answer)
        value = self._answers([answer])[item.link_id]
        conversation.attempts = 0
        conversation.pending = None
        if conversation.reopened_link_id == item.link_id:
            conversation.reopened_link_id = None
        hits = [] if skipped else item_alerts(questionnaire, item.link_id, value)
        for hit in hits:
            add_alert(
                session,
                conversation,
                rule_id=hit.rule.id,
                level=hit.rule.level,
                urgent=hit.rule.urgent,
                message=hit.rule.message,
                response_id=response.id,
            )
        log.info("answer stored conversation=%s item=%s", conversation.id, item.link_id)
        return hits

    def _after_answer(
        self,
        session: Session,
        conversation: Conversation,
        questionnaire: Questionnaire,
        response: Response,
        replies: list[Reply],
        hits: Sequence[AlertHit],
    ) -> Outcome:
        if any(hit.rule.urgent for hit in hits):
            replies.append(self.crisis_reply())
        session.flush()
        answers = self._answers(current_answers(session, response.id))
        if questionnaire.id == SCREENING_ID and conversation.questionnaire_id != SCREENING_ID:
            if is_complete(questionnaire, answers):
                codes = {link_id: value.code for link_id, value in answers.items()}
                conversation.patient.screening = "done"
                replies.extend(self._set_level(session, conversation, level_from_screening(codes)))
            return Outcome(replies, finished=False)
        finished = conversation.reopened_link_id is None and is_complete(questionnaire, answers)
        return Outcome(replies, finished=finished)

    def crisis_reply(self) -> Reply:
        crisis = self.settings.crisis
        return Reply(
            self._(
                "Thank you for telling me. It is important. If you have thoughts of hurting "
                "yourself and it is urgent, call {emergency} now. You can also call "
                "{helpline_name} on {helpline} or Livslinien on {livslinien}. "
                "I have sent a message to your care team so they can contact you.",
                emergency=crisis.emergency,
                helpline_name=crisis.medical_helpline_name,
                helpline=crisis.medical_helpline,
                livslinien=crisis.livslinien,
            ),
            meta={"kind": "crisis"},
        )

    # ----------------------------------------------------------------- levels

    def _skip_screening(
        self, session: Session, conversation: Conversation, patient: Patient
    ) -> Outcome:
        patient.screening = "skipped"
        add_event(session, conversation, "screening", status="skipped")
        return Outcome([Reply(self._("Okay. Let us go on."))])

    def _set_level(
        self, session: Session, conversation: Conversation, change: LevelChange
    ) -> list[Reply]:
        """Record the level and why; offer read-aloud when guidance starts."""
        patient = conversation.patient
        previous = patient.literacy_level
        patient.literacy_level = change.level
        add_event(
            session, conversation, "level", level=change.level, previous=previous,
            reason=change.reason,
        )  # fmt: skip
        log.info("level %s -> %s conversation=%s", previous, change.level, conversation.id)
        replies: list[Reply] = []
        if change.level == GUIDED and previous != GUIDED and not patient.read_aloud:
            replies.append(
                Reply(
                    self._("I can read the questions aloud for you."),
                    buttons=(Button(self._("Yes, read aloud"), "/read_aloud"),),
                    meta={"kind": "offer_read_aloud"},
                )
            )
        return replies

    def _signal(self, session: Session, conversation: Conversation, signal: str) -> list[Reply]:
        """Note a sign of difficulty; enough of them move the patient to more guidance."""
        add_event(session, conversation, "signal", signal=signal)
        signals = [
            str((event.meta or {}).get("signal"))
            for event in events_since_level_change(session, conversation.id)
        ]
        change = level_after_signals(conversation.patient.literacy_level, signals)
        if change is None:
            return []
        return [
            Reply(self._("I will make the questions a little easier now.")),
            *self._set_level(session, conversation, change),
        ]

    # ----------------------------------------------------------------- finishing

    def complete(self, conversation_id: str) -> Outcome:
        """Close the response if every item is answered; otherwise resume the questionnaire."""
        with session_scope(self.session_factory) as session:
            conversation, _patient = self._load(session, conversation_id)
            if conversation.status == "completed":
                return Outcome()
            questionnaire, response, answers, current = self._state(session, conversation)
            if current is not None:
                return Outcome(resume_questionnaire=True)
            response.status = "completed"
            response.completed_at = utcnow()
            conversation.status = "completed"
            conversation.completed_at = response.completed_at
            for hit in evaluate_alerts(questionnaire, answers):
                add_alert(
                    session,
                    conversation,
                    rule_id=hit.rule.id,
                    level=hit.rule.level,
                    urgent=hit.rule.urgent,
                    message=hit.rule.message,
                    response_id=response.id,
                )
            log.info("questionnaire completed conversation=%s", conversation.id)
            return Outcome(
                [
                    Reply(self._("Thank you! You have answered all the questions.")),
                    Reply(
                        self._(
                            "Your answers have been sent to your care team. They will contact you if "
                            "there is a need. If you want to see your answers, write “show my answers”."
                        ),
                        meta={"kind": "completed"},
                    ),
                ]
            )

    # ----------------------------------------------------------------- interruptions

    def explain(self, inbound: Inbound) -> Outcome:
        with session_scope(self.session_factory) as session:
            conversation, _patient = self._load(session, inbound.conversation_id)
            if conversation.status != "active" or conversation.patient.consent != "given":
                return Outcome([self._about_reply()])
            questionnaire, _response, _answers, current = self._state(session, conversation)
            if current is None:
                return Outcome([self._about_reply()])
            explanation = self._explanation(questionnaire, current, inbound.text)
            return Outcome([explanation, *self._signal(session, conversation, "explain")])

    def _explanation(self, questionnaire: Questionnaire, item: Item, asked: str) -> Reply:
        """The option word the patient asked about, else the question, else the scale."""
        lowered = asked.lower()
        for option in sorted(item.options, key=lambda o: len(o.display), reverse=True):
            explanation = option.help or item.option_help.get(option.display)
            if explanation and option.display.lower() in lowered:
                return Reply(f"“{option.display}”: {explanation}", meta={"kind": "explanation"})
        text = item.help or questionnaire.scale_explanation_for("plain")
        if not text:
            text = self._("Answer what fits you best. There are no right or wrong answers.")
        return Reply(text, meta={"kind": "explanation"})

    def _about_reply(self) -> Reply:
        return Reply(
            self._(
                "I am a chatbot. I ask questions about how you are doing, and I store your "
                "answers for your care team. I cannot give advice about illness or treatment."
            )
        )

    def why(self, inbound: Inbound) -> Outcome:
        with session_scope(self.session_factory) as session:
            conversation, patient = self._load(session, inbound.conversation_id)
            if patient.consent != "given":
                return Outcome([self._about_reply()])
            questionnaire, _response, _answers, current = self._state(session, conversation)
            text = (current.why if current is not None and current.why else None) or (
                questionnaire.purpose
            )
            return Outcome([Reply(text)])

    def help(self, inbound: Inbound) -> Outcome:
        crisis = self.settings.crisis
        return Outcome(
            [
                Reply(
                    self._(
                        "You can write:\n"
                        "• “what does that mean” – I explain the question\n"
                        "• “why do you ask” – I tell you why\n"
                        "• “skip” – we skip the question\n"
                        "• “change my answer” – you can change your last answer\n"
                        "• “show my answers” – you see your answers\n"
                        "• “pause” – we stop for now, and you can come back later\n"
                        "If it is urgent, call {emergency}.",
                        emergency=crisis.emergency,
                    )
                )
            ]
        )

    def pause(self, inbound: Inbound) -> Outcome:
        with session_scope(self.session_factory) as session:
            conversation, _patient = self._load(session, inbound.conversation_id)
            if conversation.status == "active":
                conversation.status = "paused"
            return Outcome(
                [
                    Reply(
                        self._(
                            "That is fine. Your answers are saved. Write “continue” when you are ready."
                        ),
                        buttons=(self._continue_button(),),
                    )
                ]
            )

    def stop(self, inbound: Inbound) -> Outcome:
        with session_scope(self.session_factory) as session:
            conversation, _patient = self._load(session, inbound.conversation_id)
            if conversation.status in {"active", "paused"}:
                conversation.status = "stopped"
            return Outcome(
                [
                    Reply(
                        self._(
                            "Thank you for now. The answers you have given are saved. You can come back "
                            "at any time with your link and continue."
                        ),
                        # One tap back in, in case "stop" was not what the patient meant.
                        buttons=(self._continue_button(),),
                    )
                ]
            )

    def _continue_button(self) -> Button:
        return Button(self._("Continue"), "/start")

    def correct(self, inbound: Inbound) -> Outcome:
        with session_scope(self.session_factory) as session:
            conversation, patient = self._load(session, inbound.conversation_id)
            if patient.consent != "given":
                return Outcome([Reply(self._("There is no answer to change yet."))])
            questionnaire, _response, answers, current = self._state(session, conversation)
            chosen = inbound.entities.get("link_id")
            if chosen and chosen in answers:
                target = questionnaire.item(chosen)
                reply = Reply(self._("Okay. Let us change that answer."))
            else:
                previous = previous_answered(questionnaire, answers, current)
                if previous is None:
                    return Outcome([Reply(self._("There is no answer to change yet."))])
                target = previous
                reply = Reply(self._("Okay. Let us change your answer to the previous question."))
            conversation.reopened_link_id = target.link_id
            conversation.pending = None
            conversation.attempts = 0
            if conversation.status == "completed":
                conversation.status = "active"
            replies = [reply]
            others = [
                item
                for item in questionnaire.answerable_items
                if item.link_id in answers and item.link_id != target.link_id
            ]
            if others and not chosen:
                level = conversation.patient.literacy_level
                replies.append(
                    Reply(
                        self._("Or choose another answer to change:"),
                        buttons=tuple(
                            Button(
                                title,
                                "/correct"
                                + json.dumps({"link_id": item.link_id}, separators=(",", ":")),
                            )
                            for item, title in zip(
                                others[-6:],
                                _item_titles(
                                    [self.wording(questionnaire, i, level) for i in others[-6:]]
                                ),
                                strict=True,
                            )
                        ),
                        meta={"kind": "choose_correction"},
                    )
                )
            return Outcome(
                replies + self._signal(session, conversation, "correction"),
                resume_questionnaire=True,
            )

    def show_answers(self, inbound: Inbound) -> Outcome:
        with session_scope(self.session_factory) as session:
            conversation, patient = self._load(session, inbound.conversation_id)
            if patient.consent != "given":
                return Outcome([Reply(self._("You have not answered any questions yet."))])
            questionnaire = self._questionnaire(conversation)
            response = open_response(session, conversation, questionnaire.version)
            rows = current_answers(session, response.id)
            audit(session, actor="patient", action="answers.view.self", patient_id=patient.id)
            if not rows:
                return Outcome([Reply(self._("You have not answered any questions yet."))])
            lines = [self._("Your answers so far:")]
            for row in rows:
                item = questionnaire.item(row.link_id)
                shown = row.display if row.status == "answered" else self._("(skipped)")
                lines.append(f"• {item.text_for(patient.literacy_level)}: {shown}")
            return Outcome([Reply("\n".join(lines))])

    def small_talk(self, inbound: Inbound) -> Outcome:
        if inbound.intent == "thanks":
            return Outcome([Reply(self._("You are welcome."))])
        return Outcome([Reply(self._("Hi! We continue with the questions."))])

    def change_level(self, inbound: Inbound) -> Outcome:
        with session_scope(self.session_factory) as session:
            conversation, patient = self._load(session, inbound.conversation_id)
            wanted = shorter if inbound.intent == "shorter" else simpler
            change = LevelChange(
                wanted(patient.literacy_level), f"patient asked: {inbound.intent or 'simpler'}"
            )
            replies = [Reply(self._("Okay. I will keep it simple and short."))]
            return Outcome(replies + self._set_level(session, conversation, change))

    def read_aloud(self, inbound: Inbound) -> Outcome:
        """Read-aloud is switched on by the patient; questions then carry audio."""
        from bot import speech

        with session_scope(self.session_factory) as session:
            conversation, patient = self._load(session, inbound.conversation_id)
            if not speech.available():
                told = any(
                    (m.meta or {}).get("kind") == "no_speech"
                    for m in recent_outbound(session, conversation.id, limit=200)
                )
                if told:
                    return Outcome([Reply(self._("We continue in text."))])
                return Outcome(
                    [
                        Reply(
                            self._("Sorry, I cannot read aloud right now. We continue in text."),
                            meta={"kind": "no_speech"},
                        )
                    ]
                )
            patient.read_aloud = True
            add_event(session, conversation, "read_aloud", enabled=True)
            if last_inbound_channel(session, conversation.id) == "telegram":
                return Outcome(
                    [Reply(self._("Okay. From now on the questions also come as voice messages."))]
                )
            return Outcome(
                [Reply(self._("Okay. Now you can hear the questions. Press “Read aloud”."))]
            )

    def talk_to_person(self, inbound: Inbound) -> Outcome:
        with session_scope(self.session_factory) as session:
            conversation, _patient = self._load(session, inbound.conversation_id)
            add_alert(
                session,
                conversation,
                rule_id="talk-to-person",
                level="yellow",
                urgent=False,
                message="Patient asked to talk to a person.",
            )
            crisis = self.settings.crisis
            return Outcome(
                [
                    Reply(
                        self._(
                            "I have asked a nurse to contact you. If it is urgent, call {helpline_name} on "
                            "{helpline} or {emergency}.",
                            helpline_name=crisis.medical_helpline_name,
                            helpline=crisis.medical_helpline,
                            emergency=crisis.emergency,
                        )
                    )
                ]
            )

    def fallback(self, inbound: Inbound) -> Outcome:
        return Outcome(
            [
                Reply(
                    self._(
                        "Sorry, I did not understand that. Write “help” to see what you can write."
                    )
                )
            ]
        )
