"""Spelling of every Danish string the bot shows (hunspell, da_DK).

See docs/LITERACY.md, section "Spelling", and the module docstring of test_text_quality.py.
Every catalog msgstr and every Danish text of the questionnaire files is checked with
`hunspell -d da_DK -l` (Debian's `hunspell` and `hunspell-da`, installed by
scripts/install-system-deps.sh; the test fails, not skips, without them). Words that are right
but not in the dictionary are in tests/literacy/words.txt, one per line with the reason.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import fields
from pathlib import Path

import pytest

from bot.literacy.readability import words
from bot.questionnaire.model import AnswerOption, Item, Questionnaire
from tests.literacy.test_text_quality import (
    DIGITS,
    PLACEHOLDER,
    URL,
    Text,
    load_questionnaires,
    spelling_texts,
)

WORD_LIST = Path(__file__).with_name("words.txt")
INSTALL_SCRIPT = "scripts/install-system-deps.sh"
HUNSPELL_DICTIONARY = Path("/usr/share/hunspell/da_DK")


@pytest.fixture(scope="module")
def questionnaires() -> dict[str, Questionnaire]:
    return load_questionnaires()


# -- spelling ---------------------------------------------------------------------------------


def spelling_words(text: str) -> list[str]:
    """The words hunspell should see: no placeholders, links, digits or punctuation."""
    text = PLACEHOLDER.sub(" ", text)
    text = URL.sub(" ", text)
    text = DIGITS.sub(" ", text)
    return [w.strip("-'’") for w in words(text) if w.strip("-'’")]


def read_word_list() -> dict[str, str]:
    """tests/literacy/words.txt: `word  # why it is right`; '#' lines are comments."""
    entries: dict[str, str] = {}
    for number, line in enumerate(WORD_LIST.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        word, _, reason = line.partition("#")
        word = word.strip()
        assert word and " " not in word, f"words.txt line {number}: one word per line"
        assert reason.strip(), f"words.txt line {number}: say why {word!r} is right (# ...)"
        assert word not in entries, f"words.txt line {number}: {word!r} twice"
        entries[word] = reason.strip()
    return entries


def in_word_list(word: str, entries: dict[str, str]) -> bool:
    """Exact, or with a capital first letter at the start of a sentence."""
    return word in entries or (word[:1].lower() + word[1:]) in entries


def hunspell_misspelled(candidates: set[str]) -> set[str]:
    """The words `hunspell -d da_DK -l` does not know."""
    binary = shutil.which("hunspell")
    dictionary = HUNSPELL_DICTIONARY.with_suffix(".dic")
    if binary is None or not dictionary.exists():
        pytest.fail(
            "the spell check needs Debian's hunspell and hunspell-da "
            f"({'no hunspell binary' if binary is None else f'no {dictionary}'}): "
            f"run `sudo {INSTALL_SCRIPT}` (or apt-get install hunspell hunspell-da)"
        )
    result = subprocess.run(
        [binary, "-d", str(HUNSPELL_DICTIONARY), "-i", "utf-8", "-l"],
        input="\n".join(sorted(candidates)) + "\n",
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, f"hunspell failed: {result.stderr}"
    return {line.strip() for line in result.stdout.splitlines() if line.strip()}


@pytest.fixture(scope="module")
def misspelled(questionnaires: dict[str, Questionnaire]) -> dict[str, list[Text]]:
    """Each word hunspell flags, with the texts that use it."""
    uses: dict[str, list[Text]] = {}
    for text in spelling_texts(questionnaires):
        for word in spelling_words(text.text):
            uses.setdefault(word, []).append(text)
    flagged = hunspell_misspelled(set(uses))
    return {word: uses[word] for word in sorted(flagged)}


def test_danish_texts_are_spelled_correctly(misspelled: dict[str, list[Text]]) -> None:
    entries = read_word_list()
    print(f"\nhunspell flags {len(misspelled)} words:")
    for word, uses in misspelled.items():
        status = "words.txt" if in_word_list(word, entries) else "MISSPELLED"
        print(f"  {word:<20} {status:<10} {uses[0].source} {uses[0].where}")
    wrong = [
        f"  {word!r} in {uses[0].source} {uses[0].where}: {uses[0].text!r}"
        for word, uses in misspelled.items()
        if not in_word_list(word, entries)
    ]
    assert not wrong, (
        "hunspell (da_DK) does not know these words. Fix the spelling, or, for a correct term, "
        "add it to tests/literacy/words.txt with the reason:\n" + "\n".join(wrong)
    )


def test_every_entry_of_the_word_list_is_needed(misspelled: dict[str, list[Text]]) -> None:
    entries = read_word_list()
    unused = [word for word in entries if not any(in_word_list(w, {word: ""}) for w in misspelled)]
    assert not unused, (
        "remove from tests/literacy/words.txt (hunspell knows them, or no text uses them): "
        + ", ".join(unused)
    )


def test_text_fields_cover_the_model() -> None:
    """A new text field in the model must be added to the checks above."""
    assert {f.name for f in fields(Item)} == {
        "link_id", "type", "text", "prefix", "required", "options", "min_value", "max_value",
        "min_label", "max_label", "help", "why", "option_help", "variants", "example",
        "enable_when", "enable_behavior", "section",
    }  # fmt: skip
    assert {f.name for f in fields(AnswerOption)} == {
        "code", "display", "score", "short", "synonyms", "help",
    }  # fmt: skip
