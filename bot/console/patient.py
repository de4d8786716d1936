"""What the patient page shows: the transcript beside the structured answers, per
questionnaire, with scores, bands, triage, alerts and the review history."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.console.worklist import ScoreSummary, summarise, worst
from bot.export.fhir import answers_from_rows
from bot.questionnaire.model import Questionnaire
from bot.questionnaire.scoring import score
from bot.storage.console_models import ConsoleUser, PatientProfile, Review, Team
from bot.storage.models import (
    Alert,
    Answer,
    AuditEvent,
    Conversation,
    Invitation,
    Message,
    Patient,
    Response,
)


@dataclass(frozen=True)
class Entry:
    """One line of the transcript as the console shows it.

    ``who``: patient | bot | system. ``kind``: text | button | start | level | alert, or for a
    bot message the kind its meta gives (question, confirm, crisis, consent, intro, ...).
    """

    at: datetime
    who: str
    kind: str
    text: str
    buttons: tuple[str, ...] = ()
    link_id: str | None = None
    level: str | None = None
    detail: str | None = None
    urgent: bool = False


@dataclass(frozen=True)
class AnswerLine:
    id: int
    link_id: str
    prefix: str | None
    item_text: str
    status: str
    display: str | None
    score: float | None
    input_kind: str
    raw_text: str | None
    interpretation: str | None
    literacy_level: str
    wording_shown: str
    presentation: str
    at: datetime
    superseded_at: datetime | None
    superseded_by_id: int | None


@dataclass
class ResponseView:
    """One questionnaire's answers in a conversation (the opening literacy screen has a
    response of its own beside the invited questionnaire's)."""

    questionnaire_id: str
    title: str
    status: str
    answers: list[AnswerLine] = field(default_factory=list)
    scores: list[ScoreSummary] = field(default_factory=list)


@dataclass
class ConversationView:
    id: str
    questionnaire_id: str
    title: str
    status: str
    started_at: datetime
    completed_at: datetime | None
    entries: list[Entry] = field(default_factory=list)
    responses: list[ResponseView] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    triage: str = "green"

    @property
    def scores(self) -> list[ScoreSummary]:
        return [score for response in self.responses for score in response.scores]


@dataclass
class PatientView:
    patient: Patient
    profile: PatientProfile | None
    team: Team | None
    responsible: ConsoleUser | None
    conversations: list[ConversationView]
    invitations: list[Invitation]
    reviews: list[Review]
    triage: str


def _presentation(value: Mapping[str, Any] | None) -> str:
    """The presentation record of an answer, short (the buttons are in the transcript)."""
    if not value:
        return ""
    parts = []
    for key in sorted(value):
        if key == "buttons":
            continue
        item = value[key]
        if isinstance(item, list | tuple):
            item = ", ".join(str(v) for v in item)
        parts.append(f"{key}: {item}")
    return "; ".join(parts)


def entry_for(message: Message, offered: Mapping[str, str] | None = None) -> Entry:
    """``offered``: payload -> title of the buttons the bot offered last, to show a button
    press by its title even if only the payload was stored."""
    meta = message.meta or {}
    if message.direction == "in":
        if message.kind == "button":
            text, payload = message.text, message.payload or ""
            if (not text or text == payload) and offered and payload in offered:
                text = offered[payload]
            return Entry(message.created_at, "patient", "button", text)
        if message.kind == "event":
            return Entry(message.created_at, "patient", "start", message.payload or "")
        return Entry(message.created_at, "patient", "text", message.text)
    if message.kind == "event":
        kind = str(meta.get("kind") or "event")
        detail = meta.get("reason") or meta.get("signal") or meta.get("status")
        if detail is None:
            rest = {k: v for k, v in meta.items() if k not in ("kind", "level")}
            detail = ", ".join(f"{k}: {v}" for k, v in sorted(rest.items())) or None
        return Entry(
            message.created_at,
            "system",
            kind,
            message.text,
            level=str(meta["level"]) if meta.get("level") else None,
            detail=str(detail) if detail is not None else None,
        )
    buttons = tuple(str(b.get("title", "")) for b in (message.buttons or []))
    return Entry(
        message.created_at,
        "bot",
        str(meta.get("kind") or "text"),
        message.text,
        buttons=buttons,
        link_id=message.link_id,
        level=str(meta["level"]) if meta.get("level") else None,
    )


