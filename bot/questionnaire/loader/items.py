"""Items of a questionnaire file: their answer options, wording variants and conditions."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, cast

from bot.questionnaire.loader.shape import Checker, is_number, type_name
from bot.questionnaire.model import (
    ENABLE_WHEN_OPERATORS,
    ITEM_TYPES,
    AnswerOption,
    EnableWhen,
    Item,
    ItemType,
)

VARIANT_LEVELS = ("plain", "guided")

OPTION_REQUIRED = ("code", "display")
OPTION_OPTIONAL = ("score", "short", "synonyms", "help")
ITEM_REQUIRED = ("linkId", "type", "text")
ITEM_OPTIONAL = (
    "prefix",
    "required",
    "answerSet",
    "answerOptions",
    "min",
    "max",
    "minLabel",
    "maxLabel",
    "help",
    "why",
    "optionHelp",
    "variants",
    "example",
    "enableWhen",
    "enableBehavior",
    "section",
)
ENABLE_WHEN_REQUIRED = ("question", "operator")
ENABLE_WHEN_OPTIONAL = ("answer",)

ORDERING_OPERATORS = (">", "<", ">=", "<=")


def parse_options(
    check: Checker, raw: Any, what: str, item: str | None = None
) -> tuple[AnswerOption, ...]:
    """A list of answer options (an item's ``answerOptions`` or a named answer set)."""
    if not isinstance(raw, list):
        check.fail(f"{what} must be a list of options, not {type_name(raw)}", item)
    if not raw:
        check.fail(f"{what} has no options", item)
    options: list[AnswerOption] = []
    codes: set[str] = set()
    displays: set[str] = set()
    for index, entry in enumerate(raw, start=1):
        where = f"{what} option {index}"
        data = check.mapping(entry, where, item)
        check.keys(data, OPTION_REQUIRED, OPTION_OPTIONAL, where, item)
        code = check.code_text(data["code"], f"{where} code", item)
        display = check.text(data["display"], f"{where} display", item)
        if code in codes:
            check.fail(f"{what}: duplicate option code '{code}'", item)
        if display in displays:
            check.fail(f"{what}: duplicate option display '{display}'", item)
        codes.add(code)
        displays.add(display)
        score_raw = data.get("score")
        score = None if score_raw is None else check.integer(score_raw, f"{where} score", item)
        options.append(
            AnswerOption(
                code=code,
                display=display,
                score=score,
                short=check.opt_text(data.get("short"), f"{where} short", item),
                synonyms=check.text_list(data.get("synonyms"), f"{where} synonyms", item),
                help=check.opt_text(data.get("help"), f"{where} help", item),
            )
        )
    return tuple(options)


def check_condition_value(
    check: Checker, value: Any, operator: str, target: Item, what: str, link_id: str | None
) -> str | int | bool:
    """Check that a comparison value (of an ``enableWhen`` or an alert) fits the item it is
    compared with."""
    if operator == "exists":
        return check.boolean(value, what, link_id)
    ordering = operator in ORDERING_OPERATORS
    if target.type == "boolean":
        if ordering:
            check.fail(f"{what}: operator {operator} cannot be used on a yes/no item", link_id)
        return check.boolean(value, what, link_id)
    if target.type == "integer":
        return check.integer(value, what, link_id)
    if target.type == "choice":
        if ordering:
            if not is_number(value):
                check.fail(f"{what} must be a number for operator {operator}", link_id)
            return cast(int, value)
        code = check.code_text(value, what, link_id)
        if target.option(code) is None:
            check.fail(f"{what} '{code}' is not an option code of '{target.link_id}'", link_id)
        return code
    # string
    if ordering:
        check.fail(f"{what}: operator {operator} cannot be used on a text item", link_id)
    return check.text(value, what, link_id)


def parse_enable_when(
    check: Checker,
    raw: Any,
    link_id: str,
    earlier: Mapping[str, Item],
    all_ids: set[str],
) -> tuple[EnableWhen, ...]:
    """An item's conditions; they may only refer to items that come before it."""
    if raw is None:
        return ()
    if not isinstance(raw, list) or not raw:
        check.fail("enableWhen must be a non-empty list of conditions", link_id)
    conditions: list[EnableWhen] = []
    for index, entry in enumerate(raw, start=1):
        where = f"enableWhen condition {index}"
        data = check.mapping(entry, where, link_id)
        check.keys(data, ENABLE_WHEN_REQUIRED, ENABLE_WHEN_OPTIONAL, where, link_id)
        question = check.text(data["question"], f"{where} question", link_id)
        operator = data["operator"]
        if operator not in ENABLE_WHEN_OPERATORS:
            check.fail(
                f"{where}: unknown operator {operator!r} "
                f"(allowed: {', '.join(ENABLE_WHEN_OPERATORS)})",
                link_id,
            )
        if question == link_id:
            check.fail(f"{where} refers to the item itself", link_id)
        if question not in earlier:
            if question in all_ids:
                check.fail(f"{where} refers to a later item '{question}'", link_id)
            check.fail(f"{where} refers to an unknown item '{question}'", link_id)
        target = earlier[question]
        if target.type == "display":
            check.fail(f"{where} refers to display item '{question}'", link_id)
        if "answer" not in data:
            check.fail(f"{where} has no answer", link_id)
        answer = check_condition_value(
            check, data["answer"], operator, target, f"{where} answer", link_id
        )
        conditions.append(EnableWhen(question=question, operator=operator, answer=answer))
    return tuple(conditions)


def parse_item(
    check: Checker,
    raw: Any,
    index: int,
    answer_sets: Mapping[str, tuple[AnswerOption, ...]],
    validated: bool,
    earlier: Mapping[str, Item],
    all_ids: set[str],
) -> Item:
    """One entry of ``items`` (``index`` counts from 1; it names an item without a linkId)."""
    data = check.mapping(raw, f"item {index}")
    link_raw = data.get("linkId")
    link_id = link_raw if isinstance(link_raw, str) and link_raw.strip() else f"#{index}"
    check.keys(data, ITEM_REQUIRED, ITEM_OPTIONAL, "item", link_id)
    link_id = check.text(data["linkId"], "linkId", link_id)
    item_type = data["type"]
    if item_type not in ITEM_TYPES:
        check.fail(f"unknown type {item_type!r} (allowed: {', '.join(ITEM_TYPES)})", link_id)
    text = check.text(data["text"], "text", link_id)
    options = _options(check, data, item_type, answer_sets, link_id)
    min_value, max_value = _range(check, data, item_type, link_id)

    variants = check.levels(data.get("variants"), "variants", VARIANT_LEVELS, link_id)
    if validated and "variants" in data:
        check.fail(
            "variants are not allowed on a validated questionnaire "
            "(its items must be shown with their exact wording)",
            link_id,
        )
    option_help = _option_help(check, data.get("optionHelp"), options, link_id)

    behavior = data.get("enableBehavior", "all")
    if behavior not in ("all", "any"):
        check.fail(f"enableBehavior must be 'all' or 'any', not {behavior!r}", link_id)
    enable_when = parse_enable_when(check, data.get("enableWhen"), link_id, earlier, all_ids)
    if item_type == "display" and "required" in data and data["required"]:
        check.fail("a display item cannot be required", link_id)
    required = (
        check.boolean(data.get("required", True), "required", link_id)
        if item_type != "display"
        else False
    )
    prefix_raw = data.get("prefix")
    prefix = None if prefix_raw is None else check.code_text(prefix_raw, "prefix", link_id)

    return Item(
        link_id=link_id,
        type=cast(ItemType, item_type),
        text=text,
        prefix=prefix,
        required=required,
        options=options,
        min_value=min_value,
        max_value=max_value,
        min_label=check.opt_text(data.get("minLabel"), "minLabel", link_id),
        max_label=check.opt_text(data.get("maxLabel"), "maxLabel", link_id),
        help=check.opt_text(data.get("help"), "help", link_id),
        why=check.opt_text(data.get("why"), "why", link_id),
        option_help=option_help,
        variants=variants,
        example=check.opt_text(data.get("example"), "example", link_id),
        enable_when=enable_when,
        enable_behavior=behavior,
        section=check.opt_text(data.get("section"), "section", link_id),
    )


def _options(
    check: Checker,
    data: Mapping[str, Any],
    item_type: str,
    answer_sets: Mapping[str, tuple[AnswerOption, ...]],
    link_id: str,
) -> tuple[AnswerOption, ...]:
    """The item's options: a named answer set or its own ``answerOptions`` (choice only)."""
    if "answerSet" in data and "answerOptions" in data:
        check.fail("use either answerSet or answerOptions, not both", link_id)
    options: tuple[AnswerOption, ...] = ()
    if "answerSet" in data:
        name = check.text(data["answerSet"], "answerSet", link_id)
        if name not in answer_sets:
            check.fail(f"unknown answer set '{name}'", link_id)
        options = answer_sets[name]
    elif "answerOptions" in data:
        options = parse_options(check, data["answerOptions"], "answerOptions", link_id)
    if item_type == "choice" and not options:
        check.fail("choice item without answer options (answerSet or answerOptions)", link_id)
    if item_type != "choice" and options:
        check.fail(f"answer options on a {item_type} item", link_id)
    return options


def _range(
    check: Checker, data: Mapping[str, Any], item_type: str, link_id: str
) -> tuple[int | None, int | None]:
    """``min`` and ``max``: required on integer items, not allowed (nor labels) on others."""
    if item_type != "integer":
        for key in ("min", "max", "minLabel", "maxLabel"):
            if key in data:
                check.fail(f"{key} is only allowed on integer items", link_id)
        return None, None
    if "min" not in data or "max" not in data:
        check.fail("integer item without min and max", link_id)
    min_value = check.integer(data["min"], "min", link_id)
    max_value = check.integer(data["max"], "max", link_id)
    if min_value > max_value:
        check.fail(f"min {min_value} is greater than max {max_value}", link_id)
    return min_value, max_value


def _option_help(
    check: Checker, raw: Any, options: tuple[AnswerOption, ...], link_id: str
) -> Mapping[str, str]:
    """``optionHelp``: explanations keyed by the display text of the item's options."""
    if raw is None:
        return MappingProxyType({})
    data = check.mapping(raw, "optionHelp", link_id)
    displays = {o.display for o in options}
    for key in data:
        if key not in displays:
            check.fail(f"optionHelp names '{key}', which is not an option display", link_id)
    return MappingProxyType(
        {k: check.text(v, f"optionHelp '{k}'", link_id) for k, v in data.items()}
    )
