"""The shape of the values read from one questionnaire file, and the error that names them.

Every check raises a ``QuestionnaireError`` naming the file, the item (when there is one) and
the problem in words a content editor understands ("must be a whole number, not text").
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, NoReturn, cast


class QuestionnaireError(ValueError):
    """A questionnaire file is invalid.

    ``str(error)`` reads e.g. ``who5.yml, item 'who5-3': unknown answer set 'foo'``.
    """

    def __init__(self, file: str, item: str | None, problem: str) -> None:
        self.file = file
        self.item = item
        self.problem = problem
        where = file if item is None else f"{file}, item '{item}'"
        super().__init__(f"{where}: {problem}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.file, self.item, self.problem))


class Checker:
    """Shape checks of the values of one file; every failure names that file."""

    def __init__(self, file: str) -> None:
        self.file = file

    def fail(self, problem: str, item: str | None = None) -> NoReturn:
        raise QuestionnaireError(self.file, item, problem)

    def mapping(self, value: Any, what: str, item: str | None = None) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(f"{what} must be a mapping, not {type_name(value)}", item)
        for key in value:
            if not isinstance(key, str):
                self.fail(f"{what} has a key that is not text: {key!r}", item)
        return cast(dict[str, Any], value)

    def keys(
        self,
        data: Mapping[str, Any],
        required: tuple[str, ...],
        optional: tuple[str, ...],
        what: str,
        item: str | None = None,
    ) -> None:
        allowed = set(required) | set(optional)
        unknown = sorted(k for k in data if k not in allowed)
        if unknown:
            self.fail(f"unknown key(s) in {what}: {', '.join(unknown)}", item)
        missing = [k for k in required if k not in data]
        if missing:
            self.fail(f"missing key(s) in {what}: {', '.join(missing)}", item)

    def text(self, value: Any, what: str, item: str | None = None) -> str:
        if not isinstance(value, str):
            self.fail(f"{what} must be text, not {type_name(value)}", item)
        if not value.strip():
            self.fail(f"{what} must not be empty", item)
        return value

    def opt_text(self, value: Any, what: str, item: str | None = None) -> str | None:
        return None if value is None else self.text(value, what, item)

    def code_text(self, value: Any, what: str, item: str | None = None) -> str:
        """A code or prefix: text, or a whole number that is turned into text."""
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        return self.text(value, what, item)

    def boolean(self, value: Any, what: str, item: str | None = None) -> bool:
        if not isinstance(value, bool):
            self.fail(f"{what} must be true or false, not {type_name(value)}", item)
        return value

    def integer(self, value: Any, what: str, item: str | None = None) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(f"{what} must be a whole number, not {type_name(value)}", item)
        return value

    def number(self, value: Any, what: str, item: str | None = None) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(f"{what} must be a number, not {type_name(value)}", item)
        return float(value)

    def text_list(self, value: Any, what: str, item: str | None = None) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            self.fail(f"{what} must be a list, not {type_name(value)}", item)
        return tuple(self.text(v, f"{what} entry", item) for v in value)

    def levels(
        self,
        value: Any,
        what: str,
        allowed: tuple[str, ...],
        item: str | None = None,
        *,
        need_standard: bool = False,
    ) -> Mapping[str, str]:
        """Texts by level name (``intro``, ``variants``): only ``allowed`` names."""
        if value is None:
            if need_standard:
                self.fail(f"{what} must have a 'standard' text", item)
            return MappingProxyType({})
        data = self.mapping(value, what, item)
        bad = sorted(k for k in data if k not in allowed)
        if bad:
            self.fail(
                f"bad level name(s) in {what}: {', '.join(bad)} (allowed: {', '.join(allowed)})",
                item,
            )
        if need_standard and "standard" not in data:
            self.fail(f"{what} must have a 'standard' text", item)
        return MappingProxyType({k: self.text(v, f"{what}.{k}", item) for k, v in data.items()})


def type_name(value: Any) -> str:
    """What a YAML value is, in a content editor's words."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true/false"
    return {
        "str": "text",
        "int": "a whole number",
        "float": "a number",
        "list": "a list",
        "dict": "a mapping",
    }.get(type(value).__name__, type(value).__name__)


def is_number(value: Any) -> bool:
    """An int or float; YAML's true/false are bools, which Python counts as ints."""
    return isinstance(value, int | float) and not isinstance(value, bool)
