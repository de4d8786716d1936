"""Questionnaire engine: schema, loading, answer interpretation, flow, scoring and alerts.

Pure Python (stdlib, PyYAML, RapidFuzz). Nothing here knows about Rasa, the web, Telegram or
the database. The file format is described in ``docs/QUESTIONNAIRES.md``.
"""

from __future__ import annotations

from bot.questionnaire.flow import (
    displays_before,
    is_complete,
    is_enabled,
    next_item,
    previous_answered,
    progress,
)
from bot.questionnaire.interpret import Interpretation, interpret
from bot.questionnaire.loader import QuestionnaireError, load_directory, load_questionnaire
from bot.questionnaire.model import (
    LEVELS,
    AlertRule,
    AnswerOption,
    Answers,
    AnswerValue,
    Band,
    EnableWhen,
    Item,
    ItemType,
    Questionnaire,
    ScoringRule,
)
from bot.questionnaire.normalize import NUMBER_WORDS, normalize, parse_number
from bot.questionnaire.scoring import (
    AlertHit,
    ScoreResult,
    evaluate_alerts,
    item_alerts,
    score,
    triage,
)

__all__ = [
    "LEVELS",
    "NUMBER_WORDS",
    "AlertHit",
    "AlertRule",
    "AnswerOption",
    "AnswerValue",
    "Answers",
    "Band",
    "EnableWhen",
    "Interpretation",
    "Item",
    "ItemType",
    "Questionnaire",
    "QuestionnaireError",
    "ScoreResult",
    "ScoringRule",
    "displays_before",
    "evaluate_alerts",
    "interpret",
    "is_complete",
    "is_enabled",
    "item_alerts",
    "load_directory",
    "load_questionnaire",
    "next_item",
    "normalize",
    "parse_number",
    "previous_answered",
    "progress",
    "score",
    "triage",
]
