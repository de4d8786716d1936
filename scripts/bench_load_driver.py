"""The load of scripts/bench_load.py: simulated web patients and the bare-parse floor.

A patient is invited (the token made beforehand, see `invite_pool`), consents, skips the
literacy screen and answers WHO-5's five items by buttons: eight turns, every one a POST to
the web chat API, exactly as the browser sends them.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import httpx
from bench_meter import Record, Window
from sqlalchemy import text

from bot.i18n import Texts
from bot.settings import Settings
from bot.storage import db

TURNS_PER_PATIENT = 8
PARSE_TEXTS = ["det meste af tiden", "hele tiden", "lidt af tiden", "næsten aldrig", "ja tak"]
PARSES_IN_FLIGHT = 8


def invite_pool(settings: Settings, count: int) -> list[str]:
    """`count` web invitations to WHO-5, made directly (`bot invite` once per patient would
    cost a Python start-up each, on the cores being measured)."""
    from bot.storage.patient_profiles import place_in_team
    from bot.storage.patients import create_invitation, create_patient

    database = db.open(settings)
    tokens = []
    try:
        with db.session_scope(database.session_factory) as session:
            for _ in range(count):
                patient = create_patient(session)
                place_in_team(session, patient.id, None, created_by="bench")
                tokens.append(create_invitation(session, patient, "who5").token)
    finally:
        database.engine.dispose()
    return tokens


def stored_answers(settings: Settings) -> int:
    """Current WHO-5 answers given by button, the ones the presses should have written."""
    database = db.open(settings)
    try:
        with database.engine.connect() as connection:
            count = connection.execute(
                text(
                    "SELECT count(*) FROM answers a JOIN responses r ON r.id = a.response_id "
                    "WHERE r.questionnaire_id = 'who5' AND a.input_kind = 'button' "
                    "AND a.superseded_at IS NULL"
                )
            ).scalar_one()
    finally:
        database.engine.dispose()
    return int(count)


async def _in_parallel(
    count: int, ramp: float, seconds: float, window: Window, work: Callable[[float], Awaitable[None]]
) -> None:
    """`count` copies of `work(until)` at once; the window opens after `ramp` seconds (when all
    are in flight) and closes `seconds` later, when no new work starts."""
    started = time.perf_counter()
    until = started + ramp + seconds

    async def timing() -> None:
        await asyncio.sleep(ramp)
        window.open()
        await asyncio.sleep(max(0.0, until - time.perf_counter()))
        window.close()

    await asyncio.gather(timing(), *(work(until) for _ in range(count)))


class Patient:
    """Where one simulated patient is: their chat URL, the last replies and turns done."""

    def __init__(self, base_url: str, token: str) -> None:
        self.url = f"{base_url}/api/chat/{token}/messages"
        self.messages: list[dict[str, Any]] = []
        self.step = 0


class Driver:
    """Patients through the web chat API of one running app."""

    def __init__(self, base_url: str, texts: Texts) -> None:
        self.base_url = base_url
        self.consent = texts._("Yes, that is fine")
        self.skip = texts._("Skip the questions")

    async def _turn(
        self, client: httpx.AsyncClient, url: str, payload: str, record: Record
    ) -> list[dict[str, Any]] | None:
        started = time.perf_counter()
        try:
            answer = await client.post(url, json={"payload": payload})
        except httpx.HTTPError as error:
            record.errors.append(type(error).__name__)
            return None
        if answer.status_code != 200:
            record.errors.append(f"HTTP {answer.status_code}")
            return None
        record.turns.append((started, time.perf_counter()))
        messages: list[dict[str, Any]] = answer.json()["messages"]
        return messages

    @staticmethod
    def _payload(messages: list[dict[str, Any]], title: str | None, item: int) -> str | None:
        buttons = [b for m in messages for b in m.get("buttons") or []]
        if title is not None:
            return next((b["payload"] for b in buttons if b["title"] == title), None)
        answers = [b["payload"] for b in buttons if '"link_id":"who5-' in b["payload"]]
        return answers[item % len(answers)] if answers else None

    async def step(self, client: httpx.AsyncClient, patient: Patient, record: Record) -> bool:
        """The patient's next turn; False once they are done or a turn failed."""
        if patient.step == 0:
            payload: str | None = "/start"
        else:
            titles = {1: self.consent, 2: self.skip}
            payload = self._payload(patient.messages, titles.get(patient.step), patient.step - 3)
        if payload is None:
            record.errors.append(f"no button at turn {patient.step + 1}")
            return False
        messages = await self._turn(client, patient.url, payload, record)
        if messages is None:
            return False
        patient.messages = messages
        patient.step += 1
        if patient.step > 3:
            record.presses += 1
        if patient.step == TURNS_PER_PATIENT:
            record.patients_done += 1
            return False
        return True

    def at_once(
        self, tokens: Iterator[str], patients: int, ramp: float, seconds: float, window: Window
    ) -> Record:
        """`patients` at once, each followed by a new one, until the window closes; turns
        already sent then are awaited (their answers count, their time does not).

        The first patients are first brought, unmeasured, to different points of the
        questionnaire (patient i has done i mod 8 turns): otherwise all would be at the same
        turn for most of the window, and a slow system would never get past the first few."""
        record = Record()

        async def run() -> None:
            limits = httpx.Limits(max_connections=patients + 5, max_keepalive_connections=patients)
            async with httpx.AsyncClient(timeout=120, limits=limits) as client:
                first = [Patient(self.base_url, next(tokens)) for _ in range(patients)]

                async def advance(patient: Patient, turns: int) -> None:
                    for _ in range(turns):
                        if not await self.step(client, patient, record):
                            return

                await asyncio.gather(
                    *(advance(p, n % TURNS_PER_PATIENT) for n, p in enumerate(first))
                )

                async def one_after_another(until: float) -> None:
                    patient: Patient | None = first.pop()
                    while time.perf_counter() < until:
                        if patient is None:
                            token = next(tokens, None)
                            if token is None:
                                record.pool_exhausted = True
                                return
                            patient = Patient(self.base_url, token)
                        while time.perf_counter() < until and await self.step(
                            client, patient, record
                        ):
                            pass
                        patient = None

                await _in_parallel(patients, ramp, seconds, window, one_after_another)

        asyncio.run(run())
        return record

    def alone(self, tokens: Iterator[str], min_turns: int, window: Window | None = None) -> Record:
        """Patients one at a time until at least `min_turns` turns are done."""
        record = Record()

        async def run() -> None:
            async with httpx.AsyncClient(timeout=120) as client:
                while len(record.turns) < min_turns and not record.errors:
                    patient = Patient(self.base_url, next(tokens))
                    while await self.step(client, patient, record):
                        pass

        if window is not None:
            window.open()
        asyncio.run(run())
        if window is not None:
            window.close()
        return record


def parse_floor(
    engine_url: str, token: str, in_flight: int, seconds: float, window: Window
) -> Record:
    """The engine's bare NLU parse (`POST /model/parse`), `in_flight` requests at a time,
    after an unmeasured ramp-up of up to a second."""
    record = Record()

    async def run() -> None:
        async with httpx.AsyncClient(timeout=60, params={"token": token}) as client:
            check = await client.post(f"{engine_url}/model/parse", json={"text": "ja"})
            check.raise_for_status()  # a 401 would time nothing real

            async def parse(until: float) -> None:
                number = len(record.turns)
                while time.perf_counter() < until:
                    started = time.perf_counter()
                    text_ = PARSE_TEXTS[number % len(PARSE_TEXTS)]
                    answer = await client.post(f"{engine_url}/model/parse", json={"text": text_})
                    answer.raise_for_status()
                    record.turns.append((started, time.perf_counter()))
                    number += 1

            await _in_parallel(in_flight, min(1.0, seconds / 2), seconds, window, parse)

    asyncio.run(run())
    return record
