"""What a patient can be invited to from the console (a questionnaire once, or a course:
a plan they are enrolled in at once), and the links of an invitation."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from zoneinfo import ZoneInfo

import anyio
import anyio.from_thread
from sqlalchemy.orm import Session, sessionmaker

from bot.channels import telegram
from bot.course.enrol import enrol_patient
from bot.course.plans import Plan
from bot.course.runner import reminder_hours
from bot.dialogue.context import SCREENING_ID
from bot.questionnaire.model import Questionnaire
from bot.settings import Settings
from bot.storage.course_models import Enrolment
from bot.storage.models import utcnow
from bot.storage.patients import IssuedInvitation
from bot.storage.relatives import RELATIVE_QUESTIONNAIRE_ID

log = logging.getLogger(__name__)

TELEGRAM_TIMEOUT_SECONDS = 30


def invitable(questionnaires: Mapping[str, Questionnaire]) -> list[Questionnaire]:
    """The questionnaires a patient can be invited to, by title: not the opening literacy
    screen, which the conversation asks by itself, nor the relatives' own questionnaire
    (a relative's link, see pages/relatives.py)."""
    return sorted((q for q in questionnaires.values() if may_invite_to(q)), key=lambda q: q.title)


def may_invite_to(questionnaire: Questionnaire | None) -> bool:
    return questionnaire is not None and questionnaire.id not in {
        SCREENING_ID,
        RELATIVE_QUESTIONNAIRE_ID,
    }


PLAN_CHOICE = "plan"
"""The invite form's ``invite_to`` for a course; anything else is one questionnaire (the
default, as before courses existed)."""


def plan_choices(titles: Mapping[str, str]) -> list[tuple[str, str]]:
    """(id, title) of the plans a patient can be enrolled in, by title."""
    return sorted(titles.items(), key=lambda item: (item[1], item[0]))


def chosen_plan(plans: Mapping[str, Plan], values: Mapping[str, str]) -> Plan | None:
    """The plan the invite form enrols the patient in; None: one questionnaire, or no known
    plan chosen (``wants_plan`` tells which)."""
    return plans.get(values.get("plan", "")) if wants_plan(values) else None


def wants_plan(values: Mapping[str, str]) -> bool:
    return values.get("invite_to") == PLAN_CHOICE


def enrol_now(
    session: Session,
    settings: Settings,
    plans: Mapping[str, Plan],
    patient_id: int,
    plan_id: str,
) -> Enrolment:
    """Enrol an invited patient at once: what the plan has due now opens, so the invitation
    link opens it (offsets and reminder hours in the console's time zone)."""
    zone = ZoneInfo(settings.console_timezone)
    return enrol_patient(
        session, plans, patient_id, plan_id, utcnow(), zone=zone, hours=reminder_hours(settings)
    )


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
