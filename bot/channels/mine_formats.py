"""What the sections of the patient's own page need of its `Formats` (bot/channels/mine_view.py):
the page's texts and its date format. A Protocol, so that mine_view imports the sections and
never the reverse."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.i18n import Texts


class DateFormats(Protocol):
    @property
    def texts(self) -> Texts: ...

    def date(self, value: datetime) -> str: ...
