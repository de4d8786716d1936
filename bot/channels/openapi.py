"""The OpenAPI 3.1 description of the patient chat API, served at `GET /api/openapi.json`.

A static description: the tests check that its paths are the app's routes and that the
status codes it lists are the ones the app returns.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot.channels.chat_input import LINK_ID_PATTERN, MAX_BODY_BYTES

_ERROR = {"$ref": "#/components/schemas/Error"}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ERROR}}}


_TOKEN = {
    "name": "token",
    "in": "path",
    "required": True,
    "description": "The patient's link token (a bearer secret).",
    "schema": {"type": "string"},
}
_GONE = _error("The link was revoked or has expired; nothing is stored.")
_UNKNOWN = _error("Unknown link.")

SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "Patient chat API",
        "version": "1",
        "description": (
            'The web chat\'s JSON API. Every error is JSON {"error": "..."} with a message '
            "in the patient's language (Danish), which the page shows to the patient."
        ),
    },
    "paths": {
        "/chat/{token}": {
            "get": {
                "summary": "The patient's chat page (HTML).",
                "parameters": [_TOKEN],
                "responses": {
                    "200": {"description": "The page.", "content": {"text/html": {}}},
                    "404": {
                        "description": "Unknown link (an HTML page).",
                        "content": {"text/html": {}},
                    },
                    "410": {
                        "description": "Revoked or expired link (an HTML page).",
                        "content": {"text/html": {}},
                    },
                },
            }
        },
        "/api/chat/{token}/messages": {
            "get": {
                "summary": "The conversation so far (the read is audited).",
                "parameters": [_TOKEN],
                "responses": {
                    "200": {
                        "description": "The transcript.",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/Transcript"}
                            }
                        },
                    },
                    "404": _UNKNOWN,
                    "410": _GONE,
                },
            },
            "post": {
                "summary": "Send typed text or a button payload; answers with the bot's replies.",
                "parameters": [_TOKEN],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/ChatPost"}}
                    },
                },
                "responses": {
                    "200": {
                        "description": "The bot's replies (stored in the transcript).",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Replies"}}
                        },
                    },
                    "400": _error(
                        "Not a chat message: not JSON, not UTF-8, nested too deep, wrong types, "
                        "both or neither of text and payload, an empty text, a malformed "
                        "link_id, or a payload that is not one of this bot's buttons."
                    ),
                    "404": _UNKNOWN,
                    "410": _GONE,
                    "413": _error(
                        f"The body is over {MAX_BODY_BYTES} bytes (also when sent chunked), or "
                        "the text is over the longest typed message (BOT_MAX_MESSAGE_CHARS)."
                    ),
                    "415": _error("A Content-Type other than JSON (none is read as JSON)."),
                },
            },
        },
        "/api/chat/{token}/audio/{message_id}": {
            "get": {
                "summary": "A bot message read aloud (WAV), when the patient asked for it.",
                "parameters": [
                    _TOKEN,
                    {
                        "name": "message_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
                    },
                ],
                "responses": {
                    "200": {"description": "The speech.", "content": {"audio/wav": {}}},
                    "404": _error("No audio for this message (or unknown link)."),
                    "410": _GONE,
                    "503": _error("Read-aloud is not installed on the server."),
                },
            }
        },
    },
    "components": {
        "schemas": {
            "Error": {
                "type": "object",
                "required": ["error"],
                "properties": {"error": {"type": "string"}},
                "additionalProperties": False,
            },
            "ChatPost": {
                "type": "object",
                "description": (
                    "Exactly one of text and payload. Other keys are ignored. Typed text is "
                    "stored cleaned: lone surrogates become U+FFFD, control characters other "
                    "than newline and tab are dropped, line ends become \\n, NFC."
                ),
                "properties": {
                    "text": {"type": "string", "minLength": 1},
                    "payload": {
                        "type": "string",
                        "description": "A button's payload as the bot sent it.",
                    },
                    "link_id": {
                        "type": "string",
                        "pattern": f"^{LINK_ID_PATTERN.pattern}$",
                        "description": "The item the page showed when the patient typed.",
                    },
                },
                "additionalProperties": True,
            },
            "Button": {
                "type": "object",
                "properties": {"title": {"type": "string"}, "payload": {"type": "string"}},
            },
            "Replies": {
                "type": "object",
                "properties": {
                    "messages": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "text": {"type": "string"},
                                "buttons": {
                                    "type": "array",
                                    "items": {"$ref": "#/components/schemas/Button"},
                                },
                                "link_id": {"type": ["string", "null"]},
                                "audio_url": {"type": "string"},
                            },
                        },
                    }
                },
            },
            "Transcript": {
                "type": "object",
                "properties": {
                    "messages": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "from": {"enum": ["patient", "bot"]},
                                "text": {"type": "string"},
                                "kind": {"type": "string"},
                                "at": {"type": "string", "format": "date-time"},
                                "buttons": {
                                    "type": "array",
                                    "items": {"$ref": "#/components/schemas/Button"},
                                },
                                "payload": {"type": ["string", "null"]},
                                "audio_url": {"type": "string"},
                            },
                        },
                    }
                },
            },
        }
    },
}

# Every route: the app refuses oversized headers before routing (bot/request_limits.py).
for _operations in SPEC["paths"].values():
    for _operation in _operations.values():
        _operation["responses"]["431"] = _error("Too many or too large request headers.")


async def openapi_endpoint(request: Request) -> Response:
    return JSONResponse(SPEC)
