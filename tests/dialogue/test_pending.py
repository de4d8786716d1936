"""bot/dialogue/pending.py: the stored JSON of an answer awaiting confirmation."""

from __future__ import annotations

from bot.dialogue.pending import PendingChoice, PendingConfirmation, pending_data, pending_from


def test_round_trip_keeps_every_field() -> None:
    confirmation = PendingConfirmation(
        link_id="who5-1", message_id=12, code="3", value=None, display="Lidt af tiden",
        raw_text="lidtt", reason="fuzzy",
    )
    assert pending_from(pending_data(confirmation)) == confirmation
    assert pending_from(pending_data(PendingChoice("who5-2"))) == PendingChoice("who5-2")


def test_the_json_shape_is_the_one_already_stored() -> None:
    # Conversations paused mid-confirmation before the redesign hold this shape.
    stored = {"message_id": 3, "link_id": "phq9-9", "code": None, "value": 2,
              "display": "2", "raw_text": "to", "reason": "number"}
    pending = pending_from(stored)
    assert isinstance(pending, PendingConfirmation)
    assert pending_data(pending) == stored
    assert pending_from({"link_id": "who5-1", "kind": "choose"}) == PendingChoice("who5-1")


def test_nothing_pending() -> None:
    assert pending_from(None) is None
    assert pending_from({}) is None
