"""The table, ratios and JSON of scripts/bench_load.py, from its measured rows.

A row is one phase of one deployment: `row` (a to d), `label`, `phase` (alone or load) and
the figures of bench_meter.measure.
"""

from __future__ import annotations

import math
import os
from typing import Any

PARTS = ("engine", "app", "actions", "db")


def _num(value: float | None, digits: int = 1) -> str:
    return "-" if value is None or math.isnan(value) else f"{value:.{digits}f}"


def _parts(values: dict[str, float | None], names: tuple[str, ...], digits: int) -> str:
    return " / ".join(_num(values.get(name), digits) for name in names)


def table(rows: list[dict[str, Any]]) -> list[str]:
    lines = [
        f"{'row':<46}{'turns/s':>8}{'p50 ms':>9}{'p95 ms':>9}  "
        f"{'CPU ms/turn engine/app/actions/db':<35}{'client':>7}  RSS MB engine/app/actions"
    ]
    for row in rows:
        cpu = row["cpu_ms_per_turn"]
        lines.append(
            f"{row['label']:<46}{_num(row['capacity_per_s']):>8}{_num(row['p50_ms']):>9}"
            f"{_num(row['p95_ms']):>9}  {_parts(cpu, PARTS, 1):<35}"
            f"{_num(cpu.get('client')):>7}  {_parts(row['rss_mb'], PARTS[:3], 0)}"
        )
    return lines


def cpu_per_turn(row: dict[str, Any]) -> float:
    """Everything the bot's processes spent on a turn (not the simulated patients)."""
    cpu = row["cpu_ms_per_turn"]
    return sum(cpu.get(name) or 0.0 for name in PARTS)


def ratios(rows: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    loads = {row["row"]: row for row in rows if row["phase"] == "load"}
    floor_cpu = loads["a"]["cpu_ms_per_turn"]["engine"]
    result: dict[str, dict[str, float]] = {"capacity_vs_b": {}, "cpu_per_turn_in_bare_parses": {}}
    for key in ("b", "c", "d"):
        if key not in loads:
            continue
        result["cpu_per_turn_in_bare_parses"][key] = cpu_per_turn(loads[key]) / floor_cpu
        if key != "b" and loads["b"]["capacity_per_s"]:
            result["capacity_vs_b"][key] = (
                loads[key]["capacity_per_s"] / loads["b"]["capacity_per_s"]
            )
    return result


def result_of(
    rows: list[dict[str, Any]], answers: dict[str, dict[str, int]], settings: dict[str, Any],
    tracker_events_b: int | None, load_before: tuple[float, float, float],
) -> dict[str, Any]:  # fmt: skip
    machine = {"cores": os.cpu_count(), "load_average_before": load_before,
               "load_average_at_end": os.getloadavg()}  # fmt: skip
    return {
        "settings": settings,
        "machine": machine,
        "rows": rows,
        "ratios": ratios(rows),
        "answers": answers,
        "tracker_events_b": tracker_events_b,
    }


def print_report(result: dict[str, Any]) -> None:
    print()
    print("\n".join(table(result["rows"])))
    found = result["ratios"]
    capacity = ", ".join(f"({k}) {v:.2f}x" for k, v in found["capacity_vs_b"].items())
    parses = ", ".join(f"({k}) {v:.1f}" for k, v in found["cpu_per_turn_in_bare_parses"].items())
    print(f"capacity vs (b), {result['settings']['patients']} at once: {capacity}")
    print(f"CPU per turn (engine+app+actions+db) in bare parses (a): {parses}")
    for key, counts in result["answers"].items():
        notes = [f"{counts['failed_turns']} failed turns"] if counts["failed_turns"] else []
        if counts["pool_exhausted"]:
            notes.append("the invitation pool ran out")
        note = f" ({'; '.join(notes)})" if notes else ""
        print(f"({key}) answers stored: {counts['stored']} of {counts['presses']}{note}")
    if result["tracker_events_b"] is not None:
        print(f"(b) events in the engine's SQL tracker store: {result['tracker_events_b']}")
    machine = result["machine"]
    print(f"{machine['cores']} cores; 1-min load average {machine['load_average_before'][0]:.2f} "
          f"before the run (other work), {machine['load_average_at_end'][0]:.2f} at its end")  # fmt: skip
