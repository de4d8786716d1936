"""Load and validate questionnaire files (``dialogues/questionnaires/*.yml``).

The file format is described field by field in ``docs/QUESTIONNAIRES.md``. Every problem is
reported as a ``QuestionnaireError`` that names the file, the item (when there is one) and the
problem, so that a content editor can fix it without reading code.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import pairwise
from pathlib import Path
from types import MappingProxyType
from typing import Any, NoReturn, cast

import yaml

from bot.questionnaire.model import (
    ENABLE_WHEN_OPERATORS,
    ITEM_TYPES,
    LEVELS,
    OPERATORS,
    TRIAGE_LEVELS,
    AlertRule,
    AnswerOption,
    Band,
    EnableWhen,
    Item,
    ItemType,
    Questionnaire,
    ScoringRule,
)

DEFAULT_CANONICAL_BASE = "https://pro-chat.example.org/fhir/Questionnaire"

STATUSES = ("draft", "active", "retired")
VARIANT_LEVELS = ("plain", "guided")

TOP_REQUIRED = (
    "id",
    "title",
    "version",
    "status",
    "language",
    "description",
    "source",
    "licence",
    "verified",
    "validated",
    "intro",
    "purpose",
    "items",
)
TOP_OPTIONAL = (
    "url",
    "attribution",
    "unverified",
    "stem",
    "scale_explanation",
    "answer_sets",
    "scoring",
    "alerts",
)
OPTION_KEYS = ("code", "display", "score", "short", "synonyms", "help")
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
ENABLE_WHEN_KEYS = ("question", "operator", "answer")
SCORING_REQUIRED = ("id", "name", "method", "items", "min", "max")
SCORING_OPTIONAL = ("multiplier", "minAnswered", "code", "bands")
BAND_KEYS = ("min", "max", "code", "label", "triage")
CODE_KEYS = ("system", "code", "display")
ALERT_REQUIRED = ("id", "level", "message", "operator", "value")
ALERT_OPTIONAL = ("urgent", "item", "score")


class QuestionnaireError(ValueError):
    """A questionnaire file is invalid.

    ``str(error)`` reads e.g. ``who5.yml, item 'who5-3': unknown answer set 'foo'``.
    """

    def __init__(self, file: str, item: str | None, problem: str) -> None:
        self.file = file
        self.item = item
        self.problem = problem
        where = file if item is None else f"{file}, item '{item}'"
        super().__init__(f"{where}: {problem}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.file, self.item, self.problem))


class _Ctx:
    """Error reporting for one file."""

    def __init__(self, file: str) -> None:
        self.file = file

    def fail(self, problem: str, item: str | None = None) -> NoReturn:
        raise QuestionnaireError(self.file, item, problem)

    # -- shape checks ---------------------------------------------------------------------

    def mapping(self, value: Any, what: str, item: str | None = None) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(f"{what} must be a mapping, not {_type_name(value)}", item)
        for key in value:
            if not isinstance(key, str):
                self.fail(f"{what} has a key that is not text: {key!r}", item)
        return cast(dict[str, Any], value)

    def keys(
        self,
        data: Mapping[str, Any],
        required: tuple[str, ...],
        optional: tuple[str, ...],
        what: str,
        item: str | None = None,
    ) -> None:
        allowed = set(required) | set(optional)
        unknown = sorted(k for k in data if k not in allowed)
        if unknown:
            self.fail(f"unknown key(s) in {what}: {', '.join(unknown)}", item)
        missing = [k for k in required if k not in data]
        if missing:
            self.fail(f"missing key(s) in {what}: {', '.join(missing)}", item)

    def text(self, value: Any, what: str, item: str | None = None) -> str:
        if not isinstance(value, str):
            self.fail(f"{what} must be text, not {_type_name(value)}", item)
        if not value.strip():
            self.fail(f"{what} must not be empty", item)
        return value

    def opt_text(self, value: Any, what: str, item: str | None = None) -> str | None:
        return None if value is None else self.text(value, what, item)

    def code_text(self, value: Any, what: str, item: str | None = None) -> str:
        """A code or prefix: text, or a whole number that is turned into text."""
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        return self.text(value, what, item)

    def boolean(self, value: Any, what: str, item: str | None = None) -> bool:
        if not isinstance(value, bool):
            self.fail(f"{what} must be true or false, not {_type_name(value)}", item)
        return value

    def integer(self, value: Any, what: str, item: str | None = None) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(f"{what} must be a whole number, not {_type_name(value)}", item)
        return value

    def number(self, value: Any, what: str, item: str | None = None) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(f"{what} must be a number, not {_type_name(value)}", item)
        return float(value)

    def text_list(self, value: Any, what: str, item: str | None = None) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            self.fail(f"{what} must be a list, not {_type_name(value)}", item)
        return tuple(self.text(v, f"{what} entry", item) for v in value)

    def levels(
        self,
        value: Any,
        what: str,
        allowed: tuple[str, ...],
        item: str | None = None,
        *,
        need_standard: bool = False,
    ) -> Mapping[str, str]:
        if value is None:
            if need_standard:
                self.fail(f"{what} must have a 'standard' text", item)
            return MappingProxyType({})
        data = self.mapping(value, what, item)
        bad = sorted(k for k in data if k not in allowed)
        if bad:
            self.fail(
                f"bad level name(s) in {what}: {', '.join(bad)} (allowed: {', '.join(allowed)})",
                item,
            )
        if need_standard and "standard" not in data:
            self.fail(f"{what} must have a 'standard' text", item)
        return MappingProxyType({k: self.text(v, f"{what}.{k}", item) for k, v in data.items()})


def _type_name(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true/false"
    return {
        "str": "text",
        "int": "a whole number",
        "float": "a number",
        "list": "a list",
        "dict": "a mapping",
    }.get(type(value).__name__, type(value).__name__)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


# -- answer options -------------------------------------------------------------------------


def _parse_options(
    ctx: _Ctx, raw: Any, what: str, item: str | None = None
) -> tuple[AnswerOption, ...]:
    if not isinstance(raw, list):
        ctx.fail(f"{what} must be a list of options, not {_type_name(raw)}", item)
    if not raw:
        ctx.fail(f"{what} has no options", item)
    options: list[AnswerOption] = []
    codes: set[str] = set()
    displays: set[str] = set()
    for index, entry in enumerate(raw, start=1):
        where = f"{what} option {index}"
        data = ctx.mapping(entry, where, item)
        ctx.keys(data, ("code", "display"), OPTION_KEYS[2:], where, item)
        code = ctx.code_text(data["code"], f"{where} code", item)
        display = ctx.text(data["display"], f"{where} display", item)
        if code in codes:
            ctx.fail(f"{what}: duplicate option code '{code}'", item)
        if display in displays:
            ctx.fail(f"{what}: duplicate option display '{display}'", item)
        codes.add(code)
        displays.add(display)
        score_raw = data.get("score")
        score = None if score_raw is None else ctx.integer(score_raw, f"{where} score", item)
        options.append(
            AnswerOption(
                code=code,
                display=display,
                score=score,
                short=ctx.opt_text(data.get("short"), f"{where} short", item),
                synonyms=ctx.text_list(data.get("synonyms"), f"{where} synonyms", item),
                help=ctx.opt_text(data.get("help"), f"{where} help", item),
            )
        )
    return tuple(options)


# -- items ----------------------------------------------------------------------------------


def _parse_enable_when(
    ctx: _Ctx,
    raw: Any,
    link_id: str,
    earlier: Mapping[str, Item],
    all_ids: set[str],
) -> tuple[EnableWhen, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not raw:
        ctx.fail("enableWhen must be a non-empty list of conditions", link_id)
    conditions: list[EnableWhen] = []
    for index, entry in enumerate(raw, start=1):
        where = f"enableWhen condition {index}"
        data = ctx.mapping(entry, where, link_id)
        ctx.keys(data, ("question", "operator"), ("answer",), where, link_id)
        question = ctx.text(data["question"], f"{where} question", link_id)
        operator = data["operator"]
        if operator not in ENABLE_WHEN_OPERATORS:
            ctx.fail(
                f"{where}: unknown operator {operator!r} "
                f"(allowed: {', '.join(ENABLE_WHEN_OPERATORS)})",
                link_id,
            )
        if question == link_id:
            ctx.fail(f"{where} refers to the item itself", link_id)
        if question not in earlier:
            if question in all_ids:
                ctx.fail(f"{where} refers to a later item '{question}'", link_id)
            ctx.fail(f"{where} refers to an unknown item '{question}'", link_id)
        target = earlier[question]
        if target.type == "display":
            ctx.fail(f"{where} refers to display item '{question}'", link_id)
        if "answer" not in data:
            ctx.fail(f"{where} has no answer", link_id)
        answer = _check_condition_value(
            ctx, data["answer"], operator, target, f"{where} answer", link_id
        )
        conditions.append(EnableWhen(question=question, operator=operator, answer=answer))
    return tuple(conditions)


def _check_condition_value(
    ctx: _Ctx, value: Any, operator: str, target: Item, what: str, link_id: str | None
) -> str | int | bool:
    """Check that a comparison value fits the item it is compared with."""
    if operator == "exists":
        return ctx.boolean(value, what, link_id)
    ordering = operator in (">", "<", ">=", "<=")
    if target.type == "boolean":
        if ordering:
            ctx.fail(f"{what}: operator {operator} cannot be used on a yes/no item", link_id)
        return ctx.boolean(value, what, link_id)
    if target.type == "integer":
        return ctx.integer(value, what, link_id)
    if target.type == "choice":
        if ordering:
            if not _is_number(value):
                ctx.fail(f"{what} must be a number for operator {operator}", link_id)
            return cast(int, value)
        code = ctx.code_text(value, what, link_id)
        if target.option(code) is None:
            ctx.fail(f"{what} '{code}' is not an option code of '{target.link_id}'", link_id)
        return code
    # string
    if ordering:
        ctx.fail(f"{what}: operator {operator} cannot be used on a text item", link_id)
    return ctx.text(value, what, link_id)


def _parse_item(
    ctx: _Ctx,
    raw: Any,
    index: int,
    answer_sets: Mapping[str, tuple[AnswerOption, ...]],
    validated: bool,
    earlier: Mapping[str, Item],
    all_ids: set[str],
) -> Item:
    data = ctx.mapping(raw, f"item {index}")
    link_raw = data.get("linkId")
    link_id = link_raw if isinstance(link_raw, str) and link_raw.strip() else f"#{index}"
    ctx.keys(data, ITEM_REQUIRED, ITEM_OPTIONAL, "item", link_id)
    link_id = ctx.text(data["linkId"], "linkId", link_id)
    item_type = data["type"]
    if item_type not in ITEM_TYPES:
        ctx.fail(f"unknown type {item_type!r} (allowed: {', '.join(ITEM_TYPES)})", link_id)
    text = ctx.text(data["text"], "text", link_id)

    if "answerSet" in data and "answerOptions" in data:
        ctx.fail("use either answerSet or answerOptions, not both", link_id)
    options: tuple[AnswerOption, ...] = ()
    if "answerSet" in data:
        name = ctx.text(data["answerSet"], "answerSet", link_id)
        if name not in answer_sets:
            ctx.fail(f"unknown answer set '{name}'", link_id)
        options = answer_sets[name]
    elif "answerOptions" in data:
        options = _parse_options(ctx, data["answerOptions"], "answerOptions", link_id)
    if item_type == "choice" and not options:
        ctx.fail("choice item without answer options (answerSet or answerOptions)", link_id)
    if item_type != "choice" and options:
        ctx.fail(f"answer options on a {item_type} item", link_id)

    min_value = max_value = None
    if item_type == "integer":
        if "min" not in data or "max" not in data:
            ctx.fail("integer item without min and max", link_id)
        min_value = ctx.integer(data["min"], "min", link_id)
        max_value = ctx.integer(data["max"], "max", link_id)
        if min_value > max_value:
            ctx.fail(f"min {min_value} is greater than max {max_value}", link_id)
    else:
        for key in ("min", "max", "minLabel", "maxLabel"):
            if key in data:
                ctx.fail(f"{key} is only allowed on integer items", link_id)

    variants = ctx.levels(data.get("variants"), "variants", VARIANT_LEVELS, link_id)
    if validated and "variants" in data:
        ctx.fail(
            "variants are not allowed on a validated questionnaire "
            "(its items must be shown with their exact wording)",
            link_id,
        )

    option_help_raw = data.get("optionHelp")
    option_help: Mapping[str, str] = MappingProxyType({})
    if option_help_raw is not None:
        oh = ctx.mapping(option_help_raw, "optionHelp", link_id)
        displays = {o.display for o in options}
        for key in oh:
            if key not in displays:
                ctx.fail(f"optionHelp names '{key}', which is not an option display", link_id)
        option_help = MappingProxyType(
            {k: ctx.text(v, f"optionHelp '{k}'", link_id) for k, v in oh.items()}
        )

    behavior = data.get("enableBehavior", "all")
    if behavior not in ("all", "any"):
        ctx.fail(f"enableBehavior must be 'all' or 'any', not {behavior!r}", link_id)
    enable_when = _parse_enable_when(ctx, data.get("enableWhen"), link_id, earlier, all_ids)
    if item_type == "display" and "required" in data and data["required"]:
        ctx.fail("a display item cannot be required", link_id)
    required = (
        ctx.boolean(data.get("required", True), "required", link_id)
        if item_type != "display"
        else False
    )
    prefix_raw = data.get("prefix")
    prefix = None if prefix_raw is None else ctx.code_text(prefix_raw, "prefix", link_id)

    return Item(
        link_id=link_id,
        type=cast(ItemType, item_type),
        text=text,
        prefix=prefix,
        required=required,
        options=options,
        min_value=min_value,
        max_value=max_value,
        min_label=ctx.opt_text(data.get("minLabel"), "minLabel", link_id),
        max_label=ctx.opt_text(data.get("maxLabel"), "maxLabel", link_id),
        help=ctx.opt_text(data.get("help"), "help", link_id),
        why=ctx.opt_text(data.get("why"), "why", link_id),
        option_help=option_help,
        variants=variants,
        example=ctx.opt_text(data.get("example"), "example", link_id),
        enable_when=enable_when,
        enable_behavior=behavior,
        section=ctx.opt_text(data.get("section"), "section", link_id),
    )


# -- scoring and alerts ---------------------------------------------------------------------


def _parse_scoring(ctx: _Ctx, raw: Any, items: Mapping[str, Item]) -> tuple[ScoringRule, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        ctx.fail(f"scoring must be a list, not {_type_name(raw)}")
    rules: list[ScoringRule] = []
    ids: set[str] = set()
    for index, entry in enumerate(raw, start=1):
        data = ctx.mapping(entry, f"scoring rule {index}")
        rid_raw = data.get("id")
        rid = rid_raw if isinstance(rid_raw, str) else f"#{index}"
        what = f"scoring rule '{rid}'"
        ctx.keys(data, SCORING_REQUIRED, SCORING_OPTIONAL, what)
        rid = ctx.text(data["id"], f"{what} id")
        if rid in ids:
            ctx.fail(f"duplicate scoring id '{rid}'")
        ids.add(rid)
        if data["method"] != "sum":
            ctx.fail(f"{what}: unknown method {data['method']!r} (allowed: sum)")
        if not isinstance(data["items"], list) or not data["items"]:
            ctx.fail(f"{what}: items must be a non-empty list of linkIds")
        link_ids = tuple(ctx.text(v, f"{what} items entry") for v in data["items"])
        if len(set(link_ids)) != len(link_ids):
            ctx.fail(f"{what}: an item is listed twice")
        for link_id in link_ids:
            if link_id not in items:
                ctx.fail(f"{what} refers to an unknown item '{link_id}'")
            target = items[link_id]
            if target.type == "choice":
                if any(o.score is None for o in target.options):
                    ctx.fail(f"{what}: item '{link_id}' has options without a score")
            elif target.type != "integer":
                ctx.fail(f"{what}: item '{link_id}' is a {target.type} item and has no score")
        multiplier = ctx.number(data.get("multiplier", 1), f"{what} multiplier")
        rmin = ctx.number(data["min"], f"{what} min")
        rmax = ctx.number(data["max"], f"{what} max")
        if rmin > rmax:
            ctx.fail(f"{what}: min is greater than max")
        min_answered = ctx.integer(data.get("minAnswered", len(link_ids)), f"{what} minAnswered")
        if not 1 <= min_answered <= len(link_ids):
            ctx.fail(f"{what}: minAnswered must be between 1 and {len(link_ids)}")
        code: Mapping[str, str] | None = None
        if data.get("code") is not None:
            cdata = ctx.mapping(data["code"], f"{what} code")
            ctx.keys(cdata, ("system", "code"), ("display",), f"{what} code")
            code = MappingProxyType(
                {k: ctx.code_text(v, f"{what} code {k}") for k, v in cdata.items()}
            )
        bands = _parse_bands(ctx, data.get("bands"), what, rmin, rmax)
        rules.append(
            ScoringRule(
                id=rid,
                name=ctx.text(data["name"], f"{what} name"),
                method="sum",
                items=link_ids,
                multiplier=multiplier,
                min=rmin,
                max=rmax,
                min_answered=min_answered,
                code=code,
                bands=bands,
            )
        )
    return tuple(rules)


def _parse_bands(ctx: _Ctx, raw: Any, what: str, rmin: float, rmax: float) -> tuple[Band, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        ctx.fail(f"{what}: bands must be a list")
    bands: list[Band] = []
    for index, entry in enumerate(raw, start=1):
        where = f"{what} band {index}"
        data = ctx.mapping(entry, where)
        ctx.keys(data, BAND_KEYS, (), where)
        bmin = ctx.number(data["min"], f"{where} min")
        bmax = ctx.number(data["max"], f"{where} max")
        if bmin > bmax:
            ctx.fail(f"{where}: min is greater than max")
        triage = data["triage"]
        if triage not in TRIAGE_LEVELS:
            ctx.fail(f"{where}: triage must be one of {', '.join(TRIAGE_LEVELS)}")
        bands.append(
            Band(
                min=bmin,
                max=bmax,
                code=ctx.code_text(data["code"], f"{where} code"),
                label=ctx.text(data["label"], f"{where} label"),
                triage=triage,
            )
        )
    if not bands:
        return ()
    ordered = sorted(bands, key=lambda b: b.min)
    if len({b.code for b in bands}) != len(bands):
        ctx.fail(f"{what}: two bands have the same code")
    if ordered[0].min > rmin or ordered[-1].max < rmax:
        ctx.fail(f"{what}: bands do not cover the whole range {_num(rmin)}–{_num(rmax)}")
    if ordered[0].min < rmin or ordered[-1].max > rmax:
        ctx.fail(f"{what}: bands go outside the range {_num(rmin)}–{_num(rmax)}")
    for lower, upper in pairwise(ordered):
        if upper.min <= lower.max:
            ctx.fail(
                f"{what}: bands overlap ({_num(lower.min)}–{_num(lower.max)} and "
                f"{_num(upper.min)}–{_num(upper.max)})"
            )
        if upper.min - lower.max > 1:
            ctx.fail(
                f"{what}: gap between bands {_num(lower.min)}–{_num(lower.max)} and "
                f"{_num(upper.min)}–{_num(upper.max)}"
            )
    return tuple(ordered)


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _parse_alerts(
    ctx: _Ctx, raw: Any, items: Mapping[str, Item], scores: Mapping[str, ScoringRule]
) -> tuple[AlertRule, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        ctx.fail(f"alerts must be a list, not {_type_name(raw)}")
    alerts: list[AlertRule] = []
    ids: set[str] = set()
    for index, entry in enumerate(raw, start=1):
        data = ctx.mapping(entry, f"alert {index}")
        aid_raw = data.get("id")
        aid = aid_raw if isinstance(aid_raw, str) else f"#{index}"
        what = f"alert '{aid}'"
        item_ref = data.get("item") if isinstance(data.get("item"), str) else None
        ctx.keys(data, ALERT_REQUIRED, ALERT_OPTIONAL, what, item_ref)
        aid = ctx.text(data["id"], f"{what} id", item_ref)
        if aid in ids:
            ctx.fail(f"duplicate alert id '{aid}'", item_ref)
        ids.add(aid)
        level = data["level"]
        if level not in ("red", "yellow"):
            ctx.fail(f"{what}: level must be red or yellow, not {level!r}", item_ref)
        operator = data["operator"]
        if operator not in OPERATORS:
            ctx.fail(
                f"{what}: unknown operator {operator!r} (allowed: {', '.join(OPERATORS)})",
                item_ref,
            )
        has_item = data.get("item") is not None
        has_score = data.get("score") is not None
        if has_item == has_score:
            ctx.fail(f"{what} needs exactly one of 'item' and 'score'", item_ref)
        value: int | float | str | bool
        item_id: str | None = None
        score_id: str | None = None
        if has_item:
            item_id = ctx.text(data["item"], f"{what} item", item_ref)
            if item_id not in items:
                ctx.fail(f"{what} refers to an unknown item '{item_id}'", item_id)
            target = items[item_id]
            if target.type == "display":
                ctx.fail(f"{what} refers to a display item", item_id)
            if target.type == "choice" and operator in ("=", "!="):
                value = ctx.code_text(data["value"], f"{what} value", item_id)
                if target.option(value) is None:
                    ctx.fail(f"{what} value '{value}' is not an option code", item_id)
            else:
                value = _check_condition_value(
                    ctx, data["value"], operator, target, f"{what} value", item_id
                )
        else:
            score_id = ctx.text(data["score"], f"{what} score")
            if score_id not in scores:
                ctx.fail(f"{what} refers to an unknown score '{score_id}'")
            if not _is_number(data["value"]):
                ctx.fail(f"{what}: value must be a number for a score")
            value = data["value"]
        alerts.append(
            AlertRule(
                id=aid,
                level=level,
                urgent=ctx.boolean(data.get("urgent", False), f"{what} urgent", item_ref),
                message=ctx.text(data["message"], f"{what} message", item_ref),
                item=item_id,
                score=score_id,
                operator=operator,
                value=value,
            )
        )
    return tuple(alerts)


# -- the whole file -------------------------------------------------------------------------


def _build(ctx: _Ctx, raw: Any, stem_name: str, canonical_base: str) -> Questionnaire:
    data = ctx.mapping(raw, "the file")
    ctx.keys(data, TOP_REQUIRED, TOP_OPTIONAL, "the questionnaire")
    qid = ctx.text(data["id"], "id")
    if qid != stem_name:
        ctx.fail(f"id '{qid}' does not match the file name '{stem_name}'")
    status = data["status"]
    if status not in STATUSES:
        ctx.fail(f"status must be one of {', '.join(STATUSES)}, not {status!r}")
    version = data["version"]
    if not isinstance(version, str):
        ctx.fail(f"version must be text (put it in quotes), not {_type_name(version)}")
    language = ctx.text(data["language"], "language")
    validated = ctx.boolean(data["validated"], "validated")
    verified = ctx.boolean(data["verified"], "verified")
    unverified = ctx.text_list(data.get("unverified"), "unverified")
    if verified and unverified:
        ctx.fail("verified is true but the unverified list is not empty")

    answer_sets: dict[str, tuple[AnswerOption, ...]] = {}
    if data.get("answer_sets") is not None:
        sets = ctx.mapping(data["answer_sets"], "answer_sets")
        for name, options in sets.items():
            answer_sets[name] = _parse_options(ctx, options, f"answer set '{name}'")

    if not isinstance(data["items"], list) or not data["items"]:
        ctx.fail("items must be a non-empty list")
    all_ids = {
        e["linkId"]
        for e in data["items"]
        if isinstance(e, dict) and isinstance(e.get("linkId"), str)
    }
    items: dict[str, Item] = {}
    for index, entry in enumerate(data["items"], start=1):
        item = _parse_item(ctx, entry, index, answer_sets, validated, items, all_ids)
        if item.link_id in items:
            ctx.fail("duplicate linkId", item.link_id)
        items[item.link_id] = item
    if not any(i.answerable for i in items.values()):
        ctx.fail("the questionnaire has no questions (only display items)")

    scoring = _parse_scoring(ctx, data.get("scoring"), items)
    alerts = _parse_alerts(ctx, data.get("alerts"), items, {r.id: r for r in scoring})

    url = data.get("url")
    if url is None:
        url = f"{canonical_base.rstrip('/')}/{qid}" if canonical_base else ""
    else:
        url = ctx.text(url, "url")

    return Questionnaire(
        id=qid,
        url=url,
        title=ctx.text(data["title"], "title"),
        version=version,
        status=status,
        language=language,
        description=ctx.text(data["description"], "description"),
        source=ctx.text(data["source"], "source"),
        licence=ctx.text(data["licence"], "licence"),
        attribution=ctx.opt_text(data.get("attribution"), "attribution"),
        verified=verified,
        unverified=unverified,
        validated=validated,
        intro=ctx.levels(data["intro"], "intro", LEVELS, need_standard=True),
        stem=ctx.opt_text(data.get("stem"), "stem"),
        scale_explanation=ctx.levels(
            data.get("scale_explanation"), "scale_explanation", LEVELS, need_standard=True
        )
        if data.get("scale_explanation") is not None
        else MappingProxyType({}),
        purpose=ctx.text(data["purpose"], "purpose"),
        items=tuple(items.values()),
        scoring=scoring,
        alerts=alerts,
    )


def load_questionnaire(
    path: Path, *, canonical_base: str = DEFAULT_CANONICAL_BASE
) -> Questionnaire:
    """Read and validate one questionnaire file.

    ``url`` defaults to ``f"{canonical_base}/{id}"`` when the file has none.
    Raises ``QuestionnaireError`` for any problem, including unreadable files and bad YAML.
    """
    path = Path(path)
    ctx = _Ctx(path.name)
    try:
        with path.open(encoding="utf-8") as handle:
            raw = yaml.safe_load(handle)
    except OSError as exc:
        ctx.fail(f"cannot read the file: {exc.strerror or exc}")
    except UnicodeDecodeError:
        ctx.fail("the file is not UTF-8 text")
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        ctx.fail(f"not valid YAML{where}: {getattr(exc, 'problem', None) or exc}")
    return _build(ctx, raw, path.stem, canonical_base)


def load_directory(
    directory: Path, *, canonical_base: str = DEFAULT_CANONICAL_BASE
) -> dict[str, Questionnaire]:
    """Load every ``*.yml`` file of a directory (sorted by name), keyed by questionnaire id."""
    result: dict[str, Questionnaire] = {}
    for path in sorted(Path(directory).glob("*.yml")):
        questionnaire = load_questionnaire(path, canonical_base=canonical_base)
        result[questionnaire.id] = questionnaire
    return result
