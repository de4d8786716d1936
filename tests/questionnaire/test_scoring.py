"""scoring: sums, bands, alerts, triage."""

from __future__ import annotations

import pytest

from bot.questionnaire.model import AnswerValue, Questionnaire
from bot.questionnaire.scoring import (
    ScoreResult,
    evaluate_alerts,
    item_alerts,
    score,
    triage,
)

from .conftest import SKIPPED, choice, value


def _who5(codes: list[str]) -> dict[str, AnswerValue]:
    return {f"who5-{n}": choice(code) for n, code in enumerate(codes, start=1)}


def _phq9(codes: list[str]) -> dict[str, AnswerValue]:
    return {f"phq9-{n}": choice(code) for n, code in enumerate(codes, start=1)}


def _result(results: list[ScoreResult], rule_id: str) -> ScoreResult:
    return next(r for r in results if r.rule.id == rule_id)


def test_who5_all_three(who5: Questionnaire) -> None:
    (result,) = score(who5, _who5(["3"] * 5))
    assert (result.raw, result.value, result.answered) == (15, 60, 5)
    assert result.band is not None
    assert (result.band.label, result.band.triage) == ("Ingen umiddelbar risiko", "green")
    assert evaluate_alerts(who5, _who5(["3"] * 5)) == []


def test_who5_all_one(who5: Questionnaire) -> None:
    answers = _who5(["1"] * 5)
    (result,) = score(who5, answers)
    assert (result.raw, result.value) == (5, 20)
    assert result.band is not None and result.band.triage == "red"
    hits = evaluate_alerts(who5, answers)
    assert [h.rule.id for h in hits] == ["who5-low", "who5-risk"]
    assert hits[0].observed == 20
    assert triage(hits, [result]) == "red"


@pytest.mark.parametrize(
    ("value_", "band", "alerts"),
    [
        (0, "red", ["who5-low", "who5-risk"]),
        (35, "red", ["who5-low", "who5-risk"]),
        (36, "yellow", ["who5-risk"]),
        (50, "yellow", ["who5-risk"]),
        (51, "green", []),
        (100, "green", []),
    ],
)
def test_who5_band_boundaries(
    who5: Questionnaire, value_: int, band: str, alerts: list[str]
) -> None:
    rule = who5.scoring_rule("who5-total")
    found = rule.band_for(value_)
    assert found is not None and found.triage == band
    triggered = [
        a.id
        for a in who5.alerts
        if a.operator == "<=" and isinstance(a.value, int) and value_ <= a.value
    ]
    assert triggered == alerts


def test_who5_real_boundaries(who5: Questionnaire) -> None:
    # raw 8 → 32 (red), raw 9 → 36 (yellow), raw 12 → 48 (yellow), raw 13 → 52 (green)
    for codes, expected_value, expected_triage in [
        (["2", "2", "2", "1", "1"], 32, "red"),
        (["2", "2", "2", "2", "1"], 36, "yellow"),
        (["3", "3", "2", "2", "2"], 48, "yellow"),
        (["3", "3", "3", "2", "2"], 52, "green"),
    ]:
        (result,) = score(who5, _who5(codes))
        assert result.value == expected_value
        assert result.band is not None and result.band.triage == expected_triage
        assert triage(evaluate_alerts(who5, _who5(codes)), [result]) == expected_triage


def test_band_for_outside_and_between(who5: Questionnaire) -> None:
    rule = who5.scoring_rule("who5-total")
    assert rule.band_for(-1) is None
    assert rule.band_for(101) is None
    between = rule.band_for(35.5)
    assert between is not None and between.code == "who5-high-risk"


def test_missing_answers_give_no_score(who5: Questionnaire) -> None:
    answers = _who5(["3"] * 4)
    (result,) = score(who5, answers)
    assert (result.value, result.raw, result.band, result.answered) == (None, None, None, 4)
    answers["who5-5"] = SKIPPED
    (result,) = score(who5, answers)
    assert result.value is None and result.answered == 4
    # 48–68 with the missing item: "who5-risk" (≤ 50) might apply, so the coordinator is told.
    assert (result.incomplete, result.low, result.high) == (True, 48, 68)
    assert [h.rule.id for h in evaluate_alerts(who5, answers)] == ["who5-total-incomplete"]
    assert triage([], [result]) == "green"


def test_phq9_item9_is_an_urgent_red_alert(phq9: Questionnaire) -> None:
    hits = item_alerts(phq9, "phq9-9", choice("1"))
    assert [(h.rule.id, h.rule.level, h.rule.urgent, h.observed) for h in hits] == [
        ("phq9-item9", "red", True, 1)
    ]
    assert item_alerts(phq9, "phq9-9", choice("0")) == []
    assert [h.rule.id for h in item_alerts(phq9, "phq9-9", SKIPPED)] == ["phq9-item9-unanswered"]
    assert item_alerts(phq9, "phq9-1", choice("3")) == []
    answers = _phq9(["0"] * 8 + ["1"])
    hits = evaluate_alerts(phq9, answers)
    assert [h.rule.id for h in hits] == ["phq9-item9"]
    assert triage(hits, score(phq9, answers)) == "red"


