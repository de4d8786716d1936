"""Population view: completion, time to complete and scores, by group, over a period.

The unit is a patient invited to the questionnaire in the period (of the patients the user
may see; several links to one questionnaire count once). Per group (literacy level, age band,
sex or site):
- invited, started (the patient wrote or pressed something) and completed; the completion
  rate is completed / invited;
- time to complete: from the conversation's start to its completion, in minutes (median and
  quartiles);
- the chosen score of completed responses: quartiles and the share per triage colour.
So unwarranted variation shows at a glance, e.g. a lower completion rate at the guided level.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from bot.console.access import Staff
from bot.questionnaire.model import LEVELS, Questionnaire, ScoringRule
from bot.questionnaire.scoring import score_rule
from bot.storage.console_models import AGE_BANDS, SEXES, PatientProfile
from bot.storage.models import Conversation, Patient
from bot.storage.population_queries import PopulationData, population_data
from bot.storage.responses import answers_from_rows

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
    data = population_data(
        session, staff.visible_teams, questionnaire_id=questionnaire_id, start=start, end=end
    )
    groups: dict[str, Group] = {}
    total = Group(key="total")
    for patient, profile, patient_conversations in _per_patient(data):
        key = _group_key(dimension, patient, profile)
        group = groups.setdefault(key, Group(key=key))
        done = [c for c in patient_conversations if c.status == "completed" and c.completed_at]
        started = bool(done) or any(c.id in data.spoken for c in patient_conversations)
        conversation: Conversation | None = done[0] if done else None
        value = None
        band = None
        if conversation is not None and questionnaire is not None and rule is not None:
            answers = answers_from_rows(data.answers.get(conversation.id, []))
            result = score_rule(questionnaire, rule, answers)
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


def _per_patient(
    data: PopulationData,
) -> list[tuple[Patient, PatientProfile | None, list[Conversation]]]:
    """Each invited patient with the conversations their invitations opened. One patient
    invited twice to the questionnaire (a web and a Telegram link) counts once, as far as the
    furthest of their conversations got."""
    per_patient: dict[int, tuple[Patient, PatientProfile | None, list[Conversation]]] = {}
    for invitation, patient, profile in data.invitations:
        entry = per_patient.setdefault(patient.id, (patient, profile, []))
        conversation = data.conversations.get(invitation.id)
        if conversation is not None:
            entry[2].append(conversation)
    return list(per_patient.values())


def _group_key(dimension: str, patient: Patient, profile: PatientProfile | None) -> str:
    if dimension == "literacy":
        return patient.literacy_level or UNKNOWN
    if profile is None:
        return UNKNOWN
    value = {"age_band": profile.age_band, "sex": profile.sex, "site": profile.site}.get(dimension)
    return (value or UNKNOWN).strip()
