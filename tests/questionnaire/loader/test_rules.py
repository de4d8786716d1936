"""Loader, rules: scoring rules with their bands, and alert rules."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.questionnaire.loader import load_questionnaire

from .conftest import Case, rejection_test

RULE_CASES: list[Case] = [
    (
        "scoring unknown item",
        lambda d: d["scoring"][0]["items"].append("zz"),
        None,
        "unknown item 'zz'",
    ),
    (
        "scoring a text item",
        lambda d: d["scoring"][0]["items"].append("q3"),
        None,
        "has no score",
    ),
    ("alert unknown score", lambda d: d["alerts"][0].update(score="nope"), None, "unknown score"),
    (
        "alert unknown item",
        lambda d: d["alerts"].append(
            {
                "id": "a2",
                "level": "yellow",
                "message": "x",
                "item": "zz",
                "operator": "=",
                "value": 1,
            }
        ),
        "zz",
        "unknown item 'zz'",
    ),
    (
        "alert with item and score",
        lambda d: d["alerts"][0].update(item="q1"),
        "q1",
        "exactly one of 'item' and 'score'",
    ),
    (
        "bands overlap",
        lambda d: d["scoring"][0]["bands"][1].update(min=5),
        None,
        "bands overlap",
    ),
    ("bands gap", lambda d: d["scoring"][0]["bands"][1].update(min=8), None, "gap between bands"),
    (
        "bands do not cover",
        lambda d: d["scoring"][0]["bands"][1].update(max=11),
        None,
        "do not cover",
    ),
    (
        "bad triage",
        lambda d: d["scoring"][0]["bands"][0].update(triage="blue"),
        None,
        "triage must be one of",
    ),
    ("bad alert level", lambda d: d["alerts"][0].update(level="green"), None, "red or yellow"),
]

test_rule_errors_name_file_item_and_problem = rejection_test(RULE_CASES)


def _unanswered_rule(**fields: object) -> dict[str, object]:
    rule: dict[str, object] = {
        "id": "a2",
        "level": "red",
        "message": "x",
        "item": "q1",
        "operator": "unanswered",
    }
    rule.update(fields)
    return rule


UNANSWERED_CASES: list[Case] = [
    (
        "unanswered on a score",
        lambda d: d["alerts"][0].update(operator="unanswered"),
        None,
        "operator 'unanswered' is for item rules",
    ),
    (
        "unanswered with value false",
        lambda d: d["alerts"].append(_unanswered_rule(value=False)),
        "q1",
        "operator 'unanswered' takes no value",
    ),
    (
        "unanswered on an unknown item",
        lambda d: d["alerts"].append(_unanswered_rule(item="zz")),
        "zz",
        "unknown item 'zz'",
    ),
    (
        "other operators need a value",
        lambda d: d["alerts"][0].pop("value"),
        None,
        "missing key(s) in alert 'a1': value",
    ),
    (
        "unknown operator",
        lambda d: d["alerts"][0].update(operator="missing"),
        None,
        "allowed: =, !=, >, <, >=, <=, unanswered",
    ),
    (
        "prorate without a lower minAnswered",
        lambda d: d["scoring"][0].update(prorate=True),
        None,
        "prorate: true goes with a minAnswered below",
    ),
    (
        "a lower minAnswered without prorate",
        lambda d: d["scoring"][0].update(minAnswered=1),
        None,
        "prorate: true goes with a minAnswered below",
    ),
    (
        "prorate not a boolean",
        lambda d: d["scoring"][0].update(prorate="yes", minAnswered=1),
        None,
        "prorate must be true or false",
    ),
]

test_unanswered_and_prorate_errors = rejection_test(UNANSWERED_CASES)


def test_unanswered_rule_loads(minimal: dict[str, Any], write_yaml: Callable[..., Path]) -> None:
    minimal["alerts"].append(_unanswered_rule())
    minimal["alerts"].append(_unanswered_rule(id="a3", value=True, item="q3"))
    minimal["scoring"][0].update(prorate=True, minAnswered=1)
    q = load_questionnaire(write_yaml(minimal))
    assert [(a.id, a.operator, a.value) for a in q.alerts[1:]] == [
        ("a2", "unanswered", True),
        ("a3", "unanswered", True),
    ]
    assert q.scoring[0].prorate and q.scoring[0].min_answered == 1
