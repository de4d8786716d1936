"""Text quality of everything the bot shows patients: readability (LIX) and spelling.

See docs/LITERACY.md, section "Readability". Print the tables with
`pytest tests/literacy -s`.

Readability (LIX at most 25)
----------------------------
LIX = words / sentences + 100 * long words / words; a long word has more than 6 letters
(`bot/literacy/readability.py`). 25 is the top of the "very easy" band.

The texts checked are the bot texts of the plain and the guided level:

- every questionnaire: `intro_for(level)` and `scale_explanation_for(level)` for level in
  (plain, guided); `purpose`; `help` and `why` of every item and the explanations of answer
  options (option `help`, `optionHelp`). These are the project's own words, also for the
  validated instruments, and they are shown at every level.
- the project's own items (questionnaires with `validated: false`): `text_for("plain")`,
  `text_for("guided")`, `example`, `minLabel`, `maxLabel`, and the option labels (`display`,
  and `short` for the guided buttons).
- every Danish msgstr of locales/da/LC_MESSAGES/messages.po: any of them can be shown at the
  plain and guided levels. Placeholders are filled in before counting: the crisis contacts get
  the defaults of `bot.settings.CrisisContacts` (a name such as "Akuttelefonen" is a word the
  patient reads), every other placeholder (numbers, links, a quoted answer) becomes "1".

EXCLUDED, because they can never change: the exact wording of the validated instruments
(`VALIDATED_INSTRUMENTS`: WHO-5, PHQ-9, GAD-7), which is exactly `EXACT_WORDING_FIELDS`: the
item texts, the answer option texts and the time-frame stem. They are listed in the printed
table as "excluded" with their LIX, for information. The list of validated instruments is
explicit: a questionnaire that sets `validated: true` without being on it fails the test, so
the flag cannot be used to escape the check.

Short texts. A text of n words with one long word has LIX n + 100/n, which is above 25 for
every n below 5 ("Spring spørgsmålet over": 36; "Sjældent": 101). Below 5 words, LIX only
tells whether there is a long word, not whether the text is easy. So a text of fewer than
`SHORT_TEXT_WORDS` (5) words is checked by two rules instead of its own LIX:

1. it has at most one long word;
2. all short texts of its group (one questionnaire file, or the catalog), read together with
   each text as its own sentence, have LIX at most 25. Many short labels with a long word
   each therefore still fail.

Every text of 5 words or more must have a LIX of at most 25 on its own.

Spelling (hunspell)
-------------------
See test_spelling.py (it checks the texts `spelling_texts` collects here, which the
abbreviation test and test_wording.py use too). Abbreviations such as "fx" are not allowed in
texts patients read: write the words out ("for eksempel").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from statistics import mean

import pytest
from babel.messages.pofile import read_po

from bot.literacy.readability import LONG_WORD_LETTERS, lix, words
from bot.questionnaire.loader import load_directory
from bot.questionnaire.model import Questionnaire
from bot.settings import CrisisContacts

ROOT = Path(__file__).resolve().parents[2]
QUESTIONNAIRE_DIR = ROOT / "dialogues" / "questionnaires"
CATALOG = ROOT / "locales" / "da" / "LC_MESSAGES" / "messages.po"
CATALOG_NAME = "messages.po"

MAX_LIX = 25.0
SHORT_TEXT_WORDS = 5
CHECKED_LEVELS = ("plain", "guided")

# The validated instruments: their exact wording is excluded from the LIX check (it may never
# change) but is spell-checked. Must equal the questionnaires that set `validated: true`.
VALIDATED_INSTRUMENTS = frozenset({"who5", "phq9", "gad7"})
EXACT_WORDING_FIELDS = ("item text", "option display", "stem")

# Placeholder values used for LIX: the crisis contacts are words or numbers the patient reads.
_CRISIS = CrisisContacts()
PLACEHOLDER_SAMPLES = {
    "emergency": _CRISIS.emergency,
    "helpline": _CRISIS.medical_helpline,
    "helpline_name": _CRISIS.medical_helpline_name,
    "acute_number": _CRISIS.medical_helpline,
    "acute_name": _CRISIS.medical_helpline_name,
    "livslinien": _CRISIS.livslinien,
}
PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
URL = re.compile(r"https?://\S+|www\.\S+")
DIGITS = re.compile(r"\d+")
# Abbreviations patients should not have to decode; write the words out.
ABBREVIATIONS = re.compile(
    r"\b(fx|f\.eks|bl\.a|evt|ca|mht|osv|dvs|pga|iflg|inkl|ift|vha|mv)\b\.?", re.IGNORECASE
)


@dataclass(frozen=True)
class Text:
    source: str  # file name
    level: str  # "plain", "guided", "plain+guided", or "all" (shown at every level)
    where: str  # which field
    text: str


def load_questionnaires() -> dict[str, Questionnaire]:
    return load_directory(QUESTIONNAIRE_DIR)


def catalog_texts() -> list[str]:
    assert CATALOG.exists(), f"{CATALOG} is missing"
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle, locale="da")
    found: list[str] = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        found.extend(text for text in strings if text and text.strip())
    return found


def fill_placeholders(text: str) -> str:
    return PLACEHOLDER.sub(lambda match: PLACEHOLDER_SAMPLES.get(match.group(1), "1"), text)


# -- the texts of the plain and guided levels ------------------------------------------------


def _level_texts(name: str, label: str, pick: Callable[[str], str | None]) -> Iterator[Text]:
    """One text per level; a level that falls back to the same text is counted once."""
    seen: dict[str, str] = {}
    for level in CHECKED_LEVELS:
        text = pick(level)
        if not text:
            continue
        if text in seen:
            seen[text] = "plain+guided"
            continue
        seen[text] = level
    for text, level in seen.items():
        yield Text(name, level, label, text)


def questionnaire_texts(q: Questionnaire) -> Iterator[Text]:
    """The bot texts of one questionnaire shown at the plain and guided levels (not excluded)."""
    name = f"{q.id}.yml"
    yield from _level_texts(name, "intro", q.intro_for)
    yield from _level_texts(name, "scale_explanation", q.scale_explanation_for)
    yield Text(name, "all", "purpose", q.purpose)
    for item in q.items:
        where = f"item {item.link_id}"
        if not q.validated:
            yield from _level_texts(name, f"{where} text", item.text_for)
            for label, value in (
                ("example", item.example),
                ("minLabel", item.min_label),
                ("maxLabel", item.max_label),
            ):
                if value:
                    yield Text(name, "plain+guided", f"{where} {label}", value)
        for label, value in (("help", item.help), ("why", item.why)):
            if value:
                yield Text(name, "all", f"{where} {label}", value)
        for option in item.options:
            if option.help:
                yield Text(name, "all", f"{where} option {option.code} help", option.help)
            if not q.validated:
                yield Text(name, "all", f"{where} option {option.code}", option.display)
                if option.short:
                    yield Text(name, "guided", f"{where} option {option.code} short", option.short)
        for word, value in item.option_help.items():
            yield Text(name, "all", f"{where} optionHelp {word!r}", value)


def excluded_texts(q: Questionnaire) -> Iterator[Text]:
    """The exact wording of a validated instrument: `EXACT_WORDING_FIELDS`, nothing else."""
    if not q.validated:
        return
    name = f"{q.id}.yml"
    if q.stem:
        yield Text(name, "all", "stem", q.stem)
    for item in q.items:
        yield Text(name, "all", f"item {item.link_id} text", item.text)
        for option in item.options:
            yield Text(name, "all", f"item {item.link_id} option {option.code}", option.display)


def unique(texts: Iterator[Text]) -> list[Text]:
    """Each (file, text) once: the same "why" on every item is one text."""
    seen: dict[tuple[str, str], Text] = {}
    for text in texts:
        key = (text.source, text.text)
        if key not in seen:
            seen[key] = text
    return list(seen.values())


def checked_texts() -> list[Text]:
    found: list[Text] = []
    for q in load_questionnaires().values():
        found.extend(unique(questionnaire_texts(q)))
    found.extend(unique(Text(CATALOG_NAME, "all", "msgstr", t) for t in catalog_texts()))
    return found


def long_words(text: str) -> list[str]:
    return [w for w in words(text) if len(re.findall(r"[^\W\d_]", w)) > LONG_WORD_LETTERS]


def is_short(text: str) -> bool:
    return len(words(fill_placeholders(text))) < SHORT_TEXT_WORDS


def group_text(texts: list[Text]) -> str:
    """Short texts read together, each as its own sentence (one per line)."""
    return "\n".join(fill_placeholders(t.text) for t in texts)


def shown_at(text: Text, level: str) -> bool:
    return text.level in ("all", "plain+guided", level)


def print_table(texts: list[Text], excluded: list[Text]) -> None:
    print(f"\nLIX of the bot texts of the plain and guided levels (max {MAX_LIX:g}):")
    print(f"  {'file':<22} {'level':<13} {'LIX':>5}  {'words':>5}  where / text")
    rows = sorted(texts, key=lambda t: (t.source, -lix(fill_placeholders(t.text))))
    for t in rows:
        filled = fill_placeholders(t.text)
        mark = " (short)" if is_short(t.text) else ""
        print(
            f"  {t.source:<22} {t.level:<13} {lix(filled):5.1f}  {len(words(filled)):>5}  "
            f"{t.where}{mark}: {t.text!r}"
        )
    print("\nSummary per file and level (mean / max LIX; short texts count as their group):")
    print(f"  {'file':<22} {'level':<7} {'texts':>5} {'mean':>6} {'max':>6}")
    sources = sorted({t.source for t in texts})
    for level in CHECKED_LEVELS:
        for source in [*sources, "(all files)"]:
            scores = level_scores(texts, level, None if source == "(all files)" else source)
            if scores:
                print(
                    f"  {source:<22} {level:<7} {len(scores):>5} {mean(scores):6.1f} "
                    f"{max(scores):6.1f}"
                )
    print(
        f"\nExcluded: exact wording of {sorted(VALIDATED_INSTRUMENTS)} "
        f"({', '.join(EXACT_WORDING_FIELDS)}; {len(excluded)} texts):"
    )
    for t in excluded:
        print(f"  {t.source:<22} {lix(t.text):5.1f}  {t.where}: {t.text!r}")


def level_scores(texts: list[Text], level: str, source: str | None) -> list[float]:
    """LIX of each long text shown at `level`, plus one score per group of short texts."""
    chosen = [t for t in texts if shown_at(t, level) and (source is None or t.source == source)]
    scores = [lix(fill_placeholders(t.text)) for t in chosen if not is_short(t.text)]
    for group in sorted({t.source for t in chosen}):
        short = [t for t in chosen if t.source == group and is_short(t.text)]
        if short:
            scores.append(lix(group_text(short)))
    return scores


def spelling_texts(questionnaires: dict[str, Questionnaire]) -> list[Text]:
    """Every Danish string the bot shows (validated wording included, synonyms not)."""
    found = [Text(CATALOG_NAME, "all", "msgstr", t) for t in catalog_texts()]
    for q in questionnaires.values():
        name = f"{q.id}.yml"
        found.append(Text(name, "all", "title", q.title))
        found.append(Text(name, "all", "description", q.description))
        found.append(Text(name, "all", "purpose", q.purpose))
        if q.stem:
            found.append(Text(name, "all", "stem", q.stem))
        for level, value in q.intro.items():
            found.append(Text(name, level, "intro", value))
        for level, value in q.scale_explanation.items():
            found.append(Text(name, level, "scale_explanation", value))
        for item in q.items:
            where = f"item {item.link_id}"
            found.append(Text(name, "standard", f"{where} text", item.text))
            for level, value in item.variants.items():
                found.append(Text(name, level, f"{where} text", value))
            for label in ("help", "why", "example", "min_label", "max_label", "section"):
                value = getattr(item, label)
                if value:
                    found.append(Text(name, "all", f"{where} {label}", value))
            for word, value in item.option_help.items():
                found.append(Text(name, "all", f"{where} optionHelp", f"{word} {value}"))
            for option in item.options:
                for label in ("display", "short", "help"):  # not "synonyms": patients' input
                    value = getattr(option, label)
                    if value:
                        found.append(Text(name, "all", f"{where} option {label}", value))
        for rule in q.scoring:
            found.append(Text(name, "all", f"score {rule.id}", rule.name))
            found.extend(Text(name, "all", f"band {b.code}", b.label) for b in rule.bands)
    return found


@pytest.fixture(scope="module")
def questionnaires() -> dict[str, Questionnaire]:
    return load_questionnaires()


@pytest.fixture(scope="module")
def texts() -> list[Text]:
    return checked_texts()


def test_validated_instruments_are_the_listed_ones(
    questionnaires: dict[str, Questionnaire],
) -> None:
    validated = {qid for qid, q in questionnaires.items() if q.validated}
    assert validated == VALIDATED_INSTRUMENTS, (
        "only the instruments in VALIDATED_INSTRUMENTS may keep wording above LIX 25; "
        f"validated in the files: {sorted(validated)}"
    )


def test_texts_of_plain_and_guided_levels_have_lix_at_most_25(
    questionnaires: dict[str, Questionnaire], texts: list[Text]
) -> None:
    excluded = [t for q in questionnaires.values() for t in unique(excluded_texts(q))]
    print_table(texts, excluded)
    assert {t.source for t in texts} >= {f"{qid}.yml" for qid in questionnaires} | {CATALOG_NAME}
    too_hard = [
        f"  {lix(fill_placeholders(t.text)):5.1f}  {t.source} {t.level} {t.where}: {t.text!r}"
        for t in texts
        if not is_short(t.text) and lix(fill_placeholders(t.text)) > MAX_LIX
    ]
    assert not too_hard, (
        f"LIX above {MAX_LIX:g}: use shorter sentences and more common (shorter) words:\n"
        + "\n".join(too_hard)
    )


def test_short_texts_have_at_most_one_long_word(texts: list[Text]) -> None:
    problems = [
        f"  {t.source} {t.where}: {t.text!r} (long words: {long_words(fill_placeholders(t.text))})"
        for t in texts
        if is_short(t.text) and len(long_words(fill_placeholders(t.text))) > 1
    ]
    assert not problems, (
        f"a text of fewer than {SHORT_TEXT_WORDS} words may have one long word "
        f"(more than {LONG_WORD_LETTERS} letters) at most:\n" + "\n".join(problems)
    )


def test_short_texts_read_together_have_lix_at_most_25(texts: list[Text]) -> None:
    problems = []
    for source in sorted({t.source for t in texts}):
        short = [t for t in texts if t.source == source and is_short(t.text)]
        if not short:
            continue
        score = lix(group_text(short))
        print(f"\n{source}: {len(short)} short texts read together: LIX {score:.1f}")
        if score > MAX_LIX:
            problems.append(
                f"  {source}: LIX {score:.1f} over {len(short)} short texts; long words: "
                + ", ".join(sorted({w for t in short for w in long_words(t.text)}))
            )
    assert not problems, (
        f"the short texts of a file, read together, must have LIX at most {MAX_LIX:g}:\n"
        + "\n".join(problems)
    )


def test_no_abbreviations_in_texts_patients_read(
    questionnaires: dict[str, Questionnaire],
) -> None:
    found = [
        f"  {t.source} {t.where}: {match.group(0)!r} in {t.text!r}"
        for t in spelling_texts(questionnaires)
        if (match := ABBREVIATIONS.search(t.text))
    ]
    assert not found, 'write abbreviations out ("for eksempel", not "fx"):\n' + "\n".join(found)


@pytest.mark.parametrize(
    ("text", "short", "long"),
    [
        ("Sjældent", True, ["Sjældent"]),
        ("Spring spørgsmålet over", True, ["spørgsmålet"]),
        ("Ring {emergency} nu.", True, []),
        ("Ring til {helpline_name} eller {emergency} nu.", False, ["Akuttelefonen"]),
    ],
)
def test_short_text_rule(text: str, short: bool, long: list[str]) -> None:
    assert is_short(text) is short
    assert long_words(fill_placeholders(text)) == long
