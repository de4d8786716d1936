"""The body of a patient's chat POST, read and checked before anything is stored.

The body is read from the stream with a cap (a chunked body has no Content-Length to trust),
decoded as strict UTF-8 and parsed only when its nesting is shallow. Typed text is cleaned so
that nothing a patient meant is lost and nothing that breaks storage or display is kept:
lone surrogates become U+FFFD, control characters other than newline and tab are dropped,
line ends become "\\n", and the text is NFC-normalised. Keys other than `text`, `payload` and
`link_id` are ignored (documented in the OpenAPI description).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass

from bot.i18n import Texts
from bot.turn.payloads import BadInput, validate_payload

MAX_BODY_BYTES = 16 * 1024
# The body is one flat object; anything deeper is not ours, and is refused before parsing
# so the parser never recurses into it.
MAX_DEPTH = 4
LINK_ID_PATTERN = re.compile(r"[A-Za-z0-9._-]{1,64}")
_JSON_TYPES = ("application/json",)
_SURROGATE = re.compile(r"[\ud800-\udfff]")
# C0 controls except tab and newline, DEL, and C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)


@dataclass(frozen=True)
class ChatPost:
    """What the patient sent: typed `text` (cleaned) or a button `payload`, and the item
    (`link_id`) the page showed when they typed."""

    text: str | None
    payload: str | None
    link_id: str | None = None


@dataclass(frozen=True)
class InputError:
    """Why the body was refused: the HTTP status and the message for the patient."""

    status: int
    message: str


def clean_text(text: str) -> str:
    """Typed text as it is stored: what the patient meant, without what breaks things."""
    text = _SURROGATE.sub("\ufffd", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    return unicodedata.normalize("NFC", text)


def too_deep(body: bytes, limit: int = MAX_DEPTH) -> bool:
    """Whether the JSON nests deeper than `limit` (strings are not looked into)."""
    depth = 0
    for char in _STRINGS.sub(b'""', body):
        if char in b"[{":
            depth += 1
            if depth > limit:
                return True
        elif char in b"]}":
            depth -= 1
    return False


def unreadable(texts: Texts) -> str:
    return texts._("The message could not be read. Please try again.")


def too_large(texts: Texts) -> str:
    return texts._("The message is too long. Please write it a little shorter.")


def empty(texts: Texts) -> str:
    return texts._("The message is empty. Please write something first.")


def stale_button(texts: Texts) -> str:
    return texts._("That button does not work. Please use the newest buttons.")


def _json_content_type(value: str | None) -> bool:
    if value is None:  # a client that says nothing is read as JSON
        return True
    media_type = value.split(";", 1)[0].strip().lower()
    return media_type in _JSON_TYPES or media_type.endswith("+json")


async def read_capped(chunks: AsyncIterator[bytes], limit: int) -> bytes | None:
    """The whole body, or None as soon as it grows past `limit` (the rest is never read)."""
    body = bytearray()
    async for chunk in chunks:
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)


def _string_or_none(data: dict[str, object], key: str) -> tuple[bool, str | None]:
    value = data.get(key)
    return (value is None or isinstance(value, str)), (value if isinstance(value, str) else None)


def parse(body: bytes, texts: Texts, max_chars: int) -> ChatPost | InputError:
    """Check a whole body (already capped in size)."""
    if too_deep(body):
        return InputError(400, unreadable(texts))
    try:
        data = json.loads(body.decode("utf-8").removeprefix("\ufeff"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return InputError(400, unreadable(texts))
    if not isinstance(data, dict):
        return InputError(400, unreadable(texts))
    checks = [_string_or_none(data, key) for key in ("text", "payload", "link_id")]
    if not all(ok for ok, _value in checks):
        return InputError(400, unreadable(texts))
    text, payload, link_id = (value for _ok, value in checks)
    if (text is None) == (payload is None):
        return InputError(400, unreadable(texts))
    if link_id is not None and not LINK_ID_PATTERN.fullmatch(link_id):
        return InputError(400, unreadable(texts))
    if text is not None:
        text = clean_text(text)
        if len(text) > max_chars:
            message = texts._(
                "The message is too long. Please write at most {n} characters.", n=max_chars
            )
            return InputError(413, message)
        if not text.strip():
            return InputError(400, empty(texts))
    else:
        try:
            payload = validate_payload(payload or "")
        except BadInput:
            return InputError(400, stale_button(texts))
    return ChatPost(text=text, payload=payload, link_id=link_id)


async def read_post(
    chunks: AsyncIterator[bytes],
    headers: Mapping[str, str],
    texts: Texts,
    max_chars: int,
) -> ChatPost | InputError:
    """Read and check a chat POST. `headers` are the request's (lower-case names)."""
    if not _json_content_type(headers.get("content-type")):
        return InputError(415, unreadable(texts))
    length = headers.get("content-length")
    if (
        length is not None
        and length.isascii()
        and length.isdigit()
        and int(length) > MAX_BODY_BYTES
    ):
        return InputError(413, too_large(texts))
    body = await read_capped(chunks, MAX_BODY_BYTES)
    if body is None:
        return InputError(413, too_large(texts))
    return parse(body, texts, max_chars)
