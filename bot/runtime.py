"""The running app's conversation service, for the actions that the engine calls back.

rasa-sdk instantiates actions itself, so they cannot be handed the service; the app installs
it here at start-up instead.
"""

from __future__ import annotations

from bot.conversation import ConversationService

_service: ConversationService | None = None


def install(service: ConversationService | None) -> None:
    global _service
    _service = service


def service() -> ConversationService:
    if _service is None:
        raise RuntimeError("the conversation service is not installed (is the app running?)")
    return _service
