"""A patient answers the preparation (forberedelse) through the conversation service, as the
engine would drive it: free text for what matters most, Ja/Nej buttons for the four Vælg Klogt
questions, option buttons for information and role."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session, sessionmaker

from bot.dialogue.service import Dialogue
from tests.helpers import new_conversation, present, press, question, say, store_replies

WHAT_MATTERS = "At jeg kan passe min have"
# The Vælg Klogt items: yes to the first and the third.
CHOSEN = {"fb-brug-for": True, "fb-fordele": False, "fb-enklere": True, "fb-ingenting": False}
CHOICES = {"fb-information": "main", "fb-rolle": "shared"}


def answer_preparation(
    service: Dialogue,
    session_factory: sessionmaker[Session],
    conversation_id: str | None = None,
    *,
    what_matters: str | None = WHAT_MATTERS,
    chosen: Mapping[str, bool] = CHOSEN,
    choices: Mapping[str, str] = CHOICES,
) -> str:
    """Answer every item (``what_matters=None``: skip it) and complete; the conversation id."""
    cid = conversation_id or new_conversation(session_factory, "forberedelse")
    while True:
        replies = present(service, session_factory, cid)
        if not any(r.link_id for r in replies):
            break
        link_id = question(replies).link_id
        assert link_id is not None
        if link_id == "fb-vigtigst":
            if what_matters is None:
                say(service, session_factory, cid, "/skip", intent="skip")
            else:
                say(service, session_factory, cid, what_matters)
        elif link_id in chosen:
            press(service, session_factory, cid, link_id, "true" if chosen[link_id] else "false")
        else:
            press(service, session_factory, cid, link_id, choices[link_id])
    store_replies(session_factory, cid, service.complete(cid).replies)
    return cid
