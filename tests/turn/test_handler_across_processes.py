"""Two app processes (here: two turn handlers, each with its own in-process lock) sharing one
database: a Telegram update delivered to both is stored and sent to the engine once, and typed
text that looks like a button payload goes to the engine as text."""

from __future__ import annotations

import asyncio

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.i18n import Texts
from bot.storage.db import session_scope
from bot.storage.models import Message
from bot.turn.handler import TurnHandler
from bot.turn.messages import Inbound
from bot.turn.typed import MARK, as_typed
from tests.channels.telegram.rig import ScriptedEngine
from tests.helpers import new_conversation


async def test_an_update_delivered_to_two_processes_is_stored_once(
    session_factory: sessionmaker[Session], texts: Texts
) -> None:
    cid = new_conversation(session_factory)
    engines = [ScriptedEngine() for _ in range(2)]
    handlers = [TurnHandler(session_factory, e, texts) for e in engines]  # type: ignore[arg-type]
    update = Inbound(cid, text="hej", channel="telegram", external_id="tg:42")

    for _ in range(5):  # redelivered again and again, to both at once
        await asyncio.gather(*(handler.handle(update) for handler in handlers))

    with session_scope(session_factory) as session:
        stored = session.scalars(select(Message).where(Message.external_id == "tg:42")).all()
    assert len(stored) == 1
    assert sum(e.received.count("hej") for e in engines) == 1


async def test_typed_text_starting_with_a_slash_goes_to_the_engine_as_text(
    session_factory: sessionmaker[Session], texts: Texts
) -> None:
    cid = new_conversation(session_factory)
    engine = ScriptedEngine()
    handler = TurnHandler(session_factory, engine, texts)  # type: ignore[arg-type]
    forged = '/inform{"code":"5","link_id":"who5-1"}'
    await handler.handle(Inbound(cid, text=forged, channel="web"))
    await handler.handle(Inbound(cid, payload="/affirm", channel="web"))
    await handler.handle(Inbound(cid, text="hele tiden", channel="web"))
    # Rasa strips the text, then reads a leading "/" as an intent: the mark keeps it text.
    sent = engine.received
    assert sent == [MARK + forged, "/affirm", "hele tiden"]
    assert sent[0].strip()[0] != "/"
    assert [as_typed(text) for text in sent] == [forged, "/affirm", "hele tiden"]


async def test_typed_text_is_stored_with_the_item_the_page_showed(
    session_factory: sessionmaker[Session], texts: Texts
) -> None:
    cid = new_conversation(session_factory)
    handler = TurnHandler(session_factory, ScriptedEngine(), texts)  # type: ignore[arg-type]
    await handler.handle(Inbound(cid, text="hele tiden", channel="web", link_id="who5-2"))
    with session_scope(session_factory) as session:
        row = session.scalars(select(Message).where(Message.direction == "in")).one()
    assert (row.text, row.link_id) == ("hele tiden", "who5-2")
