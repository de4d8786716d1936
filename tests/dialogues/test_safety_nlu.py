"""Crisis detection with the trained engine model on the held-out crisis and ordinary sets:
the `crisis` intent alone, and both layers together (the intent OR bot.dialogue.safety.is_crisis).
The engine report of tests/dialogues/conftest.py (both sets in one file, evaluated like `rasa
test nlu`, as scripts/bench_safety.py does) feeds every test here. The safety net alone is
tested without the engine in tests/dialogue/test_safety.py."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest

pytestmark = pytest.mark.e2e

# Both layers together must flag every held-out crisis statement.
COMBINED_RECALL = 1.0
# The goal for false alarms of both layers together. Not met yet: the classifier's `crisis`
# intent fires on some ordinary sentences about life and death (docs/SAFETY.md, "Figures").
FALSE_ALARM_GOAL = 0.02
# What is measured now (3.6 %), with room for noise; a data change above this is a regression.
FALSE_ALARM_CEILING = 0.05
# The intent alone, measured at 77 %: a floor that catches training data that breaks it.
NLU_RECALL_FLOOR = 0.70


@pytest.fixture(scope="module")
def report(bench: ModuleType, engine_report: dict[str, Any]) -> dict[str, Any]:
    predictions = bench.predictions_of(engine_report["nlu"]["safety"])
    result: dict[str, Any] = bench.figures(predictions)
    crisis, ordinary = result["crisis"], result["ordinary"]
    print(
        f"\ncrisis recall: NLU {crisis['nlu']:.1%}, safety net {crisis['net']:.1%}, "
        f"both {crisis['both']:.1%} ({crisis['examples']} statements)"
        f"\nfalse alarms: NLU {ordinary['nlu']:.1%}, safety net {ordinary['net']:.1%}, "
        f"both {ordinary['both']:.1%} ({ordinary['examples']} ordinary messages)"
    )
    return result


def test_both_layers_flag_every_crisis_statement(report: dict[str, Any]) -> None:
    assert report["crisis"]["both"] >= COMBINED_RECALL, report["crisis"]["wrong"]["both"]


def test_the_crisis_intent_alone_keeps_its_recall(report: dict[str, Any]) -> None:
    assert report["crisis"]["nlu"] >= NLU_RECALL_FLOOR, report["crisis"]["wrong"]["nlu"]


def test_false_alarms_stay_below_the_ceiling(report: dict[str, Any]) -> None:
    assert report["ordinary"]["both"] <= FALSE_ALARM_CEILING, report["ordinary"]["wrong"]["both"]


@pytest.mark.xfail(
    reason="the crisis intent's false alarms are above the 2 % goal (docs/SAFETY.md)"
)
def test_false_alarms_meet_the_goal(report: dict[str, Any]) -> None:
    assert report["ordinary"]["both"] <= FALSE_ALARM_GOAL