@pytest.mark.parametrize(
    ("codes", "total", "label", "expected_triage", "alerts"),
    [
        (["0"] * 9, 0, "Ingen eller minimale symptomer", "green", []),
        (["1"] * 4 + ["0"] * 5, 4, "Ingen eller minimale symptomer", "green", []),
        (["1"] * 5 + ["0"] * 4, 5, "Lette symptomer", "green", []),
        (["2", "2"] + ["1"] * 6 + ["0"], 10, "Moderate symptomer", "yellow", ["phq9-moderate"]),
        (
            ["2"] * 7 + ["1", "0"],
            15,
            "Moderat svære symptomer",
            "red",
            ["phq9-high", "phq9-moderate"],
        ),
        (["3"] * 6 + ["2", "0", "0"], 20, "Svære symptomer", "red", ["phq9-high", "phq9-moderate"]),
        (["3"] * 8 + ["0"], 24, "Svære symptomer", "red", ["phq9-high", "phq9-moderate"]),
    ],
)
def test_phq9_bands_and_alerts(
    phq9: Questionnaire,
    codes: list[str],
    total: int,
    label: str,
    expected_triage: str,
    alerts: list[str],
) -> None:
    answers = _phq9(codes)
    results = score(phq9, answers)
    main = _result(results, "phq9-total")
    assert main.value == total
    assert main.band is not None and main.band.label == label
    hits = evaluate_alerts(phq9, answers)
    assert [h.rule.id for h in hits] == alerts
    assert triage(hits, results) == expected_triage


def test_phq2_is_information_only(phq9: Questionnaire) -> None:
    answers = _phq9(["3", "3"])
    results = score(phq9, answers)
    phq2 = _result(results, "phq2")
    assert phq2.value == 6 and phq2.band is not None and phq2.band.triage == "green"
    assert _result(results, "phq9-total").value is None
    # PHQ-2 raises nothing; the unfinished PHQ-9 (6–27 with the 7 missing items) is flagged.
    hits = evaluate_alerts(phq9, answers)
    assert [h.rule.id for h in hits] == ["phq9-total-incomplete"]
    assert triage(hits, results) == "yellow"


def test_phq9_item10_is_not_scored(phq9: Questionnaire) -> None:
    answers = {**_phq9(["1"] + ["0"] * 8), "phq9-10": choice("3")}
    assert _result(score(phq9, answers), "phq9-total").value == 1


@pytest.mark.parametrize(
    ("codes", "expected_triage", "alerts"),
    [
        (["0"] * 7, "green", []),
        (["1"] * 7, "green", []),
        (["2"] * 5 + ["0", "0"], "yellow", ["gad7-moderate"]),
        (["3"] * 5 + ["0", "0"], "red", ["gad7-high", "gad7-moderate"]),
        (["3"] * 7, "red", ["gad7-high", "gad7-moderate"]),
    ],
)
def test_gad7(
    gad7: Questionnaire, codes: list[str], expected_triage: str, alerts: list[str]
) -> None:
    answers = {f"gad7-{n}": choice(c) for n, c in enumerate(codes, start=1)}
    results = score(gad7, answers)
    hits = evaluate_alerts(gad7, answers)
    assert [h.rule.id for h in hits] == alerts
    assert triage(hits, results) == expected_triage


@pytest.mark.parametrize(
    ("strain", "alerts", "expected_triage"),
    [
        (0, [], "green"),
        (4, [], "green"),
        (5, ["bv-strain-moderate"], "yellow"),
        (7, ["bv-strain-moderate"], "yellow"),
        (8, ["bv-strain-high", "bv-strain-moderate"], "red"),
        (10, ["bv-strain-high", "bv-strain-moderate"], "red"),
    ],
)
def test_behovsvurdering_strain(
    bv: Questionnaire, strain: int, alerts: list[str], expected_triage: str
) -> None:
    hits = item_alerts(bv, "bv-belastning", value(strain))
    assert [h.rule.id for h in hits] == alerts
    assert all(not h.rule.urgent for h in hits)
    assert triage(hits, score(bv, {"bv-belastning": value(strain)})) == expected_triage


def test_behovsvurdering_network_and_nurse(bv: Questionnaire) -> None:
    assert [h.rule.id for h in item_alerts(bv, "bv-netvaerk", value(False))] == ["bv-no-network"]
    assert item_alerts(bv, "bv-netvaerk", value(True)) == []
    assert [h.rule.id for h in item_alerts(bv, "bv-tale-sygeplejerske", value(True))] == [
        "bv-wants-nurse"
    ]
    assert item_alerts(bv, "bv-tale-sygeplejerske", value(False)) == []
    answers = {
        "bv-belastning": value(3),
        "bv-netvaerk": value(False),
        "bv-tale-sygeplejerske": value(True),
    }
    hits = evaluate_alerts(bv, answers)
    assert [h.rule.id for h in hits] == ["bv-no-network", "bv-wants-nurse"]
    assert triage(hits, score(bv, answers)) == "yellow"
    assert score(bv, answers) == []


def test_triage_is_the_worst_level(who5: Questionnaire, phq9: Questionnaire) -> None:
    assert triage([], []) == "green"
    yellow = evaluate_alerts(who5, _who5(["2"] * 5))  # 40
    assert triage(yellow, []) == "yellow"
    red = item_alerts(phq9, "phq9-9", choice("2"))
    assert triage([*yellow, *red], []) == "red"
    assert triage([], score(who5, _who5(["0"] * 5))) == "red"
