"""Emptying the engine's trackers of erased conversations, through its HTTP API.

Rasa 3.6 replaces a tracker's events with ``PUT /conversations/{id}/tracker/events`` (the body
is the new list of events: an empty one here), guarded by the engine's ``--auth-token``
(``RASA_AUTH_TOKEN``, sent as ``?token=`` like every call of bot/engine.py). The tracker store is
in memory (dialogues/endpoints.yml): an engine that is not running holds no tracker, so a
refused connection counts as nothing to empty. Any other failure is an error: the caller then
erases nothing, so the admin can try again once the engine answers.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote

import httpx

from bot.settings import Settings

log = logging.getLogger(__name__)


class TrackerEraseFailed(RuntimeError):
    """The engine is running but did not empty a tracker."""


@dataclass(frozen=True)
class TrackerErasure:
    emptied: int
    engine_down: bool  # nothing was running: an in-memory tracker store holds nothing


def erase_trackers(
    settings: Settings, conversation_ids: Iterable[str], *, client: httpx.Client | None = None
) -> TrackerErasure:
    """Replace the events of each conversation's tracker with none."""
    ids = list(conversation_ids)
    own = client is None
    http = client or httpx.Client(timeout=settings.engine_timeout)
    params = {"token": settings.rasa_auth_token} if settings.rasa_auth_token else None
    emptied = 0
    try:
        for conversation_id in ids:
            url = f"{settings.rasa_url}/conversations/{quote(conversation_id, safe='')}/tracker/events"
            try:
                answer = http.put(url, json=[], params=params)
            except httpx.ConnectError:
                if emptied:  # it answered a moment ago: it went down in the middle
                    raise TrackerEraseFailed("the engine stopped answering") from None
                log.info("engine not running: no tracker to empty")
                return TrackerErasure(0, engine_down=True)
            except httpx.HTTPError as error:
                raise TrackerEraseFailed(
                    f"the engine could not be reached ({error.__class__.__name__})"
                ) from None
            if answer.status_code != 200:
                raise TrackerEraseFailed(f"the engine answered HTTP {answer.status_code}")
            emptied += 1
    finally:
        if own:
            http.close()
    log.info("engine trackers emptied: %d", emptied)
    return TrackerErasure(emptied, engine_down=False)
