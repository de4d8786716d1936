"""Plans (``dialogues/plans/*.yml``): which questionnaires a patient answers when in a course.

A plan file::

    id: who5-14d                  # the file name without .yml
    title: "Trivsel hver 14. dag"  # Danish, shown to patients and coordinators
    description: "..."             # optional
    steps:
      - questionnaire: who5        # must be a loaded questionnaire
        first: 0d                  # first occurrence, counted from enrolment
        every: 14d                 # optional: repeat interval
        until: 182d                # with every: the last day an occurrence may be due ...
        # count: 14                # ... or the number of occurrences (one of the two)
        window: 14d                # optional: how long an occurrence stays open (default:
                                   # every; without every: until answered)
        reminders: [2d, 5d]        # optional: reminders after an occurrence opens
        overdue_after: 7d          # unanswered this long after it was due: overdue

Offsets are a whole number and a unit: ``w`` weeks, ``d`` days, ``h`` hours (``0d`` is now).
They count calendar time in the local time zone (14 days after 10:00 is 10:00, also across
a change to or from summer time). An occurrence still open when its window ends (for a
repeating step: when the next one opens) is ``missed``. Every problem raises a ``PlanError``
naming the file, the step and the problem.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml

from bot.course.plan_shape import PlanError
from bot.course.plan_shape import fail as _fail
from bot.course.plan_shape import keys as _keys
from bot.course.plan_shape import mapping as _mapping
from bot.course.plan_shape import text as _text

__all__ = ["Plan", "PlanError", "PlanStep", "format_offset", "load_plan", "load_plans",
           "parse_offset"]  # fmt: skip

_OFFSET = re.compile(r"(\d+)\s*([wdh])")
_UNITS = {"w": timedelta(weeks=1), "d": timedelta(days=1), "h": timedelta(hours=1)}
TOP_REQUIRED = ("id", "title", "steps")
TOP_OPTIONAL = ("description",)
STEP_REQUIRED = ("questionnaire", "first", "overdue_after")
STEP_OPTIONAL = ("every", "count", "until", "window", "reminders")


@dataclass(frozen=True)
class PlanStep:
    """One questionnaire of a plan and when it is due (offsets from enrolment)."""

    questionnaire_id: str
    first: timedelta
    overdue_after: timedelta
    every: timedelta | None = None
    count: int | None = None
    until: timedelta | None = None
    window: timedelta | None = None
    reminders: tuple[timedelta, ...] = ()

    def offsets(self) -> tuple[timedelta, ...]:
        """When each occurrence is due, counted from enrolment, in order."""
        if self.every is None:
            return (self.first,)
        if self.count is not None:
            return tuple(self.first + k * self.every for k in range(self.count))
        assert self.until is not None  # the loader requires one of the two
        result: list[timedelta] = []
        offset = self.first
        while offset <= self.until:
            result.append(offset)
            offset += self.every
        return tuple(result)

    @property
    def open_for(self) -> timedelta | None:
        """How long an occurrence stays open; None: until it is answered."""
        return self.window if self.window is not None else self.every


@dataclass(frozen=True)
class Plan:
    id: str
    title: str
    steps: tuple[PlanStep, ...]
    description: str | None = None


def parse_offset(value: Any) -> timedelta:
    """``14d``, ``2w`` or ``12h`` as a timedelta; ``ValueError`` for anything else."""
    match = _OFFSET.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"must be an offset like 14d, 2w or 12h, not {value!r}")
    return int(match.group(1)) * _UNITS[match.group(2)]


def format_offset(offset: timedelta) -> str:
    """The shortest offset text for a timedelta (``14d``, ``12h``)."""
    if offset % timedelta(days=1) == timedelta(0):
        return f"{offset.days}d"
    return f"{int(offset.total_seconds() // 3600)}h"


def load_plans(directory: Path, questionnaire_ids: Collection[str]) -> dict[str, Plan]:
    """Every ``*.yml`` plan of a directory (sorted by name), keyed by plan id.

    ``questionnaire_ids``: the loaded questionnaires a step may name. A missing directory
    has no plans.
    """
    plans: dict[str, Plan] = {}
    for path in sorted(Path(directory).glob("*.yml")):
        plan = load_plan(path, questionnaire_ids)
        plans[plan.id] = plan
    return plans


def load_plan(path: Path, questionnaire_ids: Collection[str]) -> Plan:
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        _fail(path.name, None, f"cannot read the file: {exc.strerror or exc}")
    except UnicodeDecodeError:
        _fail(path.name, None, "the file is not UTF-8 text")
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        _fail(path.name, None, f"not valid YAML{where}: {getattr(exc, 'problem', None) or exc}")
    return build_plan(path.name, path.stem, raw, questionnaire_ids)


def build_plan(file: str, stem: str, raw: Any, questionnaire_ids: Collection[str]) -> Plan:
    data = _mapping(file, None, raw, "the file")
    _keys(file, None, data, TOP_REQUIRED, TOP_OPTIONAL, "the plan")
    plan_id = _text(file, None, data["id"], "id")
    if plan_id != stem:
        _fail(file, None, f"id '{plan_id}' does not match the file name '{stem}'")
    steps_raw = data["steps"]
    if not isinstance(steps_raw, list) or not steps_raw:
        _fail(file, None, "steps must be a non-empty list")
    steps = tuple(
        _step(file, number, entry, questionnaire_ids)
        for number, entry in enumerate(steps_raw, start=1)
    )
    description = data.get("description")
    return Plan(
        id=plan_id,
        title=_text(file, None, data["title"], "title"),
        steps=steps,
        description=None if description is None else _text(file, None, description, "description"),
    )


def _step(file: str, number: int, raw: Any, questionnaire_ids: Collection[str]) -> PlanStep:
    data = _mapping(file, number, raw, "a step")
    _keys(file, number, data, STEP_REQUIRED, STEP_OPTIONAL, "the step")
    questionnaire = _text(file, number, data["questionnaire"], "questionnaire")
    if questionnaire not in questionnaire_ids:
        known = ", ".join(sorted(questionnaire_ids)) or "none"
        _fail(file, number, f"unknown questionnaire '{questionnaire}' (known: {known})")

    def offset(key: str) -> timedelta | None:
        if data.get(key) is None:
            return None
        try:
            return parse_offset(data[key])
        except ValueError as error:
            _fail(file, number, f"{key} {error}")

    first, every, until = offset("first"), offset("every"), offset("until")
    window, overdue_after = offset("window"), offset("overdue_after")
    assert first is not None and overdue_after is not None  # required keys
    count = data.get("count")
    if every is None:
        if count is not None or until is not None:
            _fail(file, number, "count and until need every (a step without it is due once)")
    else:
        if every <= timedelta(0):
            _fail(file, number, "every must be longer than 0")
        if (count is None) == (until is None):
            _fail(file, number, "a repeating step needs either count or until (not both)")
        if count is not None and (isinstance(count, bool) or not isinstance(count, int)):
            _fail(file, number, f"count must be a whole number, not {count!r}")
        if count is not None and count < 1:
            _fail(file, number, "count must be at least 1")
        if until is not None and until < first:
            _fail(file, number, f"until ({data['until']}) is before first ({data['first']})")
        if window is not None and window > every:
            _fail(file, number, f"window ({data['window']}) is longer than every ({data['every']})")
    if window is not None and window <= timedelta(0):
        _fail(file, number, "window must be longer than 0")
    open_for = window if window is not None else every
    if overdue_after <= timedelta(0):
        _fail(file, number, "overdue_after must be longer than 0")
    if open_for is not None and overdue_after >= open_for:
        _fail(file, number, f"overdue_after ({data['overdue_after']}) must be shorter than the "
              f"time an occurrence stays open ({format_offset(open_for)})")  # fmt: skip
    reminders = _reminders(file, number, data.get("reminders"), open_for)
    return PlanStep(
        questionnaire_id=questionnaire,
        first=first,
        overdue_after=overdue_after,
        every=every,
        count=count,
        until=until,
        window=window,
        reminders=reminders,
    )


def _reminders(
    file: str, number: int, raw: Any, open_for: timedelta | None
) -> tuple[timedelta, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        _fail(file, number, f"reminders must be a list of offsets like [2d, 5d], not {raw!r}")
    result: list[timedelta] = []
    for value in raw:
        try:
            offset = parse_offset(value)
        except ValueError as error:
            _fail(file, number, f"reminder {error}")
        if result and offset <= result[-1]:
            _fail(file, number, "reminders must be in increasing order, each once")
        if open_for is not None and offset >= open_for:
            _fail(file, number, f"reminder {value} comes after the occurrence has closed "
                  f"({format_offset(open_for)} after it opens)")  # fmt: skip
        result.append(offset)
    return tuple(result)
