"""SQLAlchemy models: the app database is the source of truth for every conversation."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return uuid.uuid4().hex


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware UTC datetimes; SQLite drops the zone, so it is put back on load."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), dict[str, Any]: JSON}


class Patient(Base):
    """A pseudonymous patient: no names, no CPR numbers, only an opaque pseudonym."""

    __tablename__ = "patients"

    id: Mapped[int] = mapped_column(primary_key=True)
    pseudonym: Mapped[str] = mapped_column(String(32), unique=True)
    label: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    consent: Mapped[str] = mapped_column(String(16), default="pending")  # pending|given|declined
    consent_at: Mapped[datetime | None]
    literacy_level: Mapped[str] = mapped_column(String(16), default="standard")
    # The opening literacy screen: pending|done|skipped (migration 0004_literacy).
    screening: Mapped[str] = mapped_column(String(16), default="pending", server_default="pending")
    read_aloud: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # Set when the patient's data was erased (bot/storage/erasure.py): the row stays as a
    # tombstone, so that the audit trail still names the pseudonym (0014_withdrawal_deletion).
    erased_at: Mapped[datetime | None]

    invitations: Mapped[list[Invitation]] = relationship(back_populates="patient")
    conversations: Mapped[list[Conversation]] = relationship(back_populates="patient")


class Invitation(Base):
    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    # A link is a bearer secret: only the SHA-256 of its token is kept (migration 0007_links),
    # so the database cannot reprint a link; create_invitation hands out the token once.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    questionnaire_id: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16), default="web")  # web|telegram|handoff
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    used_at: Mapped[datetime | None]  # first use
    # Web links expire BOT_LINK_DAYS after their last activity (written at most hourly).
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(String(16))  # console|cli|withdrawn|…
    # The relative who uses / gives it (bot/storage/relative_models.py); None: the patient.
    relative_id: Mapped[int | None] = mapped_column(
        ForeignKey("relatives.id", use_alter=True, name="fk_invitations_relative_id_relatives")
    )

    patient: Mapped[Patient] = relationship(back_populates="invitations")


class Conversation(Base):
    """One patient working through one questionnaire; its id is the engine's sender id."""

    __tablename__ = "conversations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("invitations.id"))
    questionnaire_id: Mapped[str] = mapped_column(String(64))
    # The course occurrence this conversation answers (None: a one-off questionnaire); each
    # occurrence is its own conversation, opened when the patient next writes (0010).
    # use_alter: occurrences point at responses, which point at conversations (a cycle).
    occurrence_id: Mapped[int | None] = mapped_column(
        ForeignKey(
            "occurrences.id", use_alter=True, name="fk_conversations_occurrence_id_occurrences"
        ),
        # One conversation per occurrence, even when two requests open it at once.
        index=True,
        unique=True,
    )
    status: Mapped[str] = mapped_column(String(16), default="active")
    # active|paused|stopped|completed|declined
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]
    # Dialogue state that is not an answer: a typed answer awaiting confirmation, failed
    # attempts at the current item, an item reopened for correction.
    pending: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    reopened_link_id: Mapped[str | None] = mapped_column(String(64))
    # What the patient has been shown, kept up to date with every bot message stored (see
    # transcripts.add_message), so a turn never rescans the transcript (migration 0005_presented).
    presented: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # A reply the bot waits for that is not an answer to an item (bot/dialogue/awaiting.py);
    # may hold the patient's typed words, like `pending` (migration 0011_awaiting).
    awaiting: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The relative who uses / gives it (bot/storage/relative_models.py); None: the patient.
    relative_id: Mapped[int | None] = mapped_column(
        ForeignKey("relatives.id", use_alter=True, name="fk_conversations_relative_id_relatives")
    )

    patient: Mapped[Patient] = relationship(back_populates="conversations")
    messages: Mapped[list[Message]] = relationship(
        back_populates="conversation", order_by="Message.id"
    )
    responses: Mapped[list[Response]] = relationship(back_populates="conversation")


