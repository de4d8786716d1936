"""Scoring rules (with their triage bands) and alert rules of a questionnaire file."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from itertools import pairwise
from types import MappingProxyType
from typing import Any

from bot.questionnaire.loader.items import check_condition_value
from bot.questionnaire.loader.shape import Checker, is_number, type_name
from bot.questionnaire.model import (
    ALERT_OPERATORS,
    TRIAGE_LEVELS,
    UNANSWERED,
    AlertRule,
    Band,
    Item,
    ScoringRule,
)

SCORING_REQUIRED = ("id", "name", "method", "items", "min", "max")
SCORING_OPTIONAL = ("multiplier", "minAnswered", "prorate", "code", "bands")
CODE_REQUIRED = ("system", "code")
CODE_OPTIONAL = ("display",)
BAND_KEYS = ("min", "max", "code", "label", "triage")
ALERT_REQUIRED = ("id", "level", "message", "operator")
ALERT_OPTIONAL = ("urgent", "item", "score", "value")
ALERT_LEVELS = ("red", "yellow")


def parse_scoring(check: Checker, raw: Any, items: Mapping[str, Item]) -> tuple[ScoringRule, ...]:
    """``scoring``: sums of the scores of answered items."""
    rules: list[ScoringRule] = []
    ids: set[str] = set()
    for index, data in _entries(check, raw, "scoring", "scoring rule"):
        what = _name(data, index, "scoring rule")
        check.keys(data, SCORING_REQUIRED, SCORING_OPTIONAL, what)
        rid = _unique_id(check, data, what, ids, "scoring")
        if data["method"] != "sum":
            check.fail(f"{what}: unknown method {data['method']!r} (allowed: sum)")
        link_ids = _scored_items(check, data["items"], what, items)
        multiplier = check.number(data.get("multiplier", 1), f"{what} multiplier")
        rmin = check.number(data["min"], f"{what} min")
        rmax = check.number(data["max"], f"{what} max")
        if rmin > rmax:
            check.fail(f"{what}: min is greater than max")
        min_answered = check.integer(data.get("minAnswered", len(link_ids)), f"{what} minAnswered")
        if not 1 <= min_answered <= len(link_ids):
            check.fail(f"{what}: minAnswered must be between 1 and {len(link_ids)}")
        prorate = check.boolean(data.get("prorate", False), f"{what} prorate")
        if prorate != (min_answered < len(link_ids)):
            check.fail(
                f"{what}: prorate: true goes with a minAnswered below the number of items, and "
                "the reverse (a sum of fewer items would understate the score)"
            )
        code: Mapping[str, str] | None = None
        if data.get("code") is not None:
            cdata = check.mapping(data["code"], f"{what} code")
            check.keys(cdata, CODE_REQUIRED, CODE_OPTIONAL, f"{what} code")
            code = MappingProxyType(
                {k: check.code_text(v, f"{what} code {k}") for k, v in cdata.items()}
            )
        bands = parse_bands(check, data.get("bands"), what, rmin, rmax)
        rules.append(
            ScoringRule(
                id=rid,
                name=check.text(data["name"], f"{what} name"),
                method="sum",
                items=link_ids,
                multiplier=multiplier,
                min=rmin,
                max=rmax,
                min_answered=min_answered,
                code=code,
                bands=bands,
                prorate=prorate,
            )
        )
    return tuple(rules)


def _scored_items(
    check: Checker, raw: Any, what: str, items: Mapping[str, Item]
) -> tuple[str, ...]:
    """The linkIds a scoring rule sums: each once, each an item with a score."""
    if not isinstance(raw, list) or not raw:
        check.fail(f"{what}: items must be a non-empty list of linkIds")
    link_ids = tuple(check.text(v, f"{what} items entry") for v in raw)
    if len(set(link_ids)) != len(link_ids):
        check.fail(f"{what}: an item is listed twice")
    for link_id in link_ids:
        if link_id not in items:
            check.fail(f"{what} refers to an unknown item '{link_id}'")
        target = items[link_id]
        if target.type == "choice":
            if any(o.score is None for o in target.options):
                check.fail(f"{what}: item '{link_id}' has options without a score")
        elif target.type != "integer":
            check.fail(f"{what}: item '{link_id}' is a {target.type} item and has no score")
    return link_ids


def parse_bands(check: Checker, raw: Any, what: str, rmin: float, rmax: float) -> tuple[Band, ...]:
    """A scoring rule's bands, sorted: they cover its range without gaps or overlaps."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        check.fail(f"{what}: bands must be a list")
    bands: list[Band] = []
    for index, entry in enumerate(raw, start=1):
        where = f"{what} band {index}"
        data = check.mapping(entry, where)
        check.keys(data, BAND_KEYS, (), where)
        bmin = check.number(data["min"], f"{where} min")
        bmax = check.number(data["max"], f"{where} max")
        if bmin > bmax:
            check.fail(f"{where}: min is greater than max")
        triage = data["triage"]
        if triage not in TRIAGE_LEVELS:
            check.fail(f"{where}: triage must be one of {', '.join(TRIAGE_LEVELS)}")
        bands.append(
            Band(
                min=bmin,
                max=bmax,
                code=check.code_text(data["code"], f"{where} code"),
                label=check.text(data["label"], f"{where} label"),
                triage=triage,
            )
        )
    if not bands:
        return ()
    ordered = sorted(bands, key=lambda b: b.min)
    if len({b.code for b in bands}) != len(bands):
        check.fail(f"{what}: two bands have the same code")
    if ordered[0].min > rmin or ordered[-1].max < rmax:
        check.fail(f"{what}: bands do not cover the whole range {_num(rmin)}–{_num(rmax)}")
    if ordered[0].min < rmin or ordered[-1].max > rmax:
        check.fail(f"{what}: bands go outside the range {_num(rmin)}–{_num(rmax)}")
    for lower, upper in pairwise(ordered):
        if upper.min <= lower.max:
            check.fail(
                f"{what}: bands overlap ({_num(lower.min)}–{_num(lower.max)} and "
                f"{_num(upper.min)}–{_num(upper.max)})"
            )
        if upper.min - lower.max > 1:
            check.fail(
                f"{what}: gap between bands {_num(lower.min)}–{_num(lower.max)} and "
                f"{_num(upper.min)}–{_num(upper.max)}"
            )
    return tuple(ordered)


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _entries(check: Checker, raw: Any, key: str, kind: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(number, mapping)`` for each entry of the list ``key`` (none when it is missing),
    checked one at a time, so an error names the first bad entry."""
    if raw is None:
        return
    if not isinstance(raw, list):
        check.fail(f"{key} must be a list, not {type_name(raw)}")
    for index, entry in enumerate(raw, start=1):
        yield index, check.mapping(entry, f"{kind} {index}")


def _name(data: Mapping[str, Any], index: int, kind: str) -> str:
    """How errors name a rule: ``kind 'id'``, or ``kind '#number'`` without a usable id."""
    rule_id = data.get("id")
    return f"{kind} '{rule_id if isinstance(rule_id, str) else f'#{index}'}'"


def _unique_id(
    check: Checker,
    data: Mapping[str, Any],
    what: str,
    ids: set[str],
    kind: str,
    item: str | None = None,
) -> str:
    """The rule's id, which no earlier rule of the list has (``ids`` collects them)."""
    rule_id = check.text(data["id"], f"{what} id", item)
    if rule_id in ids:
        check.fail(f"duplicate {kind} id '{rule_id}'", item)
    ids.add(rule_id)
    return rule_id


def parse_alerts(
    check: Checker, raw: Any, items: Mapping[str, Item], scores: Mapping[str, ScoringRule]
) -> tuple[AlertRule, ...]:
    """``alerts``: each compares one item's answer or one score with a value."""
    alerts: list[AlertRule] = []
    ids: set[str] = set()
    for index, data in _entries(check, raw, "alerts", "alert"):
        what = _name(data, index, "alert")
        item_ref = data.get("item") if isinstance(data.get("item"), str) else None
        check.keys(data, ALERT_REQUIRED, ALERT_OPTIONAL, what, item_ref)
        aid = _unique_id(check, data, what, ids, "alert", item_ref)
        level = data["level"]
        if level not in ALERT_LEVELS:
            check.fail(f"{what}: level must be red or yellow, not {level!r}", item_ref)
        operator = data["operator"]
        if operator not in ALERT_OPERATORS:
            check.fail(
                f"{what}: unknown operator {operator!r} (allowed: {', '.join(ALERT_OPERATORS)})",
                item_ref,
            )
        has_item = data.get("item") is not None
        has_score = data.get("score") is not None
        if has_item == has_score:
            check.fail(f"{what} needs exactly one of 'item' and 'score'", item_ref)
        if operator != UNANSWERED and "value" not in data:
            check.fail(f"missing key(s) in {what}: value", item_ref)
        item_id: str | None = None
        score_id: str | None = None
        value: int | float | str | bool
        if has_item:
            item_id = check.text(data["item"], f"{what} item", item_ref)
            if operator == UNANSWERED:
                value = _unanswered_value(check, data, what, item_id, items)
            else:
                value = _item_alert_value(check, data["value"], operator, what, item_id, items)
        else:
            score_id = check.text(data["score"], f"{what} score")
            if score_id not in scores:
                check.fail(f"{what} refers to an unknown score '{score_id}'")
            if operator == UNANSWERED:
                check.fail(f"{what}: operator 'unanswered' is for item rules, not scores")
            if not is_number(data["value"]):
                check.fail(f"{what}: value must be a number for a score")
            value = data["value"]
        alerts.append(
            AlertRule(
                id=aid,
                level=level,
                urgent=check.boolean(data.get("urgent", False), f"{what} urgent", item_ref),
                message=check.text(data["message"], f"{what} message", item_ref),
                item=item_id,
                score=score_id,
                operator=operator,
                value=value,
            )
        )
    return tuple(alerts)


def _item_alert_value(
    check: Checker,
    raw: Any,
    operator: str,
    what: str,
    item_id: str,
    items: Mapping[str, Item],
) -> int | float | str | bool:
    """The value an alert compares an item's answer with; it must fit that item."""
    if item_id not in items:
        check.fail(f"{what} refers to an unknown item '{item_id}'", item_id)
    target = items[item_id]
    if target.type == "display":
        check.fail(f"{what} refers to a display item", item_id)
    if target.type == "choice" and operator in ("=", "!="):
        value = check.code_text(raw, f"{what} value", item_id)
        if target.option(value) is None:
            check.fail(f"{what} value '{value}' is not an option code", item_id)
        return value
    return check_condition_value(check, raw, operator, target, f"{what} value", item_id)


def _unanswered_value(
    check: Checker, data: Mapping[str, Any], what: str, item_id: str, items: Mapping[str, Item]
) -> bool:
    """``unanswered`` needs an item that takes an answer; its value is true (or left out)."""
    if item_id not in items:
        check.fail(f"{what} refers to an unknown item '{item_id}'", item_id)
    if items[item_id].type == "display":
        check.fail(f"{what} refers to a display item", item_id)
    if data.get("value", True) is not True:
        check.fail(f"{what}: operator 'unanswered' takes no value (or value: true)", item_id)
    return True
