"""Reading the patient's message as an answer to the current item, and deciding what happens
with it: stored, said back for confirmation ("Passer det?"), or asked again in other words.
An unrecognised answer is never stored."""

from __future__ import annotations

from collections.abc import Sequence

from bot.dialogue.consent import yes_or_no
from bot.dialogue.context import SCREENING_ID, DialogueContext
from bot.dialogue.crisis import crisis_outcome
from bot.dialogue.levels import screening_done, signal, skip_screening
from bot.dialogue.outcome import Outcome
from bot.dialogue.pending import PendingChoice, PendingConfirmation, pending_data
from bot.dialogue.recording import record_alert, record_unanswered, store_answer
from bot.dialogue.state import TurnState
from bot.dialogue.texts import yes_no_buttons, yes_no_display
from bot.literacy.levels import rules_for
from bot.questionnaire.flow import is_complete
from bot.questionnaire.interpret import Interpretation, interpret
from bot.questionnaire.model import Item
from bot.questionnaire.scoring import AlertHit
from bot.turn.messages import Button, Inbound, Reply
from bot.turn.payloads import answer_payload, intent_payload

# After this many failed attempts at one item the patient is offered to skip it or be called.
MAX_ATTEMPTS = 2
# How sure the engine must be of an interruption (why, explain, pause, ...) for it to win over
# reading the message as an answer (see `is_answer`).
INTERRUPTION_CONFIDENCE = 0.85
WEAK_INTERRUPTION_CONFIDENCE = 0.5


def is_answer(state: TurnState, inbound: Inbound, *, medical_question: bool = False) -> bool:
    """Whether a message the engine took for an interruption answers the current item after
    all. A free-text item takes anything but a short, confident interruption ("Hvilke
    bivirkninger kan jeg få?" answers "Skriv dine spørgsmål til lægen"); other items take what
    the questionnaire engine reads as one of their answers ("slet ik"), or a likely answer
    when the engine was unsure ("lidtt")."""
    current = state.current
    if not state.consented or state.conversation.status != "active" or current is None:
        return False
    if state.presented_link_id != current.link_id:
        return False
    confident = inbound.confidence >= INTERRUPTION_CONFIDENCE
    if current.type == "string":
        # A free-text item may ask for exactly that ("Skriv dine spørgsmål til lægen").
        return medical_question or not (confident and len(inbound.text.split()) <= 5)
    reading = interpret(current, inbound.text)
    # "hvad betyder lidt af tiden" contains an option but asks about it.
    whole_answer = reading.status == "match" and reading.reason != "contains"
    likely_answer = (
        reading.status in {"match", "unsure"} and inbound.confidence < WEAK_INTERRUPTION_CONFIDENCE
    )
    return whole_answer or likely_answer


def answer(ctx: DialogueContext, state: TurnState, inbound: Inbound) -> Outcome:
    """Interpret and store one answer to the current item. `finished` when nothing is left."""
    current = state.current
    if current is None:
        return Outcome(finished=True)
    button_link = inbound.entities.get("link_id")
    if button_link and button_link != current.link_id:
        return Outcome(
            [
                Reply(
                    ctx._(
                        "That button belongs to another question. Please answer the "
                        "question below. To change an answer, write “change my answer”."
                    )
                )
            ]
        )
    seen_link = state.answering_link_id
    if not button_link and seen_link and seen_link != current.link_id:
        # Typed on a page that showed another item (a second tab, an old page): nothing is
        # stored against the current item, which is asked again next.
        return Outcome([Reply(ctx._("That answer belonged to another question."))])
    presented = state.presented_link_id
    if presented is None and not button_link:
        return Outcome()
    if presented != current.link_id and not button_link:
        # The patient has not seen the current item yet (e.g. the app stopped after the last
        # answer was stored but before the next question was sent).
        return Outcome([Reply(ctx._("Your answer is saved. Here is the next question."))])

    if state.conversation.status == "paused":
        # Answering after the crisis message's choice means going on.
        state.conversation.status = "active"
    pending = state.pending
    if isinstance(pending, PendingConfirmation):
        decision = yes_or_no(inbound)
        if decision is not None:
            return _confirmed(ctx, state, current, pending, decision)
    state.conversation.pending = None

    if inbound.intent == "skip" and state.questionnaire.id == SCREENING_ID:
        return skip_screening(ctx, state)
    if inbound.intent == "skip":
        # A skip can set off an alert too (PHQ-9 item 9 unanswered), never the crisis text.
        store_answer(ctx, state, current, None, inbound.text, input_kind="text", skipped=True)
        return _after_answer(ctx, state, [Reply(ctx._("Okay, we skip that question."))], [])
    code = inbound.entities.get("code")
    if inbound.intent == "dont_know" and not code:
        return _not_understood(ctx, state, current, dont_know=True)

    signals = (
        signal(ctx, state, "button_after_failed_typing")
        if code and state.conversation.attempts > 0
        else []
    )
    reading = interpret(current, inbound.text, code=code)
    typed = reading.reason != "payload"
    if reading.status == "match" and typed and rules_for(state.level).confirm_typed_answers:
        # Guided level: a typed answer is said back and counts only after "ja".
        return _ask_to_confirm(ctx, state, current, reading, inbound)
    if reading.status == "match":
        kind = "text" if typed else "button"
        hits = store_answer(ctx, state, current, reading, inbound.text, input_kind=kind)
        return _after_answer(ctx, state, signals, hits)
    if reading.status == "unsure":
        return _ask_to_confirm(ctx, state, current, reading, inbound)
    return _not_understood(ctx, state, current, out_of_range=reading.reason == "out_of_range")


