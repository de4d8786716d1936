"""The patient's health-literacy level: set by the opening screen, by signs of difficulty, or
when the patient asks; and read-aloud, which the patient switches on."""

from __future__ import annotations

import logging

from bot.dialogue.context import DialogueContext
from bot.dialogue.outcome import Outcome
from bot.dialogue.state import TurnState
from bot.literacy.estimate import LevelChange, level_after_signals, level_from_screening
from bot.literacy.levels import GUIDED, shorter, simpler
from bot.storage.models import utcnow
from bot.storage.transcripts import add_event, events_since_level_change
from bot.turn.messages import Button, Inbound, Reply
from bot.turn.payloads import intent_payload

log = logging.getLogger(__name__)


def set_level(ctx: DialogueContext, state: TurnState, change: LevelChange) -> list[Reply]:
    """Record the respondent's level (a relative's own in their conversation) and why; offer
    read-aloud when guidance starts."""
    respondent = state.respondent
    previous = respondent.literacy_level
    respondent.literacy_level = change.level
    add_event(
        state.session, state.conversation, "level", level=change.level, previous=previous,
        reason=change.reason,
    )  # fmt: skip
    log.info("level %s -> %s", previous, change.level)
    if (
        change.level == GUIDED
        and previous != GUIDED
        and state.relative is None
        and not state.reads_aloud
    ):
        return [
            Reply(
                ctx._("I can read the questions aloud for you."),
                buttons=(Button(ctx._("Yes, read aloud"), intent_payload("read_aloud")),),
                meta={"kind": "offer_read_aloud"},
            )
        ]
    return []


def signal(ctx: DialogueContext, state: TurnState, kind: str) -> list[Reply]:
    """Note a sign of difficulty; enough of them move the patient to more guidance."""
    add_event(state.session, state.conversation, "signal", signal=kind)
    signals = [
        str((event.meta or {}).get("signal"))
        for event in events_since_level_change(state.session, state.conversation.id)
    ]
    change = level_after_signals(state.level, signals)
    if change is None:
        return []
    return [
        Reply(ctx._("I will make the questions a little easier now.")),
        *set_level(ctx, state, change),
    ]


def skip_screening(ctx: DialogueContext, state: TurnState) -> Outcome:
    state.patient.screening = "skipped"
    add_event(state.session, state.conversation, "screening", status="skipped")
    return Outcome([Reply(ctx._("Okay. Let us go on."))])


def screening_done(ctx: DialogueContext, state: TurnState) -> list[Reply]:
    """The opening screen is answered: set the level it points to."""
    codes = {link_id: value.code for link_id, value in state.answers.items()}
    state.patient.screening = "done"
    if state.response is not None:
        # Answered in full: the patient's own page and the export must not call it unfinished.
        state.response.status = "completed"
        state.response.completed_at = utcnow()
    return set_level(ctx, state, level_from_screening(codes))


def change_level(ctx: DialogueContext, state: TurnState, inbound: Inbound) -> Outcome:
    wanted = shorter if inbound.intent == "shorter" else simpler
    change = LevelChange(wanted(state.level), f"patient asked: {inbound.intent or 'simpler'}")
    replies = [Reply(ctx._("Okay. I will keep it simple and short."))]
    return Outcome(replies + set_level(ctx, state, change))


def read_aloud(ctx: DialogueContext, state: TurnState, inbound: Inbound) -> Outcome:
    """Read-aloud is switched on by the patient; questions then carry audio."""
    # Read-aloud is the patient's setting: a relative's conversation stays in text.
    if state.relative is not None or not ctx.can_read_aloud(state.channel):
        if "no_speech" in state.shown:
            return Outcome([Reply(ctx._("We continue in text."))])
        return Outcome(
            [
                Reply(
                    ctx._("Sorry, I cannot read aloud right now. We continue in text."),
                    meta={"kind": "no_speech"},
                )
            ]
        )
    state.patient.read_aloud = True
    add_event(state.session, state.conversation, "read_aloud", enabled=True)
    if state.channel == "telegram":
        return Outcome(
            [Reply(ctx._("Okay. From now on the questions also come as voice messages."))]
        )
    return Outcome([Reply(ctx._("Okay. Now you can hear the questions. Press “Read aloud”."))])
