"""A relative's answers on the patient's behalf: which questionnaire they answer, and the
conversation they answer it in.

A proxy conversation is a row of ``conversations`` with ``relative_id`` set (the respondent)
and ``patient_id`` the patient (whom it is about), for a questionnaire that is not the
relatives' own. It has no ``occurrence_id``: the one conversation per occurrence is the
patient's own, and a proxy response never answers an occurrence (see
``course_conversations.answer_occurrence``). Its ``invitation_id`` is the relative's link, so
that link opens it from the next message on (``conversations.existing_conversation`` takes the
link's newest conversation).

Both answers are kept when the patient answers the same questionnaire themself; every figure
that counts self-reports leaves out responses with ``relative_id`` set.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.storage.audit import audit
from bot.storage.console_models import PatientProfile
from bot.storage.course_conversations import open_occurrences
from bot.storage.models import Conversation, Invitation
from bot.storage.relative_models import Relative
from bot.storage.relatives import RELATIVE_QUESTIONNAIRE_ID


def is_proxy(conversation: Conversation) -> bool:
    """A relative answering on the patient's behalf (not their own questionnaire)."""
    return (
        conversation.relative_id is not None
        and conversation.questionnaire_id != RELATIVE_QUESTIONNAIRE_ID
    )


def proxy_questionnaire_id(
    session: Session, patient_id: int, loaded: Collection[str]
) -> str | None:
    """The questionnaire the patient has open now, for a relative to answer on their behalf:
    the questionnaire of their oldest open course occurrence; else that of their latest link
    that still works, unless the patient has completed it since. None when nothing is open,
    the patient has withdrawn, or the questionnaire is not loaded."""
    withdrawn = session.scalar(
        select(PatientProfile.withdrawn_at).where(PatientProfile.patient_id == patient_id)
    )
    if withdrawn is not None:
        return None
    occurrences = open_occurrences(session, patient_id)
    if occurrences:
        found = occurrences[0].questionnaire_id
        return found if found in loaded else None
    invitation = session.scalar(
        select(Invitation)
        .where(
            Invitation.patient_id == patient_id,
            Invitation.relative_id.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.questionnaire_id != RELATIVE_QUESTIONNAIRE_ID,
        )
        .order_by(Invitation.created_at.desc(), Invitation.id.desc())
        .limit(1)
    )
    if invitation is None or invitation.questionnaire_id not in loaded:
        return None
    answered = session.scalar(
        select(Conversation.id)
        .where(
            Conversation.patient_id == patient_id,
            Conversation.relative_id.is_(None),
            Conversation.questionnaire_id == invitation.questionnaire_id,
            Conversation.completed_at.is_not(None),
            Conversation.completed_at >= invitation.created_at,
        )
        .limit(1)
    )
    return None if answered is not None else invitation.questionnaire_id


def open_proxy_conversation(
    session: Session, relative: Relative, questionnaire_id: str, invitation_id: int | None
) -> Conversation:
    """The relative's conversation answering ``questionnaire_id`` for the patient: the one not
    completed yet, or a new one under ``invitation_id`` (the relative's link, which then opens
    it). Audited: the relative begins to answer about the patient."""
    conversation = session.scalar(
        select(Conversation)
        .where(
            Conversation.relative_id == relative.id,
            Conversation.questionnaire_id == questionnaire_id,
            Conversation.completed_at.is_(None),
        )
        .order_by(Conversation.started_at.desc())
        .limit(1)
    )
    if conversation is not None:
        if invitation_id is not None:
            conversation.invitation_id = invitation_id  # a new link of theirs opens it too
        return conversation
    conversation = Conversation(
        patient_id=relative.patient_id,
        relative_id=relative.id,
        invitation_id=invitation_id,
        questionnaire_id=questionnaire_id,
    )
    session.add(conversation)
    session.flush()
    audit(session, actor="relative", action="relative.proxy.start",
          patient_id=relative.patient_id,
          detail=f"relative={relative.public_id} questionnaire={questionnaire_id}")  # fmt: skip
    return conversation


def relatives_by_id(session: Session, relative_ids: Collection[int | None]) -> dict[int, Relative]:
    """The relatives with these ids (None ignored), by id: for marking who answered."""
    wanted = sorted({r for r in relative_ids if r is not None})
    if not wanted:
        return {}
    return {r.id: r for r in session.scalars(select(Relative).where(Relative.id.in_(wanted)))}
