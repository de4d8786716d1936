"""The error of a plan file, and the checks of the shape of its values (bot/course/plans.py)."""

from __future__ import annotations

from typing import Any, NoReturn


class PlanError(ValueError):
    """A plan file is invalid; ``str(error)`` reads e.g. ``kemo.yml, step 2: ...``."""

    def __init__(self, file: str, step: int | None, problem: str) -> None:
        self.file = file
        self.step = step
        self.problem = problem
        where = file if step is None else f"{file}, step {step}"
        super().__init__(f"{where}: {problem}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.file, self.step, self.problem))


def fail(file: str, step: int | None, problem: str) -> NoReturn:
    raise PlanError(file, step, problem)


def mapping(file: str, step: int | None, value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        fail(file, step, f"{what} must be a mapping of names to values")
    return value


def keys(
    file: str,
    step: int | None,
    data: dict[str, Any],
    required: tuple[str, ...],
    optional: tuple[str, ...],
    what: str,
) -> None:
    unknown = sorted(set(data) - set(required) - set(optional))
    if unknown:
        fail(file, step, f"unknown key(s) in {what}: {', '.join(unknown)}")
    missing = [k for k in required if k not in data]
    if missing:
        fail(file, step, f"missing key(s) in {what}: {', '.join(missing)}")


def text(file: str, step: int | None, value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        fail(file, step, f"{what} must be text that is not empty")
    return value
