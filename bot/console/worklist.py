"""The worklist: every visible patient with status, triage colour and vulnerability flags,
the most in need first.

- Status: ``invited`` (nothing said yet), ``in_progress``, ``completed`` (every invitation's
  questionnaire finished), ``stalled`` (not completed and no activity for
  ``console_stalled_days``), ``withdrawn`` (consent declined, or withdrawn in the console).
- Colour: the worst of the patient's alerts (the alert rules of the questionnaire files,
  "talk to a person", difficulty) and the triage of their score bands (e.g. WHO-5 ≤ 35 red).
- Flags: ``low_literacy`` (the conversation moved to the plain or guided level),
  ``no_network`` (no one to help in daily life), ``misunderstanding`` (an item was not
  understood twice or more: a ``difficulty:*`` alert), ``stalled``.
- Order: urgent alerts, then red before yellow before green, then more flags first, then
  those not reviewed since their last activity, then the more severe score, then the longest
  waiting. Withdrawn patients come last.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.console.access import Staff, visible_patient_ids
from bot.export.fhir import answers_from_rows
from bot.questionnaire.model import TRIAGE_LEVELS, Questionnaire, ScoringRule
from bot.questionnaire.scoring import ScoreResult, score
from bot.settings import Settings
from bot.storage.console_models import ConsoleUser, PatientProfile, Review, Team
from bot.storage.models import (
    Alert,
    Answer,
    Conversation,
    Invitation,
    Message,
    Patient,
    Response,
    utcnow,
)

STATUSES: tuple[str, ...] = ("invited", "in_progress", "stalled", "completed", "withdrawn")
FLAGS: tuple[str, ...] = ("low_literacy", "no_network", "misunderstanding", "stalled")
LOW_LITERACY_LEVELS = frozenset({"plain", "guided"})
NO_NETWORK_ITEMS = frozenset({"bv-netvaerk"})
"""Yes/no items where "no" means the patient has no one to help them."""
NO_NETWORK_ALERTS = frozenset({"bv-no-network"})
DIFFICULTY_PREFIX = "difficulty:"
_RANK = {level: i for i, level in enumerate(TRIAGE_LEVELS)}
_PROGRESS = {"invited": 0, "in_progress": 1, "completed": 2}


@dataclass(frozen=True)
class ScoreSummary:
    questionnaire_id: str
    rule_id: str
    name: str
    value: float
    band_code: str | None
    band_label: str | None
    triage: str | None
    severity: float


@dataclass
class WorklistRow:
    patient_id: int
    pseudonym: str
    label: str | None
    literacy_level: str
    team_id: int | None
    team_name: str | None
    responsible_id: int | None
    responsible_email: str | None
    status: str
    colour: str
    urgent: bool
    flags: tuple[str, ...]
    scores: list[ScoreSummary] = field(default_factory=list)
    questionnaires: list[str] = field(default_factory=list)
    alerts: int = 0
    last_activity: datetime | None = None
    last_review_at: datetime | None = None
    needs_review: bool = False
    severity: float = 0.0

    @property
    def vulnerable(self) -> bool:
        return bool(self.flags)


def severity(rule: ScoringRule, value: float) -> float:
    """0 (best) to 1 (worst) along the score's range; the worse end is the one whose band has
    the worse triage (WHO-5: low is worse; PHQ-9: high is worse)."""
    if rule.max <= rule.min:
        return 0.0
    low, high = rule.band_for(rule.min), rule.band_for(rule.max)
    low_rank = _RANK.get(low.triage, 0) if low else 0
    high_rank = _RANK.get(high.triage, 0) if high else 0
    fraction = (value - rule.min) / (rule.max - rule.min)
    fraction = min(max(fraction, 0.0), 1.0)
    if low_rank > high_rank:
        return 1.0 - fraction
    if high_rank > low_rank:
        return fraction
    return 0.0


def summarise(questionnaire: Questionnaire, results: Iterable[ScoreResult]) -> list[ScoreSummary]:
    out = []
    for result in results:
        if result.value is None:
            continue
        band = result.band
        out.append(
            ScoreSummary(
                questionnaire_id=questionnaire.id,
                rule_id=result.rule.id,
                name=result.rule.name,
                value=result.value,
                band_code=band.code if band else None,
                band_label=band.label if band else None,
                triage=band.triage if band else None,
                severity=severity(result.rule, result.value),
            )
        )
    return out


def worst(levels: Iterable[str | None]) -> str:
    result = "green"
    for level in levels:
        if level is not None and _RANK.get(level, 0) > _RANK[result]:
            result = level
    return result


def sort_key(row: WorklistRow) -> tuple[object, ...]:
    waiting = row.last_activity.timestamp() if row.last_activity else 0.0
    return (
        row.status == "withdrawn",
        not row.urgent,
        -_RANK.get(row.colour, 0),
        -len(row.flags),
        not row.needs_review,
        -row.severity,
        waiting,
        row.pseudonym,
    )


def _status(
    patient: Patient,
    profile: PatientProfile | None,
    invitations: Sequence[Invitation],
    conversations: Sequence[Conversation],
    spoken: Mapping[str, int],
    last_activity: datetime | None,
    now: datetime,
    stalled_after: timedelta,
) -> str:
    if (profile is not None and profile.withdrawn_at is not None) or patient.consent == "declined":
        return "withdrawn"
    by_invitation = {c.invitation_id: c for c in conversations if c.invitation_id is not None}
    # Invitations to one questionnaire are alternatives (e.g. a web link and a Telegram link):
    # the questionnaire counts as far as the furthest of them got.
    per_questionnaire: dict[str, str] = {}

    def note(questionnaire_id: str, state: str) -> None:
        before = per_questionnaire.get(questionnaire_id, "invited")
        per_questionnaire[questionnaire_id] = max(before, state, key=_PROGRESS.__getitem__)

    for invitation in invitations:
        conversation = by_invitation.get(invitation.id)
        if conversation is None or not spoken.get(conversation.id):
            note(invitation.questionnaire_id, "invited")
        elif conversation.status == "completed":
            note(invitation.questionnaire_id, "completed")
        else:
            note(invitation.questionnaire_id, "in_progress")
    for conversation in conversations:
        if conversation.invitation_id is None:
            state = "completed" if conversation.status == "completed" else "in_progress"
            note(conversation.questionnaire_id, state)
    states = list(per_questionnaire.values())
    if states and all(state == "completed" for state in states):
        return "completed"
    status = "in_progress" if any(s != "invited" for s in states) else "invited"
    if last_activity is not None and now - last_activity > stalled_after:
        return "stalled"
    return status


def build_rows(
    session: Session,
    staff: Staff,
    questionnaires: Mapping[str, Questionnaire],
    settings: Settings,
    *,
    now: datetime | None = None,
) -> list[WorklistRow]:
    """Every patient ``staff`` may see, unsorted (see ``sort_key``)."""
    now = now or utcnow()
    visible = visible_patient_ids(staff).scalar_subquery()
    patients = session.execute(
        select(Patient, PatientProfile)
        .outerjoin(PatientProfile, PatientProfile.patient_id == Patient.id)
        .where(Patient.id.in_(visible))
    ).all()
    if not patients:
        return []
    invitations: dict[int, list[Invitation]] = defaultdict(list)
    for invitation in session.scalars(
        select(Invitation).where(Invitation.patient_id.in_(visible)).order_by(Invitation.id)
    ):
        invitations[invitation.patient_id].append(invitation)
    conversations: dict[int, list[Conversation]] = defaultdict(list)
    for conversation in session.scalars(
        select(Conversation)
        .where(Conversation.patient_id.in_(visible))
        .order_by(Conversation.started_at)
    ):
        conversations[conversation.patient_id].append(conversation)
    spoken: dict[str, int] = {
        conversation_id: count
        for conversation_id, count in session.execute(
            select(Message.conversation_id, func.count())
            .join(Conversation, Conversation.id == Message.conversation_id)
            .where(
                Conversation.patient_id.in_(visible),
                Message.direction == "in",
                Message.kind != "event",
            )
            .group_by(Message.conversation_id)
        ).tuples()
    }
    alerts: dict[int, list[Alert]] = defaultdict(list)
    for alert in session.scalars(select(Alert).where(Alert.patient_id.in_(visible))):
        alerts[alert.patient_id].append(alert)
    responses: dict[int, list[Response]] = defaultdict(list)
    for response in session.scalars(
        select(Response).where(Response.patient_id.in_(visible)).order_by(Response.started_at)
    ):
        responses[response.patient_id].append(response)
    answers: dict[str, list[Answer]] = defaultdict(list)
    for answer in session.scalars(
        select(Answer)
        .join(Response, Response.id == Answer.response_id)
        .where(Response.patient_id.in_(visible), Answer.superseded_at.is_(None))
        .order_by(Answer.id)
    ):
        answers[answer.response_id].append(answer)
    reviews: dict[int, datetime] = {
        patient_id: at
        for patient_id, at in session.execute(
            select(Review.patient_id, func.max(Review.at))
            .where(Review.patient_id.in_(visible))
            .group_by(Review.patient_id)
        ).tuples()
        if at is not None
    }
    teams = {team.id: team.name for team in session.scalars(select(Team))}
    users = {user.id: user.email for user in session.scalars(select(ConsoleUser))}
    stalled_after = timedelta(days=settings.console_stalled_days)

    rows: list[WorklistRow] = []
    for patient, profile in patients:
        patient_conversations = conversations.get(patient.id, [])
        moments = [c.updated_at for c in patient_conversations]
        moments += [i.created_at for i in invitations.get(patient.id, [])]
        last_activity = max(moments) if moments else patient.created_at
        status = _status(
            patient,
            profile,
            invitations.get(patient.id, []),
            patient_conversations,
            spoken,
            last_activity,
            now,
            stalled_after,
        )
        scores: list[ScoreSummary] = []
        no_network = False
        has_answers = False
        for response in responses.get(patient.id, []):
            rows_of = answers.get(response.id, [])
            has_answers = has_answers or bool(rows_of)
            for row in rows_of:
                if row.link_id in NO_NETWORK_ITEMS and row.value_boolean is False:
                    no_network = True
            questionnaire = questionnaires.get(response.questionnaire_id)
            if questionnaire is not None and rows_of:
                scores += summarise(questionnaire, score(questionnaire, answers_from_rows(rows_of)))
        patient_alerts = alerts.get(patient.id, [])
        no_network = no_network or any(a.rule_id in NO_NETWORK_ALERTS for a in patient_alerts)
        flags = []
        if patient.literacy_level in LOW_LITERACY_LEVELS:
            flags.append("low_literacy")
        if no_network:
            flags.append("no_network")
        if any(a.rule_id.startswith(DIFFICULTY_PREFIX) for a in patient_alerts):
            flags.append("misunderstanding")
        if status == "stalled":
            flags.append("stalled")
        last_review = reviews.get(patient.id)
        needs_review = (has_answers or bool(patient_alerts)) and (
            last_review is None or last_review < last_activity
        )
        rows.append(
            WorklistRow(
                patient_id=patient.id,
                pseudonym=patient.pseudonym,
                label=patient.label,
                literacy_level=patient.literacy_level,
                team_id=profile.team_id if profile else None,
                team_name=teams.get(profile.team_id) if profile and profile.team_id else None,
                responsible_id=profile.responsible_user_id if profile else None,
                responsible_email=(
                    users.get(profile.responsible_user_id)
                    if profile and profile.responsible_user_id
                    else None
                ),
                status=status,
                colour=worst([a.level for a in patient_alerts] + [s.triage for s in scores]),
                urgent=any(a.urgent and a.acknowledged_at is None for a in patient_alerts),
                flags=tuple(flags),
                scores=scores,
                questionnaires=sorted(
                    {c.questionnaire_id for c in patient_conversations}
                    | {i.questionnaire_id for i in invitations.get(patient.id, [])}
                ),
                alerts=len(patient_alerts),
                last_activity=last_activity,
                last_review_at=last_review,
                needs_review=needs_review,
                severity=max((s.severity for s in scores), default=0.0),
            )
        )
    return rows


@dataclass(frozen=True)
class Filters:
    team_id: int | None = None
    status: str | None = None
    colour: str | None = None
    mine: bool = False
    needs_review: bool = False


def apply(rows: Iterable[WorklistRow], filters: Filters, staff: Staff) -> list[WorklistRow]:
    """The rows that pass the filters, most in need first."""
    out = []
    for row in rows:
        if filters.team_id is not None and row.team_id != filters.team_id:
            continue
        if filters.status and row.status != filters.status:
            continue
        if filters.colour and row.colour != filters.colour:
            continue
        if filters.mine and row.responsible_id != staff.id:
            continue
        if filters.needs_review and not row.needs_review:
            continue
        out.append(row)
    return sorted(out, key=sort_key)
