"""bot/turn/messages.py: one button shape inside, the JSON shape at the edges."""

from __future__ import annotations

from bot.turn.messages import Button, Inbound, Reply


def test_buttons_given_as_pairs_become_buttons() -> None:
    reply = Reply("Vælg", buttons=(("Ja", "/affirm"),))  # type: ignore[arg-type]
    assert reply.buttons == (Button("Ja", "/affirm"),)
    assert reply.buttons[0].title == "Ja"
    assert reply.buttons[0].as_dict() == {"title": "Ja", "payload": "/affirm"}


def test_read_aloud_only_for_a_stored_message_marked_audio() -> None:
    assert not Reply("Spørgsmål", meta={"audio": True}).read_aloud
    assert Reply("Spørgsmål", meta={"audio": True}, message_id=7).read_aloud
    assert not Reply("Spørgsmål", message_id=7).read_aloud


def test_inbound_keeps_the_actions_positional_order() -> None:
    inbound = Inbound("c1", "hvad betyder det", "explain")
    assert (inbound.conversation_id, inbound.text, inbound.intent) == (
        "c1", "hvad betyder det", "explain"
    )
    assert inbound.channel is None and inbound.payload is None and dict(inbound.entities) == {}
