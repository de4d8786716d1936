"""Patient-facing texts from the Babel catalogs in locales/.

Message ids are English; the Danish catalog is the one patients see. Catalogs are read from
the .po files at start-up (compiled in memory), so there is no build step to forget.
"""

from __future__ import annotations

import io
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from babel.dates import format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

DOMAIN = "messages"


@lru_cache(maxsize=16)
def load_translations(locales_dir: Path, locale: str, domain: str = DOMAIN) -> NullTranslations:
    """One catalog (`messages` for patients, `console` for staff), compiled in memory."""
    po_path = locales_dir / locale / "LC_MESSAGES" / f"{domain}.po"
    if not po_path.exists():
        return NullTranslations()
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=domain)


class Texts:
    """gettext for one locale, with `{name}` placeholders filled from keyword arguments."""

    def __init__(self, locales_dir: Path, locale: str = "da") -> None:
        self.locale = locale
        self._translations = load_translations(locales_dir, locale)

    def _(self, message: str, **params: object) -> str:
        text = self._translations.gettext(message)
        return text.format(**params) if params else text

    def ngettext(self, singular: str, plural: str, n: int, **params: object) -> str:
        text = self._translations.ngettext(singular, plural, n)
        return text.format(n=n, **params)

    def datetime(self, value: datetime) -> str:
        return format_datetime(value, "medium", locale=self.locale)
