"""What scripts/bench_load.py measures with: CPU and memory of processes read from /proc, and
the measuring window that counts the turns completed inside it.

CPU is utime + stime (with reaped children's cutime + cstime) per process, read when the
window opens and when it closes; a process started in between counts from zero. It is what
the processes used, not wall time, so other work on the machine inflates latency far more
than CPU per turn (steal time on a shared VM still shows in both).
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_MB = os.sysconf("SC_PAGE_SIZE") / 2**20


def _stat_fields(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    # The command name is in parentheses and may hold spaces: split after its last ")".
    return raw[raw.rfind(")") + 2 :].split()


def process_tree(root: int) -> list[int]:
    """The process and all its descendants (e.g. Sanic's worker processes)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat_fields(int(entry.name))) is not None:
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, []))
    return tree


def cpu_by_pid(pids: list[int]) -> dict[int, float]:
    seconds = {}
    for pid in pids:
        if (fields := _stat_fields(pid)) is not None:
            seconds[pid] = sum(int(value) for value in fields[11:15]) / CLOCK_TICKS
    return seconds


def rss_mb(root: int) -> float:
    total = 0.0
    for pid in process_tree(root):
        if (fields := _stat_fields(pid)) is not None:
            total += int(fields[21]) * PAGE_MB
    return total


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


class ProcessMeter:
    """CPU and RSS of named process trees (engine, app, actions), CPU of further processes
    found anew at each reading (PostgreSQL's backends of the database) and of this client."""

    def __init__(
        self, roots: dict[str, int], others: dict[str, Callable[[], list[int]]] | None = None
    ) -> None:
        self.roots = roots
        self.sources: dict[str, Callable[[], list[int]]] = {
            name: partial(process_tree, pid) for name, pid in roots.items()
        }
        self.sources.update(others or {})
        self._start: dict[str, dict[int, float]] = {}
        self._client = 0.0

    def _now(self) -> dict[str, dict[int, float]]:
        return {name: cpu_by_pid(pids()) for name, pids in self.sources.items()}

    def start(self) -> None:
        self._start = self._now()
        self._client = time.process_time()

    def stop(self) -> tuple[dict[str, float], dict[str, float]]:
        now = self._now()
        cpu = {
            name: sum(value - self._start[name].get(pid, 0.0) for pid, value in values.items())
            for name, values in now.items()
        }
        cpu["client"] = time.process_time() - self._client
        return cpu, {name: rss_mb(pid) for name, pid in self.roots.items()}


@dataclass
class Record:
    """Turns completed (start, end on the perf_counter clock) and what went wrong."""

    turns: list[tuple[float, float]] = field(default_factory=list)
    presses: int = 0
    errors: list[str] = field(default_factory=list)
    patients_done: int = 0
    pool_exhausted: bool = False


class Window:
    """The measured part of a phase: opened and closed by the load (after its ramp-up, at its
    end), or around the whole phase if the load does neither."""

    def __init__(self, meter: ProcessMeter) -> None:
        self.meter = meter
        self.opened_at: float | None = None
        self.closed_at: float | None = None
        self.cpu_s: dict[str, float] = {}
        self.rss_mb: dict[str, float] = {}

    def open(self) -> None:
        self.meter.start()
        self.opened_at = time.perf_counter()

    def close(self) -> None:
        self.closed_at = time.perf_counter()
        self.cpu_s, self.rss_mb = self.meter.stop()


def measure(name: str, meter: ProcessMeter, work: Callable[[Window], Record]) -> dict[str, Any]:
    """Run `work(window)`; only the turns completed inside the window count."""
    window = Window(meter)
    record = work(window)
    if window.opened_at is None or window.closed_at is None:
        raise RuntimeError(f"phase {name}: the window was never opened and closed")
    start, end = window.opened_at, window.closed_at
    latencies = [(e - s) * 1000 for s, e in record.turns if start <= e <= end]
    turns, seconds = len(latencies), end - start
    return {
        "phase": name,
        "seconds": round(seconds, 2),
        "turns": turns,
        "capacity_per_s": turns / seconds if seconds else 0.0,
        "p50_ms": statistics.median(latencies) if latencies else None,
        "p95_ms": percentile(latencies, 0.95) if latencies else None,
        "cpu_ms_per_turn": {
            k: 1000 * v / turns if turns else None for k, v in window.cpu_s.items()
        },
        "rss_mb": window.rss_mb,
        "presses": record.presses,
        "patients_completed": record.patients_done,
        "errors": len(record.errors),
        "first_errors": record.errors[:3],
        "pool_exhausted": record.pool_exhausted,
    }
