"""Scores as the console shows them: value, band, triage, and how severe along the range."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.questionnaire.model import TRIAGE_LEVELS, Questionnaire, ScoringRule
from bot.questionnaire.scoring import ScoreResult

TRIAGE_RANK = {level: i for i, level in enumerate(TRIAGE_LEVELS)}
"""green 0, yellow 1, red 2."""


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
    missing: int = 0
    """Items of the score not answered; with ``prorated`` the value is scaled up from the rest."""
    prorated: bool = False


def severity(rule: ScoringRule, value: float) -> float:
    """0 (best) to 1 (worst) along the score's range; the worse end is the one whose band has
    the worse triage (WHO-5: low is worse; PHQ-9: high is worse)."""
    if rule.max <= rule.min:
        return 0.0
    low, high = rule.band_for(rule.min), rule.band_for(rule.max)
    low_rank = TRIAGE_RANK.get(low.triage, 0) if low else 0
    high_rank = TRIAGE_RANK.get(high.triage, 0) if high else 0
    fraction = (value - rule.min) / (rule.max - rule.min)
    fraction = min(max(fraction, 0.0), 1.0)
    if low_rank > high_rank:
        return 1.0 - fraction
    if high_rank > low_rank:
        return fraction
    return 0.0


def summarise(questionnaire: Questionnaire, results: Iterable[ScoreResult]) -> list[ScoreSummary]:
    """The scores that have a value (pro-rated ones too: ``prorated``, ``missing``)."""
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
                missing=result.missing,
                prorated=result.prorated,
            )
        )
    return out


def incomplete(results: Iterable[ScoreResult]) -> list[ScoreResult]:
    """The scores that have no value because too many items were not answered."""
    return [result for result in results if result.incomplete]


def triage_levels(summaries: Iterable[ScoreSummary]) -> list[str]:
    """The triage levels of these scores (those with a band)."""
    return [summary.triage for summary in summaries if summary.triage is not None]
