"""Leaving the study in the conversation (withdrawal) and asking for one's data to be deleted.

"Jeg vil ikke være med mere" (step ``withdraw``) asks first, saying plainly what it means, with
three buttons: stay out, stay out and delete, carry on; the bot waits for the reply (kind
``withdraw``). "Slet mine data" (step ``delete_data``) asks too, saying it cannot be undone
(kind ``delete_data``). A yes is carried out in the same turn (bot/storage/withdrawal.py,
bot/storage/deletions.py): the links stop working, so nothing is asked after it (the
conversation's status is ``withdrawn``, see steps.ask). A no brings the same item back. A
crisis is answered before any of this (`Dialogue._turn`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from bot.dialogue.awaiting import await_reply
from bot.dialogue.consent import yes_or_no
from bot.dialogue.context import DialogueContext
from bot.dialogue.outcome import Outcome
from bot.dialogue.state import TurnState
from bot.storage.deletions import request_deletion
from bot.storage.withdrawal import WITHDRAWN, withdraw_patient
from bot.turn.messages import Button, Inbound, Reply
from bot.turn.payloads import intent_payload

WITHDRAW, DELETE = "withdraw", "delete_data"


def withdraw(ctx: DialogueContext, state: TurnState, inbound: Inbound) -> Outcome:
    """The question: leave, leave and delete, or carry on."""
    if state.conversation.status == WITHDRAWN:
        return Outcome([_left_already(ctx)])
    await_reply(state.conversation, WITHDRAW)
    text = ctx._(
        "Do you want to stop taking part? Then you get no more questions or reminders. "
        "Your link will stop working. We keep the answers you have given for your care team. "
        "You can also ask us to delete them. That cannot be undone."
    )
    buttons = (
        Button(ctx._("Yes, I want to stop"), intent_payload("affirm")),
        Button(ctx._("Yes, and delete my data"), intent_payload(DELETE)),
        Button(ctx._("No, I want to go on"), intent_payload("deny")),
    )
    return Outcome([Reply(text, buttons=buttons, meta={"kind": "withdraw"})])


def delete_data(ctx: DialogueContext, state: TurnState, inbound: Inbound) -> Outcome:
    """The question: delete everything (and so leave), or not."""
    if state.conversation.status == WITHDRAWN:
        return Outcome([_left_already(ctx)])
    await_reply(state.conversation, DELETE)
    text = ctx._(
        "Do you want us to delete your answers and what you have written? "
        "That cannot be undone. Then you are no longer taking part, and your link will "
        "stop working."
    )
    buttons = (
        Button(ctx._("Yes, delete my data"), intent_payload("affirm")),
        Button(ctx._("No, keep my data"), intent_payload("deny")),
    )
    return Outcome([Reply(text, buttons=buttons, meta={"kind": "delete_data"})])


def _withdraw_reply(ctx: DialogueContext, state: TurnState, inbound: Inbound) -> Outcome | None:
    if inbound.entities.get("code"):
        return None  # an answer button of the item: the patient carried on
    if inbound.intent == DELETE:
        return _delete(ctx, state)
    decision = yes_or_no(inbound)
    if decision is True:
        withdraw_patient(state.session, state.patient.id, actor="patient")
        return Outcome([
            Reply(ctx._(
                "You are no longer taking part. You get no more questions or reminders, "
                "and your link no longer works. We keep the answers you have given for your "
                "care team. If you want them deleted, or have questions, contact your "
                "department."
            ), meta={"kind": "withdrawn"}),
        ])  # fmt: skip
    if decision is False:
        return _carry_on(ctx, state)
    return None  # something else: the bot stops waiting, and the engine's step runs


def _delete_reply(ctx: DialogueContext, state: TurnState, inbound: Inbound) -> Outcome | None:
    if inbound.entities.get("code"):
        return None
    decision = True if inbound.intent == DELETE else yes_or_no(inbound)
    if decision is True:
        return _delete(ctx, state)
    if decision is False:
        text = ctx._("Fine. We do not delete anything.")
        if state.mid_questionnaire:
            text = ctx._("Fine. We do not delete anything. We go on.")
        return Outcome([Reply(text)])
    return None


def _delete(ctx: DialogueContext, state: TurnState) -> Outcome:
    """Recorded for an admin to carry out (bot/storage/erasure.py), and withdrawn now."""
    request_deletion(state.session, state.patient.id, via="chat")
    withdraw_patient(state.session, state.patient.id, actor="patient")
    return Outcome([
        Reply(ctx._(
            "We have your request. Your care team will delete your answers and what you have "
            "written. That cannot be undone. You get no more questions, and your link no "
            "longer works. If you have questions, contact your department."
        ), meta={"kind": "deletion_requested"}),
    ])  # fmt: skip


def _carry_on(ctx: DialogueContext, state: TurnState) -> Outcome:
    if state.mid_questionnaire:
        # The same item comes back after this (Dialogue._awaited).
        return Outcome([Reply(ctx._("Good. We go on."))])
    # Paused, or nothing left to answer: nothing comes back now, so no "we go on".
    return Outcome([Reply(ctx._("Good. You are still taking part."))])


def _left_already(ctx: DialogueContext) -> Reply:
    return Reply(
        ctx._("You are no longer taking part. If you have questions, contact your department.")
    )


AWAITED: Mapping[str, Callable[[DialogueContext, TurnState, Inbound], Outcome | None]] = {
    WITHDRAW: _withdraw_reply,
    DELETE: _delete_reply,
}
