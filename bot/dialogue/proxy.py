"""A relative answering on the patient's behalf, in the relative's own chat.

When the relative has answered their own questionnaire, and the patient has said yes to it,
the bot offers to let them answer the patient's open questionnaire too (Ja/Nej). "Ja" opens a
second conversation of the relative's (bot/storage/proxy_conversations.py) that their link
opens from the next message on; a "Start" button starts it. There the items are asked with
their exact wording (a validated instrument is never reworded), after one intro line that says
whom the relative answers for and that "jeg"/"du" in the questions means that person.

A relative is never told anything about the patient: not the patient's answers, nor their
schedule. The relation is the patient's word for the relative ("min datter"), so the relative
hears "den, du er pårørende til".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from bot.dialogue.awaiting import await_reply
from bot.dialogue.context import DialogueContext
from bot.dialogue.outcome import Outcome
from bot.dialogue.state import TurnState
from bot.dialogue.texts import yes_no_buttons
from bot.storage.proxy_conversations import (
    is_proxy,
    open_proxy_conversation,
    proxy_questionnaire_id,
)
from bot.storage.relatives import RELATIVE_QUESTIONNAIRE_ID, get_relative, may_answer_now
from bot.turn.messages import Button, Inbound, Reply
from bot.turn.payloads import START_PAYLOAD

PROXY_OFFER = "proxy_offer"
INTRO_KIND = "proxy_intro"


def _offered_questionnaire(ctx: DialogueContext, state: TurnState) -> str | None:
    """What the relative may answer for the patient now, or None (not allowed, nothing open)."""
    relative = get_relative(state.session, state.conversation.relative_id)
    if relative is None or not may_answer_now(relative):
        return None
    return proxy_questionnaire_id(state.session, relative.patient_id, ctx.questionnaires)


def _offer(ctx: DialogueContext, state: TurnState, questionnaire_id: str) -> Reply:
    await_reply(state.conversation, PROXY_OFFER, questionnaire_id=questionnaire_id)
    return Reply(
        ctx._(
            "You may also answer some questions on behalf of the person you are a relative "
            "of. They have said yes to that. Do you want to do it now?"
        ),
        buttons=yes_no_buttons(ctx),
        meta={"kind": "proxy_offer"},
    )


def after_complete(ctx: DialogueContext, state: TurnState, outcome: Outcome) -> Outcome:
    """The replies once a questionnaire is completed: after the relative's own, the offer to
    answer for the patient (when allowed and something is open); after a proxy one, thanks
    that say the care team sees who answered."""
    conversation = state.conversation
    if is_proxy(conversation):
        return Outcome(
            [
                Reply(
                    ctx._(
                        "Thank you. Your answers for the person you are a relative of are "
                        "saved. The care team can see that you gave them."
                    ),
                    meta={"kind": "completed"},
                )
            ],
            finished=outcome.finished,
        )
    if conversation.relative_id is None or conversation.questionnaire_id != (
        RELATIVE_QUESTIONNAIRE_ID
    ):
        return outcome
    questionnaire_id = _offered_questionnaire(ctx, state)
    if questionnaire_id is not None:
        outcome.replies.append(_offer(ctx, state, questionnaire_id))
    return outcome


def offer_again(ctx: DialogueContext, state: TurnState) -> list[Reply]:
    """The offer once more when a relative writes after completing their own questionnaire
    without saying Ja (they said Nej, or come back after the offer went stale): their link
    opens their own conversation until they say Ja, the proxy one after."""
    conversation = state.conversation
    if conversation.relative_id is None or is_proxy(conversation) or state.awaiting is not None:
        return []
    questionnaire_id = _offered_questionnaire(ctx, state)
    return [] if questionnaire_id is None else [_offer(ctx, state, questionnaire_id)]


def intro(ctx: DialogueContext, state: TurnState) -> list[Reply]:
    """The line before the first item of a proxy conversation (once): whom the relative
    answers for, and that "jeg" and "du" in the questions mean that person."""
    if not is_proxy(state.conversation) or INTRO_KIND in state.shown:
        return []
    return [
        Reply(
            ctx._(
                "Now you answer for the person you are a relative of. The questions are "
                "written as if that person answers them. Answer as you think they would answer."
            ),
            meta={"kind": INTRO_KIND},
        )
    ]


def offer_reply(ctx: DialogueContext, state: TurnState, inbound: Inbound) -> Outcome | None:
    """The relative's "Ja" or "Nej" to the offer. Whether they may is checked again: the
    patient may have taken it back meanwhile."""
    if inbound.intent == "deny":
        return Outcome([Reply(ctx._("That is fine. Thank you for your answers."))])
    questionnaire_id = _offered_questionnaire(ctx, state)
    relative = get_relative(state.session, state.conversation.relative_id)
    if questionnaire_id is None or relative is None:
        return Outcome([Reply(ctx._("There are no questions to answer right now. Thank you."))])
    if inbound.intent != "affirm":
        # Not a yes or a no: the offer stands, with its buttons.
        return Outcome([_offer(ctx, state, questionnaire_id)])
    open_proxy_conversation(
        state.session, relative, questionnaire_id, state.conversation.invitation_id
    )
    return Outcome(
        [
            Reply(
                ctx._("Good. Tap Start when you are ready."),
                buttons=(Button(ctx._("Start"), START_PAYLOAD),),
            )
        ]
    )


AWAITED: Mapping[str, Callable[[DialogueContext, TurnState, Inbound], Outcome | None]] = {
    PROXY_OFFER: offer_reply,
}
