"""Consent comes first: nothing about the patient is stored before they say yes."""

from __future__ import annotations

from datetime import timedelta

from bot.dialogue.context import DialogueContext
from bot.dialogue.outcome import Outcome
from bot.dialogue.state import TurnState
from bot.questionnaire.interpret import read_yes_no
from bot.settings import CrisisContacts
from bot.storage.audit import audit
from bot.storage.models import utcnow
from bot.storage.patients import handoff_invitation
from bot.storage.relatives import record_relative_consent
from bot.turn.messages import Button, Inbound, Reply
from bot.turn.payloads import intent_payload


def yes_or_no(inbound: Inbound) -> bool | None:
    """The patient's yes or no: from the engine's intent, else from the typed words. None when
    it is neither (an answer button, or a new answer instead of yes/no)."""
    if inbound.intent == "affirm":
        return True
    if inbound.intent == "deny":
        return False
    if inbound.entities.get("code"):
        return None
    return read_yes_no(inbound.text)


def consent_step(ctx: DialogueContext, state: TurnState, inbound: Inbound) -> Outcome:
    """The respondent's answer to the consent question, or the question (again). In a
    relative's conversation it is the relative's own consent, never the patient's."""
    decision = yes_or_no(inbound) if state.last_kind == "consent" else None
    patient, conversation, relative = state.patient, state.conversation, state.relative
    if decision is not None and relative is not None:
        record_relative_consent(state.session, relative, decision)
        conversation.status = "active" if decision else "declined"
        return relative_consent_outcome(ctx, decision)
    if decision is True:
        patient.consent = "given"
        patient.consent_at = utcnow()
        conversation.status = "active"
        audit(state.session, actor="patient", action="consent.given", patient_id=patient.id)
        return Outcome(
            [Reply(ctx._("Thank you. Let us begin. You can write “help” at any time."))],
            resume_questionnaire=True,
        )
    if decision is False:
        patient.consent = "declined"
        conversation.status = "declined"
        audit(state.session, actor="patient", action="consent.declined", patient_id=patient.id)
        return Outcome(
            [
                Reply(
                    ctx._(
                        "That is completely fine. We do not store any answers. "
                        "If you change your mind, just write “start” here."
                    )
                )
            ]
        )
    return Outcome(consent_question(ctx, state))


def relative_consent_outcome(ctx: DialogueContext, given: bool) -> Outcome:
    if given:
        return Outcome([Reply(ctx._("Thank you. Let us begin."))], resume_questionnaire=True)
    return Outcome(
        [
            Reply(
                ctx._(
                    "That is completely fine. We do not store any answers. "
                    "If you change your mind, just write “start” here."
                )
            )
        ]
    )


def relative_consent_texts(ctx: DialogueContext, state: TurnState) -> list[Reply]:
    """What a relative is told before their own consent: who asks, what is stored, and that
    the patient's own conversation is never shown to them."""
    relative = state.relative
    assert relative is not None
    intro = (
        ctx._("Welcome back. Before we start, I need your permission.")
        if relative.consent == "declined"
        else ctx._(
            "Hi! I am a chatbot from the hospital. You are invited as a relative. "
            "I will ask you a few questions about how you are doing."
        )
    )
    return [
        Reply(intro),
        Reply(
            ctx._(
                "Your answers are stored safely. The care team can see them. "
                "We do not store your name."
            )
        ),
        Reply(
            ctx._(
                "You will never see what the patient answers or writes here. "
                "You can stop at any time. Just write “stop”."
            )
        ),
    ]


def consent_question(ctx: DialogueContext, state: TurnState) -> list[Reply]:
    contacts = state.contacts(ctx)
    if state.relative is not None:
        return [*relative_consent_texts(ctx, state), *_contact_and_question(ctx, contacts)]
    intro = (
        ctx._("Welcome back. Before we start, I need your permission.")
        if state.patient.consent == "declined"
        else ctx._(
            "Hi! I am a chatbot from your hospital. I will ask you some questions "
            "about how you are doing."
        )
    )
    replies = [
        Reply(intro),
        Reply(
            ctx._(
                "Your answers are stored safely. Only your care team can see them. "
                "We do not store your name."
            )
        ),
        *_contact_and_question(ctx, contacts),
    ]
    if state.channel == "telegram":
        # Say plainly that Telegram is not end-to-end encrypted; offer the web chat. The link
        # sent here works once and briefly: the long-lived web link never travels over
        # Telegram (opening this one issues it, in the browser).
        handoff = handoff_invitation(
            state.session,
            state.conversation,
            timedelta(minutes=ctx.settings.handoff_minutes),
        )
        notice = ctx._(
            "You are writing to me on Telegram. Telegram chats are not end-to-end "
            "encrypted, so Telegram could read them. Never write your name or CPR number "
            "here. If you prefer, you can answer in our secure web chat instead: {url}",
            url=f"{ctx.settings.public_url}/chat/{handoff.token}",
        )
        replies.insert(-1, Reply(notice, meta={"kind": "privacy"}))
    return replies


def _contact_and_question(ctx: DialogueContext, contacts: CrisisContacts) -> list[Reply]:
    """Whom to call in an emergency, and the consent question itself."""
    return [
        Reply(
            ctx._(
                "I am not an emergency service. If your life is in danger, call {emergency}. "
                "For other urgent matters, call {helpline_name} on {helpline}.",
                emergency=contacts.emergency,
                helpline_name=contacts.medical_helpline_name,
                helpline=contacts.medical_helpline,
            )
        ),
        Reply(
            ctx._("Is it all right that we store your answers?"),
            buttons=(
                Button(ctx._("Yes, that is fine"), intent_payload("affirm")),
                Button(ctx._("No thanks"), intent_payload("deny")),
            ),
            meta={"kind": "consent"},
        ),
    ]
