"""Score summaries (bot/console/scores.py)."""

from __future__ import annotations

from bot.console.scores import ScoreSummary, severity, triage_levels
from bot.questionnaire.model import Questionnaire


def test_severity_direction(questionnaires: dict[str, Questionnaire]) -> None:
    who5 = questionnaires["who5"].scoring[0]
    assert severity(who5, 0) == 1.0 and severity(who5, 100) == 0.0
    phq9 = questionnaires["phq9"].scoring[0]
    assert severity(phq9, phq9.max) == 1.0 and severity(phq9, 0) == 0.0


def test_triage_levels_of_scores_with_a_band(questionnaires: dict[str, Questionnaire]) -> None:
    who5 = questionnaires["who5"].scoring[0]
    summaries = [
        ScoreSummary("who5", who5.id, who5.name, 12, "low", "Low", "red", 1.0),
        ScoreSummary("who5", who5.id, who5.name, 60, None, None, None, 0.4),
    ]
    assert triage_levels(summaries) == ["red"]
