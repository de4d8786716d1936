"""Relatives of a patient: inviting one (a row and their own web link), finding them, what
the patient allows them, and taking their access away (bot/storage/relative_models.py).

Every change is audited here, whoever makes it (the patient in the chat or a coordinator),
so no caller can forget it. The audit detail names the relative by public id only, never by
the relation the patient typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.storage.audit import audit
from bot.storage.models import Invitation, Patient, utcnow
from bot.storage.patients import create_invitation
from bot.storage.relative_models import Relative

# The relatives' own questionnaire (dialogues/questionnaires/paarorende.yml).
RELATIVE_QUESTIONNAIRE_ID = "paarorende"
# What is stored instead of words that look like a name or a CPR number.
GENERIC_RELATION = "pårørende"
RELATION_MAX_CHARS = 60

# Six digits (a CPR number's date), with or without the rest: no relation has them.
_CPR_LIKE = re.compile(r"\d{6}")
# A capitalised word after the first ("min datter Anna", "Anna Jensen") is a name; a lone
# capitalised word is one unless it is a relation ("Datter", but "Anna").
_CAPITALISED = re.compile(r"^[A-ZÆØÅ]")
RELATION_WORDS = frozenset({
    "datter", "søn", "mor", "far", "mand", "kone", "hustru", "kæreste", "partner", "ven",
    "veninde", "søster", "bror", "barn", "barnebarn", "nabo", "svigerdatter", "svigersøn",
    "svigermor", "svigerfar", "moster", "faster", "morbror", "farbror", "onkel", "tante",
    "nevø", "niece", "kusine", "fætter", "pårørende", "ægtefælle", "samlever", "kollega",
})  # fmt: skip


def clean_relation(typed: str) -> str:
    """How the relative is called, as the patient typed it, cut to 60 characters; the generic
    "pårørende" when it looks like a name or a CPR number (then the typed words are not
    stored at all)."""
    relation = " ".join(typed.split())[:RELATION_MAX_CHARS].strip()
    if not relation or _CPR_LIKE.search(relation.replace("-", "").replace(" ", "")):
        return GENERIC_RELATION
    words = relation.split()
    if any(_CAPITALISED.match(word) for word in words[1:]):
        return GENERIC_RELATION
    lone_name = len(words) == 1 and _CAPITALISED.match(relation) is not None
    if lone_name and relation.casefold().strip(".,!") not in RELATION_WORDS:
        return GENERIC_RELATION
    return relation


@dataclass(frozen=True)
class IssuedRelative:
    """A new relative and their link's token: the only moment the token is known."""

    relative: Relative
    token: str


def invite_relative(
    session: Session,
    patient: Patient,
    relation: str,
    *,
    invited_by: str,
    may_answer_for_patient: bool = False,
    channel: str = "web",
    valid_for: timedelta | None = None,
) -> IssuedRelative:
    """A relative of the patient with their own web link to their own questionnaire.
    `invited_by` is "patient" or the staff actor; `relation` is cleaned (see clean_relation).
    `channel` "handoff" (with `valid_for`): a single-use link that issues the relative's web
    link when opened (what is sent over Telegram)."""
    relative = Relative(
        patient_id=patient.id, relation=clean_relation(relation), invited_by=invited_by
    )
    session.add(relative)
    session.flush()
    issued = create_invitation(
        session, patient, RELATIVE_QUESTIONNAIRE_ID, channel=channel, valid_for=valid_for,
        relative_id=relative.id,
    )  # fmt: skip
    audit(session, actor=invited_by, action="relative.invite", patient_id=patient.id,
          detail=f"relative={relative.public_id}")  # fmt: skip
    if may_answer_for_patient:
        set_may_answer(session, relative, True, actor=invited_by)
    return IssuedRelative(relative, issued.token)


