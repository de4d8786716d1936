"""Loader, whole files: reading a file, its top-level keys, and a directory of files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.questionnaire.loader import QuestionnaireError, load_directory, load_questionnaire

from ..conftest import QUESTIONNAIRE_DIR
from .conftest import Case, rejection_test


def test_canonical_base_is_used_for_the_url() -> None:
    q = load_questionnaire(QUESTIONNAIRE_DIR / "who5.yml", canonical_base="https://x.dk/Q/")
    assert q.url == "https://x.dk/Q/who5"
    assert load_directory(QUESTIONNAIRE_DIR, canonical_base="https://y.dk")["gad7"].url == (
        "https://y.dk/gad7"
    )


def test_minimal_document_loads(minimal: dict[str, Any], write_yaml: Callable[..., Path]) -> None:
    q = load_questionnaire(write_yaml(minimal))
    assert q.id == "mini"
    assert q.item("q1").required is True
    assert q.scoring[0].min_answered == 2
    assert [i.link_id for i in q.answerable_items] == ["q1", "q2", "q3"]
    with pytest.raises(KeyError):
        q.item("nope")


def test_bad_yaml_and_not_a_mapping(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("id: [unclosed\n", "utf-8")
    with pytest.raises(QuestionnaireError, match="not valid YAML"):
        load_questionnaire(bad)
    listing = tmp_path / "listing.yml"
    listing.write_text("- a\n- b\n", "utf-8")
    with pytest.raises(QuestionnaireError, match="must be a mapping"):
        load_questionnaire(listing)
    with pytest.raises(QuestionnaireError, match="cannot read"):
        load_questionnaire(tmp_path / "missing.yml")


def test_load_directory_reports_the_broken_file(
    minimal: dict[str, Any], write_yaml: Callable[..., Path], tmp_path: Path
) -> None:
    write_yaml(minimal)
    broken = dict(minimal, id="zz")
    broken["items"] = [dict(minimal["items"][0], answerSet="foo")]
    write_yaml(broken, name="zz")
    with pytest.raises(QuestionnaireError) as caught:
        load_directory(tmp_path)
    assert (caught.value.file, caught.value.item) == ("zz.yml", "q1")


DOCUMENT_CASES: list[Case] = [
    ("unknown top key", lambda d: d.update(colour="blue"), None, "unknown key(s)"),
    ("missing top key", lambda d: d.pop("title"), None, "missing key(s)"),
    (
        "duplicate linkId",
        lambda d: d["items"].append({"linkId": "q1", "type": "string", "text": "Igen?"}),
        "q1",
        "duplicate linkId",
    ),
    (
        "bad level in intro",
        lambda d: d.update(intro={"standard": "Hej", "easy": "Hej"}),
        None,
        "bad level name(s) in intro: easy",
    ),
    ("intro without standard", lambda d: d.update(intro={"plain": "Hej"}), None, "'standard'"),
    ("id differs from file", lambda d: d.update(id="other"), None, "does not match the file name"),
    ("version not text", lambda d: d.update(version=1.0), None, "version must be text"),
    ("bad status", lambda d: d.update(status="live"), None, "status must be one of"),
    (
        "verified with unverified notes",
        lambda d: d.update(unverified=["x"]),
        None,
        "unverified list is not empty",
    ),
]

test_document_errors_name_file_item_and_problem = rejection_test(DOCUMENT_CASES)
