"""Loader, rules: scoring rules with their bands, and alert rules."""

from __future__ import annotations

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
