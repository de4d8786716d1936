"""Questions for the doctor: written down in the conversation, for the next consultation.

Two ways in, after consent only (nothing is written before it):

- The patient says they have a question ("jeg har et spørgsmål til lægen"): the bot asks for
  it and waits (`await_reply`, kind ``doctor_question``); the next message is the question.
  If the first message already holds it ("… til lægen: hvor længe varer kuren?"), it is
  written down at once, in the patient's own words, the whole message as typed.
- A medical question the bot may not answer ("skal jeg tage flere piller?") gets no advice
  and the offer to write it down (kind ``offer_doctor_question``, the typed words held in the
  awaiting data until "Ja").

Either way the question is stored in the same turn, and mid-questionnaire the same item comes
back (`Dialogue._awaited`). The question's text is never logged.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping

from bot.dialogue.awaiting import await_reply
from bot.dialogue.context import DialogueContext
from bot.dialogue.crisis import medical_question as no_advice
from bot.dialogue.outcome import Outcome
from bot.dialogue.state import TurnState
from bot.dialogue.texts import yes_no_buttons
from bot.questionnaire.normalize import normalize
from bot.storage.doctor_questions import add_question
from bot.storage.question_models import MAX_QUESTION
from bot.turn.messages import Inbound, Reply
from bot.turn.payloads import PAYLOAD_PATTERN

log = logging.getLogger(__name__)

ASKED, OFFERED = "doctor_question", "offer_doctor_question"
# "Nej" and its kin: the patient had no question after all. Only short messages: "nej, men
# må jeg drikke vin?" is a question.
CANCEL_WORDS = frozenset({
    "nej", "nej tak", "glem det", "ikke alligevel", "nej ikke alligevel", "fortryd", "stop",
    "annuller", "ingen", "ingenting", "det var ikke noget", "intet", "nej glem det",
})  # fmt: skip
YES_WORDS = frozenset({"ja", "ja tak", "ja gerne", "gerne", "ja det må du gerne", "ok", "okay"})
SHORT = 4
# Short messages that are a request to the chat, not a question (the engine's step runs).
REQUESTS = frozenset({
    "help", "pause", "stop", "talk_to_person", "show_answers", "correct", "change_level",
    "read_aloud", "withdraw", "delete_data", "invite_relative", "revoke_relative",
})  # fmt: skip
# The question itself after "… spørgsmål til lægen" or "spørg lægen om …".
_QUESTION_AFTER = re.compile(
    r"(?:spørgsmål\s+til\s+(?:min\s+|din\s+)?(?:læge|lægen|doktor|doktoren)"
    r"|spørg\w*\s+(?:min\s+|din\s+)?(?:læge|lægen|doktor|doktoren)\s+om)"
    r"\s*[:,.;!–-]*\s*(?P<question>.*)$",
    re.IGNORECASE | re.DOTALL,
)
QUESTION_WORDS = 2


def _typed(inbound: Inbound) -> str:
    """What the patient typed; "" for a button press (its payload is not their words)."""
    text = inbound.text.strip()
    return "" if PAYLOAD_PATTERN.match(text) else text


def _says(inbound: Inbound, intent: str, words: frozenset[str]) -> bool:
    typed = _typed(inbound)
    said = normalize(typed)
    if "?" in typed:
        return False  # "nej, må jeg cykle?" asks something
    if inbound.intent == intent and (not said or len(said.split()) <= SHORT):
        return True
    return said in words


def question_in(text: str) -> str | None:
    """The question when the message that asks to put one already holds it, else None."""
    found = _QUESTION_AFTER.search(text)
    if found is None:
        return None
    rest = normalize(found.group("question"))
    return text.strip() if len(rest.split()) >= QUESTION_WORDS else None


def _store(ctx: DialogueContext, state: TurnState, text: str, source: str) -> Outcome:
    add_question(state.session, state.conversation, text[:MAX_QUESTION], source=source)
    log.info("doctor question stored source=%s", source)
    return Outcome(
        [
            Reply(
                ctx._(
                    "Thank you. I have written your question down. It will be on the list for "
                    "your next talk with the doctor."
                ),
                meta={"kind": "doctor_question_stored"},
            )
        ]
    )


def _nothing_written(ctx: DialogueContext) -> Outcome:
    return Outcome([Reply(ctx._("That is fine. I have not written anything down."))])


def _not_for_relatives(ctx: DialogueContext) -> Outcome:
    # A relative's own conversation: their words are not the patient's question, and the
    # list is the patient's.
    return Outcome(
        [
            Reply(
                ctx._(
                    "Here I can only write down what the patient wants to ask. Do you have a "
                    "question yourself? Then ask the care team."
                )
            )
        ]
    )


def doctor_question(ctx: DialogueContext, state: TurnState, inbound: Inbound) -> Outcome:
    """The patient has a question for the doctor: write it down, or ask for it."""
    if state.conversation.relative_id is not None:
        return _not_for_relatives(ctx)
    typed = _typed(inbound)
    question = question_in(typed) if typed else None
    if question is not None:
        return _store(ctx, state, question, "asked")
    await_reply(state.conversation, ASKED)
    return Outcome(
        [
            Reply(
                ctx._("Write your question for the doctor. Then I will write it down."),
                meta={"kind": "doctor_question_ask"},
            )
        ]
    )


def _awaited_question(ctx: DialogueContext, state: TurnState, inbound: Inbound) -> Outcome | None:
    """The patient's reply to "Skriv dit spørgsmål": the question, a "nej", or not for us."""
    if inbound.entities.get("code"):
        return None  # an answer button of the item: the patient went on answering
    if _says(inbound, "deny", CANCEL_WORDS):
        return _nothing_written(ctx)
    typed = _typed(inbound)
    if not typed:
        return None  # another button ("Fortsæt", "Hold en pause"): its own step runs
    short = len(typed.split()) <= SHORT
    if inbound.intent in REQUESTS and short:
        return None  # "hjælp", "pause": a request to the chat, not the question
    if inbound.intent == "doctor_question" and question_in(typed) is None:
        return None  # said again that they have one: the step asks for it again
    return _store(ctx, state, typed, "asked")


def medical_question(ctx: DialogueContext, state: TurnState, inbound: Inbound) -> Outcome:
    """No advice, ever; the offer to write the question down for the doctor (after consent:
    before it the reply alone, see service.RULES)."""
    outcome = no_advice(ctx, state, inbound)
    typed = _typed(inbound)
    if not typed or state.conversation.relative_id is not None:
        return outcome
    await_reply(state.conversation, OFFERED, text=typed[:MAX_QUESTION])
    outcome.replies.append(
        Reply(
            ctx._("Shall I write it down as a question for your doctor?"),
            buttons=yes_no_buttons(ctx),
            meta={"kind": "doctor_question_offer"},
        )
    )
    return outcome


def _awaited_offer(ctx: DialogueContext, state: TurnState, inbound: Inbound) -> Outcome | None:
    """A "Ja" writes the held question down, a "Nej" nothing; anything else is not an
    answer to the offer (the engine's step runs, e.g. an answer to the item)."""
    awaited = state.replying_to
    held = str(awaited.data.get("text") or "") if awaited is not None else ""
    if inbound.entities.get("code"):
        return None
    if _says(inbound, "affirm", YES_WORDS) and held:
        return _store(ctx, state, held, "offered")
    if _says(inbound, "deny", CANCEL_WORDS):
        return _nothing_written(ctx)
    return None


AWAITED: Mapping[str, Callable[[DialogueContext, TurnState, Inbound], Outcome | None]] = {
    ASKED: _awaited_question,
    OFFERED: _awaited_offer,
}
