"""Deep-link invitations: making `https://t.me/<bot>?start=<code>` links, and what `/start
<code>` opens. Nothing about a chat is stored until it opened a valid invitation."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker
from telegram import Bot
from telegram.error import InvalidToken, TelegramError
from telegram.helpers import create_deep_linked_url

from bot.channels.telegram.chats import ChatLink
from bot.channels.telegram.config import file_base_url
from bot.course.enrol import UnknownPlan, enrol_patient, first_questionnaire, plan_named
from bot.course.plans import Plan, PlanError, load_plans
from bot.course.runner import reminder_hours
from bot.i18n import Texts
from bot.settings import Settings
from bot.storage.conversations import conversation_for_invitation
from bot.storage.db import session_scope
from bot.storage.models import utcnow
from bot.storage.patient_profiles import place_in_team
from bot.storage.patients import create_patient, invitation_by_token
from bot.storage.telegram_chats import (
    link_telegram_chat,
    new_telegram_invitation,
    unblock_telegram_chat,
)

_CODE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class InviteError(Exception):
    """An invitation link cannot be made (Telegram not configured, not reachable, ...)."""


async def bot_username(settings: Settings, known: str | None = None) -> str:
    """The bot's @username: the running channel's (`known`, from its getMe at start-up), else
    asked of the configured Bot API (the CLI holds no channel)."""
    if known:
        return known
    bot = Bot(
        settings.telegram_bot_token,
        base_url=settings.telegram_api_base_url,
        base_file_url=file_base_url(settings.telegram_api_base_url),
    )
    try:
        async with bot:
            return str(bot.username)
    except InvalidToken as error:
        raise InviteError(
            "Telegram refused TELEGRAM_BOT_TOKEN (check it with BotFather)"
        ) from error
    except TelegramError as error:
        raise InviteError(
            f"the Telegram Bot API at {settings.telegram_api_base_url} is not reachable "
            f"({error.__class__.__name__})"
        ) from error


def _new_invitation(
    settings: Settings,
    session_factory: sessionmaker[Session],
    patient_id: int,
    questionnaire_id: str,
) -> str:
    with session_scope(session_factory) as session:
        issued = new_telegram_invitation(
            session,
            patient_id,
            questionnaire_id,
            valid_for=timedelta(days=settings.telegram_invite_days),
        )
        if issued is None:
            raise InviteError(f"no patient with id {patient_id}")
        return issued.token


async def telegram_invite_link(
    settings: Settings,
    session_factory: sessionmaker[Session],
    patient_id: int,
    questionnaire_id: str,
    *,
    username: str | None = None,
) -> str | None:
    """A new single-use deep link `https://t.me/<bot>?start=<code>` for an existing patient.

    None when Telegram is not configured; InviteError when the Bot API cannot be reached
    (nothing is stored then). The code expires after TELEGRAM_INVITE_DAYS days.
    """
    if not settings.telegram_bot_token:
        return None
    username = await bot_username(settings, username)
    code = await asyncio.to_thread(
        _new_invitation, settings, session_factory, patient_id, questionnaire_id
    )
    return create_deep_linked_url(username, code)


async def new_patient_invite(
    settings: Settings,
    session_factory: sessionmaker[Session],
    questionnaire_ids: Collection[str],
    questionnaire_id: str | None,
    *,
    label: str | None = None,
    team: str | None = None,
    created_by: str = "cli",
    plan_id: str | None = None,
) -> str:
    """`bot invite --channel telegram`: a new pseudonymous patient and their deep link. The
    patient joins the team of that name (made if new), or the default team. With `plan_id`
    (then `questionnaire_id` is None) the patient is enrolled in that plan now and the link
    opens the plan's first questionnaire."""
    if not settings.telegram_bot_token:
        raise InviteError("TELEGRAM_BOT_TOKEN is not set (see docs/TELEGRAM.md)")
    plans: dict[str, Plan] = {}
    if plan_id is not None:
        try:
            plans = load_plans(settings.plans_dir, questionnaire_ids)
            questionnaire_id = first_questionnaire(plan_named(plans, plan_id))
        except (PlanError, UnknownPlan) as error:
            raise InviteError(str(error)) from None
    if questionnaire_id is None or questionnaire_id not in questionnaire_ids:
        known = ", ".join(sorted(questionnaire_ids))
        raise InviteError(f"unknown questionnaire '{questionnaire_id}' (known: {known})")
    username = await bot_username(settings)  # before anything is stored

    def create() -> int:
        with session_scope(session_factory) as session:
            patient_id = create_patient(session, label=label).id
            place_in_team(session, patient_id, team, created_by=created_by)
            if plan_id is not None:
                zone = ZoneInfo(settings.console_timezone)
                enrol_patient(
                    session, plans, patient_id, plan_id, utcnow(), zone=zone,
                    hours=reminder_hours(settings),
                )
            return patient_id

    patient_id = await asyncio.to_thread(create)
    link = await telegram_invite_link(
        settings, session_factory, patient_id, questionnaire_id, username=username
    )
    assert link is not None
    return link


# ---------------------------------------------------------------------- opening one


@dataclass(frozen=True)
class Opening:
    """What `/start [code]` opened: a conversation (None: the chat is told how to get a
    link), why ("known", "linked", "no_invite", "bad_invite"), and the live keyboard."""

    conversation_id: str | None
    reason: str
    live_keyboard: int | None = None


async def open_invitation(
    session_factory: sessionmaker[Session], chat_id: int, code: str | None, link: ChatLink | None
) -> Opening:
    """`/start [code]` from a chat (whose link was read for this update). A valid code links
    the chat to the invitation's patient; nothing is stored otherwise."""
    return await asyncio.to_thread(_open, session_factory, chat_id, code, link)


def _open(
    session_factory: sessionmaker[Session], chat_id: int, code: str | None, link: ChatLink | None
) -> Opening:
    with session_scope(session_factory) as session:
        if code is None:
            if link is None:
                return Opening(None, "no_invite")
            if link.blocked:
                unblock_telegram_chat(session, chat_id)
            return Opening(link.conversation_id, "known", link.keyboard_message_id)
        invitation = invitation_by_token(session, code) if _CODE.fullmatch(code) else None
        if invitation is None or invitation.channel != "telegram":
            return Opening(None, "bad_invite")
        if link is not None and link.invitation_id == invitation.id:
            if link.blocked:  # the same chat opened its link again
                unblock_telegram_chat(session, chat_id)
            return Opening(link.conversation_id, "known", link.keyboard_message_id)
        expired = invitation.expires_at is not None and invitation.expires_at <= utcnow()
        if invitation.used_at is not None or expired or invitation.revoked_at is not None:
            return Opening(None, "bad_invite")
        live = link.keyboard_message_id if link is not None else None
        conversation = conversation_for_invitation(session, invitation)
        link_telegram_chat(session, chat_id, invitation, conversation)
        return Opening(conversation.id, "linked", live)


def explanation(texts: Texts, reason: str) -> str:
    """To a chat with no valid invitation: how to get one."""
    if reason == "bad_invite":
        return texts._(
            "This link does not work any more. It may be too old, or it has already been "
            "used. Ask your care team for a new link."
        )
    return texts._(
        "Hi! I am a chatbot from your hospital. To talk with me, you need a personal "
        "link from your care team. Open that link, and we can begin. If you have not "
        "got a link, ask your care team."
    )
