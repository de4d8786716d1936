"""The safety net (bot/dialogue/safety.py) and the shared-decision intents (issue 12): leaving the
study, deletion and relatives are said with words close to a crisis ("jeg vil ikke være med
mere" beside "jeg vil ikke være her mere"). The net must not flag the first kind, or a patient
who leaves gets the crisis message and the team an alarm; it must keep flagging the second.
Fast: no engine. The classifier's side is in tests/dialogues/ (test stories, held-out Round 4)."""

from __future__ import annotations

import pytest

from bot.dialogue.safety import is_crisis
from bot.settings import PROJECT_ROOT
from tests.dialogue.test_safety import examples

DECISIONS = ("doctor_question", "invite_relative", "revoke_relative", "withdraw", "delete_data")


@pytest.mark.parametrize(
    "text",
    [
        "jeg vil ikke være med mere",
        "Jeg vil ikke være med mere!",
        "jeg vil ikke være med længere",
        "jeg vil ik vær med mer",
        "jeg orker ikke at være med mere",
        "jeg gider ikke være med i undersøgelsen mere",
        "jeg vil ikke deltage længere",
        "træk mit samtykke tilbage",
        "jeg trækker mig",
        "jeg trækker mig fra det hele",
        "jeg vil melde mig ud",
        "afmeld mig",
        "jeg vil ud af det her",
        "jeg er færdig med at være med",
        "jeg har besluttet at jeg ikke vil være med mere",
        "slet mine data",
        "fjern alt om mig",
        "slet det hele og glem mig",
        "I skal slette det jeg har skrevet",
        "min søn skal ikke have adgang mere",
        "tag adgangen fra min mand",
        "min datter skal ikke være med mere",
        "jeg har et spørgsmål til lægen",
    ],
)
def test_leaving_and_deletion_are_not_a_crisis(text: str) -> None:
    assert is_crisis(text) is False


@pytest.mark.parametrize(
    "text",
    [
        "jeg vil ikke leve mere",
        "jeg orker ikke at leve",
        "jeg orker ikke at leve mere",
        "jeg vil ikke være her mere",
        "jeg vil ikke være til mere",
        "jeg vil ikke være med mere jeg vil dø",
        "jeg trækker mig fra undersøgelsen fordi jeg vil tage mit liv",
        "slet mine data jeg skal alligevel ikke leve længere",
        "jeg vil ikke leve mere så i kan slette mine svar",
    ],
)
def test_crisis_stays_a_crisis_beside_the_same_words(text: str) -> None:
    assert is_crisis(text) is True


def test_no_shared_decision_example_is_flagged() -> None:
    """Training data and held-out utterances of the new intents, typed as they stand."""
    rows = examples(PROJECT_ROOT / "dialogues" / "data" / "nlu" / "decisions.yml")
    rows += examples(PROJECT_ROOT / "tests" / "nlu" / "heldout.yml")
    texts = [text for text, intent, _ in rows if intent in DECISIONS]
    assert len(texts) > 300
    assert [text for text in texts if is_crisis(text)] == []
