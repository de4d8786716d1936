"""Relatives in the patient's conversation: inviting one, and taking their access away.

Inviting (intent ``invite_relative``), after consent only:
1. "Hvem vil du invitere?" — the next message is the relation as typed ("min datter"), never
   a name: storage keeps a generic "pårørende" for what looks like a name or a CPR number
   (awaited kind ``relative_relation``);
2. "Må din pårørende også svare for dig …?" Ja/Nej (kind ``relative_proxy``, the relation
   held in the awaiting data);
3. the relative and their own link are made, and the link is shown once. On Telegram the
   link is a single-use hand-off link (the long-lived web link never travels over Telegram;
   opening it issues one in the relative's browser). Inviting the same relation again asks the
   Ja/Nej again and changes it, without a new link: that is how the patient changes their mind.

Revoking (intent ``revoke_relative``): one button per active relative (their public id in the
payload), or straight to the one → "Fjern adgang?" Ja/Nej (kind ``relative_revoke``) → their
links answer 410 from then on. Mid-questionnaire the same item comes back either way
(`Dialogue._awaited`). A relative's own conversation can do neither; there, leaving ("jeg vil
ikke være med mere", or asking for deletion) is the relative's own: confirmed, their access
ends (`patient_only`), the patient's participation is untouched.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta

from bot.dialogue import relative_leaving
from bot.dialogue.awaiting import await_reply
from bot.dialogue.consent import yes_or_no
from bot.dialogue.context import DialogueContext
from bot.dialogue.outcome import Outcome
from bot.dialogue.state import TurnState
from bot.dialogue.texts import yes_no_buttons
from bot.questionnaire.normalize import normalize
from bot.storage import relatives as stored
from bot.storage.relative_models import Relative
from bot.storage.relatives import clean_relation, relative_by_public_id, relatives_of
from bot.turn.messages import Button, Inbound, Reply
from bot.turn.payloads import PAYLOAD_PATTERN, intent_payload

RELATION, PROXY, REVOKE = "relative_relation", "relative_proxy", "relative_revoke"
# How long the hand-off link sent over Telegram opens the relative's chat (once).
TELEGRAM_LINK_VALID = timedelta(days=7)
CANCEL_WORDS = frozenset({"nej", "nej tak", "glem det", "fortryd", "annuller", "ingen", "stop"})


def _typed(inbound: Inbound) -> str:
    text = inbound.text.strip()
    return "" if PAYLOAD_PATTERN.match(text) else text


def _held(state: TurnState, key: str) -> str:
    """What the awaited question held (the relation typed, the relative chosen)."""
    replying_to = state.replying_to
    return str(replying_to.data.get(key) or "") if replying_to is not None else ""


def _only_the_patient(ctx: DialogueContext) -> Outcome:
    return Outcome([Reply(ctx._("Only the patient can decide who has access."))])


def _proxy_question(ctx: DialogueContext, state: TurnState, relation: str) -> Outcome:
    await_reply(state.conversation, PROXY, relation=relation)
    return Outcome(
        [
            Reply(
                ctx._(
                    "May your relative also answer questions for you, if you cannot do it yourself?"
                ),
                buttons=yes_no_buttons(ctx),
                meta={"kind": "relative_proxy"},
            )
        ]
    )


def invite_relative(ctx: DialogueContext, state: TurnState, inbound: Inbound) -> Outcome:
    """The patient wants to invite a relative: ask who (the relation only)."""
    if state.relative is not None:
        return _only_the_patient(ctx)
    await_reply(state.conversation, RELATION)
    return Outcome(
        [
            Reply(
                ctx._(
                    "Who do you want to invite? Write for example: my daughter, or my friend. "
                    "Please do not write their name."
                ),
                meta={"kind": "relative_relation"},
            )
        ]
    )


def _relation_given(ctx: DialogueContext, state: TurnState, inbound: Inbound) -> Outcome | None:
    if inbound.entities.get("code"):
        return None  # an answer button of the item: the patient went on instead
    typed = _typed(inbound)
    if not typed:
        return None  # another button: its own step runs
    if normalize(typed) in CANCEL_WORDS or inbound.intent == "deny":
        return Outcome([Reply(ctx._("Okay. I have not invited anyone."))])
    return _proxy_question(ctx, state, clean_relation(typed))


def _same_relation(state: TurnState, relation: str) -> Relative | None:
    wanted = relation.casefold()
    return next(
        (
            relative
            for relative in relatives_of(state.session, state.patient.id, active_only=True)
            if relative.relation.casefold() == wanted
        ),
        None,
    )


def _proxy_answered(ctx: DialogueContext, state: TurnState, inbound: Inbound) -> Outcome | None:
    relation = _held(state, "relation")
    decision = yes_or_no(inbound)
    if decision is None:
        if inbound.entities.get("code") or not _typed(inbound) or not relation:
            return None
        return _proxy_question(ctx, state, relation)  # asked again: only Ja or Nej is taken
    allowed = (
        ctx._("Your relative may also answer for you.")
        if decision
        else ctx._("Your relative only answers questions about themself.")
    )
    known = _same_relation(state, relation)
    if known is not None:
        stored.set_may_answer(state.session, known, decision, actor="patient")
        return Outcome(
            [Reply(ctx._("Okay. Your relative keeps the link they have.") + " " + allowed)]
        )
    on_telegram = state.channel == "telegram"
    issued = stored.invite_relative(
        state.session, state.patient, relation, invited_by="patient",
        may_answer_for_patient=decision,
        channel="handoff" if on_telegram else "web",
        valid_for=TELEGRAM_LINK_VALID if on_telegram else None,
    )  # fmt: skip
    url = f"{ctx.settings.public_url}/chat/{issued.token}"
    how = (
        ctx._("The link works once, within 7 days.")
        if on_telegram
        else ctx._("Keep it safe. I only show it this once.")
    )
    return Outcome(
        [
            Reply(
                ctx._(
                    "Here is the link for your relative. Send it to them yourself, for "
                    "example by text message. {how}",
                    how=how,
                )
            ),
            Reply(url, meta={"kind": "relative_link"}),
            Reply(
                allowed
                + " "
                + ctx._(
                    "Your relative never sees your answers. You can take their access away: "
                    "write “remove my relative”."
                )
            ),
        ]
    )


# ---------------------------------------------------------------------- revoking


def _confirm_revoke(ctx: DialogueContext, state: TurnState, relative: Relative) -> Outcome:
    await_reply(state.conversation, REVOKE, relative=relative.public_id)
    return Outcome(
        [
            Reply(
                ctx._(
                    "Should {relation} no longer have access? Their link stops working.",
                    relation=relative.relation,
                ),
                buttons=yes_no_buttons(ctx),
                meta={"kind": "relative_revoke"},
            )
        ]
    )


def _chosen(state: TurnState, inbound: Inbound) -> Relative | None:
    code = inbound.entities.get("code")
    if inbound.intent != "revoke_relative" or not code:
        return None
    relative = relative_by_public_id(state.session, state.patient.id, str(code))
    return relative if relative is not None and relative.revoked_at is None else None


def revoke_relative(ctx: DialogueContext, state: TurnState, inbound: Inbound) -> Outcome:
    """The patient wants to take a relative's access away: which one, then confirm."""
    if state.relative is not None:
        return _only_the_patient(ctx)
    chosen = _chosen(state, inbound)
    if chosen is not None:
        return _confirm_revoke(ctx, state, chosen)
    active = relatives_of(state.session, state.patient.id, active_only=True)
    if not active:
        return Outcome([Reply(ctx._("No relative has access."))])
    if len(active) == 1:
        return _confirm_revoke(ctx, state, active[0])
    # Waiting for the press, so the current item is not asked again below the buttons.
    await_reply(state.conversation, REVOKE, relative="")
    return Outcome(
        [
            Reply(
                ctx._("Whose access do you want to take away?"),
                buttons=tuple(
                    Button(r.relation, intent_payload("revoke_relative", code=r.public_id))
                    for r in active
                ),
                meta={"kind": "relative_choose"},
            )
        ]
    )


def _revoke_answered(ctx: DialogueContext, state: TurnState, inbound: Inbound) -> Outcome | None:
    chosen = _chosen(state, inbound)
    if chosen is not None:
        return _confirm_revoke(ctx, state, chosen)  # another relative's button after all
    decision = yes_or_no(inbound)
    public_id = _held(state, "relative")
    relative = relative_by_public_id(state.session, state.patient.id, public_id)
    if decision is None or relative is None:
        return None
    if not decision:
        return Outcome([Reply(ctx._("Okay. Nothing is changed."))])
    stored.revoke_relative(state.session, relative, by="patient")
    return Outcome(
        [
            Reply(
                ctx._(
                    "Done. {relation} no longer has access, and their link does not work.",
                    relation=relative.relation,
                ),
                meta={"kind": "relative_revoked"},
            )
        ]
    )


AWAITED: Mapping[str, Callable[[DialogueContext, TurnState, Inbound], Outcome | None]] = {
    RELATION: _relation_given,
    PROXY: _proxy_answered,
    REVOKE: _revoke_answered,
    **relative_leaving.AWAITED,
}
# In a relative's own conversation, leaving is the relative's (see relative_leaving).
patient_only = relative_leaving.patient_only
