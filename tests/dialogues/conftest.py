"""One engine report for every test here: scripts/nlu_report.py validates the project, runs
the dialogue test stories and evaluates the NLU on every held-out set in ONE Rasa process
(Rasa's start-up and the model load are most of the cost of each `rasa` command)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from bot.settings import PROJECT_ROOT
from tests.conftest import make_settings

HELD_OUT = PROJECT_ROOT / "tests" / "nlu" / "heldout.yml"
TEST_STORIES = PROJECT_ROOT / "dialogues" / "tests" / "test_stories.yml"


def bench_safety() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "bench_safety", PROJECT_ROOT / "scripts" / "bench_safety.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def bench() -> ModuleType:
    return bench_safety()


@pytest.fixture(scope="session")
def engine_report(
    bench: ModuleType, trained_model: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("engine-report")
    safety = out / "safety_heldout.yml"
    bench.write_heldout([bench.CRISIS_HELDOUT, bench.ORDINARY_HELDOUT], safety)
    report: dict[str, Any] = bench.engine_report(
        make_settings(PROJECT_ROOT / "var"), trained_model, out,
        "--validate", "--nlu", f"heldout={HELD_OUT}", "--nlu", f"safety={safety}",
        "--stories", str(TEST_STORIES),
    )  # fmt: skip
    print(f"\nengine report: {out / 'report.json'} (seconds: {report['seconds']})")
    return report