def load(
    session: Session, patient: Patient, questionnaires: Mapping[str, Questionnaire]
) -> PatientView:
    profile = session.get(PatientProfile, patient.id)
    conversations = list(
        session.scalars(
            select(Conversation)
            .where(Conversation.patient_id == patient.id)
            .order_by(Conversation.started_at)
        )
    )
    views: list[ConversationView] = []
    for conversation in conversations:
        questionnaire = questionnaires.get(conversation.questionnaire_id)
        view = ConversationView(
            id=conversation.id,
            questionnaire_id=conversation.questionnaire_id,
            title=questionnaire.title if questionnaire else conversation.questionnaire_id,
            status=conversation.status,
            started_at=conversation.started_at,
            completed_at=conversation.completed_at,
        )
        messages = session.scalars(
            select(Message).where(Message.conversation_id == conversation.id).order_by(Message.id)
        ).all()
        view.alerts = list(
            session.scalars(
                select(Alert).where(Alert.conversation_id == conversation.id).order_by(Alert.id)
            )
        )
        entries = []
        offered: dict[str, str] = {}
        for message in messages:
            entries.append(entry_for(message, offered))
            if message.direction == "out" and message.buttons:
                offered = {str(b.get("payload")): str(b.get("title")) for b in message.buttons}
        entries += [
            Entry(
                a.created_at,
                "system",
                "alert",
                a.message,
                level=a.level,
                detail=a.rule_id,
                urgent=a.urgent,
            )
            for a in view.alerts
        ]
        view.entries = sorted(entries, key=lambda e: (e.at, e.kind == "alert"))
        for response in session.scalars(
            select(Response)
            .where(Response.conversation_id == conversation.id)
            .order_by(Response.started_at)
        ):
            view.responses.append(_response_view(session, response, questionnaires))
        view.triage = worst([a.level for a in view.alerts] + [s.triage for s in view.scores])
        views.append(view)
    reviews = list(
        session.scalars(
            select(Review).where(Review.patient_id == patient.id).order_by(Review.at.desc())
        )
    )
    invitations = list(
        session.scalars(
            select(Invitation).where(Invitation.patient_id == patient.id).order_by(Invitation.id)
        )
    )
    return PatientView(
        patient=patient,
        profile=profile,
        team=session.get(Team, profile.team_id) if profile and profile.team_id else None,
        responsible=(
            session.get(ConsoleUser, profile.responsible_user_id)
            if profile and profile.responsible_user_id
            else None
        ),
        conversations=views,
        invitations=invitations,
        reviews=reviews,
        triage=worst([v.triage for v in views]),
    )


def _response_view(
    session: Session, response: Response, questionnaires: Mapping[str, Questionnaire]
) -> ResponseView:
    questionnaire = questionnaires.get(response.questionnaire_id)
    view = ResponseView(
        questionnaire_id=response.questionnaire_id,
        title=questionnaire.title if questionnaire else response.questionnaire_id,
        status=response.status,
    )
    rows = list(
        session.scalars(select(Answer).where(Answer.response_id == response.id).order_by(Answer.id))
    )
    for row in rows:
        item = None
        if questionnaire is not None:
            try:
                item = questionnaire.item(row.link_id)
            except KeyError:
                item = None
        view.answers.append(
            AnswerLine(
                id=row.id,
                link_id=row.link_id,
                prefix=item.prefix if item else None,
                item_text=item.text if item else row.link_id,
                status=row.status,
                display=row.display,
                score=row.score,
                input_kind=row.input_kind,
                raw_text=row.raw_text,
                interpretation=row.interpretation,
                literacy_level=row.literacy_level,
                wording_shown=row.wording_shown,
                presentation=_presentation(row.presentation),
                at=row.created_at,
                superseded_at=row.superseded_at,
                superseded_by_id=row.superseded_by_id,
            )
        )
    current = [r for r in rows if r.superseded_at is None]
    if questionnaire is not None and current:
        view.scores = summarise(questionnaire, score(questionnaire, answers_from_rows(current)))
    return view


def access_log(session: Session, patient_id: int) -> list[AuditEvent]:
    """Every recorded read or export of this patient's data, newest first."""
    return list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.patient_id == patient_id)
            .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        )
    )
