"""Loader, items: answer options, wording variants, ranges and enableWhen conditions."""

from __future__ import annotations

from .conftest import Case, rejection_test

ITEM_CASES: list[Case] = [
    ("unknown item key", lambda d: d["items"][0].update(colour="blue"), "q1", "unknown key"),
    ("missing item key", lambda d: d["items"][0].pop("text"), "q1", "missing key"),
    (
        "unknown answer set",
        lambda d: d["items"][0].update(answerSet="foo"),
        "q1",
        "unknown answer set 'foo'",
    ),
    (
        "enableWhen unknown item",
        lambda d: d["items"][2]["enableWhen"][0].update(question="zz"),
        "q3",
        "unknown item 'zz'",
    ),
    (
        "enableWhen later item",
        lambda d: d["items"][0].update(
            enableWhen=[{"question": "q2", "operator": "exists", "answer": True}]
        ),
        "q1",
        "later item 'q2'",
    ),
    (
        "enableWhen bad operator",
        lambda d: d["items"][2]["enableWhen"][0].update(operator="~"),
        "q3",
        "unknown operator",
    ),
    (
        "enableWhen answer not an option code",
        lambda d: d["items"][2].update(
            enableWhen=[{"question": "q1", "operator": "=", "answer": "9"}]
        ),
        "q3",
        "not an option code",
    ),
    (
        "variants on validated",
        lambda d: (
            d.update(validated=True),
            d["items"][0].update(variants={"plain": "Enkelt?"}),
        ),
        "q1",
        "variants are not allowed on a validated questionnaire",
    ),
    (
        "choice without options",
        lambda d: d["items"][0].pop("answerSet"),
        "q1",
        "without answer options",
    ),
    ("integer without min", lambda d: d["items"][1].pop("min"), "q2", "without min and max"),
    (
        "bad level in variants",
        lambda d: d["items"][1].update(variants={"simple": "Tal?"}),
        "q2",
        "bad level name(s) in variants: simple",
    ),
    ("bad item type", lambda d: d["items"][1].update(type="date"), "q2", "unknown type 'date'"),
    ("required not bool", lambda d: d["items"][1].update(required="ja"), "q2", "true or false"),
    ("min not int", lambda d: d["items"][1].update(min="0"), "q2", "whole number"),
    ("text not text", lambda d: d["items"][1].update(text=5), "q2", "must be text"),
    (
        "duplicate option code",
        lambda d: d["answer_sets"]["yn3"].append({"code": "0", "display": "Andet"}),
        None,
        "duplicate option code '0'",
    ),
    (
        "optionHelp for unknown option",
        lambda d: d["items"][0].update(optionHelp={"Måske": "x"}),
        "q1",
        "not an option display",
    ),
]

test_item_errors_name_file_item_and_problem = rejection_test(ITEM_CASES)
