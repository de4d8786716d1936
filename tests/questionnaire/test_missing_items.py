"""Missing items never silence triage: pro-rating, incomplete scores, the `unanswered` rule."""

from __future__ import annotations

import pytest

from bot.questionnaire.model import AnswerValue, Questionnaire
from bot.questionnaire.scoring import (
    INCOMPLETE_MESSAGE,
    ScoreResult,
    evaluate_alerts,
    item_alerts,
    score,
    triage,
)

from .conftest import SKIPPED, choice


def _answers(prefix: str, codes: list[str | None]) -> dict[str, AnswerValue]:
    """`None` is a skipped item."""
    return {
        f"{prefix}-{n}": SKIPPED if code is None else choice(code)
        for n, code in enumerate(codes, start=1)
    }


def _total(q: Questionnaire, answers: dict[str, AnswerValue], rule_id: str) -> ScoreResult:
    return next(r for r in score(q, answers) if r.rule.id == rule_id)


@pytest.mark.parametrize(
    ("codes", "value", "alerts"),
    [
        # 8 answered, sum 15: 15 × 9 / 8 = 16.9 → 17, red
        ([None] + ["2"] * 6 + ["3", "0"], 17, ["phq9-high", "phq9-moderate"]),
        # 7 answered, sum 7: 7 × 9 / 7 = 9 → green
        (["1"] * 7 + [None, None], 9, ["phq9-item9-unanswered"]),
        # 7 answered, sum 9: 9 × 9 / 7 = 11.6 → 12, yellow
        ([None, None, "2", "2", "1", "1", "1", "2", "0"], 12, ["phq9-moderate"]),
    ],
)
def test_phq9_is_prorated_with_at_most_two_items_missing(
    phq9: Questionnaire, codes: list[str | None], value: int, alerts: list[str]
) -> None:
    answers = _answers("phq9", codes)
    result = _total(phq9, answers, "phq9-total")
    assert (result.value, result.prorated, result.missing) == (value, True, codes.count(None))
    assert result.band is not None
    assert [h.rule.id for h in evaluate_alerts(phq9, answers)] == alerts


def test_gad7_is_prorated_with_one_item_missing(gad7: Questionnaire) -> None:
    answers = _answers("gad7", ["2"] * 5 + [None, "1"])  # 11 × 7 / 6 = 12.8 → 13
    result = _total(gad7, answers, "gad7-total")
    assert (result.value, result.prorated) == (13, True)
    assert [h.rule.id for h in evaluate_alerts(gad7, answers)] == ["gad7-moderate"]
    two_missing = _answers("gad7", ["2"] * 5 + [None, None])
    assert _total(gad7, two_missing, "gad7-total").incomplete


def test_complete_answers_are_not_prorated(phq9: Questionnaire) -> None:
    result = _total(phq9, _answers("phq9", ["1"] * 9), "phq9-total")
    assert (result.value, result.prorated, result.missing) == (9, False, 0)
    assert not result.incomplete


def test_an_alert_that_is_certain_fires_although_the_score_is_incomplete(
    phq9: Questionnaire, who5: Questionnaire
) -> None:
    # PHQ-9: 6 answered, sum 15 — at least 15 whatever the 3 missing items are.
    answers = _answers("phq9", ["3"] * 5 + [None] * 3 + ["0"])
    result = _total(phq9, answers, "phq9-total")
    assert (result.incomplete, result.low, result.high) == (True, 15, 24)
    hits = evaluate_alerts(phq9, answers)
    assert [h.rule.id for h in hits] == ["phq9-high", "phq9-moderate"]
    assert hits[0].observed == 15
    assert triage(hits, score(phq9, answers)) == "red"
    # WHO-5: 4 items "På intet tidspunkt", 1 skipped: at most 20, so both alerts.
    low = _answers("who5", ["0"] * 4 + [None])
    assert [h.rule.id for h in evaluate_alerts(who5, low)] == ["who5-low", "who5-risk"]


def test_an_incomplete_score_that_might_alert_is_flagged(phq9: Questionnaire) -> None:
    answers = _answers("phq9", ["1"] * 5 + ["0", None, None, None])  # 5–14
    hits = evaluate_alerts(phq9, answers)
    assert [h.rule.id for h in hits] == ["phq9-item9-unanswered", "phq9-total-incomplete"]
    flag = hits[1].rule
    assert (flag.level, flag.urgent, flag.score) == ("yellow", False, "phq9-total")
    assert flag.message == INCOMPLETE_MESSAGE.format(score="phq9-total", missing=3, items=9)
    assert "3 of 9 items not answered" in flag.message


def test_an_incomplete_score_that_cannot_alert_is_not_flagged(phq9: Questionnaire) -> None:
    answers = _answers("phq9", ["0"] * 5 + [None] * 3 + ["0"])  # 0–9: no alert possible
    assert _total(phq9, answers, "phq9-total").incomplete
    assert evaluate_alerts(phq9, answers) == []


def test_item_rules_fire_whatever_the_scores(phq9: Questionnaire) -> None:
    answers = _answers("phq9", [None] * 8 + ["2"])
    ids = [h.rule.id for h in evaluate_alerts(phq9, answers)]
    assert ids[0] == "phq9-item9" and "phq9-total-incomplete" in ids


def test_unanswered_fires_on_a_skip_or_dont_know(phq9: Questionnaire) -> None:
    (hit,) = item_alerts(phq9, "phq9-9", AnswerValue(skipped=True))
    assert (hit.rule.id, hit.rule.level, hit.rule.urgent) == ("phq9-item9-unanswered", "red", True)
    assert hit.rule.message == (
        "PHQ-9 item 9 not answered: ask about thoughts of death or self-harm today."
    )
    assert hit.observed is None
    for code in ("0", "1", "3"):
        assert "phq9-item9-unanswered" not in [
            h.rule.id for h in item_alerts(phq9, "phq9-9", choice(code))
        ]
    assert item_alerts(phq9, "phq9-1", SKIPPED) == []
    answers = _answers("phq9", ["0"] * 8 + [None])
    assert [h.rule.id for h in evaluate_alerts(phq9, answers)] == ["phq9-item9-unanswered"]
    assert triage(evaluate_alerts(phq9, answers), score(phq9, answers)) == "red"
