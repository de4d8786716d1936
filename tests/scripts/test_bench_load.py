"""Smoke run of `make bench` (scripts/bench_load.py --quick): every row measured, turns
completed under load and every button press stored."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import PROJECT_ROOT

pytestmark = pytest.mark.e2e

SCRIPT = PROJECT_ROOT / "scripts" / "bench_load.py"


def test_quick_run_prints_and_writes_every_row(tmp_path: Path, trained_model: Path) -> None:
    output = tmp_path / "load.json"
    run = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--json", str(output)],
        capture_output=True, text=True, timeout=240, cwd=PROJECT_ROOT,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    table = run.stdout
    for label in ("(a) floor", "(b) as Rasa documents it", "(c) ours"):
        assert label in table
    stored = re.findall(r"\((\w)\) answers stored: (\d+) of (\d+)", table)
    assert [key for key, _, _ in stored] == ["b", "c"]
    for _, answers, presses in stored:
        assert int(presses) > 0
        assert answers == presses

    result = json.loads(output.read_text(encoding="utf-8"))
    rows = {(row["row"], row["phase"]): row for row in result["rows"]}
    assert set(rows) == {(k, p) for k in "abc" for p in ("alone", "load")}
    for row in rows.values():
        assert row["capacity_per_s"] > 0
        assert row["p50_ms"] > 0
        assert row["cpu_ms_per_turn"]["engine"] > 0
    for key in "bc":
        assert rows[key, "load"]["errors"] == 0
        assert result["answers"][key]["stored"] == result["answers"][key]["presses"] > 0
    # Row (b) is the documented set-up: actions in their own process, tracker in SQL.
    assert rows["b", "load"]["cpu_ms_per_turn"]["actions"] > 0
    assert result["tracker_events_b"] > 0
    assert result["ratios"]["capacity_vs_b"]["c"] > 0
