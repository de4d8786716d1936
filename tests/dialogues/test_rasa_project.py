"""The Rasa project itself: its data validates, the dialogue test stories pass, and the Danish
NLU reaches its accuracy on the held-out test set (never used for training). All three come
from the one engine report of tests/dialogues/conftest.py (`rasa data validate
--fail-on-warnings`, `rasa test core --fail-on-prediction-errors` and `rasa test nlu`, done by
scripts/nlu_report.py in one Rasa process)."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.e2e

# The chosen pipeline measured well above this on the held-out set (see docs/NLU.md); the
# floor catches training data changes that break the NLU, not small fluctuations.
HELD_OUT_ACCURACY_FLOOR = 0.85


def test_rasa_data_validates(engine_report: dict[str, Any]) -> None:
    result = engine_report["validate"]
    assert result["ok"], result.get("error") or "\n".join(result["messages"])


def test_dialogue_test_stories_pass(engine_report: dict[str, Any]) -> None:
    result = engine_report["core"]
    assert result["ok"], result.get("error")
    assert "None of the test stories failed" in result["failed_stories"], result["failed_stories"]


def test_held_out_nlu_accuracy(engine_report: dict[str, Any]) -> None:
    result = engine_report["nlu"]["heldout"]
    assert "accuracy" in result, result.get("error")
    print(f"held-out intent accuracy: {result['accuracy']:.3f}")
    assert result["accuracy"] >= HELD_OUT_ACCURACY_FLOOR
