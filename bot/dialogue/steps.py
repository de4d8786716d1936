"""The questionnaire's own steps: start (or resume), ask the current item, complete."""

from __future__ import annotations

from bot.dialogue import proxy
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
        # A relative's questionnaire is no part of the patient's course.
        upcoming = None if state.relative else next_due_at(state.session, state.patient.id)
        if upcoming is not None:
            day = ctx.local_day(upcoming)
            replies.append(Reply(ctx._("Your next questionnaire comes on {day}.", day=day)))
        replies.extend(proxy.offer_again(ctx, state))  # a relative back after their own
        return Outcome(replies)
    if conversation.status == "withdrawn":
        # The patient left (bot/storage/withdrawal.py): nothing is asked any more.
        text = ctx._(
            "You are no longer taking part. If you have questions, contact your department."
        )
        return Outcome([Reply(text)])
    outcome = Outcome(resume_questionnaire=not questionnaire_active)
    outcome.replies.extend(proxy.intro(ctx, state))  # a relative answering for the patient
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
    if current is None or state.conversation.status == "withdrawn":
        # Withdrawn: "finished" ends the engine's form, and complete() closes nothing.
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
            read_aloud=state.reads_aloud,
        )
    )


def complete(ctx: DialogueContext, state: TurnState) -> Outcome:
    """Close the response if every item is answered; otherwise resume the questionnaire."""
    if state.conversation.status in {"completed", "withdrawn"}:
        return Outcome()
    if state.current is not None:
        return Outcome(resume_questionnaire=True)
    close_response(state)
    if state.relative is not None:
        # A relative's own questionnaire: no appointment of theirs, and "vis mine svar" is
        # the patient's habit, not theirs.
        thanks = Reply(
            ctx._(
                "Thank you for your answers. The department can see them. If you asked for a "
                "talk, someone from the department will call you."
            ),
            meta={"kind": "completed"},
        )
        return proxy.after_complete(ctx, state, Outcome([thanks]))
    done = Outcome(
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
    return proxy.after_complete(ctx, state, done)  # a relative's: the offer, or thanks
