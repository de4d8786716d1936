"""Load and validate questionnaire files (``dialogues/questionnaires/*.yml``).

The file format is described field by field in ``docs/QUESTIONNAIRES.md``. Every problem is
reported as a ``QuestionnaireError`` that names the file, the item (when there is one) and the
problem, so that a content editor can fix it without reading code.

- ``shape``: the error, and checks of the shape of single values (text, numbers, mappings);
- ``items``: items, their answer options and ``enableWhen`` conditions;
- ``rules``: scoring rules with their bands, and alert rules;
- ``document``: reading a file, its top-level keys, and a whole directory.
"""

from __future__ import annotations

from bot.questionnaire.loader.document import (
    DEFAULT_CANONICAL_BASE,
    load_directory,
    load_questionnaire,
)
from bot.questionnaire.loader.shape import QuestionnaireError

__all__ = ["DEFAULT_CANONICAL_BASE", "QuestionnaireError", "load_directory", "load_questionnaire"]
