"""The patient's course on the console's patient page: the plans they are enrolled in with
every occurrence and its state, and their scores over time for repeated questionnaires."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from bot.questionnaire.model import Questionnaire, ScoringRule
from bot.storage.course_models import Enrolment

OCCURRENCE_STATES: tuple[str, ...] = ("scheduled", "due", "answered", "overdue", "missed")


@dataclass(frozen=True)
class OccurrenceLine:
    questionnaire_id: str
    title: str
    sequence: int
    due_at: datetime
    status: str
    answered_at: datetime | None


@dataclass(frozen=True)
class CourseView:
    plan_id: str
    plan_title: str
    enrolled_at: datetime
    ended_at: datetime | None
    end_reason: str | None
    occurrences: list[OccurrenceLine]


@dataclass(frozen=True)
class TrendPoint:
    at: datetime
    value: float
    band_label: str | None


@dataclass
class Trend:
    """One score of a questionnaire the patient answered more than once, oldest first."""

    questionnaire_id: str
    name: str
    rule: ScoringRule
    points: list[TrendPoint] = field(default_factory=list)


def courses(
    enrolments: Iterable[Enrolment],
    plan_titles: Mapping[str, str],
    questionnaires: Mapping[str, Questionnaire],
) -> list[CourseView]:
    def title(questionnaire_id: str) -> str:
        found = questionnaires.get(questionnaire_id)
        return found.title if found else questionnaire_id

    return [
        CourseView(
            plan_id=enrolment.plan_id,
            plan_title=plan_titles.get(enrolment.plan_id, enrolment.plan_id),
            enrolled_at=enrolment.enrolled_at,
            ended_at=enrolment.ended_at,
            end_reason=enrolment.end_reason,
            occurrences=[
                OccurrenceLine(
                    questionnaire_id=o.questionnaire_id,
                    title=title(o.questionnaire_id),
                    sequence=o.sequence,
                    due_at=o.due_at,
                    status=o.status,
                    answered_at=o.answered_at,
                )
                for o in enrolment.occurrences
            ],
        )
        for enrolment in enrolments
    ]


def trends(
    scored: Iterable[tuple[str, datetime, str, float, str | None]],
    questionnaires: Mapping[str, Questionnaire],
) -> list[Trend]:
    """Trends from (questionnaire id, when, rule id, value, band label) of completed
    responses; only scores given twice or more (one point is no trend)."""
    found: dict[tuple[str, str], Trend] = {}
    for questionnaire_id, at, rule_id, value, band_label in sorted(scored, key=lambda s: s[1]):
        questionnaire = questionnaires.get(questionnaire_id)
        rules = questionnaire.scoring if questionnaire else ()
        rule = next((r for r in rules if r.id == rule_id), None)
        if questionnaire is None or rule is None:
            continue
        trend = found.setdefault(
            (questionnaire_id, rule_id),
            Trend(questionnaire_id, _name(questionnaire, rule), rule),
        )
        trend.points.append(TrendPoint(at, value, band_label))
    return [trend for trend in found.values() if len(trend.points) >= 2]


def _name(questionnaire: Questionnaire, rule: ScoringRule) -> str:
    if len(questionnaire.scoring) == 1:
        return questionnaire.title
    return f"{questionnaire.title}: {rule.name}"
