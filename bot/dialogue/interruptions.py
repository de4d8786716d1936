"""What patients say around the answers: asking what a question means or why it is asked,
help, pausing and stopping, changing an answer, seeing their answers, asking for a person."""

from __future__ import annotations

from bot.dialogue.asking import item_titles, wording
from bot.dialogue.context import DialogueContext
from bot.dialogue.levels import signal
from bot.dialogue.outcome import Outcome
from bot.dialogue.recording import record_alert
from bot.dialogue.state import TurnState
from bot.dialogue.texts import about_reply, continue_button
from bot.questionnaire.flow import previous_answered
from bot.questionnaire.model import Item, Questionnaire
from bot.storage.audit import audit
from bot.storage.responses import current_answers, find_response
from bot.turn.messages import Button, Inbound, Reply
from bot.turn.payloads import intent_payload


def explain(ctx: DialogueContext, state: TurnState, inbound: Inbound) -> Outcome:
    if state.conversation.status != "active" or state.current is None:
        return Outcome([about_reply(ctx)])
    explanation = _explanation(ctx, state.questionnaire, state.current, inbound.text)
    return Outcome([explanation, *signal(ctx, state, "explain")])


def _explanation(
    ctx: DialogueContext, questionnaire: Questionnaire, item: Item, asked: str
) -> Reply:
    """The option word the patient asked about, else the question, else the scale."""
    lowered = asked.lower()
    for option in sorted(item.options, key=lambda o: len(o.display), reverse=True):
        explanation = option.help or item.option_help.get(option.display)
        if explanation and option.display.lower() in lowered:
            return Reply(f"„{option.display}“: {explanation}", meta={"kind": "explanation"})
    text = item.help or questionnaire.scale_explanation_for("plain")
    if not text:
        text = ctx._("Answer what fits you best. There are no right or wrong answers.")
    return Reply(text, meta={"kind": "explanation"})


def why(ctx: DialogueContext, state: TurnState, inbound: Inbound) -> Outcome:
    current = state.current
    text = (current.why if current is not None and current.why else None) or (
        state.questionnaire.purpose
    )
    return Outcome([Reply(text)])


def help_text(ctx: DialogueContext, state: TurnState, inbound: Inbound) -> Outcome:
    contacts = state.contacts(ctx)
    return Outcome(
        [
            Reply(
                ctx._(
                    "You can write:\n"
                    "• “what does that mean” – I explain the question\n"
                    "• “why do you ask” – I tell you why\n"
                    "• “skip” – we skip the question\n"
                    "• “change my answer” – you can change your last answer\n"
                    "• “show my answers” – you see your answers\n"
                    "• “question for the doctor” – I write down your question for the doctor\n"
                    "• “pause” – we stop for now, and you can come back later\n"
                    "If your life is in danger, call {emergency}. For other urgent matters, "
                    "call {helpline_name} on {helpline}.",
                    emergency=contacts.emergency,
                    helpline_name=contacts.medical_helpline_name,
                    helpline=contacts.medical_helpline,
                )
            )
        ]
    )


def pause(ctx: DialogueContext, state: TurnState, inbound: Inbound) -> Outcome:
    if state.conversation.status == "active":
        state.conversation.status = "paused"
    return paused_reply(ctx, state, inbound)


def paused_reply(ctx: DialogueContext, state: TurnState, inbound: Inbound) -> Outcome:
    text = ctx._("That is fine. Your answers are saved. Write “continue” when you are ready.")
    return Outcome([Reply(text, buttons=(continue_button(ctx),))])


def stop(ctx: DialogueContext, state: TurnState, inbound: Inbound) -> Outcome:
    if state.conversation.status in {"active", "paused"}:
        state.conversation.status = "stopped"
    return stopped_reply(ctx, state, inbound)


def stopped_reply(ctx: DialogueContext, state: TurnState, inbound: Inbound) -> Outcome:
    text = ctx._(
        "Thank you for now. The answers you have given are saved. You can come back "
        "at any time with your link and continue."
    )
    # One tap back in, in case "stop" was not what the patient meant.
    return Outcome([Reply(text, buttons=(continue_button(ctx),))])