def _confirmed(
    ctx: DialogueContext,
    state: TurnState,
    item: Item,
    pending: PendingConfirmation,
    decision: bool,
) -> Outcome:
    """The patient's yes or no to "Passer det?"."""
    state.conversation.pending = None
    choose_again = Outcome([Reply(ctx._("Okay. Choose the answer that fits you best."))])
    if not decision:
        return choose_again
    if pending.code is not None:
        confirmed = interpret(item, None, code=pending.code)
    else:
        confirmed = Interpretation(
            status="match", value=pending.value, display=pending.display, reason=pending.reason
        )
    if confirmed.status != "match":
        return choose_again
    hits = store_answer(
        ctx, state, item, confirmed, pending.raw_text, input_kind="confirmed",
        interpretation=pending.reason, message_id=pending.message_id,
    )  # fmt: skip
    return _after_answer(ctx, state, [], hits)


def _ask_to_confirm(
    ctx: DialogueContext, state: TurnState, item: Item, reading: Interpretation, inbound: Inbound
) -> Outcome:
    if len(reading.candidates) > 1:
        buttons = tuple(
            Button(option.display, answer_payload(item.link_id, option.code))
            for option in reading.candidates
        )
        state.conversation.pending = pending_data(PendingChoice(item.link_id))
        return Outcome([Reply(ctx._("Which of these did you mean?"), buttons=buttons)])
    first = reading.candidates[0] if reading.candidates else None
    code = reading.code or (first.code if first else None)
    display = reading.display or (first.display if first else "")
    if isinstance(reading.value, bool):
        display = yes_no_display(ctx, reading.value)
    elif item.type != "choice" and reading.value is not None:
        display = display or str(reading.value)
    state.conversation.pending = pending_data(
        PendingConfirmation(
            link_id=item.link_id,
            message_id=state.inbound_message_id,
            code=code,
            value=reading.value,
            display=display,
            raw_text=inbound.text,
            reason=reading.reason,
        )
    )
    return Outcome(
        [
            Reply(
                ctx._("I understood: “{answer}”. Is that right?", answer=display),
                buttons=yes_no_buttons(ctx),
                meta={"kind": "confirm", "item": item.link_id},
            )
        ]
    )


def _not_understood(
    ctx: DialogueContext,
    state: TurnState,
    item: Item,
    *,
    dont_know: bool = False,
    out_of_range: bool = False,
) -> Outcome:
    conversation = state.conversation
    conversation.attempts += 1
    if dont_know:
        # "Ved ikke" leaves the item unanswered, which some rules alert on (PHQ-9 item 9).
        record_unanswered(state, item)
    level_replies = signal(ctx, state, "dont_know" if dont_know else "not_understood")
    if dont_know:
        text = ctx._(
            "That is all right. Choose the answer that fits best. "
            "There are no right or wrong answers."
        )
    elif out_of_range and item.min_value is not None and item.max_value is not None:
        text = ctx._(
            "Please write a number from {low} to {high}.", low=item.min_value, high=item.max_value
        )
    elif item.type == "boolean":
        text = ctx._("I did not quite understand. Please answer yes or no.")
    else:
        text = ctx._(
            "I did not quite understand. You can press one of the buttons, "
            "or write the answer in your own words."
        )
    replies = [Reply(text)]
    if conversation.attempts >= MAX_ATTEMPTS:
        record_alert(
            state,
            rule_id=f"difficulty:{item.link_id}",
            level="yellow",
            urgent=False,
            message=f"Patient had difficulty answering item {item.link_id}.",
        )
        replies.append(
            Reply(
                ctx._(
                    "Would you like to skip this question? You can also ask a nurse to call you."
                ),
                buttons=(
                    Button(ctx._("Skip the question"), intent_payload("skip")),
                    Button(ctx._("A nurse may call me"), intent_payload("talk_to_person")),
                ),
            )
        )
    return Outcome(replies + level_replies)


def _after_answer(
    ctx: DialogueContext, state: TurnState, replies: list[Reply], hits: Sequence[AlertHit]
) -> Outcome:
    state.refresh_answers()
    if any(hit.rule.urgent for hit in hits):
        # The crisis text and the choice to pause or go on; the next item waits.
        return Outcome(replies + crisis_outcome(ctx, state).replies, finished=False)
    questionnaire, conversation = state.questionnaire, state.conversation
    if questionnaire.id == SCREENING_ID and conversation.questionnaire_id != SCREENING_ID:
        if is_complete(questionnaire, state.answers):
            replies.extend(screening_done(ctx, state))
        return Outcome(replies, finished=False)
    finished = conversation.reopened_link_id is None and is_complete(questionnaire, state.answers)
    return Outcome(replies, finished=finished)
