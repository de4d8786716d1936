"""Data model of a questionnaire (maps 1:1 onto a FHIR R4 Questionnaire).

Everything here is immutable. The loader (``loader/``) builds these objects from the YAML
files in ``dialogues/questionnaires``; the rest of the package only reads them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

LEVELS: tuple[str, ...] = ("standard", "plain", "guided")
"""Presentation levels, from the ordinary wording to the most supported one."""

ItemType = Literal["choice", "integer", "boolean", "string", "display"]
ITEM_TYPES: tuple[str, ...] = ("choice", "integer", "boolean", "string", "display")

OPERATORS: tuple[str, ...] = ("=", "!=", ">", "<", ">=", "<=")
"""Comparison operators for alerts; enableWhen also allows ``exists``."""
UNANSWERED = "unanswered"
"""Item alert operator: the item was skipped, or the patient said they do not know."""
ALERT_OPERATORS: tuple[str, ...] = (*OPERATORS, UNANSWERED)
ENABLE_WHEN_OPERATORS: tuple[str, ...] = ("exists", *OPERATORS)
TRIAGE_LEVELS: tuple[str, ...] = ("green", "yellow", "red")
"""From best to worst."""

_EMPTY: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True)
class AnswerOption:
    """One answer option of a choice item (FHIR ``answerOption.valueCoding``)."""

    code: str
    display: str
    score: int | None = None
    short: str | None = None
    synonyms: tuple[str, ...] = ()
    help: str | None = None


@dataclass(frozen=True)
class EnableWhen:
    """One condition under which an item is shown (FHIR ``item.enableWhen``)."""

    question: str
    operator: str
    answer: str | int | bool | None


@dataclass(frozen=True)
class Item:
    """One question or display text (FHIR ``Questionnaire.item``)."""

    link_id: str
    type: ItemType
    text: str
    prefix: str | None = None
    required: bool = True
    options: tuple[AnswerOption, ...] = ()
    min_value: int | None = None
    max_value: int | None = None
    min_label: str | None = None
    max_label: str | None = None
    help: str | None = None
    why: str | None = None
    option_help: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    variants: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    example: str | None = None
    enable_when: tuple[EnableWhen, ...] = ()
    enable_behavior: str = "all"
    section: str | None = None

    def text_for(self, level: str) -> str:
        """The wording for a presentation level.

        The variant for ``level`` if there is one; for ``guided`` without its own variant the
        ``plain`` variant; otherwise the standard ``text``. Validated instruments have no
        variants, so they always get their exact text.
        """
        variant = self.variants.get(level)
        if variant:
            return variant
        if level == "guided":
            plain = self.variants.get("plain")
            if plain:
                return plain
        return self.text

    def option(self, code: str) -> AnswerOption | None:
        """The answer option with this code, or None."""
        for opt in self.options:
            if opt.code == code:
                return opt
        return None

    @property
    def answerable(self) -> bool:
        """True for items that take an answer (everything but ``display``)."""
        return self.type != "display"


@dataclass(frozen=True)
class Band:
    """An interpretation band of a score, inclusive at both ends."""

    min: float
    max: float
    code: str
    label: str
    triage: str

    def contains(self, value: float) -> bool:
        return self.min <= value <= self.max


@dataclass(frozen=True)
class ScoringRule:
    """How to compute one score from item answers."""

    id: str
    name: str
    method: str
    items: tuple[str, ...]
    multiplier: float
    min: float
    max: float
    min_answered: int
    code: Mapping[str, str] | None
    bands: tuple[Band, ...]
    prorate: bool = False
    """With ``min_answered`` or more (but not all) items answered, the sum of the answered
    items is scaled up to all items (mean × number of items, rounded to a whole number)."""

    def band_for(self, value: float) -> Band | None:
        """The band containing ``value``.

        Bands are contiguous on whole numbers (e.g. 0–35 and 36–50). A value that falls
        between two bands (e.g. 35.5 with a fractional multiplier) belongs to the lower band.
        Values outside all bands give None.
        """
        for band in self.bands:
            if band.contains(value):
                return band
        lower = [b for b in self.bands if b.max < value < b.max + 1]
        if lower:
            return max(lower, key=lambda b: b.max)
        return None


@dataclass(frozen=True)
class AlertRule:
    """A condition on one item answer or one score that should alert a coordinator.

    ``operator`` is one of ``ALERT_OPERATORS``; ``unanswered`` (item rules only, ``value``
    True) fires when the item is skipped or the patient said they do not know."""

    id: str
    level: str
    urgent: bool
    message: str
    item: str | None
    score: str | None
    operator: str
    value: int | float | str | bool


@dataclass(frozen=True)
class Questionnaire:
    """A whole questionnaire (FHIR ``Questionnaire``) plus scoring and alert rules."""

    id: str
    url: str
    title: str
    version: str
    status: str
    language: str
    description: str
    source: str
    licence: str
    attribution: str | None
    verified: bool
    unverified: tuple[str, ...]
    validated: bool
    intro: Mapping[str, str]
    stem: str | None
    scale_explanation: Mapping[str, str]
    purpose: str
    items: tuple[Item, ...]
    scoring: tuple[ScoringRule, ...] = ()
    alerts: tuple[AlertRule, ...] = ()

    def item(self, link_id: str) -> Item:
        """The item with this linkId; KeyError if there is none."""
        for it in self.items:
            if it.link_id == link_id:
                return it
        raise KeyError(link_id)

    @property
    def answerable_items(self) -> tuple[Item, ...]:
        """All items except ``display`` items, in file order."""
        return tuple(it for it in self.items if it.answerable)

    def intro_for(self, level: str) -> str:
        """The introduction for a level (falls back like ``Item.text_for``)."""
        return _level_text(self.intro, level)

    def scale_explanation_for(self, level: str) -> str | None:
        """The explanation of the answer scale for a level, or None if there is none."""
        if not self.scale_explanation:
            return None
        return _level_text(self.scale_explanation, level)

    def scoring_rule(self, rule_id: str) -> ScoringRule:
        """The scoring rule with this id; KeyError if there is none."""
        for rule in self.scoring:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    def stem_for(self, item: Item) -> str | None:
        """The time-frame stem to show with ``item``, or None.

        The stem belongs to the scored items of a validated instrument (the rows of the paper
        form's table). It is not shown when the item text already contains it, and not with
        unscored items such as PHQ-9 item 10, which is a question of its own.
        """
        if not self.stem or item.type == "display" or self.stem in item.text:
            return None
        scored = {link_id for rule in self.scoring for link_id in rule.items}
        if scored and item.link_id not in scored:
            return None
        return self.stem


def _level_text(texts: Mapping[str, str], level: str) -> str:
    text = texts.get(level)
    if text:
        return text
    if level == "guided" and texts.get("plain"):
        return texts["plain"]
    return texts.get("standard", "")


@dataclass(frozen=True)
class AnswerValue:
    """What the flow and scoring see per answered item.

    ``code`` is the option code for choice items; ``value`` is the int/bool/str for the other
    types; ``skipped`` marks an item the patient chose not to answer (it counts as answered for
    the flow, but is ignored by scoring, alerts and enableWhen).
    """

    code: str | None = None
    value: int | bool | str | None = None
    skipped: bool = False


Answers = Mapping[str, AnswerValue]
