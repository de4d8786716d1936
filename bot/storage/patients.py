"""Patients and their invitations (the links that open a conversation).

A link's token is a bearer secret: only its SHA-256 is stored, so a link can be shown once,
at creation (`IssuedInvitation.token`), and never reprinted from the database. Web links
expire BOT_LINK_DAYS after their last activity and can be revoked; Telegram invitations
and hand-off links expire at `expires_at` and are single-use.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.storage.models import Conversation, Invitation, Patient, utcnow

_PSEUDONYM_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

# How stale `last_used_at` may get before a use writes it again: a write per hour, not per
# request, is plenty for an expiry counted in days.
LAST_USED_RESOLUTION = timedelta(hours=1)


def new_pseudonym() -> str:
    return "P-" + "".join(secrets.choice(_PSEUDONYM_ALPHABET) for _ in range(8))


def new_token() -> str:
    # 192 bits: unguessable, and URL-safe for /chat/<token> and Telegram deep links.
    return secrets.token_urlsafe(24)


def hash_token(token: str) -> str:
    # A plain hash is enough: the tokens are random and 192 bits long, so there is nothing to
    # guess from a dictionary (no salt, no slow hash needed).
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class IssuedInvitation:
    """A new invitation and its token: the only moment the token is known."""

    invitation: Invitation
    token: str


def create_patient(session: Session, *, label: str | None = None) -> Patient:
    patient = Patient(pseudonym=new_pseudonym(), label=label)
    session.add(patient)
    session.flush()
    return patient


def create_invitation(
    session: Session,
    patient: Patient,
    questionnaire_id: str,
    *,
    channel: str = "web",
    valid_for: timedelta | None = None,
    relative_id: int | None = None,
) -> IssuedInvitation:
    """A link for the patient, or for one of their relatives (`relative_id`: the link then
    opens the relative's own conversation, see bot/storage/relatives.py)."""
    token = new_token()
    invitation = Invitation(
        patient_id=patient.id,
        relative_id=relative_id,
        token_hash=hash_token(token),
        questionnaire_id=questionnaire_id,
        channel=channel,
        expires_at=utcnow() + valid_for if valid_for else None,
    )
    session.add(invitation)
    session.flush()
    return IssuedInvitation(invitation, token)


def invitation_by_token(session: Session, token: str) -> Invitation | None:
    return session.scalar(select(Invitation).where(Invitation.token_hash == hash_token(token)))


def patient_by_pseudonym(session: Session, pseudonym: str) -> Patient | None:
    return session.scalar(select(Patient).where(Patient.pseudonym == pseudonym))


# ---------------------------------------------------------------------- web links


def web_link_gone(invitation: Invitation, link_days: int, now: datetime | None = None) -> bool:
    """Whether a web link no longer opens its chat: revoked, or no activity for
    `link_days` days (counted from its creation when never used), or past an explicit
    `expires_at` without ever having been used."""
    now = now or utcnow()
    if invitation.revoked_at is not None:
        return True
    never_used = invitation.used_at is None
    if never_used and invitation.expires_at is not None and invitation.expires_at <= now:
        return True
    last_activity = invitation.last_used_at or invitation.used_at or invitation.created_at
    return last_activity + timedelta(days=link_days) <= now


def touch(invitation: Invitation, now: datetime | None = None) -> None:
    """Record that the link was used (at most once per LAST_USED_RESOLUTION)."""
    now = now or utcnow()
    last = invitation.last_used_at
    if last is None or now - last >= LAST_USED_RESOLUTION:
        invitation.last_used_at = now


# ---------------------------------------------------------------------- revocation


def revoke_invitation(session: Session, invitation: Invitation, reason: str) -> bool:
    """Revoke one link; False when it was revoked already."""
    if invitation.revoked_at is not None:
        return False
    invitation.revoked_at = utcnow()
    invitation.revoked_reason = reason
    session.flush()
    return True


def revoke_patient_links(
    session: Session, patient_id: int, reason: str, *, channel: str | None = None
) -> int:
    """Revoke every link of the patient not revoked yet (only `channel`'s, if given);
    returns how many."""
    statement = update(Invitation).where(
        Invitation.patient_id == patient_id, Invitation.revoked_at.is_(None)
    )
    if channel is not None:
        statement = statement.where(Invitation.channel == channel)
    result = session.execute(
        statement.values(revoked_at=utcnow(), revoked_reason=reason),
        execution_options={"synchronize_session": "fetch"},
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


# ---------------------------------------------------------------------- hand-off


def handoff_invitation(
    session: Session, conversation: Conversation, valid_for: timedelta
) -> IssuedInvitation:
    """A short-lived, single-use link that opens this conversation in the web chat: what
    the Telegram channel sends instead of a long-lived web link."""
    patient = session.get(Patient, conversation.patient_id)
    assert patient is not None
    return create_invitation(
        session, patient, conversation.questionnaire_id, channel="handoff", valid_for=valid_for
    )


def handoff_usable(invitation: Invitation, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return (
        invitation.channel == "handoff"
        and invitation.revoked_at is None
        and invitation.used_at is None
        and invitation.expires_at is not None
        and invitation.expires_at > now
    )


def consume_handoff(session: Session, invitation: Invitation) -> IssuedInvitation | None:
    """Use up a hand-off link: a fresh web link for the same patient and questionnaire
    (which opens the same conversation), or None when the hand-off link is not usable."""
    if not handoff_usable(invitation):
        return None
    now = utcnow()
    # A conditional update, so two requests opening the link at once cannot both use it.
    claimed = session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.used_at.is_(None))
        .values(used_at=now, last_used_at=now),
        execution_options={"synchronize_session": "fetch"},
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    patient = session.get(Patient, invitation.patient_id)
    assert patient is not None
    fresh = create_invitation(
        session, patient, invitation.questionnaire_id, relative_id=invitation.relative_id
    )
    # Dated like the hand-off link, so it opens the round the hand-off was made for even if
    # that was completed meanwhile (see conversations.existing_conversation); its expiry
    # counts from now.
    fresh.invitation.created_at = invitation.created_at
    fresh.invitation.last_used_at = now
    session.flush()
    return fresh
