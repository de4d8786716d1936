"""What every dialogue step may read besides the turn's state: settings, texts, content."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date

from bot import speech
from bot.i18n import Texts
from bot.questionnaire.model import Questionnaire
from bot.settings import Settings

# The opening health-literacy screen (dialogues/questionnaires/screening.yml).
SCREENING_ID = "screening"


@dataclass(frozen=True)
class DialogueContext:
    settings: Settings
    texts: Texts
    questionnaires: Mapping[str, Questionnaire]

    def _(self, message: str, **params: object) -> str:
        return self.texts._(message, **params)

    def local_day(self, moment: datetime) -> str:
        """A day as patients say it ("16. december"), in the clinic's time zone."""
        day = moment.astimezone(ZoneInfo(self.settings.console_timezone)).date()
        return format_date(day, "d. MMMM", locale=self.texts.locale)

    @staticmethod
    def can_read_aloud(channel: str | None) -> bool:
        """Whether questions can be spoken where the patient writes: Telegram needs OGG voice
        messages, the web page plays WAV."""
        return speech.ogg_available() if channel == "telegram" else speech.available()
