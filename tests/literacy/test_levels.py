"""The presentation levels: their rules as docs/LITERACY.md lists them, and the steps between."""

from __future__ import annotations

import re
from dataclasses import fields

import pytest

from bot.literacy.levels import GUIDED, LEVELS, PLAIN, RULES, STANDARD, rules_for, shorter, simpler
from bot.settings import PROJECT_ROOT

FLAGS = [f.name for f in fields(rules_for(STANDARD)) if f.name != "level"]


def _documented_flags() -> dict[str, dict[str, bool]]:
    """``flag -> level -> on`` from the table in docs/LITERACY.md (rows naming a flag)."""
    text = (PROJECT_ROOT / "docs" / "LITERACY.md").read_text(encoding="utf-8")
    table: dict[str, dict[str, bool]] = {}
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 5 and re.fullmatch(r"`[a-z_]+`", cells[1]):
            table[cells[1].strip("`")] = {
                level: cell.startswith("yes") for level, cell in zip(LEVELS, cells[2:], strict=True)
            }
    return table


def test_every_flag_is_documented_as_it_is_set() -> None:
    documented = _documented_flags()
    assert sorted(documented) == sorted(FLAGS)
    for flag in FLAGS:
        assert {level: getattr(RULES[level], flag) for level in LEVELS} == documented[flag], flag


def test_each_level_names_itself_and_an_unknown_level_is_standard() -> None:
    assert [rules_for(level).level for level in LEVELS] == [STANDARD, PLAIN, GUIDED]
    assert rules_for("easy") == RULES[STANDARD]


@pytest.mark.parametrize(
    ("level", "more_help"),
    [(STANDARD, PLAIN), (PLAIN, GUIDED), (GUIDED, GUIDED), ("easy", PLAIN)],
)
def test_simpler_is_one_step_towards_more_guidance(level: str, more_help: str) -> None:
    assert simpler(level) == more_help


def test_shorter_is_the_plain_level() -> None:
    assert {shorter(level) for level in LEVELS} == {PLAIN}