class Message(Base):
    """One transcript line, either direction. Button presses are kept as such."""

    __tablename__ = "messages"
    __table_args__ = (
        Index("ix_messages_conversation_id_id", "conversation_id", "id"),
        # A channel's message id (Telegram's update id) is stored once per conversation, so a
        # redelivered update cannot be taken twice, even by two app processes (0008).
        Index(
            "ux_messages_conversation_external",
            "conversation_id",
            "external_id",
            unique=True,
            sqlite_where=text("external_id IS NOT NULL"),
            postgresql_where=text("external_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"))
    direction: Mapped[str] = mapped_column(String(3))  # in|out
    channel: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16), default="text")  # text|button|event
    text: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[str | None] = mapped_column(Text)
    buttons: Mapped[list[dict[str, str]] | None] = mapped_column(JSON)
    # For a question: which item and presentation the patient was shown.
    link_id: Mapped[str | None] = mapped_column(String(64))
    meta: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    external_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    conversation: Mapped[Conversation] = relationship(back_populates="messages")


class Response(Base):
    """A FHIR QuestionnaireResponse in the making."""

    __tablename__ = "responses"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    questionnaire_id: Mapped[str] = mapped_column(String(64))
    questionnaire_version: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="in-progress")
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]
    # The relative who uses / gives it (bot/storage/relative_models.py); None: the patient.
    relative_id: Mapped[int | None] = mapped_column(
        ForeignKey("relatives.id", use_alter=True, name="fk_responses_relative_id_relatives")
    )

    conversation: Mapped[Conversation] = relationship(back_populates="responses")
    answers: Mapped[list[Answer]] = relationship(back_populates="response", order_by="Answer.id")


class Answer(Base):
    """One answer to one item. A corrected answer is superseded, never deleted."""

    __tablename__ = "answers"
    __table_args__ = (
        Index("ix_answers_response_link", "response_id", "link_id"),
        # The database itself refuses a second current answer to one item (0008).
        Index(
            "ux_answers_current",
            "response_id",
            "link_id",
            unique=True,
            sqlite_where=text("superseded_at IS NULL"),
            postgresql_where=text("superseded_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[str] = mapped_column(ForeignKey("responses.id"))
    link_id: Mapped[str] = mapped_column(String(64))
    item_type: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="answered")  # answered|skipped
    code: Mapped[str | None] = mapped_column(String(64))
    display: Mapped[str | None] = mapped_column(Text)
    value_integer: Mapped[int | None]
    value_boolean: Mapped[bool | None] = mapped_column(Boolean)
    value_string: Mapped[str | None] = mapped_column(Text)
    score: Mapped[float | None] = mapped_column(Float)
    raw_text: Mapped[str | None] = mapped_column(Text)
    input_kind: Mapped[str] = mapped_column(String(16))  # button|text|confirmed
    interpretation: Mapped[str | None] = mapped_column(String(32))
    literacy_level: Mapped[str] = mapped_column(String(16))
    wording_shown: Mapped[str] = mapped_column(Text)
    presentation: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    superseded_at: Mapped[datetime | None]
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("answers.id"))
    # The relative who uses / gives it (bot/storage/relative_models.py); None: the patient.
    relative_id: Mapped[int | None] = mapped_column(
        ForeignKey("relatives.id", use_alter=True, name="fk_answers_relative_id_relatives")
    )

    response: Mapped[Response] = relationship(back_populates="answers")


class Alert(Base):
    """A triage alert for the coordinators (red/yellow; urgent for safety events)."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"))
    response_id: Mapped[str | None] = mapped_column(ForeignKey("responses.id"))
    rule_id: Mapped[str] = mapped_column(String(64))
    level: Mapped[str] = mapped_column(String(8))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    acknowledged_at: Mapped[datetime | None]


class AuditEvent(Base):
    """Who read or exported what, and when (a patient's right to see this list)."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64))
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patients.id"), index=True)
    detail: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
