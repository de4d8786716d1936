"""bot/storage/transcripts.py: what the patient was shown, kept on the conversation row."""

from __future__ import annotations

from bot.storage.transcripts import presented_after


def test_markers_last_item_and_last_kind() -> None:
    after_intro = presented_after(None, None, {"kind": "intro", "questionnaire": "who5"})
    assert after_intro == {"markers": ["intro", "intro:who5"], "last_link_id": None,
                           "last_kind": "intro"}
    asked = presented_after(after_intro, "who5-1", {"kind": "question", "questionnaire": "who5"})
    assert asked["markers"] == ["intro", "intro:who5", "who5-1", "question", "question:who5"]
    assert (asked["last_link_id"], asked["last_kind"]) == ("who5-1", "question")
    plain = presented_after(asked, None, None)
    assert plain["markers"] == asked["markers"]
    assert (plain["last_link_id"], plain["last_kind"]) == ("who5-1", None)


def test_the_input_is_not_changed_in_place() -> None:
    # SQLAlchemy sees a JSON column change only when a new value is assigned.
    before = presented_after(None, "who5-1", {"kind": "question"})
    copy = {**before, "markers": list(before["markers"])}
    presented_after(before, "who5-2", {"kind": "question"})
    assert before == copy
