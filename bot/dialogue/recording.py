"""Storing answers and alerts: the only code that writes either.

Every answer is committed (by the turn that stores it) before the reply with the next question
leaves. Each answer row records the level, the exact wording shown and the presentation.
"""

from __future__ import annotations

import logging

from bot.dialogue.asking import answer_buttons, item_text_shown, wording
from bot.dialogue.context import DialogueContext
from bot.dialogue.state import TurnState
from bot.dialogue.texts import yes_no_display
from bot.literacy.levels import rules_for
from bot.questionnaire.interpret import Interpretation
from bot.questionnaire.model import AnswerValue, Item
from bot.questionnaire.scoring import AlertHit, evaluate_alerts, item_alerts
from bot.storage.alerts import add_alert
from bot.storage.course_conversations import answer_occurrence
from bot.storage.models import Answer, utcnow
from bot.storage.responses import add_answer, answers_from_rows

log = logging.getLogger(__name__)


def record_alert(
    state: TurnState,
    *,
    rule_id: str,
    level: str,
    urgent: bool,
    message: str,
    with_response: bool = False,
) -> None:
    """An alert for the care team (once per conversation and rule)."""
    add_alert(
        state.session,
        state.conversation,
        rule_id=rule_id,
        level=level,
        urgent=urgent,
        message=message,
        response_id=state.response.id if with_response and state.response else None,
    )


def _record_hits(state: TurnState, hits: list[AlertHit]) -> None:
    for hit in hits:
        record_alert(
            state,
            rule_id=hit.rule.id,
            level=hit.rule.level,
            urgent=hit.rule.urgent,
            message=hit.rule.message,
            with_response=True,
        )


def store_answer(
    ctx: DialogueContext,
    state: TurnState,
    item: Item,
    reading: Interpretation | None,
    raw_text: str,
    *,
    input_kind: str,
    skipped: bool = False,
    interpretation: str | None = None,
    message_id: int | None = None,
) -> list[AlertHit]:
    """Store one answer (or a skip) to `item` with how it was asked; return the alert rules
    it set off (already recorded)."""
    questionnaire, level, conversation = state.questionnaire, state.level, state.conversation
    response = state.open_response()
    shown = item_text_shown(questionnaire, item, level)
    answer = Answer(
        link_id=item.link_id,
        item_type=item.type,
        status="skipped" if skipped else "answered",
        raw_text=raw_text or None,
        input_kind=input_kind,
        interpretation=interpretation or (reading.reason if reading else "skip"),
        literacy_level=level,
        wording_shown=wording(questionnaire, item, level),
        presentation={
            "level": level,
            "buttons": [
                b.title for b in answer_buttons(ctx, item, level, validated=questionnaire.validated)
            ],
            "progress": rules_for(level).show_progress,
            "confirmed_back": input_kind == "confirmed",
            "variant": next(
                (f"variant:{name}" for name, text in item.variants.items() if text == shown),
                "exact",
            ),
        },
        message_id=message_id if message_id is not None else state.inbound_message_id,
        # Who gave it: the relative whose conversation this is (None: the patient).
        relative_id=conversation.relative_id,
    )
    if reading is not None and not skipped:
        _set_value(ctx, answer, item, reading)
    add_answer(state.session, response, answer)
    conversation.attempts = 0
    conversation.pending = None
    if conversation.reopened_link_id == item.link_id:
        conversation.reopened_link_id = None
    value = answers_from_rows([answer])[item.link_id]
    hits = item_alerts(questionnaire, item.link_id, value)
    _record_hits(state, hits)
    log.info("answer stored item=%s", item.link_id)
    # Recorded either way; a skipped item never brings the crisis text.
    return [] if skipped else hits


def record_unanswered(state: TurnState, item: Item) -> None:
    """The alerts an item left unanswered sets off (an "unanswered" rule), recorded now."""
    _record_hits(state, item_alerts(state.questionnaire, item.link_id, AnswerValue(skipped=True)))


def _set_value(ctx: DialogueContext, answer: Answer, item: Item, reading: Interpretation) -> None:
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
        answer.display = yes_no_display(ctx, reading.value)
    else:
        answer.value_string = str(reading.value)
        answer.display = answer.value_string


def close_response(state: TurnState) -> None:
    """Mark the questionnaire answered and record the alerts its scores set off."""
    response = state.open_response()
    response.status = "completed"
    response.completed_at = utcnow()
    state.conversation.status = "completed"
    state.conversation.completed_at = response.completed_at
    if state.questionnaire.id == state.conversation.questionnaire_id:
        answer_occurrence(state.session, state.conversation, response.id)
    _record_hits(state, list(evaluate_alerts(state.questionnaire, state.answers)))
    log.info("questionnaire completed")
