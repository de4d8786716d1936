"""The message catalogs: patients read the Danish one, so it must be complete, correct and plain.

- every message in locales/messages.pot has a reviewed (non-empty, non-fuzzy) Danish text;
- each Danish text has exactly the `{placeholders}` of its English message id;
- locales/messages.pot is up to date with the source (scripts/update_locales.sh);
- the Danish texts say "du", never the formal "De"/"Dem"/"Deres", and quote with „…“;
- the commands the texts tell patients to write are ones the bot is trained on;
- the Danish texts are easy to read: average LIX at most 35 (the table is printed; see it with
  `pytest tests/test_locales.py -s`).

After changing a text in the code: run scripts/update_locales.sh and translate what it reports.
"""

from __future__ import annotations

import os
import re
import string
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

from bot.literacy.readability import lix, sentences, words

ROOT = Path(__file__).resolve().parents[1]
LOCALES = ROOT / "locales"
POT = LOCALES / "messages.pot"
UPDATE_SCRIPT = ROOT / "scripts" / "update_locales.sh"
NLU_DIR = ROOT / "dialogues" / "data" / "nlu"
MAX_AVERAGE_LIX = 35.0

# The formal address; "de"/"dem"/"deres" in lower case mean "they/them/their" and are fine.
FORMAL_PRONOUN = re.compile(r"\b(De|Dem|Deres)\b")
QUOTED = re.compile(r"“([^”]*)”")
# Danish texts quote with „…“ (low, then high); never the English “…” or straight "…".
DANISH_QUOTED = re.compile(r"„([^„“]*)“")
PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def read_catalog(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def texts(value: str | tuple[str, ...] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return value if isinstance(value, tuple) else (value,)


def message_ids(catalog: Catalog) -> set[str]:
    return {
        str(message.id if isinstance(message.id, str) else message.id[0])
        for message in catalog
        if message.id
    }


def placeholders(text: str) -> set[str]:
    """The `{name}` fields of a str.format text (raises ValueError if the braces are broken)."""
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


@pytest.fixture(scope="module")
def template() -> Catalog:
    assert POT.exists(), "locales/messages.pot is missing: run scripts/update_locales.sh"
    return read_catalog(POT)


@pytest.fixture(scope="module")
def danish() -> Catalog:
    path = LOCALES / "da" / "LC_MESSAGES" / "messages.po"
    assert path.exists(), "the Danish catalog is missing: run scripts/update_locales.sh"
    return read_catalog(path, "da")


@pytest.fixture(scope="module")
def translated(template: Catalog, danish: Catalog) -> list[tuple[Message, Message]]:
    """(template message, Danish message) for each message of the template."""
    pairs = []
    for message in template:
        if message.id:
            found = danish.get(message.id, message.context)
            assert found is not None, f"not in the Danish catalog: {message.id!r}"
            pairs.append((message, found))
    return pairs


def test_every_message_has_a_reviewed_danish_text(
    translated: list[tuple[Message, Message]],
) -> None:
    problems = []
    for message, da in translated:
        if da.fuzzy:
            problems.append(f"fuzzy (check it, then remove the flag): {message.id!r}")
        elif not all(text.strip() for text in texts(da.string)) or not texts(da.string):
            problems.append(f"no Danish text: {message.id!r}")
    assert not problems, "\n".join(problems)


def test_danish_texts_keep_the_placeholders(translated: list[tuple[Message, Message]]) -> None:
    problems = []
    for message, da in translated:
        try:
            expected = set().union(*(placeholders(text) for text in texts(message.id)))
            for text in texts(da.string):
                found = placeholders(text)
                if message.pluralizable and found <= expected and found:
                    continue  # a plural form may leave out {n}
                if found != expected:
                    problems.append(
                        f"{message.id!r}: {sorted(found)} instead of {sorted(expected)}"
                    )
                text.format(**dict.fromkeys(found, "x"))
        except (ValueError, IndexError, KeyError) as error:
            problems.append(f"{message.id!r}: broken braces in the Danish text ({error})")
    assert not problems, "\n".join(problems)


def test_template_is_up_to_date_with_the_source(tmp_path: Path, template: Catalog) -> None:
    fresh_path = tmp_path / "messages.pot"
    env = {**os.environ, "PYTHON": sys.executable}
    result = subprocess.run(
        ["bash", str(UPDATE_SCRIPT), "--pot", str(fresh_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    fresh = message_ids(read_catalog(fresh_path))
    stored = message_ids(template)
    new, gone = sorted(fresh - stored), sorted(stored - fresh)
    assert not new and not gone, (
        "locales/messages.pot is out of date: run scripts/update_locales.sh and translate.\n"
        + "".join(f"  new in the code: {text!r}\n" for text in new)
        + "".join(f"  no longer in the code: {text!r}\n" for text in gone)
    )


def test_danish_texts_say_du(translated: list[tuple[Message, Message]]) -> None:
    formal = [
        f"{FORMAL_PRONOUN.findall(text)}: {text!r}"
        for _, da in translated
        for text in texts(da.string)
        if FORMAL_PRONOUN.search(text)
    ]
    assert not formal, "use “du/dig/din”, not the formal form:\n" + "\n".join(formal)


def trained_examples() -> set[str]:
    examples: set[str] = set()
    for path in sorted(NLU_DIR.glob("*.yml")):
        for line in path.read_text(encoding="utf-8").splitlines():
            match = re.match(r"^\s+- (.+?)\s*$", line)
            if match:
                examples.add(match.group(1).lower())
    return examples


def test_commands_in_danish_texts_are_ones_the_bot_knows(
    translated: list[tuple[Message, Message]],
) -> None:
    if not NLU_DIR.is_dir():
        pytest.skip("no NLU training data in dialogues/data/nlu")
    known = trained_examples()
    unknown = []
    for message, da in translated:
        english_quotes = QUOTED.findall(" ".join(texts(message.id)))
        for text in texts(da.string):
            for quoted in DANISH_QUOTED.findall(text):
                if "{" in quoted or not english_quotes:
                    continue  # a quoted answer or name, not a command to write
                if quoted.lower() not in known:
                    unknown.append(f"“{quoted}” in {text!r}")
    assert not unknown, "commands that no NLU example teaches the bot:\n" + "\n".join(unknown)


def test_danish_texts_use_danish_quote_marks(
    translated: list[tuple[Message, Message]],
) -> None:
    wrong = [
        text
        for _, da in translated
        for text in texts(da.string)
        if DANISH_QUOTED.sub("", text).count("“")
        or re.search(r"[”\"«»„]", DANISH_QUOTED.sub("", text))
    ]
    assert not wrong, "quote with „…“ in Danish texts:\n" + "\n".join(wrong)


def test_danish_texts_are_easy_to_read(translated: list[tuple[Message, Message]]) -> None:
    # Placeholders become a short number-like word, as most of their values are (112, 3).
    scores = sorted(
        (
            (lix(PLACEHOLDER.sub("1", text)), text)
            for _, da in translated
            for text in texts(da.string)
        ),
        reverse=True,
    )
    assert scores, "no Danish texts"
    average = sum(score for score, _ in scores) / len(scores)
    print(f"\nLIX of {len(scores)} Danish texts (hardest first):")
    for score, text in scores:
        print(f"  {score:5.1f}  {text!r}")
    print(f"average LIX {average:.1f} (at most {MAX_AVERAGE_LIX:g}), max {scores[0][0]:.1f}")
    hardest = "\n".join(f"  {score:5.1f}  {text!r}" for score, text in scores[:10])
    assert average <= MAX_AVERAGE_LIX, (
        f"average LIX {average:.1f} is over {MAX_AVERAGE_LIX:g}: use shorter sentences and "
        f"words. Hardest:\n{hardest}"
    )


def test_english_catalog_is_the_identity(template: Catalog) -> None:
    path = LOCALES / "en" / "LC_MESSAGES" / "messages.po"
    assert path.exists(), "the English catalog is missing: run scripts/update_locales.sh"
    english = read_catalog(path, "en")
    assert message_ids(english) >= message_ids(template)
    changed = [
        message.id
        for message in english
        if message.id
        and any(text and text not in texts(message.id) for text in texts(message.string))
    ]
    assert not changed, f"English texts must equal their message ids: {changed}"


@pytest.mark.parametrize(
    ("text", "expected_words", "expected_sentences", "expected_lix"),
    [
        ("", 0, 1, 0.0),
        ("Tak. Lad os begynde.", 4, 2, 2 + 100 * 1 / 4),
        ("Spørgsmål om, hvordan du har det", 6, 1, 6 + 100 * 2 / 6),
        ("Du kan skrive:\n• “pause” – vi stopper\n• “fortsæt”", 7, 3, 7 / 3 + 100 * 2 / 7),
        ("Ring 112 eller 70 201 201.", 6, 1, 6.0),
    ],
)
def test_lix(text: str, expected_words: int, expected_sentences: int, expected_lix: float) -> None:
    assert len(words(text)) == expected_words
    assert sentences(text) == expected_sentences
    assert lix(text) == pytest.approx(expected_lix)