def correct(ctx: DialogueContext, state: TurnState, inbound: Inbound) -> Outcome:
    questionnaire, answers = state.questionnaire, state.answers
    chosen = inbound.entities.get("link_id")
    if chosen and chosen in answers:
        target = questionnaire.item(chosen)
        reply = Reply(ctx._("Okay. Let us change that answer."))
    else:
        previous = previous_answered(questionnaire, answers, state.current)
        if previous is None:
            return nothing_to_change(ctx, state, inbound)
        target = previous
        reply = Reply(ctx._("Okay. Let us change your answer to the previous question."))
    conversation = state.conversation
    conversation.reopened_link_id = target.link_id
    conversation.pending = None
    conversation.attempts = 0
    if conversation.status == "completed":
        conversation.status = "active"
    replies = [reply]
    others = [
        item
        for item in questionnaire.answerable_items
        if item.link_id in answers and item.link_id != target.link_id
    ][-6:]
    if others and not chosen:
        titles = item_titles([wording(questionnaire, item, state.level) for item in others])
        replies.append(
            Reply(
                ctx._("Or choose another answer to change:"),
                buttons=tuple(
                    Button(title, intent_payload("correct", link_id=item.link_id))
                    for item, title in zip(others, titles, strict=True)
                ),
                meta={"kind": "choose_correction"},
            )
        )
    return Outcome(replies + signal(ctx, state, "correction"), resume_questionnaire=True)


def nothing_to_change(ctx: DialogueContext, state: TurnState, inbound: Inbound) -> Outcome:
    return Outcome([Reply(ctx._("There is no answer to change yet."))])


def show_answers(ctx: DialogueContext, state: TurnState, inbound: Inbound) -> Outcome:
    """The patient's own answers to the invited questionnaire (a read: audited)."""
    conversation, patient = state.conversation, state.patient
    questionnaire = ctx.questionnaires[conversation.questionnaire_id]
    response = find_response(state.session, conversation, questionnaire.id)
    rows = current_answers(state.session, response.id) if response is not None else []
    # In a relative's own conversation these are the relative's answers, read by them.
    actor = "patient" if state.relative is None else "relative"
    audit(state.session, actor=actor, action="answers.view.self", patient_id=patient.id)
    if not rows:
        return nothing_answered(ctx, state, inbound)
    lines = [ctx._("Your answers so far:")]
    for row in rows:
        item = questionnaire.item(row.link_id)
        shown = row.display if row.status == "answered" else ctx._("(skipped)")
        lines.append(f"• {item.text_for(state.level)}: {shown}")
    return Outcome([Reply("\n".join(lines))])


def nothing_answered(ctx: DialogueContext, state: TurnState, inbound: Inbound) -> Outcome:
    return Outcome([Reply(ctx._("You have not answered any questions yet."))])


def small_talk(ctx: DialogueContext, state: TurnState, inbound: Inbound) -> Outcome:
    if inbound.intent == "thanks":
        return Outcome([Reply(ctx._("You are welcome."))])
    return Outcome([Reply(ctx._("Hi! We continue with the questions."))])


def talk_to_person(ctx: DialogueContext, state: TurnState, inbound: Inbound) -> Outcome:
    record_alert(
        state,
        rule_id="talk-to-person",
        level="yellow",
        urgent=False,
        message="Patient asked to talk to a person.",
    )
    crisis = state.contacts(ctx)
    return Outcome(
        [
            Reply(
                ctx._(
                    "I have asked a nurse to contact you. If it is urgent, call {helpline_name} on "
                    "{helpline}. If your life is in danger, call {emergency}.",
                    helpline_name=crisis.medical_helpline_name,
                    helpline=crisis.medical_helpline,
                    emergency=crisis.emergency,
                )
            )
        ]
    )


def fallback(ctx: DialogueContext, state: TurnState, inbound: Inbound) -> Outcome:
    return Outcome(
        [Reply(ctx._("Sorry, I did not understand that. Write “help” to see what you can write."))]
    )


def about(ctx: DialogueContext, state: TurnState, inbound: Inbound) -> Outcome:
    return Outcome([about_reply(ctx)])
