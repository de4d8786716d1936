"""The console's words for what the bot stores in English: alert messages, level-change
reasons and the presentation record of an answer.

Alerts are stored with an English message (the questionnaire rule's ``message``, or a text of
the dialogue). The console translates a message when it shows it:

1. an exact message id of the console catalog: every alert ``message`` of the questionnaire
   files is extracted into ``locales/console.pot`` by ``python -m bot.console.i18n``;
2. one of ``TEMPLATES``, the dialogue's and the scoring's messages with fields
   ("Patient had difficulty answering item {link_id}."): the stored text is matched against
   the English template and the fields are put into the translation;
3. otherwise the stored text as it is.

``tests/console/test_stored_texts.py`` checks that every message that can be stored has a
Danish text: each rule of the shipped questionnaires, each ``record_alert`` call of
``bot/dialogue`` and the scoring's incomplete-score message.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any


def N_(message: str) -> str:
    """Mark a message for the console catalog without translating it here."""
    return message


TEMPLATES: tuple[str, ...] = (
    N_("Patient had difficulty answering item {link_id}."),
    N_("Patient asked to talk to a person."),
    N_(
        "Patient wrote something that may mean thoughts of suicide or self-harm. "
        "Contact the patient today."
    ),
    N_(
        "Patient wrote about a symptom that may need urgent care "
        "(fever, bleeding, breathing, strong pain or vomiting)."
    ),
    N_(
        "Score {score} could not be computed: {missing} of {items} items not answered. "
        "The missing answers could change the triage; ask the patient about them."
    ),
)
"""Alert messages with fields that the dialogue and the scoring store (English)."""

LEVEL_REASON_PREFIXES: Mapping[str, str] = {
    "conversation": N_("conversation: {reasons}"),
    "screening": N_("reading questions at the start: {reasons}"),
    "patient asked": N_("the patient asked: {reasons}"),
}
"""Level-change reasons (``bot/literacy/estimate.py``, ``bot/dialogue/levels.py``): a prefix,
then one or more reasons separated by ", "."""

LEVEL_REASONS: tuple[str, ...] = (
    N_("asked what something means"),
    N_("answer not recognised"),
    N_("said they did not know"),
    N_("corrected an answer"),
    N_("used buttons after typing was not understood"),
    N_("often or always needs help with written material"),
    N_("sometimes needs help with written material"),
    N_("rarely or never needs help with written material"),
    N_("simpler"),
    N_("shorter"),
)

Gettext = Callable[[str], str]


@cache
def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)\}", template)
    regex = "".join(
        re.escape(part) if index % 2 == 0 else f"(?P<{part}>.+?)"
        for index, part in enumerate(parts)
    )
    return re.compile(f"^{regex}$")


def alert_text(gettext: Gettext, message: str) -> str:
    """``message`` (as stored) in the console's language."""
    translated = gettext(message)
    if translated != message:
        return translated
    for template in TEMPLATES:
        match = _pattern(template).match(message)
        if match:
            return _fill(gettext(template), match.groupdict())
    return message


def level_reason(gettext: Gettext, reason: str) -> str:
    """A stored level-change reason ("conversation: asked what something means, …")."""
    prefix, sep, rest = reason.partition(": ")
    template = LEVEL_REASON_PREFIXES.get(prefix)
    if not sep or template is None:
        return gettext(reason)
    reasons = ", ".join(gettext(part) for part in rest.split(", "))
    return _fill(gettext(template), {"reasons": reasons})


def _fill(text: str, fields: Mapping[str, Any]) -> str:
    try:
        return text.format(**fields)
    except (KeyError, IndexError, ValueError):
        return text


LEVEL_NAMES: Mapping[str, str] = {
    "standard": N_("Standard"),
    "plain": N_("Plain language"),
    "guided": N_("Guided"),
}


def presentation_text(gettext: Gettext, presentation: Mapping[str, Any] | None) -> str:
    """An answer's presentation record in words: "Level: Standard · Buttons shown · …"."""
    if not presentation:
        return ""
    parts: list[str] = []
    known = {"level", "buttons", "progress", "confirmed_back", "variant"}
    level = presentation.get("level")
    if level:
        name = gettext(LEVEL_NAMES.get(str(level), str(level)))
        parts.append(_fill(gettext("Level: {level}"), {"level": name}))
    if "buttons" in presentation:
        parts.append(gettext("Buttons shown") if presentation["buttons"] else gettext("No buttons"))
    if "progress" in presentation:
        shown = presentation["progress"]
        parts.append(gettext("Progress shown") if shown else gettext("No progress shown"))
    if "confirmed_back" in presentation:
        confirmed = presentation["confirmed_back"]
        parts.append(gettext("Said back and confirmed") if confirmed else gettext("Not said back"))
    variant = presentation.get("variant")
    if variant == "exact":
        parts.append(gettext("Wording: the item's own text"))
    elif isinstance(variant, str) and variant.startswith("variant:"):
        name = gettext(LEVEL_NAMES.get(variant.partition(":")[2], variant))
        parts.append(_fill(gettext("Wording: the variant for {level}"), {"level": name}))
    parts.extend(f"{key}: {presentation[key]}" for key in sorted(presentation) if key not in known)
    return " · ".join(parts)
