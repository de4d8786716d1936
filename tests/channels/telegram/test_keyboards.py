"""Inline keyboards and callback data within Telegram's 64 bytes."""

from __future__ import annotations

from bot.channels.telegram.keyboards import callback_data, keyboard, resolve_callback
from bot.turn.messages import Button
from tests.channels.telegram.rig import LONG_PAYLOAD


def test_callback_data_fits_64_bytes_and_maps_back() -> None:
    short = '/inform{"code":"4","link_id":"who5-1"}'
    assert callback_data(short) == short
    assert len(LONG_PAYLOAD.encode()) > 64
    data = callback_data(LONG_PAYLOAD)
    assert len(data.encode()) <= 64 and data.startswith("#")
    assert callback_data(LONG_PAYLOAD) == data  # deterministic
    assert resolve_callback(data, [short, LONG_PAYLOAD]) == LONG_PAYLOAD
    assert resolve_callback(data, [short]) is None  # only what the bot offered
    assert resolve_callback(short, []) == short
    assert len(callback_data("/inform" + "æ" * 40).encode()) <= 64  # bytes, not characters


def test_keyboard_layout() -> None:
    def rows(titles: list[str]) -> list[int]:
        markup = keyboard([Button(t, f"/p{i}") for i, t in enumerate(titles)])
        assert markup is not None
        return [len(row) for row in markup.inline_keyboard]

    assert keyboard([]) is None
    assert rows([str(n) for n in range(11)]) == [6, 5]
    assert rows(["Ja", "Nej"]) == [2]
    assert rows(["Lidt mindre end halvdelen af tiden", "Hele tiden"]) == [1, 1]
