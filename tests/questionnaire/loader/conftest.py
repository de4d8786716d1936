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


def rejection_test(table: list[Case]) -> Callable[..., None]:
    """A test, one run per case of ``table`` (named by the case), that each change is rejected
    as ``assert_rejected`` checks. Assign it to a ``test_...`` name in a test module."""

    @pytest.mark.parametrize(
        ("change", "item", "problem"), [pytest.param(c, i, p, id=name) for name, c, i, p in table]
    )
    def test(
        assert_rejected: AssertRejected, change: Change, item: str | None, problem: str
    ) -> None:
        assert_rejected(change, item, problem)

    return test


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
