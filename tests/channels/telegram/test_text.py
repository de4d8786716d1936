"""Texts cut to Telegram's message length."""

from __future__ import annotations

from bot.channels.telegram.text import split_text


def test_split_text_keeps_short_texts_whole() -> None:
    assert split_text("Hej") == ["Hej"]
    assert split_text("") == [""]
    assert split_text("x" * 4096) == ["x" * 4096]


def test_split_text_cuts_at_breaks_within_the_limit() -> None:
    paragraph = ("ord " * 300).strip()  # 1199 characters
    text = "\n\n".join([paragraph] * 5)  # 6003 characters
    parts = split_text(text)
    assert len(parts) == 2
    assert all(len(p) <= 4096 for p in parts)
    assert parts[0].endswith("ord") and parts[1].startswith("ord")
    assert " ".join(" ".join(parts).split()) == " ".join(text.split())
    # Without any break: hard cuts, nothing lost.
    parts = split_text("y" * 9000)
    assert [len(p) for p in parts] == [4096, 4096, 808]


def test_split_text_counts_utf16_units_like_telegram() -> None:
    emoji = "🙂" * 3000  # 2 UTF-16 code units each
    parts = split_text(emoji)
    assert [len(p) for p in parts] == [2048, 952]
    assert "".join(parts) == emoji
