"""Emptying the engine's trackers (bot/engine_tracker.py): a PUT of no events per
conversation, with the engine's token; an engine that is not running holds nothing; any
other failure is an error."""

from __future__ import annotations

import httpx
import pytest

from bot.engine_tracker import TrackerEraseFailed, erase_trackers
from bot.settings import Settings


def _settings(settings: Settings) -> Settings:
    return settings.with_overrides(rasa_url="http://engine.test", rasa_auth_token="s3cret")


def test_each_tracker_is_replaced_by_no_events_with_the_token(settings: Settings) -> None:
    seen: list[tuple[str, str, str | None, bytes]] = []

    def engine(request: httpx.Request) -> httpx.Response:
        seen.append((request.method, request.url.raw_path.decode().split("?")[0],request.url.params.get("token"),
                     request.content))  # fmt: skip
        return httpx.Response(200, json={"events": []})

    with httpx.Client(transport=httpx.MockTransport(engine)) as client:
        result = erase_trackers(_settings(settings), ["abc", "d/e"], client=client)
    assert (result.emptied, result.engine_down) == (2, False)
    assert seen == [
        ("PUT", "/conversations/abc/tracker/events", "s3cret", b"[]"),
        ("PUT", "/conversations/d%2Fe/tracker/events", "s3cret", b"[]"),
    ]


def test_an_engine_that_is_not_running_holds_no_tracker(settings: Settings) -> None:
    def engine(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with httpx.Client(transport=httpx.MockTransport(engine)) as client:
        result = erase_trackers(_settings(settings), ["abc"], client=client)
    assert (result.emptied, result.engine_down) == (0, True)


@pytest.mark.parametrize("status", [401, 500])
def test_a_refusal_is_an_error(settings: Settings, status: int) -> None:
    transport = httpx.MockTransport(lambda _request: httpx.Response(status))
    with (
        httpx.Client(transport=transport) as client,
        pytest.raises(TrackerEraseFailed, match=str(status)),
    ):
        erase_trackers(_settings(settings), ["abc"], client=client)


def test_an_engine_that_stops_in_the_middle_is_an_error(settings: Settings) -> None:
    calls: list[int] = []

    def engine(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) > 1:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200, json={})

    with (
        httpx.Client(transport=httpx.MockTransport(engine)) as client,
        pytest.raises(TrackerEraseFailed),
    ):
        erase_trackers(_settings(settings), ["a", "b"], client=client)
