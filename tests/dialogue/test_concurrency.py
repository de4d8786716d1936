"""Exact answers under concurrent use: many turns at once for one item leave one current
answer; the database itself refuses a second one (bot/dialogue/service.py `_turn` locks the
conversation, migration 0008_exact_answers adds the unique partial index)."""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.dialogue.outcome import Outcome
from bot.dialogue.service import Dialogue
from bot.i18n import Texts
from bot.questionnaire.loader import load_directory
from bot.settings import PROJECT_ROOT
from bot.storage.db import make_engine, make_session_factory, session_scope
from bot.storage.models import Answer, Response
from bot.turn.messages import Inbound
from bot.turn.payloads import answer_payload
from tests.conftest import _postgres_database, make_settings
from tests.helpers import answers, new_conversation, present, question, store_inbound

CODES = ["0", "1", "2", "3", "4", "5"]
QUESTIONNAIRES = PROJECT_ROOT / "dialogues" / "questionnaires"


def _press(service: Dialogue, conversation_id: str, code: str) -> Outcome:
    """A button press for who5-1 as the engine hands it to the form's validation."""
    return service.answer(Inbound(
        conversation_id, text=answer_payload("who5-1", code), intent="inform", confidence=1.0,
        entities={"code": code, "link_id": "who5-1"},
    ))  # fmt: skip


def _press_together(service: Dialogue, conversation_id: str, count: int) -> list[Outcome]:
    start = threading.Barrier(count)

    def one(n: int) -> Outcome:
        start.wait()
        return _press(service, conversation_id, CODES[n % len(CODES)])

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(one, range(count)))


def _counts(session_factory: sessionmaker[Session], conversation_id: str) -> tuple[int, int]:
    """(current, superseded) answers to who5-1."""
    rows = [row for row in answers(session_factory, conversation_id) if row.link_id == "who5-1"]
    current = sum(1 for row in rows if row.superseded_at is None)
    return current, len(rows) - current


def test_twenty_concurrent_answers_to_one_item_leave_one_current_answer(
    service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    cid = new_conversation(session_factory)
    assert question(present(service, session_factory, cid)).link_id == "who5-1"
    store_inbound(session_factory, cid, "double click", payload=answer_payload("who5-1", "3"))

    outcomes = _press_together(service, cid, 20)

    current, superseded = _counts(session_factory, cid)
    assert current == 1
    # The first press answered the item; every later one found it answered and stored
    # nothing against the item the patient now sees (who5-2).
    refused = [o for o in outcomes if o.replies]
    assert len(refused) == 19 - superseded
    assert not any(row.link_id == "who5-2" for row in answers(session_factory, cid))


def _press_in_process(database_url: str, var_dir: str, conversation_id: str, at: float) -> None:
    """One app process: its own engine and Dialogue, ten threads pressing at the same time."""
    settings = make_settings(Path(var_dir))
    engine = make_engine(database_url)
    service = Dialogue(
        settings,
        make_session_factory(engine),
        load_directory(QUESTIONNAIRES),
        Texts(PROJECT_ROOT / "locales", "da"),
    )
    time.sleep(max(0.0, at - time.time()))
    _press_together(service, conversation_id, 10)
    engine.dispose()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    yield from _postgres_database()


@pytest.mark.postgres
def test_two_processes_answering_one_item_leave_one_current_answer(
    postgres_url: str, tmp_path: Path
) -> None:
    engine = make_engine(postgres_url)
    session_factory = make_session_factory(engine)
    service = Dialogue(make_settings(tmp_path), session_factory,
                       load_directory(QUESTIONNAIRES), Texts(PROJECT_ROOT / "locales", "da"))  # fmt: skip
    cid = new_conversation(session_factory)
    present(service, session_factory, cid)
    store_inbound(session_factory, cid, "double click", payload=answer_payload("who5-1", "3"))
    spawn = multiprocessing.get_context("spawn")
    at = time.time() + 4.0  # both processes loaded, then all twenty threads at once
    processes = [
        spawn.Process(target=_press_in_process, args=(postgres_url, str(tmp_path), cid, at))
        for _ in range(2)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
        assert process.exitcode == 0

    assert _counts(session_factory, cid)[0] == 1
    with session_scope(session_factory) as session:
        total = session.scalar(
            select(func.count(Answer.id)).join(Response).where(Response.conversation_id == cid)
        )
    assert total == 1 + _counts(session_factory, cid)[1]
    engine.dispose()
