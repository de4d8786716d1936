"""Texts of the coordinator console: Danish by default, English available.

The console's message ids are English, like the patients' ones, but they live in a gettext
domain of their own, ``console`` (``locales/console.pot`` and
``locales/da/LC_MESSAGES/console.po``). Staff texts ("Arbejdsliste", "Sårbarhedsflag") are
not patient texts: the patient catalog is held to a readability limit (average LIX ≤ 35, see
tests/test_locales.py) that a clinical staff vocabulary would break and that does not apply to
it. babel.cfg therefore ignores ``bot/console`` and this module extracts it instead:

    .venv/bin/python -m bot.console.i18n      # update locales/console.pot and da/console.po

English needs no catalog: an untranslated message shows its English id.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent
from babel.support import NullTranslations

from bot import i18n as bot_i18n
from bot.console import stored_texts

DOMAIN = "console"
LANGUAGES: tuple[str, ...] = ("da", "en")
"""Languages of the console, the default first."""
LANGUAGE_NAMES = {"da": "Dansk", "en": "English"}
CONSOLE_DIR = Path(__file__).resolve().parent


def load_translations(locales_dir: Path, locale: str) -> NullTranslations:
    return bot_i18n.load_translations(locales_dir, locale, DOMAIN)


def language(requested: str | None, default: str = "da") -> str:
    """A console language: the requested one if the console has it, else the default."""
    if requested in LANGUAGES:
        return str(requested)
    return default if default in LANGUAGES else LANGUAGES[0]


class ConsoleTexts:
    """gettext and Babel formatting for one console language and time zone."""

    def __init__(self, locales_dir: Path, locale: str, timezone: str = "Europe/Copenhagen"):
        self.locale = language(locale)
        self.timezone = ZoneInfo(timezone)
        self._translations = load_translations(locales_dir, self.locale)

    def _(self, message: str, **params: Any) -> str:
        text = self._translations.gettext(message)
        return text.format(**params) if params else text

    def alert(self, message: str) -> str:
        """A stored alert message (English) in the console's language."""
        return stored_texts.alert_text(self._translations.gettext, message)

    def level_reason(self, reason: str) -> str:
        """A stored level-change reason in the console's language."""
        return stored_texts.level_reason(self._translations.gettext, reason)

    def presentation(self, presentation: Mapping[str, Any] | None) -> str:
        """An answer's presentation record in words."""
        return stored_texts.presentation_text(self._translations.gettext, presentation)

    def ngettext(self, singular: str, plural: str, n: int, **params: Any) -> str:
        text = self._translations.ngettext(singular, plural, n)
        return text.format(n=n, **params)

    def datetime(self, value: dt.datetime | None, width: str = "medium") -> str:
        if value is None:
            return ""
        return format_datetime(value, width, tzinfo=self.timezone, locale=self.locale)

    def date(self, value: dt.date | dt.datetime | None, width: str = "medium") -> str:
        if value is None:
            return ""
        if isinstance(value, dt.datetime):
            value = value.astimezone(self.timezone).date()
        return format_date(value, width, locale=self.locale)

    def number(self, value: float | int | None, digits: int = 1) -> str:
        if value is None:
            return "–"
        pattern = "#,##0" + ("." + "#" * digits if digits else "")
        return format_decimal(value, format=pattern, locale=self.locale)

    def percent(self, value: float | None) -> str:
        if value is None:
            return "–"
        return format_percent(value, format="#,##0 %", locale=self.locale)


# ------------------------------------------------------------------ extraction (dev tool)


def extract(root: Path = CONSOLE_DIR, questionnaires: Path | None = None) -> Any:
    """A template catalog of every console message: Python ``_()``, ``N_()`` and
    ``gettext()``, the templates, and the alert ``message`` of every questionnaire file (the
    console shows stored alerts in its own language, ``stored_texts.py``)."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir

    catalog = Catalog(project="bot-console", version="0.1.0", charset="utf-8")
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    options_map = {"templates/**.html": {"encoding": "utf-8", "silent": "false"}}
    keywords = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)}
    project_root = root.parent.parent
    for filename, lineno, message, comments, context in extract_from_dir(
        str(root), method_map, options_map, keywords=keywords, comment_tags=("TRANSLATORS:",)
    ):
        where = (root / filename).relative_to(project_root).as_posix()
        catalog.add(message, None, [(where, lineno)], auto_comments=comments, context=context)
    directory = questionnaires or project_root / "dialogues" / "questionnaires"
    for path, lineno, message in alert_messages(directory):
        where = (
            path.relative_to(project_root).as_posix()
            if path.is_relative_to(project_root)
            else path.name
        )
        catalog.add(message, None, [(where, lineno)], auto_comments=["alert message"])
    return catalog


def alert_messages(directory: Path) -> list[tuple[Path, int, str]]:
    """(file, line, message) of every alert rule in the questionnaire files of ``directory``."""
    from bot.questionnaire.loader import load_questionnaire

    found = []
    for path in sorted(directory.glob("*.yml")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for rule in load_questionnaire(path).alerts:
            lineno = next((n for n, line in enumerate(lines, 1) if rule.message in line), 1)
            found.append((path, lineno, rule.message))
    return found


def update(locales_dir: Path) -> int:
    """Write ``console.pot`` and merge it into the Danish catalog; return how many Danish
    messages still need a translation (empty or fuzzy)."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    template = extract()
    pot = locales_dir / f"{DOMAIN}.pot"
    with pot.open("wb") as out:
        write_po(out, template, sort_output=True, omit_header=False)
    po_path = locales_dir / "da" / "LC_MESSAGES" / f"{DOMAIN}.po"
    if po_path.exists():
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale="da")
    else:
        catalog = Catalog(locale="da", project="bot-console", charset="utf-8")
    catalog.update(template, no_fuzzy_matching=True)
    catalog.project, catalog.version = "bot-console", "0.1.0"
    catalog.last_translator = "bot developers"
    catalog.language_team = "Danish <da@li.org>"
    catalog.fuzzy = False
    catalog.obsolete.clear()
    po_path.parent.mkdir(parents=True, exist_ok=True)
    with po_path.open("wb") as out:
        write_po(out, catalog, sort_output=True, width=100)
    return sum(1 for m in catalog if m.id and (m.fuzzy or not _complete(m.string)))


def _complete(value: object) -> bool:
    strings = value if isinstance(value, tuple | list) else (value,)
    return all(strings)


def main() -> int:
    from bot.settings import get_settings

    missing = update(get_settings().locales_dir)
    print(f"console catalog updated; {missing} Danish message(s) to translate")
    return 0


if __name__ == "__main__":
    sys.exit(main())