def new_relative_link(session: Session, relative: Relative, *, actor: str) -> str:
    """A fresh link for a relative whose link was lost; the old ones stop working."""
    revoke_relative_links(session, relative, reason="replaced")
    patient = session.get(Patient, relative.patient_id)
    assert patient is not None
    issued = create_invitation(session, patient, RELATIVE_QUESTIONNAIRE_ID, relative_id=relative.id)
    audit(session, actor=actor, action="relative.link", patient_id=relative.patient_id,
          detail=f"relative={relative.public_id}")  # fmt: skip
    return issued.token


def set_may_answer(session: Session, relative: Relative, allowed: bool, *, actor: str) -> None:
    """Record the patient's yes (or no) to the relative answering on their behalf. Only the
    patient says yes; a coordinator may only take it back (checked by the console)."""
    if relative.may_answer_for_patient == allowed:
        return
    relative.may_answer_for_patient = allowed
    relative.may_answer_since = utcnow() if allowed else None
    action = "relative.may_answer" if allowed else "relative.may_not_answer"
    audit(session, actor=actor, action=action, patient_id=relative.patient_id,
          detail=f"relative={relative.public_id}")  # fmt: skip
    session.flush()


def record_relative_consent(session: Session, relative: Relative, given: bool) -> None:
    """The relative's own answer to their consent question (in their own conversation)."""
    relative.consent = "given" if given else "declined"
    relative.consent_at = utcnow() if given else None
    action = "relative.consent.given" if given else "relative.consent.declined"
    audit(session, actor="relative", action=action, patient_id=relative.patient_id,
          detail=f"relative={relative.public_id}")  # fmt: skip
    session.flush()


def revoke_relative_links(session: Session, relative: Relative, *, reason: str) -> int:
    """Revoke every link of the relative not revoked yet; returns how many."""
    result = session.execute(
        update(Invitation)
        .where(Invitation.relative_id == relative.id, Invitation.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_reason=reason),
        execution_options={"synchronize_session": "fetch"},
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def revoke_relative(session: Session, relative: Relative, *, by: str) -> bool:
    """Take the relative's access away: their links answer 410 from now on, and they may no
    longer answer on the patient's behalf. False when it was taken away already."""
    if relative.revoked_at is not None:
        return False
    relative.revoked_at = utcnow()
    relative.revoked_by = by
    relative.may_answer_for_patient = False
    revoke_relative_links(session, relative, reason="relative")
    audit(session, actor=by, action="relative.revoke", patient_id=relative.patient_id,
          detail=f"relative={relative.public_id}")  # fmt: skip
    session.flush()
    return True


# ---------------------------------------------------------------------- queries


def relatives_of(session: Session, patient_id: int, *, active_only: bool = False) -> list[Relative]:
    """The patient's relatives, oldest invitation first (revoked ones too, unless
    `active_only`)."""
    query = select(Relative).where(Relative.patient_id == patient_id)
    if active_only:
        query = query.where(Relative.revoked_at.is_(None))
    return list(session.scalars(query.order_by(Relative.invited_at, Relative.id)))


def relative_by_public_id(session: Session, patient_id: int, public_id: str) -> Relative | None:
    """One of this patient's relatives (None for another patient's, or an unknown id)."""
    return session.scalar(
        select(Relative).where(Relative.patient_id == patient_id, Relative.public_id == public_id)
    )


def get_relative(session: Session, relative_id: int | None) -> Relative | None:
    return session.get(Relative, relative_id) if relative_id is not None else None


def relative_status(relative: Relative) -> str:
    """revoked | declined | consented | invited: what the console and the patient see."""
    if relative.revoked_at is not None:
        return "revoked"
    if relative.consent == "declined":
        return "declined"
    if relative.consent == "given":
        return "consented"
    return "invited"


def may_answer_now(relative: Relative | None) -> bool:
    """Whether this relative may answer on the patient's behalf now (C2's proxy answers)."""
    return (
        relative is not None
        and relative.revoked_at is None
        and relative.consent == "given"
        and relative.may_answer_for_patient
    )
