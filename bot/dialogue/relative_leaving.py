"""A relative leaves, in their own conversation: "jeg vil ikke være med mere" (or asking for
their data to be deleted) there is the relative's, never the patient's. Asked first (Ja/Nej,
awaited kind ``relative_leave``); "Ja" ends their access as the patient's revocation does
(their links answer 410), and the patient's own participation is untouched. Deleting a
relative's answers is done by the department (they are told so).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from bot.dialogue.awaiting import await_reply
from bot.dialogue.consent import yes_or_no
from bot.dialogue.context import DialogueContext
from bot.dialogue.outcome import Outcome
from bot.dialogue.state import TurnState
from bot.dialogue.texts import yes_no_buttons
from bot.storage import relatives as stored
from bot.turn.messages import Inbound, Reply

LEAVE = "relative_leave"

Step = Callable[[DialogueContext, TurnState, Inbound], Outcome]


def patient_only(step: Step) -> Step:
    """The patient's step (leaving the study, deleting their data); in a relative's own
    conversation the relative's own leaving instead, so a relative's "jeg vil ikke være med
    mere" never withdraws the patient."""

    def run(ctx: DialogueContext, state: TurnState, inbound: Inbound) -> Outcome:
        if state.relative is None:
            return step(ctx, state, inbound)
        return _relative_leave_question(ctx, state, deleting=inbound.intent == "delete_data")

    return run


def _relative_leave_question(ctx: DialogueContext, state: TurnState, *, deleting: bool) -> Outcome:
    await_reply(state.conversation, LEAVE)
    text = ctx._(
        "Do you want to stop? Then your link stops working, and you get no more questions. "
        "The answers you have given are kept for the care team."
    )
    if deleting:
        text += " " + ctx._("If you want your answers deleted, tell the department.")
    return Outcome([Reply(text, buttons=yes_no_buttons(ctx), meta={"kind": "relative_leave"})])


def _leave_answered(ctx: DialogueContext, state: TurnState, inbound: Inbound) -> Outcome | None:
    relative = state.relative
    decision = yes_or_no(inbound)
    if relative is None or decision is None:
        return None
    if not decision:
        return Outcome([Reply(ctx._("Okay. Nothing is changed."))])
    stored.revoke_relative(state.session, relative, by="relative")
    state.conversation.status = "stopped"
    return Outcome(
        [
            Reply(
                ctx._("You are no longer taking part. Thank you for your help."),
                meta={"kind": "relative_left"},
            )
        ]
    )


AWAITED: Mapping[str, Callable[[DialogueContext, TurnState, Inbound], Outcome | None]] = {
    LEAVE: _leave_answered,
}
