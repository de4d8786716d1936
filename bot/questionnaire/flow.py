"""Which item comes next, given the answers so far.

Progress is always derived from the stored answers (never from conversation state), so a
conversation can resume anywhere. Only ``enableWhen`` decides whether an item is shown; a
skipped item counts as answered for the flow but has no value for conditions.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.questionnaire.model import Answers, AnswerValue, EnableWhen, Item, Questionnaire


def _as_number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def compare(observed: object, operator: str, expected: object) -> bool:
    """``observed <operator> expected``: numerically when both are numbers (or numeric text),
    as yes/no when either is a bool, otherwise as text (only ``=`` and ``!=``)."""
    if isinstance(observed, bool) or isinstance(expected, bool):
        if not (isinstance(observed, bool) and isinstance(expected, bool)):
            return operator == "!="  # a yes/no answer never equals a number or a text
        if operator == "=":
            return observed == expected
        if operator == "!=":
            return observed != expected
        return False
    left, right = _as_number(observed), _as_number(expected)
    if left is not None and right is not None:
        if operator == "=":
            return left == right
        if operator == "!=":
            return left != right
        if operator == ">":
            return left > right
        if operator == "<":
            return left < right
        if operator == ">=":
            return left >= right
        if operator == "<=":
            return left <= right
        return False
    if operator == "=":
        return str(observed) == str(expected)
    if operator == "!=":
        return str(observed) != str(expected)
    return False


def _answer_of(answer: AnswerValue | None) -> tuple[bool, object]:
    """(has a usable answer, the value to compare: the code if there is one, else the value)."""
    if answer is None or answer.skipped:
        return False, None
    if answer.code is not None:
        return True, answer.code
    if answer.value is None:
        return False, None
    return True, answer.value


def _condition_holds(condition: EnableWhen, answers: Answers) -> bool:
    present, observed = _answer_of(answers.get(condition.question))
    if condition.operator == "exists":
        return present == bool(condition.answer)
    if not present:
        return False
    return compare(observed, condition.operator, condition.answer)


def is_enabled(item: Item, answers: Answers) -> bool:
    """True if the item should be shown, given the answers (FHIR enableWhen semantics).

    Conditions on unanswered or skipped questions are false, except ``exists`` = false.
    """
    if not item.enable_when:
        return True
    results = (_condition_holds(c, answers) for c in item.enable_when)
    if item.enable_behavior == "any":
        return any(results)
    return all(results)


def effective_answers(q: Questionnaire, answers: Answers) -> dict[str, AnswerValue]:
    """The answers that count: those of known items that are enabled.

    An answer to an item that is no longer enabled (because an earlier answer was corrected)
    is left out, and so cannot enable later items either.
    """
    result: dict[str, AnswerValue] = {}
    for item in q.items:
        if item.link_id in answers and is_enabled(item, result):
            result[item.link_id] = answers[item.link_id]
    return result


def enabled_items(q: Questionnaire, answers: Answers) -> tuple[Item, ...]:
    """The answerable items that are shown, given the answers, in file order."""
    current = effective_answers(q, answers)
    return tuple(item for item in q.answerable_items if is_enabled(item, current))


def next_item(q: Questionnaire, answers: Answers) -> Item | None:
    """The first enabled answerable item without an entry in ``answers`` (None when done)."""
    current = effective_answers(q, answers)
    for item in q.answerable_items:
        if item.link_id not in current and is_enabled(item, current):
            return item
    return None


def is_complete(q: Questionnaire, answers: Answers) -> bool:
    """True when every enabled answerable item has an answer (or was skipped)."""
    return next_item(q, answers) is None


def progress(q: Questionnaire, answers: Answers) -> tuple[int, int]:
    """(number of the current item, counting from 1, among the enabled answerable items;
    how many enabled answerable items there are, given the answers so far).

    When the questionnaire is complete the number equals the total.
    """
    shown = enabled_items(q, answers)
    current = next_item(q, answers)
    if current is None:
        return len(shown), len(shown)
    for number, item in enumerate(shown, start=1):
        if item.link_id == current.link_id:
            return number, len(shown)
    return len(shown), len(shown)  # pragma: no cover - next_item is always enabled


def displays_before(q: Questionnaire, item: Item) -> tuple[Item, ...]:
    """The display items that come directly before ``item`` in the file (in file order)."""
    index = next(i for i, it in enumerate(q.items) if it.link_id == item.link_id)
    start = index
    while start > 0 and q.items[start - 1].type == "display":
        start -= 1
    return q.items[start:index]


def previous_answered(q: Questionnaire, answers: Answers, current: Item | None) -> Item | None:
    """The last enabled item before ``current`` (or the last of all when ``current`` is None)
    that has an entry in ``answers`` (a skipped item counts). None if there is none."""
    effective: Mapping[str, AnswerValue] = effective_answers(q, answers)
    items = q.items
    if current is not None:
        position = next(
            (i for i, it in enumerate(items) if it.link_id == current.link_id), len(items)
        )
        items = items[:position]
    for item in reversed(items):
        if item.answerable and item.link_id in effective:
            return item
    return None
