"""The console's own catalog (domain "console"): complete Danish, placeholders kept, template
up to date; and the patients' catalog holds no console texts."""

from __future__ import annotations

import string
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from bot.console.i18n import ConsoleTexts, extract, language
from bot.settings import PROJECT_ROOT

LOCALES = PROJECT_ROOT / "locales"


def read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def ids(catalog: Catalog) -> set[object]:
    return {m.id if isinstance(m.id, str) else tuple(m.id) for m in catalog if m.id}


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_console_template_is_up_to_date() -> None:
    fresh, stored = ids(extract()), ids(read(LOCALES / "console.pot"))
    assert fresh == stored, (
        "locales/console.pot is out of date: run `.venv/bin/python -m bot.console.i18n` and "
        f"translate. New: {sorted(map(str, fresh - stored))}; gone: {sorted(map(str, stored - fresh))}"
    )


def test_every_console_text_has_a_danish_translation() -> None:
    danish = read(LOCALES / "da" / "LC_MESSAGES" / "console.po", "da")
    problems = []
    for message in extract():
        if not message.id:
            continue
        found = danish.get(message.id)
        if found is None or found.fuzzy:
            problems.append(f"missing or fuzzy: {message.id!r}")
            continue
        english = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = found.string if isinstance(found.string, tuple) else (found.string,)
        if not all(strings):
            problems.append(f"empty: {message.id!r}")
        expected = set().union(*(fields(text) for text in english))
        for text in strings:
            got = fields(text)
            if got != expected and not (isinstance(message.id, tuple) and got <= expected):
                problems.append(f"{message.id!r}: {sorted(got)} instead of {sorted(expected)}")
    assert not problems, "\n".join(problems)


def test_patient_catalog_has_no_console_texts() -> None:
    patients = read(LOCALES / "messages.pot")
    leaked = [m.id for m in patients if any("bot/console" in f for f, _ in m.locations)]
    assert not leaked


def test_texts_and_formatting() -> None:
    danish = ConsoleTexts(LOCALES, "da")
    english = ConsoleTexts(LOCALES, "en")
    assert danish._("Worklist") == "Arbejdsliste"
    assert english._("Worklist") == "Worklist"
    assert danish._("Patient {pseudonym}", pseudonym="P-1") == "Patient P-1"
    assert danish.percent(0.5) == "50 %"
    assert danish.number(12.0) == "12" and danish.number(12.5) == "12,5"
    assert language("fr") == "da" and language("en") == "en"
