"""What the bot does when a message may mean danger: a possible crisis (thoughts of suicide or
self-harm) or a medical red flag (fever, bleeding, breathing, strong pain, vomiting).

A crisis gets, in the same turn, the crisis message with the patient's site's numbers, an
urgent alert for the care team (also before consent: vital interest; no answer is stored),
and a choice to pause or go on. The conversation never ends on it. The text is never logged.
"""

from __future__ import annotations

import logging

from bot.dialogue.context import DialogueContext
from bot.dialogue.outcome import Outcome
from bot.dialogue.recording import record_alert
from bot.dialogue.state import TurnState
from bot.dialogue.texts import continue_button, crisis_reply
from bot.turn.messages import Button, Inbound, Reply
from bot.turn.payloads import intent_payload

log = logging.getLogger(__name__)

CRISIS_ALERT = (
    "Patient wrote something that may mean thoughts of suicide or self-harm. "
    "Contact the patient today."
)
RED_FLAG_ALERT = (
    "Patient wrote about a symptom that may need urgent care "
    "(fever, bleeding, breathing, strong pain or vomiting)."
)


def _alert_id(kind: str, state: TurnState) -> str:
    # One alert per message (a later crisis in the same conversation alerts again), and only
    # one if two steps of the same turn look at the same message.
    return f"{kind}:{state.inbound_message_id or 'turn'}"


def crisis_step(ctx: DialogueContext, state: TurnState, inbound: Inbound) -> Outcome:
    record_alert(
        state, rule_id=_alert_id("crisis", state), level="red", urgent=True, message=CRISIS_ALERT
    )
    log.warning("crisis alert raised")
    return crisis_outcome(ctx, state)


def crisis_outcome(ctx: DialogueContext, state: TurnState) -> Outcome:
    """The crisis message, then the choice; no question follows in this turn."""
    conversation = state.conversation
    if state.consented and conversation.status == "active":
        # Paused until the patient chooses: the questionnaire is not asked in this turn.
        conversation.status = "paused"
    contacts = state.contacts(ctx)
    replies = [crisis_reply(ctx, contacts)]
    if contacts.department:
        replies.append(
            Reply(
                ctx._(
                    "If you are in treatment, you can also call your department on {department}.",
                    department=contacts.department,
                )
            )
        )
    replies.append(
        Reply(
            ctx._("Do you want to take a break, or go on with the questions?"),
            buttons=(
                Button(ctx._("Take a break"), intent_payload("pause")),
                continue_button(ctx),
            ),
            meta={"kind": "crisis_choice"},
        )
    )
    return Outcome(replies)


def red_flag_reply(ctx: DialogueContext, state: TurnState) -> Reply:
    """Call the department now (and an urgent alert): said before whatever the step says."""
    record_alert(
        state,
        rule_id=_alert_id("red-flag", state),
        level="red",
        urgent=True,
        message=RED_FLAG_ALERT,
    )
    contacts = state.contacts(ctx)
    if contacts.department:
        text = ctx._(
            "If you have a fever or suddenly feel very unwell, call your department now on "
            "{department}.",
            department=contacts.department,
        )
    else:
        text = ctx._(
            "If you have a fever or suddenly feel very unwell, call {acute_name} now on "
            "{acute_number}. If your life is in danger, call {emergency}.",
            acute_name=contacts.medical_helpline_name,
            acute_number=contacts.medical_helpline,
            emergency=contacts.emergency,
        )
    return Reply(text, meta={"kind": "red_flag"})


def medical_question(ctx: DialogueContext, state: TurnState, inbound: Inbound) -> Outcome:
    """No advice, ever: the care team answers medical questions. The item comes back."""
    return Outcome([Reply(ctx._("I cannot answer that. Ask your care team."))])
