"""Button payloads: the one place that builds and checks them.

A payload is Rasa's "/intent{json}" form, e.g. `/inform{"code":"5","link_id":"who5-1"}`; the
engine reads the intent and entities from it without classifying text.
"""

from __future__ import annotations

import json
import re

PAYLOAD_PATTERN = re.compile(r"^/[a-z_]{2,40}(\{[^{}]{0,300}\})?$")
# Entity names and values this bot puts in payloads: option codes and linkIds. Anything else
# (control characters, lone surrogates, markup) cannot come from one of its buttons.
ENTITY_KEY = re.compile(r"[a-z_]{1,20}")
ENTITY_VALUE = re.compile(r"[A-Za-z0-9._-]{1,64}")
# Sent by the web page and Telegram when the chat opens, and by the "Fortsæt" button.
START_PAYLOAD = "/start"


class BadInput(ValueError):
    """The request cannot be a patient turn (for example a forged button payload)."""


def intent_payload(intent: str, **entities: str) -> str:
    if not entities:
        return f"/{intent}"
    return f"/{intent}" + json.dumps(entities, separators=(",", ":"), sort_keys=True)


def answer_payload(link_id: str, code: str) -> str:
    """The payload of an answer button: the option code for one item."""
    return intent_payload("inform", code=code, link_id=link_id)


def validate_payload(payload: str) -> str:
    """The payload stripped, or BadInput if it is not one this bot could have sent."""
    payload = payload.strip()
    if not PAYLOAD_PATTERN.match(payload):
        raise BadInput("payload is not a button payload of this bot")
    body = payload[payload.find("{") :] if "{" in payload else ""
    if body:
        try:
            decoded = json.loads(body)
        except ValueError as error:
            raise BadInput("payload has malformed data") from error
        if not isinstance(decoded, dict) or not all(
            ENTITY_KEY.fullmatch(key) and isinstance(value, str) and ENTITY_VALUE.fullmatch(value)
            for key, value in decoded.items()
        ):
            raise BadInput("payload has malformed data")
    return payload
