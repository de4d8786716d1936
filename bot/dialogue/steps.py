"""The questionnaire's own steps: start (or resume), ask the current item, complete."""

from __future__ import annotations

from bot.dialogue.asking import presentation
from bot.dialogue.context import DialogueContext
from bot.dialogue.outcome import Outcome
from bot.dialogue.recording import close_response
from bot.dialogue.state import TurnState
from bot.storage.course_conversations import next_due_at
from bot.turn.messages import Inbound, Reply


def start(
    ctx: DialogueContext, state: TurnState, inbound: Inbound, *, questionnaire_active: bool
) -> Outcome:
    """Resuming after consent, a pause, a stop or a lost engine state."""
    conversation = state.conversation
    if conversation.status == "completed":
        replies = [
            Reply(
                ctx._(
                    "You have already answered all the questions. "
                    "Thank you! Your care team can see your answers."
                )
            )
        ]
        upcoming = next_due_at(state.session, state.patient.id)
        if upcoming is not None:
            day = ctx.local_day(upcoming)
            replies.append(Reply(ctx._("Your next questionnaire comes on {day}.", day=day)))
        return Outcome(replies)
    outcome = Outcome(resume_questionnaire=not questionnaire_active)
    if conversation.occurrence_id is not None and not state.shown:
        # A new occasion of the patient's course, opened by this very message.
        outcome.replies.append(Reply(ctx._("Hi. It is time for your next questionnaire.")))
    elif conversation.status in {"paused", "stopped", "declined"}:
        conversation.status = "active"
        outcome.replies.append(Reply(ctx._("Welcome back. We continue where we left off.")))
    elif inbound.intent in {"greet", "start"} and state.presented_link_id:
        outcome.replies.append(Reply(ctx._("Hi again. We continue where we left off.")))
    return outcome


def ask(ctx: DialogueContext, state: TurnState) -> Outcome:
    """The current item, presented for the patient's level (or `finished`)."""
    current = state.current
    if current is None:
        return Outcome(finished=True)
    if state.pending is not None or state.awaiting is not None:
        # The patient is answering "Passer det?" or typing what the bot asked for (a
        # question for the doctor, a "Ja/Nej"): asking the item again would bury it.
        return Outcome()
    if state.conversation.status == "paused":
        # Paused in this very turn (a crisis message): the patient chooses first.
        return Outcome()
    state.open_response()
    return Outcome(
        presentation(
            ctx,
            state.questionnaire,
            current,
            state.answers,
            level=state.level,
            shown=state.shown,
            read_aloud=state.patient.read_aloud,
        )
    )


def complete(ctx: DialogueContext, state: TurnState) -> Outcome:
    """Close the response if every item is answered; otherwise resume the questionnaire."""
    if state.conversation.status == "completed":
        return Outcome()
    if state.current is not None:
        return Outcome(resume_questionnaire=True)
    close_response(state)
    return Outcome(
        [
            Reply(ctx._("Thank you! You have answered all the questions.")),
            Reply(
                ctx._(
                    "Your care team has your answers and will see them before your next "
                    "appointment. If you want to see your answers, write “show my answers”."
                ),
                meta={"kind": "completed"},
            ),
        ]
    )
