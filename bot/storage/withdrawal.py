"""Withdrawal: the patient no longer takes part. One function for the chat ("jeg vil ikke være
med mere", bot/dialogue/withdrawal.py) and the console ("Marker som udtrådt").

Withdrawal closes every way in and keeps the data: the links are revoked (they answer 410),
the Telegram chats unlinked (the bot writes no more to them), the relatives' access revoked,
and every conversation not completed gets the status ``withdrawn``, in which nothing is asked
(bot/dialogue/steps.py). The course scheduler sends no reminder to a withdrawn patient
(``PatientProfile.withdrawn_at``, see bot/storage/course_queries.py). The answers and the
transcript stay for the care team unless the patient asks for deletion (bot/storage/erasure.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.storage.audit import audit
from bot.storage.models import Conversation, utcnow
from bot.storage.patient_profiles import profile_for_update
from bot.storage.patients import revoke_patient_links
from bot.storage.relative_models import Relative
from bot.storage.telegram_chats import unlink_telegram_chats

WITHDRAWN = "withdrawn"
# A withdrawn conversation taken back becomes a stopped one: the patient resumes where they
# left off ("Velkommen tilbage") once they have a new link.
REINSTATED = "stopped"
FINAL = frozenset({"completed", WITHDRAWN})


@dataclass(frozen=True)
class Withdrawal:
    at: datetime
    links_closed: int
    telegram_unlinked: int
    relatives_revoked: int
    already: bool  # the patient had withdrawn before: nothing new was done

    @property
    def detail(self) -> str:
        return (
            f"links closed: {self.links_closed}, Telegram chats unlinked: "
            f"{self.telegram_unlinked}, relatives' access revoked: {self.relatives_revoked}"
        )


def withdraw_patient(
    session: Session, patient_id: int, *, actor: str, audit_action: str = "patient.withdraw"
) -> Withdrawal:
    """Withdraw the patient now (`actor`: "patient" or a staff actor), audited. A second
    withdrawal changes nothing and records nothing (a double press, two tabs)."""
    profile = profile_for_update(session, patient_id, created_by=actor)
    if profile.withdrawn_at is not None:
        return Withdrawal(profile.withdrawn_at, 0, 0, 0, already=True)
    now = utcnow()
    profile.withdrawn_at = now
    withdrawal = Withdrawal(
        at=now,
        links_closed=revoke_patient_links(session, patient_id, "withdrawn"),
        telegram_unlinked=unlink_telegram_chats(session, patient_id),
        relatives_revoked=_revoke_relatives(session, patient_id, actor, now),
        already=False,
    )
    for conversation in _conversations(session, patient_id):
        conversation.awaiting = None
        conversation.pending = None
        if conversation.status not in FINAL:
            conversation.status = WITHDRAWN
    audit(
        session, actor=actor, action=audit_action, patient_id=patient_id, detail=withdrawal.detail
    )
    return withdrawal


def reinstate_patient(session: Session, patient_id: int, *, actor: str) -> None:
    """Take a withdrawal back (console). No link opens again: a revoked link stays revoked,
    so the patient needs a new invitation; their conversations resume where they stopped."""
    profile = profile_for_update(session, patient_id, created_by=actor)
    profile.withdrawn_at = None
    for conversation in _conversations(session, patient_id):
        if conversation.status == WITHDRAWN:
            conversation.status = REINSTATED
    audit(session, actor=actor, action="patient.reinstate", patient_id=patient_id)


def _conversations(session: Session, patient_id: int) -> list[Conversation]:
    return list(session.scalars(select(Conversation).where(Conversation.patient_id == patient_id)))


def _revoke_relatives(session: Session, patient_id: int, actor: str, now: datetime) -> int:
    relatives = session.scalars(
        select(Relative).where(Relative.patient_id == patient_id, Relative.revoked_at.is_(None))
    ).all()
    for relative in relatives:
        relative.revoked_at = now
        relative.revoked_by = actor
    return len(relatives)
