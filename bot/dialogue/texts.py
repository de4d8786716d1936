"""Replies that several steps send (the texts themselves live in locales/)."""

from __future__ import annotations

from bot.dialogue.context import DialogueContext
from bot.settings import CrisisContacts
from bot.turn.messages import Button, Reply
from bot.turn.payloads import START_PAYLOAD, intent_payload


def yes_no_buttons(ctx: DialogueContext) -> tuple[Button, Button]:
    return (
        Button(ctx._("Yes"), intent_payload("affirm")),
        Button(ctx._("No"), intent_payload("deny")),
    )


def continue_button(ctx: DialogueContext) -> Button:
    return Button(ctx._("Continue"), START_PAYLOAD)


def about_reply(ctx: DialogueContext) -> Reply:
    return Reply(
        ctx._(
            "I am a chatbot. I ask questions about how you are doing, and I store your "
            "answers for your care team. I cannot give advice about illness or treatment."
        )
    )


def crisis_reply(ctx: DialogueContext, contacts: CrisisContacts) -> Reply:
    return Reply(
        ctx._(
            "Thank you for telling me. I take it seriously. If you are in danger right now, "
            "call {emergency}. You can also call {helpline_name} on {helpline} or Livslinien "
            "on {livslinien}. I have sent a message to your care team. Someone from the team "
            "will contact you as soon as they have seen it.",
            emergency=contacts.emergency,
            helpline_name=contacts.medical_helpline_name,
            helpline=contacts.medical_helpline,
            livslinien=contacts.livslinien,
        ),
        meta={"kind": "crisis"},
    )


def yes_no_display(ctx: DialogueContext, value: bool) -> str:
    return ctx._("Yes") if value else ctx._("No")
