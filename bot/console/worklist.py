"""The worklist: every visible patient with status, triage colour and vulnerability flags,
the most in need first.

- Status: ``overdue`` ("Forsinket": an occurrence of the patient's course is past its
  overdue time unanswered; a call may be needed), ``invited`` (nothing said yet), ``in_progress``, ``completed`` (every invitation's
  questionnaire finished), ``stalled`` (not completed and no activity for
  ``console_stalled_days``), ``withdrawn`` (consent declined, or withdrawn in the console).
- Colour: the worst of the patient's alerts (the alert rules of the questionnaire files,
  "talk to a person", difficulty) and the triage of their score bands (e.g. WHO-5 ≤ 35 red).
- Flags: ``low_literacy`` (the conversation moved to the plain or guided level),
  ``no_network`` (no one to help in daily life), ``misunderstanding`` (an item was not
  understood twice or more: a ``difficulty:*`` alert), ``stalled``.
- Order: urgent alerts, then red, then overdue, then yellow before green, then more flags first, then
  those not reviewed since their last activity, then the more severe score, then the longest
  waiting. Withdrawn patients come last.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.console.access import Staff
from bot.console.scores import TRIAGE_RANK, ScoreSummary, summarise, triage_levels
from bot.questionnaire.model import Questionnaire
from bot.questionnaire.scoring import score, worst
from bot.settings import Settings
from bot.storage.console_models import PatientProfile
from bot.storage.doctor_questions import open_question_counts
from bot.storage.models import Alert, Conversation, Invitation, Patient, utcnow
from bot.storage.responses import answers_from_rows
from bot.storage.worklist_queries import LateOccurrence, WorklistData, worklist_data

STATUSES: tuple[str, ...] = (
    "overdue",
    "invited",
    "in_progress",
    "stalled",
    "completed",
    "withdrawn",
)
FLAGS: tuple[str, ...] = ("low_literacy", "no_network", "misunderstanding", "stalled")
LOW_LITERACY_LEVELS = frozenset({"plain", "guided"})
NO_NETWORK_ITEMS = frozenset({"bv-netvaerk"})
"""Yes/no items where "no" means the patient has no one to help them."""
NO_NETWORK_ALERTS = frozenset({"bv-no-network"})
DIFFICULTY_PREFIX = "difficulty:"
_PROGRESS = {"invited": 0, "in_progress": 1, "completed": 2}


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
    overdue: LateOccurrence | None = None
    """The earliest overdue occurrence (status ``overdue``), for "which and since when"."""
    overdue_title: str | None = None
    withdrawn_at: datetime | None = None  # status ``withdrawn``: when (None: consent declined)
    open_questions: int = 0
    """Questions for the doctor not handled yet ("Til samtalen" on the patient page)."""

    @property
    def vulnerable(self) -> bool:
        return bool(self.flags)


def sort_key(row: WorklistRow) -> tuple[object, ...]:
    waiting = row.last_activity.timestamp() if row.last_activity else 0.0
    # Red before overdue before the rest: an overdue course is a call to make, but a red
    # result is more pressing.
    group = 0 if row.colour == "red" else 1 if row.status == "overdue" else 2
    return (
        row.status == "withdrawn",
        not row.urgent,
        group,
        -TRIAGE_RANK.get(row.colour, 0),
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


def _flags(patient: Patient, status: str, no_network: bool, alerts: Sequence[Alert]) -> list[str]:
    flags = []
    if patient.literacy_level in LOW_LITERACY_LEVELS:
        flags.append("low_literacy")
    if no_network or any(a.rule_id in NO_NETWORK_ALERTS for a in alerts):
        flags.append("no_network")
    if any(a.rule_id.startswith(DIFFICULTY_PREFIX) for a in alerts):
        flags.append("misunderstanding")
    if status == "stalled":
        flags.append("stalled")
    return flags


def build_rows(
    session: Session,
    staff: Staff,
    questionnaires: Mapping[str, Questionnaire],
    settings: Settings,
    *,
    now: datetime | None = None,
) -> list[WorklistRow]:
    """Every patient ``staff`` may see, unsorted (see ``sort_key``)."""
    data = worklist_data(session, staff.visible_teams)
    now = now or utcnow()
    stalled_after = timedelta(days=settings.console_stalled_days)
    rows = [
        _row(patient, profile, data, questionnaires, now, stalled_after)
        for patient, profile in data.patients
    ]
    questions = open_question_counts(session, staff.visible_teams) if rows else {}
    for row in rows:
        row.open_questions = questions.get(row.patient_id, 0)
    return rows


def _row(
    patient: Patient,
    profile: PatientProfile | None,
    data: WorklistData,
    questionnaires: Mapping[str, Questionnaire],
    now: datetime,
    stalled_after: timedelta,
) -> WorklistRow:
    conversations = data.conversations.get(patient.id, [])
    invitations = data.invitations.get(patient.id, [])
    moments = [c.updated_at for c in conversations] + [i.created_at for i in invitations]
    last_activity = max(moments) if moments else patient.created_at
    status = _status(
        patient,
        profile,
        invitations,
        conversations,
        data.spoken,
        last_activity,
        now,
        stalled_after,
    )
    overdue = _overdue(data.late.get(patient.id, []), now) if status != "withdrawn" else None
    if overdue is not None:
        status = "overdue"
    scores: list[ScoreSummary] = []
    no_network = False
    has_answers = False
    for response in data.responses.get(patient.id, []):
        answers = data.answers.get(response.id, [])
        has_answers = has_answers or bool(answers)
        no_network = no_network or any(
            a.link_id in NO_NETWORK_ITEMS and a.value_boolean is False for a in answers
        )
        questionnaire = questionnaires.get(response.questionnaire_id)
        # Self-report wins: a relative's scores are on the patient page, marked, not here.
        if questionnaire is not None and answers and response.relative_id is None:
            scores += summarise(questionnaire, score(questionnaire, answers_from_rows(answers)))
    alerts = data.alerts.get(patient.id, [])
    last_review = data.last_reviews.get(patient.id)
    team_id = profile.team_id if profile else None
    responsible_id = profile.responsible_user_id if profile else None
    return WorklistRow(
        patient_id=patient.id,
        pseudonym=patient.pseudonym,
        label=patient.label,
        literacy_level=patient.literacy_level,
        team_id=team_id,
        team_name=data.team_names.get(team_id) if team_id else None,
        responsible_id=responsible_id,
        responsible_email=data.user_emails.get(responsible_id) if responsible_id else None,
        status=status,
        colour=worst([a.level for a in alerts] + triage_levels(scores)),
        urgent=any(a.urgent and a.acknowledged_at is None for a in alerts),
        flags=tuple(_flags(patient, status, no_network, alerts)),
        scores=scores,
        questionnaires=sorted(
            {c.questionnaire_id for c in conversations} | {i.questionnaire_id for i in invitations}
        ),
        alerts=len(alerts),
        last_activity=last_activity,
        last_review_at=last_review,
        needs_review=(has_answers or bool(alerts))
        and (last_review is None or last_review < last_activity),
        severity=max((s.severity for s in scores), default=0.0),
        overdue=overdue,
        overdue_title=_title(questionnaires, overdue.questionnaire_id) if overdue else None,
        withdrawn_at=profile.withdrawn_at if profile else None,
    )


def _title(questionnaires: Mapping[str, Questionnaire], questionnaire_id: str) -> str:
    questionnaire = questionnaires.get(questionnaire_id)
    return questionnaire.title if questionnaire else questionnaire_id


def _overdue(late: Sequence[LateOccurrence], now: datetime) -> LateOccurrence | None:
    """The earliest occurrence past its overdue time (the scheduler may not have marked it
    yet, so an open one past ``overdue_at`` counts too)."""
    return next((o for o in late if o.status == "overdue" or o.overdue_at <= now), None)


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
