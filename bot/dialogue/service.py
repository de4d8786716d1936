"""The dialogue's entry point: each step of a conversation as one turn over the database.

`Dialogue._turn` is the only place that opens a session: it loads the `TurnState` once,
applies the one consent rule, runs the step and commits once, so every answer is stored
before the reply that carries the next question leaves.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import partial

from sqlalchemy.orm import Session, sessionmaker

from bot.dialogue import (
    crisis,
    doctor_questions,
    levels,
    proxy,
    relatives,
    safety,
    steps,
    withdrawal,
)
from bot.dialogue import interruptions as say
from bot.dialogue.answering import answer, is_answer
from bot.dialogue.awaiting import clear_awaiting
from bot.dialogue.consent import consent_step
from bot.dialogue.context import DialogueContext
from bot.dialogue.outcome import Outcome
from bot.dialogue.state import TurnState, load_state
from bot.i18n import Texts
from bot.questionnaire.model import Questionnaire
from bot.settings import Settings
from bot.storage.conversations import Refused, lock_conversation, refusing_duplicates
from bot.storage.db import session_scope
from bot.turn.messages import Inbound, Reply
from bot.turn.payloads import PAYLOAD_PATTERN
from bot.turn.typed import as_typed

Step = Callable[[DialogueContext, TurnState, Inbound], Outcome]
# A step for an awaited reply (bot/dialogue/awaiting.py); None: not its reply after all (a
# press of an answer button, say), and the engine's step runs instead.
AwaitedStep = Callable[[DialogueContext, TurnState, Inbound], Outcome | None]


def _quiet(ctx: DialogueContext, state: TurnState, inbound: Inbound) -> Outcome:
    return Outcome()


@dataclass(frozen=True)
class Rule:
    """A step, and what stands in for it until the patient has consented: the step itself
    where it writes nothing, a reply alone, or the consent conversation (where the message
    may be the patient's answer to the consent question, or needs consent to be acted on)."""

    step: Step
    before_consent: Step


# The one consent rule, for every step: nothing about the patient is written before consent.
RULES: Mapping[str, Rule] = {
    "answer": Rule(answer, consent_step),
    "ask": Rule(lambda ctx, state, _inbound: steps.ask(ctx, state), _quiet),
    "complete": Rule(lambda ctx, state, _inbound: steps.complete(ctx, state), _quiet),
    "explain": Rule(say.explain, say.about),
    "why": Rule(say.why, say.about),
    "help": Rule(say.help_text, say.help_text),
    "pause": Rule(say.pause, say.paused_reply),
    "stop": Rule(say.stop, say.stopped_reply),
    "correct": Rule(say.correct, say.nothing_to_change),
    "show_answers": Rule(say.show_answers, say.nothing_answered),
    "small_talk": Rule(say.small_talk, say.small_talk),
    "change_level": Rule(levels.change_level, consent_step),
    "read_aloud": Rule(levels.read_aloud, consent_step),
    "talk_to_person": Rule(say.talk_to_person, consent_step),
    "fallback": Rule(say.fallback, say.fallback),
    # Vital interest: a possible crisis is answered and alerted on before consent too.
    "crisis": Rule(crisis.crisis_step, crisis.crisis_step),
    # No advice either way; after consent also the offer to write it down for the doctor.
    "medical_question": Rule(doctor_questions.medical_question, crisis.medical_question),
    "doctor_question": Rule(doctor_questions.doctor_question, consent_step),
    "invite_relative": Rule(relatives.invite_relative, consent_step),
    "revoke_relative": Rule(relatives.revoke_relative, consent_step),
    # In a relative's own conversation: the relative leaves, never the patient.
    "withdraw": Rule(relatives.patient_only(withdrawal.withdraw), consent_step),
    "delete_data": Rule(relatives.patient_only(withdrawal.delete_data), consent_step),
}
# What takes the patient's next message when the bot waits for it (Awaiting.kind -> step).
# Only after consent: nothing before it sets one.
AWAITED: Mapping[str, AwaitedStep] = {
    **doctor_questions.AWAITED,
    **relatives.AWAITED,
    **proxy.AWAITED,
    **withdrawal.AWAITED,
}
# Steps a medical question must never land in ("skal jeg tage flere piller?" is no "stop").
MEDICAL_OVERRIDES = frozenset({"pause", "stop", "fallback"})
# Steps an action may run after checking that the message was not an answer after all.
INTERRUPTIONS = frozenset(RULES) - {"answer", "ask", "complete"}
# Interruptions that are never an answer in disguise.
NEVER_ANSWERS = frozenset({"talk_to_person", "crisis"})


def typed_text(inbound: Inbound) -> str:
    """What the patient typed; "" for a button press (its payload is no patient text)."""
    text = inbound.text.strip()
    return "" if PAYLOAD_PATTERN.match(text) else text


def _as_typed(inbound: Inbound) -> Inbound:
    """The message with the patient's text as typed (see bot.turn.typed)."""
    text = as_typed(inbound.text)
    return inbound if text == inbound.text else replace(inbound, text=text)


def _step_for(name: str, inbound: Inbound) -> str:
    """The step for the engine's choice. Typed text that starts with "/" is text, never a
    command ("/stop" typed in the web chat does not stop; a Telegram command arrives as a
    button payload): it may still answer the item or be a crisis, nothing else."""
    if name in INTERRUPTIONS and name != "crisis" and as_typed(inbound.text) != inbound.text:
        name = "fallback"
    return _medical_or(name, _as_typed(inbound))


def _medical_or(name: str, inbound: Inbound) -> str:
    text = typed_text(inbound)
    if name in MEDICAL_OVERRIDES and text and safety.is_medical_question(text):
        return "medical_question"
    return name


# Messages the engine sends to the start action outside the form that may answer the item.
RESUMING_ANSWERS = frozenset({"inform", "dont_know", "skip", "affirm", "deny"})
ACTIVE = frozenset({"active", "paused"})


def _answers_outside_the_form(state: TurnState, inbound: Inbound) -> bool:
    current = state.current
    if inbound.intent not in RESUMING_ANSWERS:
        return False
    # Paused too: an answer typed after "Hold en pause" is the patient carrying on.
    if current is None or not state.consented or state.conversation.status not in ACTIVE:
        return False
    if state.presented_link_id != current.link_id:
        return False
    if inbound.intent in {"affirm", "deny"} and state.pending is None:
        return is_answer(state, inbound)  # "ja" answers a yes/no item, not any item
    return True


@dataclass(frozen=True)
class Interrupted:
    outcome: Outcome
    # The message answered the current item after all (and was stored as such).
    answered: bool


class Dialogue:
    def __init__(
        self,
        settings: Settings,
        session_factory: sessionmaker[Session],
        questionnaires: Mapping[str, Questionnaire],
        texts: Texts,
    ) -> None:
        self.session_factory = session_factory
        self.ctx = DialogueContext(settings, texts, questionnaires)

    @property
    def settings(self) -> Settings:
        return self.ctx.settings

    @property
    def texts(self) -> Texts:
        return self.ctx.texts

    @property
    def questionnaires(self) -> Mapping[str, Questionnaire]:
        return self.ctx.questionnaires

    def _turn(
        self, inbound: Inbound, run: Callable[[TurnState], Outcome], *, crisis_step: bool = False
    ) -> Outcome:
        """One unit of work: load the state once, check the typed text for danger whatever
        step the engine chose, give an awaited reply to its step, run, commit once."""
        typed = typed_text(inbound)
        with session_scope(self.session_factory) as session:
            # First, before anything is read: two turns of one conversation (two tabs, two
            # app or engine processes) never decide on the same state.
            lock_conversation(session, inbound.conversation_id)
            state = load_state(self.ctx, session, inbound.conversation_id)
            if crisis_step or (typed and safety.is_crisis(typed)):
                # Whatever the bot was waiting for, a crisis is answered first, never stored
                # as a question or taken as a "ja".
                clear_awaiting(state.conversation)
                return crisis.crisis_step(self.ctx, state, inbound)
            try:
                with refusing_duplicates(session):
                    outcome = self._awaited(state, inbound) or run(state)
            except Refused:
                # The item was answered meanwhile (the database refused a second current
                # answer): nothing of this step is kept; the engine asks the current item.
                state = load_state(self.ctx, session, inbound.conversation_id)
                return Outcome(
                    [Reply(self.ctx._("Your answer is saved. Here is the next question."))],
                    finished=state.current is None,
                )
            if typed and safety.red_flag(typed):
                outcome.replies.insert(0, crisis.red_flag_reply(self.ctx, state))
            return outcome

    def _awaited(self, state: TurnState, inbound: Inbound) -> Outcome | None:
        """The step of the reply the bot waits for, if this message is the patient's (the
        engine's own "ask"/"complete" carry no text) and the step takes it."""
        awaited = state.awaiting
        if awaited is None or not inbound.text.strip() or not state.consented:
            return None
        state.replying_to = awaited  # what it waited for stays readable by the step
        clear_awaiting(state.conversation)  # the step sets a new one if it waits again
        outcome = AWAITED[awaited.kind](self.ctx, state, inbound)
        if outcome is not None and state.awaiting is None and state.mid_questionnaire:
            outcome.resume_questionnaire = True  # the same item comes back
        return outcome

    def _apply(self, rule: Rule, state: TurnState, inbound: Inbound) -> Outcome:
        """The consent rule, the same for every step."""
        step = rule.step if state.consented else rule.before_consent
        return step(self.ctx, state, inbound)

    def run(self, name: str, inbound: Inbound) -> Outcome:
        """One named step (see RULES) for the patient's latest message."""
        step = _step_for(name, inbound)
        inbound = _as_typed(inbound)
        run = partial(self._apply, RULES[step], inbound=inbound)
        return self._turn(inbound, run, crisis_step=step == "crisis")

    def start(self, inbound: Inbound, *, questionnaire_active: bool) -> Outcome:
        """First contact, consent, and resuming (see steps.start). Outside the form (after a
        pause, a "not understood" that left it, or an engine that lost its tracker) a message
        that answers the item the patient sees is stored as its answer, never dropped."""
        inbound = _as_typed(inbound)
        rule = Rule(partial(steps.start, questionnaire_active=questionnaire_active), consent_step)

        def run(state: TurnState) -> Outcome:
            if not questionnaire_active and _answers_outside_the_form(state, inbound):
                outcome = self._apply(RULES["answer"], state, replace(inbound, intent="inform"))
                outcome.resume_questionnaire = not outcome.finished
                return outcome
            return self._apply(rule, state, inbound)

        outcome = self._turn(inbound, run)
        if outcome.finished:  # that was the last item: close it, as the form would have
            done = self.complete(inbound.conversation_id)
            return Outcome([*outcome.replies, *done.replies], finished=True)
        return outcome

    def interrupt(self, name: str, inbound: Inbound) -> Interrupted:
        """An interruption the engine picked; the message may still answer the current item
        ("slet ik" taken for a question), which is decided here, once, in the same turn."""
        step = _step_for(name, inbound)
        inbound = _as_typed(inbound)
        answered: list[bool] = []

        def run(state: TurnState) -> Outcome:
            medical = step == "medical_question"
            if name not in NEVER_ANSWERS and is_answer(state, inbound, medical_question=medical):
                answered.append(True)
                return self._apply(RULES["answer"], state, replace(inbound, intent="inform"))
            outcome = self._apply(RULES[step], state, inbound)
            if step == "fallback" and name != "fallback" and state.mid_questionnaire:
                # A typed "/stop" left the form (the engine's rule) but stops nothing: the
                # patient gets the same question again, as after any "not understood".
                outcome.resume_questionnaire = True
            return outcome

        outcome = self._turn(inbound, run, crisis_step=step == "crisis")
        return Interrupted(outcome, answered=bool(answered))

    def ask(self, conversation_id: str) -> Outcome:
        return self.run("ask", Inbound(conversation_id))

    def complete(self, conversation_id: str) -> Outcome:
        return self.run("complete", Inbound(conversation_id))

    def answer(self, inbound: Inbound) -> Outcome:
        return self.run("answer", inbound)

    def explain(self, inbound: Inbound) -> Outcome:
        return self.run("explain", inbound)

    def why(self, inbound: Inbound) -> Outcome:
        return self.run("why", inbound)

    def help(self, inbound: Inbound) -> Outcome:
        return self.run("help", inbound)

    def pause(self, inbound: Inbound) -> Outcome:
        return self.run("pause", inbound)

    def stop(self, inbound: Inbound) -> Outcome:
        return self.run("stop", inbound)

    def correct(self, inbound: Inbound) -> Outcome:
        return self.run("correct", inbound)

    def show_answers(self, inbound: Inbound) -> Outcome:
        return self.run("show_answers", inbound)

    def change_level(self, inbound: Inbound) -> Outcome:
        return self.run("change_level", inbound)

    def read_aloud(self, inbound: Inbound) -> Outcome:
        return self.run("read_aloud", inbound)

    def talk_to_person(self, inbound: Inbound) -> Outcome:
        return self.run("talk_to_person", inbound)

    def crisis(self, inbound: Inbound) -> Outcome:
        return self.run("crisis", inbound)

    def medical_question(self, inbound: Inbound) -> Outcome:
        return self.run("medical_question", inbound)
