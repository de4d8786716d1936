"""What a patient can be invited to from the console, and the links of an invitation."""

from __future__ import annotations

import logging
from collections.abc import Mapping

import anyio
import anyio.from_thread
from sqlalchemy.orm import Session, sessionmaker

from bot.channels import telegram
from bot.dialogue.context import SCREENING_ID
from bot.questionnaire.model import Questionnaire
from bot.settings import Settings
from bot.storage.patients import IssuedInvitation

log = logging.getLogger(__name__)

TELEGRAM_TIMEOUT_SECONDS = 30


def invitable(questionnaires: Mapping[str, Questionnaire]) -> list[Questionnaire]:
    """The questionnaires a patient can be invited to, by title: not the opening literacy
    screen, which the conversation asks by itself."""
    return sorted(
        (q for q in questionnaires.values() if q.id != SCREENING_ID), key=lambda q: q.title
    )


def may_invite_to(questionnaire: Questionnaire | None) -> bool:
    return questionnaire is not None and questionnaire.id != SCREENING_ID


def web_link(settings: Settings, issued: IssuedInvitation) -> str:
    """The chat link of a new invitation: shown once, as only its hash is stored."""
    return f"{settings.public_url}/chat/{issued.token}"


def telegram_link(
    settings: Settings,
    factory: sessionmaker[Session],
    patient_id: int,
    questionnaire_id: str,
    *,
    username: str | None = None,
) -> str | None:
    """A Telegram invitation link, or None when Telegram is not configured or the Bot API
    failed (the web link is enough then). Called from a handler's worker thread: the Bot API
    is asked on the app's event loop."""

    async def ask() -> str | None:
        with anyio.fail_after(TELEGRAM_TIMEOUT_SECONDS):
            return await telegram.telegram_invite_link(
                settings, factory, patient_id, questionnaire_id, username=username
            )

    try:
        link = anyio.from_thread.run(ask)
    except Exception:
        log.warning("the Telegram invitation link could not be made", exc_info=True)
        return None
    return link or None
