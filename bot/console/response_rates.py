"""Response rates of the patients' courses for the population view.

The rate of a group of occurrences is answered / (answered + missed + overdue): scheduled and
open ones have no outcome yet and are left out. Groups are each occurrence of a plan (its
step and sequence, e.g. "WHO-5 no. 3") and each site per month of the due date. A group of
fewer than ``MIN_PATIENTS`` patients is suppressed (its counts and rate are not shown), so a
figure never points at one or two patients.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import tzinfo

from bot.questionnaire.model import Questionnaire
from bot.storage.population_queries import Outcome

MIN_PATIENTS = 5


@dataclass
class RateGroup:
    patients: set[int] = field(default_factory=set)
    answered: int = 0
    missed: int = 0
    overdue: int = 0
    plan: str = ""
    questionnaire: str = ""
    sequence: int = 0
    site: str = ""
    month: str = ""

    def add(self, outcome: Outcome) -> None:
        self.patients.add(outcome.patient_id)
        if outcome.status == "answered":
            self.answered += 1
        elif outcome.status == "missed":
            self.missed += 1
        else:
            self.overdue += 1

    @property
    def suppressed(self) -> bool:
        return len(self.patients) < MIN_PATIENTS

    @property
    def rate(self) -> float | None:
        """None when suppressed: the figure is not to be shown."""
        total = self.answered + self.missed + self.overdue
        return None if self.suppressed or not total else self.answered / total


@dataclass
class ResponseRates:
    by_occurrence: list[RateGroup]
    by_site_month: list[RateGroup]


def response_rates(
    outcomes: Iterable[Outcome],
    questionnaires: Mapping[str, Questionnaire],
    plan_titles: Mapping[str, str],
    zone: tzinfo,
    *,
    no_site: str,
) -> ResponseRates:
    """``no_site`` names the group of patients without a recorded site."""
    by_occurrence: dict[tuple[str, int, int], RateGroup] = {}
    by_site_month: dict[tuple[str, str], RateGroup] = {}
    for outcome in outcomes:
        found = questionnaires.get(outcome.questionnaire_id)
        title = found.title if found else outcome.questionnaire_id
        key = (outcome.plan_id, outcome.step_index, outcome.sequence)
        if key not in by_occurrence:
            by_occurrence[key] = RateGroup(
                plan=plan_titles.get(outcome.plan_id, outcome.plan_id),
                questionnaire=title,
                sequence=outcome.sequence,
            )
        by_occurrence[key].add(outcome)
        site = (outcome.site or "").strip()
        month = outcome.due_at.astimezone(zone).strftime("%Y-%m")
        if (site, month) not in by_site_month:
            by_site_month[(site, month)] = RateGroup(site=site or no_site, month=month)
        by_site_month[(site, month)].add(outcome)
    return ResponseRates(
        by_occurrence=[by_occurrence[k] for k in sorted(by_occurrence)],
        by_site_month=[
            by_site_month[k] for k in sorted(by_site_month, key=lambda k: (k[0] == "", k))
        ],
    )
