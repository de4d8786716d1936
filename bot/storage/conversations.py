"""Conversations: which one an invitation opens, looking one up, and locking one for a turn."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.storage.models import Conversation, Invitation, utcnow


def existing_conversation(session: Session, invitation: Invitation) -> Conversation | None:
    """The conversation an invitation opens, if there is one already.

    Invitations of one patient to one questionnaire on different channels (web chat,
    Telegram) share one conversation, so the patient can change channel and continue at the
    same item: an invitation with no conversation of its own joins the patient's latest
    conversation for that questionnaire — unless that one was completed before this
    invitation was made (then this invitation is a new round, with a new conversation).
    """
    conversation = session.scalar(
        select(Conversation)
        .where(Conversation.invitation_id == invitation.id)
        .order_by(Conversation.started_at.desc())
    )
    if conversation is None:
        conversation = session.scalar(
            select(Conversation)
            .where(
                Conversation.patient_id == invitation.patient_id,
                Conversation.questionnaire_id == invitation.questionnaire_id,
                # A relative's link never joins the patient's conversation, nor the reverse.
                Conversation.relative_id.is_(None)
                if invitation.relative_id is None
                else Conversation.relative_id == invitation.relative_id,
            )
            .order_by(Conversation.started_at.desc(), Conversation.id)
            .limit(1)
        )
        if conversation is not None and conversation.completed_at is not None:
            made = invitation.created_at or utcnow()
            if conversation.completed_at <= made:
                conversation = None
    return conversation


def conversation_for_invitation(session: Session, invitation: Invitation) -> Conversation:
    """The patient's conversation for this invitation (see `existing_conversation`), created
    on first use."""
    conversation = existing_conversation(session, invitation)
    if conversation is None:
        conversation = Conversation(
            patient_id=invitation.patient_id,
            invitation_id=invitation.id,
            questionnaire_id=invitation.questionnaire_id,
            relative_id=invitation.relative_id,
        )
        session.add(conversation)
    if invitation.used_at is None:
        invitation.used_at = utcnow()
    session.flush()
    return conversation


def get_conversation(session: Session, conversation_id: str) -> Conversation | None:
    return session.get(Conversation, conversation_id)


def lock_conversation(session: Session, conversation_id: str) -> Conversation | None:
    """The conversation, locked for the rest of the session's transaction, so two turns of
    one conversation (two tabs, two app or engine processes) take their state one after the
    other. Must be the transaction's first statement.

    PostgreSQL: a row lock (`SELECT … FOR UPDATE`). SQLite has no row locks and ignores FOR
    UPDATE; a write as the first statement takes the database's one writer lock at once
    (waiting up to the busy timeout), before anything is read from a stale snapshot.
    """
    if session.get_bind().dialect.name == "sqlite":
        session.execute(
            update(Conversation)
            .where(Conversation.id == conversation_id)
            .values(attempts=Conversation.attempts)
            .execution_options(synchronize_session=False)
        )
    return session.scalar(
        select(Conversation)
        .where(Conversation.id == conversation_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


class Refused(Exception):
    """The database refused a row as a duplicate (a unique index); nothing of the block that
    tried to write it was kept."""


@contextmanager
def refusing_duplicates(session: Session) -> Iterator[None]:
    """A savepoint: should a unique index refuse a write in the block, the block's writes are
    rolled back, the session stays usable, and `Refused` is raised."""
    try:
        with session.begin_nested():
            yield
    except IntegrityError as error:
        if not _unique_violation(error):
            raise
        raise Refused from error


def _unique_violation(error: IntegrityError) -> bool:
    # PostgreSQL's SQLSTATE for unique_violation; SQLite says it in words.
    return getattr(error.orig, "sqlstate", None) == "23505" or "UNIQUE constraint" in str(
        error.orig
    )
