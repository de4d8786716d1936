"""A whole questionnaire file: reading the YAML, its top-level keys, and a directory of files."""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from bot.questionnaire.loader.items import parse_item, parse_options
from bot.questionnaire.loader.rules import parse_alerts, parse_scoring
from bot.questionnaire.loader.shape import Checker, type_name
from bot.questionnaire.model import LEVELS, AnswerOption, Item, Questionnaire

DEFAULT_CANONICAL_BASE = "https://pro-chat.example.org/fhir/Questionnaire"

STATUSES = ("draft", "active", "retired")

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


def load_questionnaire(
    path: Path, *, canonical_base: str = DEFAULT_CANONICAL_BASE
) -> Questionnaire:
    """Read and validate one questionnaire file.

    ``url`` defaults to ``f"{canonical_base}/{id}"`` when the file has none.
    Raises ``QuestionnaireError`` for any problem, including unreadable files and bad YAML.
    """
    path = Path(path)
    check = Checker(path.name)
    try:
        with path.open(encoding="utf-8") as handle:
            raw = yaml.safe_load(handle)
    except OSError as exc:
        check.fail(f"cannot read the file: {exc.strerror or exc}")
    except UnicodeDecodeError:
        check.fail("the file is not UTF-8 text")
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        check.fail(f"not valid YAML{where}: {getattr(exc, 'problem', None) or exc}")
    return build_questionnaire(check, raw, path.stem, canonical_base)


def load_directory(
    directory: Path, *, canonical_base: str = DEFAULT_CANONICAL_BASE
) -> dict[str, Questionnaire]:
    """Load every ``*.yml`` file of a directory (sorted by name), keyed by questionnaire id."""
    result: dict[str, Questionnaire] = {}
    for path in sorted(Path(directory).glob("*.yml")):
        questionnaire = load_questionnaire(path, canonical_base=canonical_base)
        result[questionnaire.id] = questionnaire
    return result


def build_questionnaire(
    check: Checker, raw: Any, stem_name: str, canonical_base: str
) -> Questionnaire:
    """The questionnaire of one parsed file (``stem_name``: the file name without ``.yml``)."""
    data = check.mapping(raw, "the file")
    check.keys(data, TOP_REQUIRED, TOP_OPTIONAL, "the questionnaire")
    qid = check.text(data["id"], "id")
    if qid != stem_name:
        check.fail(f"id '{qid}' does not match the file name '{stem_name}'")
    status = data["status"]
    if status not in STATUSES:
        check.fail(f"status must be one of {', '.join(STATUSES)}, not {status!r}")
    version = data["version"]
    if not isinstance(version, str):
        check.fail(f"version must be text (put it in quotes), not {type_name(version)}")
    language = check.text(data["language"], "language")
    validated = check.boolean(data["validated"], "validated")
    verified = check.boolean(data["verified"], "verified")
    unverified = check.text_list(data.get("unverified"), "unverified")
    if verified and unverified:
        check.fail("verified is true but the unverified list is not empty")

    answer_sets = _answer_sets(check, data.get("answer_sets"))
    items = _items(check, data["items"], answer_sets, validated)
    scoring = parse_scoring(check, data.get("scoring"), items)
    alerts = parse_alerts(check, data.get("alerts"), items, {r.id: r for r in scoring})

    url = data.get("url")
    if url is None:
        url = f"{canonical_base.rstrip('/')}/{qid}" if canonical_base else ""
    else:
        url = check.text(url, "url")

    return Questionnaire(
        id=qid,
        url=url,
        title=check.text(data["title"], "title"),
        version=version,
        status=status,
        language=language,
        description=check.text(data["description"], "description"),
        source=check.text(data["source"], "source"),
        licence=check.text(data["licence"], "licence"),
        attribution=check.opt_text(data.get("attribution"), "attribution"),
        verified=verified,
        unverified=unverified,
        validated=validated,
        intro=check.levels(data["intro"], "intro", LEVELS, need_standard=True),
        stem=check.opt_text(data.get("stem"), "stem"),
        scale_explanation=check.levels(
            data.get("scale_explanation"), "scale_explanation", LEVELS, need_standard=True
        )
        if data.get("scale_explanation") is not None
        else MappingProxyType({}),
        purpose=check.text(data["purpose"], "purpose"),
        items=tuple(items.values()),
        scoring=scoring,
        alerts=alerts,
    )


def _answer_sets(check: Checker, raw: Any) -> dict[str, tuple[AnswerOption, ...]]:
    """``answer_sets``: named option lists that items refer to with ``answerSet``."""
    answer_sets: dict[str, tuple[AnswerOption, ...]] = {}
    if raw is not None:
        sets = check.mapping(raw, "answer_sets")
        for name, options in sets.items():
            answer_sets[name] = parse_options(check, options, f"answer set '{name}'")
    return answer_sets


def _items(
    check: Checker,
    raw: Any,
    answer_sets: dict[str, tuple[AnswerOption, ...]],
    validated: bool,
) -> dict[str, Item]:
    """``items`` in file order, by linkId; at least one of them must be a question."""
    if not isinstance(raw, list) or not raw:
        check.fail("items must be a non-empty list")
    # All linkIds up front, so a condition on a later item is told apart from an unknown one.
    all_ids = {e["linkId"] for e in raw if isinstance(e, dict) and isinstance(e.get("linkId"), str)}
    items: dict[str, Item] = {}
    for index, entry in enumerate(raw, start=1):
        item = parse_item(check, entry, index, answer_sets, validated, items, all_ids)
        if item.link_id in items:
            check.fail("duplicate linkId", item.link_id)
        items[item.link_id] = item
    if not any(i.answerable for i in items.values()):
        check.fail("the questionnaire has no questions (only display items)")
    return items
