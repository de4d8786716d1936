"""Scores, interpretation bands, alerts and triage (green / yellow / red)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.questionnaire.flow import compare, effective_answers
from bot.questionnaire.model import (
    TRIAGE_LEVELS,
    AlertRule,
    Answers,
    AnswerValue,
    Band,
    Item,
    Questionnaire,
    ScoringRule,
)


@dataclass(frozen=True)
class ScoreResult:
    """One computed score. ``raw`` is the plain sum, ``value`` the sum × multiplier; both are
    None when fewer than ``rule.min_answered`` items were answered."""

    rule: ScoringRule
    value: float | None
    raw: float | None
    answered: int
    band: Band | None


@dataclass(frozen=True)
class AlertHit:
    """An alert rule that fired, with the answer or score that made it fire."""

    rule: AlertRule
    observed: int | float | str | bool | None


def _item_score(item: Item, answer: AnswerValue | None) -> int | None:
    if answer is None or answer.skipped:
        return None
    if item.type == "choice":
        if answer.code is None:
            return None
        option = item.option(answer.code)
        return None if option is None else option.score
    if item.type == "integer" and isinstance(answer.value, int):
        if isinstance(answer.value, bool):
            return None
        return answer.value
    return None


def score_rule(q: Questionnaire, rule: ScoringRule, answers: Answers) -> ScoreResult:
    """Compute one scoring rule (skipped and unanswered items are left out)."""
    current = effective_answers(q, answers)
    total = 0
    answered = 0
    for link_id in rule.items:
        item_score = _item_score(q.item(link_id), current.get(link_id))
        if item_score is not None:
            total += item_score
            answered += 1
    if answered < rule.min_answered or answered == 0:
        return ScoreResult(rule=rule, value=None, raw=None, answered=answered, band=None)
    raw = float(total)
    value = raw * rule.multiplier
    return ScoreResult(
        rule=rule, value=value, raw=raw, answered=answered, band=rule.band_for(value)
    )


def score(q: Questionnaire, answers: Answers) -> list[ScoreResult]:
    """All scores of the questionnaire, in file order."""
    return [score_rule(q, rule, answers) for rule in q.scoring]


def _observed(item: Item, answer: AnswerValue) -> int | float | str | bool | None:
    """What an item alert compares: the option's score (or code) for choice items, else the
    value."""
    if answer.skipped:
        return None
    if item.type == "choice":
        if answer.code is None:
            return None
        option = item.option(answer.code)
        if option is not None and option.score is not None:
            return option.score
        return answer.code
    return answer.value


def _item_rule_hits(rule: AlertRule, item: Item, answer: AnswerValue) -> bool:
    observed = _observed(item, answer)
    if observed is None:
        return False
    if item.type == "choice" and rule.operator in ("=", "!=") and isinstance(rule.value, str):
        # "=" / "!=" on a choice item compare option codes.
        return compare(answer.code, rule.operator, rule.value)
    return compare(observed, rule.operator, rule.value)


def item_alerts(q: Questionnaire, link_id: str, answer: AnswerValue) -> list[AlertHit]:
    """The item-based alerts that this one answer fires (used the moment it arrives)."""
    item = q.item(link_id)
    hits: list[AlertHit] = []
    for rule in q.alerts:
        if rule.item == link_id and _item_rule_hits(rule, item, answer):
            hits.append(AlertHit(rule=rule, observed=_observed(item, answer)))
    return hits


def evaluate_alerts(q: Questionnaire, answers: Answers) -> list[AlertHit]:
    """All alerts that fire for these answers (item and score rules), each rule at most once,
    in file order."""
    current = effective_answers(q, answers)
    results = {r.rule.id: r for r in score(q, answers)}
    hits: list[AlertHit] = []
    seen: set[str] = set()
    for rule in q.alerts:
        if rule.id in seen:
            continue
        if rule.item is not None:
            answer = current.get(rule.item)
            if answer is None:
                continue
            item = q.item(rule.item)
            if _item_rule_hits(rule, item, answer):
                hits.append(AlertHit(rule=rule, observed=_observed(item, answer)))
                seen.add(rule.id)
        elif rule.score is not None:
            result = results.get(rule.score)
            if result is None or result.value is None:
                continue
            if compare(result.value, rule.operator, rule.value):
                hits.append(AlertHit(rule=rule, observed=result.value))
                seen.add(rule.id)
    return hits


def worst(levels: Sequence[str]) -> str:
    """The worst of some triage levels ("green" if there are none)."""
    rank = {level: i for i, level in enumerate(TRIAGE_LEVELS)}
    result = "green"
    for level in levels:
        if rank.get(level, 0) > rank[result]:
            result = level
    return result


def triage(hits: Sequence[AlertHit], results: Sequence[ScoreResult]) -> str:
    """ "red", "yellow" or "green": the worst of the alert levels and the score bands."""
    levels = [hit.rule.level for hit in hits]
    levels.extend(r.band.triage for r in results if r.band is not None)
    return worst(levels)
