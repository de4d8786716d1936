"""Scores, interpretation bands, alerts and triage (green / yellow / red).

Missing items (skipped, "ved ikke", not answered) never silence a score's alert rules:

- all items answered: the plain sum;
- at least ``minAnswered`` answered and the rule has ``prorate: true``: the sum of the answered
  items scaled up to all items (mean × items, rounded half up), ``ScoreResult.prorated``;
- fewer: no value (``ScoreResult.incomplete``), but the range the missing answers allow
  (``low``–``high``) is known. A score alert rule that holds at every value of that range
  fires as usual; one that only *might* hold adds one yellow ``<score id>-incomplete`` alert
  (``INCOMPLETE_MESSAGE``): call the patient and ask the missing items.

Item rules are evaluated on every answer whatever the scores; ``unanswered`` fires on a
skipped item (and on "ved ikke", which the dialogue passes as a skip).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from bot.questionnaire.flow import compare, effective_answers
from bot.questionnaire.model import (
    TRIAGE_LEVELS,
    UNANSWERED,
    AlertRule,
    Answers,
    AnswerValue,
    Band,
    Item,
    Questionnaire,
    ScoringRule,
)

INCOMPLETE_MESSAGE = (
    "Score {score} could not be computed: {missing} of {items} items not answered. "
    "The missing answers could change the triage; ask the patient about them."
)
"""The message of a ``<score id>-incomplete`` alert (the console translates it)."""
INCOMPLETE_LEVEL = "yellow"


@dataclass(frozen=True)
class ScoreResult:
    """One computed score. ``raw`` is the sum (pro-rated if ``prorated``), ``value`` raw ×
    multiplier; both are None when fewer than ``rule.min_answered`` items were answered, and
    then ``low``/``high`` is the range of values the missing answers allow."""

    rule: ScoringRule
    value: float | None
    raw: float | None
    answered: int
    band: Band | None
    missing: int = 0
    prorated: bool = False
    low: float | None = None
    high: float | None = None

    @property
    def incomplete(self) -> bool:
        """True when items are missing and too many of them for a value."""
        return self.value is None and self.missing > 0


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


def _item_range(item: Item) -> tuple[int, int]:
    """The lowest and highest score an item can add."""
    if item.type == "choice":
        scores = [o.score for o in item.options if o.score is not None]
        return (min(scores), max(scores)) if scores else (0, 0)
    return (item.min_value or 0, item.max_value or 0)


def score_rule(q: Questionnaire, rule: ScoringRule, answers: Answers) -> ScoreResult:
    """Compute one scoring rule (see the module docstring for missing items)."""
    current = effective_answers(q, answers)
    total = 0
    answered = 0
    lowest = highest = 0
    for link_id in rule.items:
        item = q.item(link_id)
        item_score = _item_score(item, current.get(link_id))
        if item_score is not None:
            total += item_score
            answered += 1
        else:
            low, high = _item_range(item)
            lowest, highest = lowest + low, highest + high
    missing = len(rule.items) - answered
    if answered < rule.min_answered or answered == 0 or (missing and not rule.prorate):
        ends = ((total + lowest) * rule.multiplier, (total + highest) * rule.multiplier)
        return ScoreResult(
            rule=rule, value=None, raw=None, answered=answered, band=None, missing=missing,
            low=min(ends), high=max(ends),
        )  # fmt: skip
    raw = float(total)
    if missing:
        raw = float(math.floor(total * len(rule.items) / answered + 0.5))
    value = raw * rule.multiplier
    return ScoreResult(
        rule=rule, value=value, raw=raw, answered=answered, band=rule.band_for(value),
        missing=missing, prorated=missing > 0,
    )  # fmt: skip


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
    if rule.operator == UNANSWERED:
        return answer.skipped
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


def _range_holds(operator: str, value: float, low: float, high: float) -> tuple[bool, bool]:
    """(holds for every value in low–high, holds for some value in low–high)."""
    if operator in (">", ">="):
        return compare(low, operator, value), compare(high, operator, value)
    if operator in ("<", "<="):
        return compare(high, operator, value), compare(low, operator, value)
    inside = low <= value <= high
    exact = low == high == value
    if operator == "=":
        return exact, inside
    return not inside, not exact  # "!="


def _score_hits(rule: AlertRule, result: ScoreResult) -> tuple[AlertHit | None, bool]:
    """(the hit, if the rule fires; whether it might fire but the score is incomplete)."""
    if not isinstance(rule.value, int | float) or isinstance(rule.value, bool):
        return None, False
    if result.value is not None:
        fired = compare(result.value, rule.operator, rule.value)
        return (AlertHit(rule=rule, observed=result.value) if fired else None), False
    if result.low is None or result.high is None:
        return None, False
    always, sometimes = _range_holds(rule.operator, rule.value, result.low, result.high)
    if always:
        # The least severe value the missing answers allow still fires the rule.
        bound = result.low if rule.operator in (">", ">=") else result.high
        return AlertHit(rule=rule, observed=bound), False
    return None, sometimes


def incomplete_rule(result: ScoreResult) -> AlertRule:
    """The yellow alert for a score that is incomplete and might have fired an alert."""
    return AlertRule(
        id=f"{result.rule.id}-incomplete",
        level=INCOMPLETE_LEVEL,
        urgent=False,
        message=INCOMPLETE_MESSAGE.format(
            score=result.rule.id, missing=result.missing, items=len(result.rule.items)
        ),
        item=None,
        score=result.rule.id,
        operator="incomplete",
        value=result.missing,
    )


def evaluate_alerts(q: Questionnaire, answers: Answers) -> list[AlertHit]:
    """All alerts that fire for these answers (item and score rules), each rule at most once,
    in file order; then one ``<score id>-incomplete`` alert per incomplete score that might
    have fired one of its rules."""
    current = effective_answers(q, answers)
    results = {r.rule.id: r for r in score(q, answers)}
    hits: list[AlertHit] = []
    undecided: list[str] = []
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
            if result is None:
                continue
            hit, might = _score_hits(rule, result)
            if hit is not None:
                hits.append(hit)
                seen.add(rule.id)
            elif might and rule.score not in undecided:
                undecided.append(rule.score)
    for score_id in undecided:
        result = results[score_id]
        hits.append(AlertHit(rule=incomplete_rule(result), observed=None))
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
