"""Population view: completion, time to complete and scores, by group, over a period.

The unit is a patient invited to the questionnaire in the period (of the patients the user
may see; several links to one questionnaire count once). Per group (literacy level, age band, sex or site):
- invited, started (the patient wrote or pressed something) and completed; the completion
  rate is completed / invited;
- time to complete: from the conversation's start to its completion, in minutes (median and
  quartiles);
- the chosen score of completed responses: quartiles and the share per triage colour.
So unwarranted variation shows at a glance, e.g. a lower completion rate at the guided level.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.console.access import Staff, visible_patient_ids
from bot.export.fhir import answers_from_rows
from bot.questionnaire.model import LEVELS, Questionnaire, ScoringRule
from bot.questionnaire.scoring import score_rule
from bot.storage.console_models import AGE_BANDS, SEXES, PatientProfile
from bot.storage.models import Answer, Conversation, Invitation, Message, Patient, Response

DIMENSIONS: tuple[str, ...] = ("literacy", "age_band", "sex", "site")
UNKNOWN = ""


@dataclass
class Group:
    key: str
    invited: int = 0
    started: int = 0
    completed: int = 0
    minutes: list[float] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)
    triage: dict[str, int] = field(default_factory=lambda: {"red": 0, "yellow": 0, "green": 0})

    @property
    def completion_rate(self) -> float | None:
        return self.completed / self.invited if self.invited else None

    @property
    def median_minutes(self) -> float | None:
        return statistics.median(self.minutes) if self.minutes else None

    @property
    def score_stats(self) -> tuple[float, float, float, float, float] | None:
        return five_numbers(self.scores)

    @property
    def time_stats(self) -> tuple[float, float, float, float, float] | None:
        return five_numbers(self.minutes)


@dataclass
class Report:
    questionnaire: Questionnaire | None
    rule: ScoringRule | None
    dimension: str
    start: datetime
    end: datetime
    groups: list[Group]
    total: Group


def five_numbers(values: Sequence[float]) -> tuple[float, float, float, float, float] | None:
    if not values:
        return None
    ordered = sorted(values)
    if len(ordered) == 1:
        v = ordered[0]
        return (v, v, v, v, v)
    q1, median, q3 = statistics.quantiles(ordered, n=4, method="inclusive")
    return (ordered[0], q1, median, q3, ordered[-1])


def group_order(dimension: str, keys: Sequence[str]) -> list[str]:
    known: Sequence[str] = {"literacy": LEVELS, "age_band": AGE_BANDS, "sex": SEXES}.get(
        dimension, ()
    )
    ordered = [k for k in known if k in keys]
    ordered += sorted(k for k in keys if k not in known and k != UNKNOWN)
    if UNKNOWN in keys:
        ordered.append(UNKNOWN)
    return ordered


def report(
    session: Session,
    staff: Staff,
    questionnaires: Mapping[str, Questionnaire],
    *,
    questionnaire_id: str,
    dimension: str,
    start: datetime,
    end: datetime,
    rule_id: str | None = None,
) -> Report:
    questionnaire = questionnaires.get(questionnaire_id)
    rule: ScoringRule | None = None
    if questionnaire is not None and questionnaire.scoring:
        rule = next((r for r in questionnaire.scoring if r.id == rule_id), questionnaire.scoring[0])
    visible = visible_patient_ids(staff).scalar_subquery()
    invitations = session.execute(
        select(Invitation, Patient, PatientProfile)
        .join(Patient, Patient.id == Invitation.patient_id)
        .outerjoin(PatientProfile, PatientProfile.patient_id == Patient.id)
        .where(
            Invitation.patient_id.in_(visible),
            Invitation.questionnaire_id == questionnaire_id,
            Invitation.created_at >= start,
            Invitation.created_at < end,
        )
    ).all()
    invitation_ids = [invitation.id for invitation, _p, _pp in invitations]
    conversations: dict[int, Conversation] = {}
    if invitation_ids:
        for found in session.scalars(
            select(Conversation).where(Conversation.invitation_id.in_(invitation_ids))
        ):
            if found.invitation_id is not None:
                conversations.setdefault(found.invitation_id, found)
    conversation_ids = [c.id for c in conversations.values()]
    spoken: set[str] = set()
    answers: dict[str, list[Answer]] = defaultdict(list)
    if conversation_ids:
        spoken = set(
            session.scalars(
                select(Message.conversation_id)
                .where(
                    Message.conversation_id.in_(conversation_ids),
                    Message.direction == "in",
                    Message.kind != "event",
                )
                .group_by(Message.conversation_id)
                .having(func.count() > 0)
            )
        )
        for answer, conversation_id in session.execute(
            select(Answer, Response.conversation_id)
            .join(Response, Response.id == Answer.response_id)
            .where(
                Response.conversation_id.in_(conversation_ids),
                Response.questionnaire_id == questionnaire_id,
                Answer.superseded_at.is_(None),
            )
        ).tuples():
            answers[conversation_id].append(answer)

    # One patient invited twice to the questionnaire (a web and a Telegram link) counts once,
    # as far as the furthest of their conversations got.
    per_patient: dict[int, tuple[Patient, PatientProfile | None, list[Conversation]]] = {}
    for invitation, invited, invited_profile in invitations:
        entry = per_patient.setdefault(invited.id, (invited, invited_profile, []))
        conversation_of = conversations.get(invitation.id)
        if conversation_of is not None:
            entry[2].append(conversation_of)

    groups: dict[str, Group] = {}
    total = Group(key="total")
    for patient, profile, patient_conversations in per_patient.values():
        key = _group_key(dimension, patient, profile)
        group = groups.setdefault(key, Group(key=key))
        done = [c for c in patient_conversations if c.status == "completed" and c.completed_at]
        started = bool(done) or any(c.id in spoken for c in patient_conversations)
        conversation: Conversation | None = done[0] if done else None
        value = None
        band = None
        if conversation is not None and questionnaire is not None and rule is not None:
            result = score_rule(questionnaire, rule, answers_from_rows(answers[conversation.id]))
            value, band = result.value, result.band
        for target in (group, total):
            target.invited += 1
            target.started += int(started)
            if conversation is not None and conversation.completed_at is not None:
                target.completed += 1
                minutes = (conversation.completed_at - conversation.started_at).total_seconds()
                target.minutes.append(max(minutes, 0.0) / 60)
                if value is not None:
                    target.scores.append(value)
                    if band is not None:
                        target.triage[band.triage] = target.triage.get(band.triage, 0) + 1
    ordered = [groups[k] for k in group_order(dimension, list(groups))]
    return Report(questionnaire, rule, dimension, start, end, ordered, total)


def _group_key(dimension: str, patient: Patient, profile: PatientProfile | None) -> str:
    if dimension == "literacy":
        return patient.literacy_level or UNKNOWN
    if profile is None:
        return UNKNOWN
    value = {"age_band": profile.age_band, "sex": profile.sex, "site": profile.site}.get(dimension)
    return (value or UNKNOWN).strip()
