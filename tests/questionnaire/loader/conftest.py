"""Fixtures for the loader tests: a rejected change to the minimal questionnaire."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.questionnaire.loader import QuestionnaireError, load_questionnaire

Change = Callable[[dict[str, Any]], Any]
# (name, change to the minimal document, the item the error names, part of the problem)
Case = tuple[str, Change, str | None, str]
AssertRejected = Callable[[Change, str | None, str], None]


def cases(table: list[Case]) -> list[Any]:
    """``(change, item, problem)`` parameters, each with its case's name as the test id."""
    return [pytest.param(c, i, p, id=name) for name, c, i, p in table]


@pytest.fixture
def assert_rejected(minimal: dict[str, Any], write_yaml: Callable[..., Path]) -> AssertRejected:
    """Apply a change to the minimal document; loading it must fail with an error that names
    the file, the item and the problem."""

    def check(change: Change, item: str | None, problem: str) -> None:
        change(minimal)
        path = write_yaml(minimal)
        with pytest.raises(QuestionnaireError) as caught:
            load_questionnaire(path)
        error = caught.value
        assert error.file == "mini.yml"
        assert error.item == item
        assert problem in error.problem
        assert str(error).startswith("mini.yml")
        if item is not None:
            assert f"item '{item}'" in str(error)

    return check
