"""The app's own threads for checking passwords.

argon2 is meant to be slow and memory-hard. Run in Starlette's shared worker threads (which
the patient chat also uses for its database work), a flood of log-ins would hold all of them.
Here the checks run on ``login_hash_workers`` threads of their own, and only a few log-ins
may wait for them: the next one is told at once to try again later. The threads run at a
lower CPU priority (on Linux, where it is per thread; argon2's own lane threads inherit it),
so a patient's turn gets the CPU first.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

from starlette.applications import Starlette

log = logging.getLogger(__name__)

THREAD_PREFIX = "login-hash"
# Log-ins that may wait for a free hashing thread, per thread (each waits about one hash).
WAITING_PER_WORKER = 4
# How much nicer than the rest of the app a hashing thread is (0-19; higher yields more).
NICENESS = 10

P = ParamSpec("P")
T = TypeVar("T")


class HashingBusy(Exception):
    """Too many log-ins are being checked already."""


class HashingPool:
    """The threads that check passwords, and the count of log-ins admitted to them. Only the
    event loop admits and releases, so the count needs no lock."""

    def __init__(self, workers: int) -> None:
        self.workers = max(1, workers)
        self.limit = self.workers * (1 + WAITING_PER_WORKER)
        self.admitted = 0
        self._executor = ThreadPoolExecutor(
            self.workers, thread_name_prefix=THREAD_PREFIX, initializer=_lower_priority
        )

    @contextmanager
    def admission(self) -> Iterator[None]:
        """Holds one of the log-in places while the log-in is checked; HashingBusy when none
        is free."""
        if self.admitted >= self.limit:
            log.warning("log-in refused: %d log-ins are being checked already", self.admitted)
            raise HashingBusy
        self.admitted += 1
        try:
            yield
        finally:
            self.admitted -= 1

    async def run(self, function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._executor, functools.partial(function, *args, **kwargs)
        )

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


def _lower_priority() -> None:
    if sys.platform != "linux":  # elsewhere the priority is the whole process's
        return
    thread = threading.get_native_id()
    try:
        os.setpriority(os.PRIO_PROCESS, thread, os.getpriority(os.PRIO_PROCESS, thread) + NICENESS)
    except OSError:  # e.g. a sandbox that forbids it: the checks still work
        log.warning("the log-in hashing threads could not lower their priority")


def hashing_pool(app: Starlette) -> HashingPool:
    """The app's pool, made on its first log-in (the settings are there only once the app has
    started). Only the event loop calls this, so no lock is needed."""
    pool = getattr(app.state, "login_hashing", None)
    if pool is None:
        pool = HashingPool(app.state.settings.login_hash_workers)
        app.state.login_hashing = pool
    assert isinstance(pool, HashingPool)
    return pool


def close_hashing_pool(app: Starlette) -> None:
    """For the app's shutdown: its hashing threads end."""
    pool = getattr(app.state, "login_hashing", None)
    if isinstance(pool, HashingPool):
        pool.close()
        app.state.login_hashing = None
