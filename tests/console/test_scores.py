"""Score summaries (bot/console/scores.py)."""

from __future__ import annotations

from bot.console.scores import ScoreSummary, incomplete, severity, summarise, triage_levels
from bot.questionnaire.model import AnswerValue, Questionnaire
from bot.questionnaire.scoring import score


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


def test_prorated_and_incomplete_scores(questionnaires: dict[str, Questionnaire]) -> None:
    phq9 = questionnaires["phq9"]
    answers = {f"phq9-{n}": AnswerValue(code="2") for n in range(1, 9)}
    answers["phq9-9"] = AnswerValue(skipped=True)
    summaries = summarise(phq9, score(phq9, answers))
    total = next(s for s in summaries if s.rule_id == "phq9-total")
    assert (total.value, total.prorated, total.missing) == (18, True, 1)
    answers.update({f"phq9-{n}": AnswerValue(skipped=True) for n in (6, 7)})
    results = score(phq9, answers)
    assert "phq9-total" not in {s.rule_id for s in summarise(phq9, results)}
    assert [r.rule.id for r in incomplete(results)] == ["phq9-total"]
