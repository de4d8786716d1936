"""Fixtures for the questionnaire engine tests (pure Python, no database)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.questionnaire.loader import load_directory
from bot.questionnaire.model import AnswerValue, Questionnaire

QUESTIONNAIRE_DIR = Path(__file__).resolve().parents[2] / "dialogues" / "questionnaires"


@pytest.fixture(scope="session")
def shipped() -> dict[str, Questionnaire]:
    return load_directory(QUESTIONNAIRE_DIR)


@pytest.fixture(scope="session")
def who5(shipped: dict[str, Questionnaire]) -> Questionnaire:
    return shipped["who5"]


@pytest.fixture(scope="session")
def phq9(shipped: dict[str, Questionnaire]) -> Questionnaire:
    return shipped["phq9"]


@pytest.fixture(scope="session")
def gad7(shipped: dict[str, Questionnaire]) -> Questionnaire:
    return shipped["gad7"]


@pytest.fixture(scope="session")
def bv(shipped: dict[str, Questionnaire]) -> Questionnaire:
    return shipped["behovsvurdering"]


def choice(code: str) -> AnswerValue:
    return AnswerValue(code=code)


def value(v: int | bool | str) -> AnswerValue:
    return AnswerValue(value=v)


SKIPPED = AnswerValue(skipped=True)


MINIMAL: dict[str, Any] = {
    "id": "mini",
    "title": "Mini",
    "version": "1",
    "status": "draft",
    "language": "da",
    "description": "Et lille testskema.",
    "source": "Test.",
    "licence": "Test.",
    "verified": True,
    "unverified": [],
    "validated": False,
    "purpose": "Til test.",
    "intro": {"standard": "Hej."},
    "answer_sets": {
        "yn3": [
            {"code": "0", "display": "Nej", "score": 0},
            {"code": "1", "display": "Lidt", "score": 1},
            {"code": "2", "display": "Meget", "score": 2},
        ]
    },
    "items": [
        {"linkId": "q1", "type": "choice", "text": "Spørgsmål 1?", "answerSet": "yn3"},
        {"linkId": "q2", "type": "integer", "text": "Tal?", "min": 0, "max": 10},
        {
            "linkId": "q3",
            "type": "string",
            "text": "Hvorfor?",
            "enableWhen": [{"question": "q1", "operator": ">", "answer": 0}],
        },
    ],
    "scoring": [
        {
            "id": "total",
            "name": "Total",
            "method": "sum",
            "items": ["q1", "q2"],
            "min": 0,
            "max": 12,
            "bands": [
                {"min": 0, "max": 5, "code": "low", "label": "Lav", "triage": "green"},
                {"min": 6, "max": 12, "code": "high", "label": "Høj", "triage": "red"},
            ],
        }
    ],
    "alerts": [
        {
            "id": "a1",
            "level": "red",
            "message": "High.",
            "score": "total",
            "operator": ">=",
            "value": 6,
        }
    ],
}


@pytest.fixture
def minimal() -> dict[str, Any]:
    """A fresh, valid questionnaire document to break in a test."""
    return copy.deepcopy(MINIMAL)


@pytest.fixture
def write_yaml(tmp_path: Path) -> Callable[..., Path]:
    """Write a document to ``tmp_path/<name>.yml`` and return the path."""

    def write(data: Any, name: str = "mini") -> Path:
        path = tmp_path / f"{name}.yml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
        return path

    return write
