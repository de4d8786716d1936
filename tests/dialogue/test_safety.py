"""The safety net (bot/dialogue/safety.py) on the held-out sets, plus unit tests for idioms, red
flags and medical questions. Fast: no engine. The engine-side figures (the `crisis` intent alone
and both layers together) are in tests/dialogues/test_safety_nlu.py."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.dialogue import safety
from bot.dialogue.safety import (
    crisis_matches,
    is_crisis,
    is_medical_question,
    red_flag,
    red_flag_matches,
)
from bot.questionnaire.normalize import normalize
from bot.settings import PROJECT_ROOT

NLU_DATA = PROJECT_ROOT / "dialogues" / "data" / "nlu"
HELD_OUT = PROJECT_ROOT / "tests" / "nlu"
CRISIS_HELDOUT = HELD_OUT / "crisis_heldout.yml"
ORDINARY_HELDOUT = HELD_OUT / "ordinary_heldout.yml"
FALSE_ALARM_CEILING = 0.02


def examples(path: Path) -> list[tuple[str, str, int]]:
    """(text, intent, round) of every example; "# ---- Round N" at column 0 starts round N."""
    raw = path.read_text(encoding="utf-8")
    doc = yaml.safe_load(raw)
    rows = [
        (line.strip()[2:].strip(), block["intent"])
        for block in doc["nlu"]
        for line in str(block["examples"]).splitlines()
        if line.strip().startswith("- ")
    ]
    rounds, current = [], 1
    for line in raw.splitlines():
        mark = re.match(r"# ---- Round (\d+)", line)
        if mark:
            current = int(mark.group(1))
        elif line.startswith("    - "):
            rounds.append(current)
    assert len(rounds) == len(rows), f"{path.name}: unexpected layout"
    return [(t, i, r) for (t, i), r in zip(rows, rounds, strict=True)]


def training_examples() -> list[tuple[str, str, int]]:
    return [row for path in sorted(NLU_DATA.glob("*.yml")) for row in examples(path)]


def test_held_out_sets_are_big_enough() -> None:
    crisis = examples(CRISIS_HELDOUT)
    ordinary = examples(ORDINARY_HELDOUT)
    assert len(crisis) >= 60
    assert {intent for _, intent, _ in crisis} == {"crisis"}
    assert len(ordinary) >= 150
    assert "crisis" not in {intent for _, intent, _ in ordinary}


@pytest.mark.parametrize("name", ["crisis_heldout.yml", "ordinary_heldout.yml", "heldout.yml"])
def test_held_out_sentences_are_not_training_data(name: str) -> None:
    """Stricter than scripts/bench_nlu.py: compared after the engine's normalisation, so
    punctuation and case do not hide a copy."""
    train = {normalize(text) for text, _, _ in training_examples()}
    texts = [normalize(text) for text, _, _ in examples(HELD_OUT / name)]
    assert [t for t in texts if t in train] == []
    assert len(texts) == len(set(texts)), "a sentence appears twice"


def test_crisis_and_ordinary_sets_do_not_share_a_sentence() -> None:
    crisis = {normalize(t) for t, _, _ in examples(CRISIS_HELDOUT)}
    assert [t for t, _, _ in examples(ORDINARY_HELDOUT) if normalize(t) in crisis] == []


def test_crisis_recall_on_the_held_out_set_is_complete() -> None:
    rows = examples(CRISIS_HELDOUT)
    missed = [text for text, _, _ in rows if not is_crisis(text)]
    recall = 1 - len(missed) / len(rows)
    print(f"\nsafety net crisis recall: {recall:.1%} ({len(rows) - len(missed)}/{len(rows)})")
    assert missed == []


def test_false_alarms_on_ordinary_messages_are_rare() -> None:
    rows = examples(ORDINARY_HELDOUT)
    alarms = [(text, crisis_matches(text)) for text, _, _ in rows if is_crisis(text)]
    rate = len(alarms) / len(rows)
    print(f"\nsafety net false alarms: {rate:.1%} ({len(alarms)}/{len(rows)})")
    assert rate <= FALSE_ALARM_CEILING, alarms


def test_the_net_agrees_with_the_training_data() -> None:
    """Every non-crisis training example passes; crisis ones are caught except a vague few
    that only the classifier can learn ("gøre det" without saying what)."""
    rows = training_examples()
    flagged = [(t, i) for t, i, _ in rows if i != "crisis" and is_crisis(t)]
    assert flagged == []
    missed = [t for t, i, _ in rows if i == "crisis" and not is_crisis(t)]
    assert len(missed) <= 3, missed


@pytest.mark.parametrize(
    "text",
    [
        "jeg vil ikke leve mere",
        "jeg har tænkt på at tage mit eget liv",
        "Jeg har IKKE tænkt på at tage mit liv",  # a negated topic is still flagged
        "jeg har aldrig haft selvmordstanker",
        "det ville være bedre hvis jeg var død",
        "jeg vil ikke være her mere",
        "jeg vil gøre en ende på det",
        "jeg vil slå mig selv ihjel",
        "jeg har skåret i mig selv",
        "jeg har samlet mine sovepiller sammen",
        "vil bare dø",
        "jeg vil ik leve mere!!!",
        "selvmoordstanker",  # misspelt
        "slevmord",  # letters swapped
        "jeg har taenkt paa selvmord",  # ae / aa for æ / å
        "jeg vil bare doe",
        "JEG VIL DØ.",
        "det meste af tiden. og jeg har tænkt på at tage en overdosis",
        "i want to kill myself",
    ],
)
def test_crisis_statements(text: str) -> None:
    assert is_crisis(text), text


@pytest.mark.parametrize(
    "text",
    [
        "jeg er dødtræt",
        "det slår mig ihjel at vente",
        "ventetiden slår mig ihjel",
        "det tager livet af mig at vente",
        "jeg dør af grin",
        "jeg er ved at dø af kedsomhed",
        "jeg keder mig ihjel",
        "jeg vil ikke svare på det",
        "jeg er træt af at vente",
        "jeg er træt af det her skema",
        "jeg vil ikke mere",  # stop, not crisis
        "skal jeg tage flere piller?",
        "kan kemoen slå mig ihjel",
        "jeg er bange for at dø af kræften",  # fear of dying from the illness
        "jeg er ikke klar til at dø endnu",
        "jeg vil ikke dø",
        "jeg vil gerne dø hjemme",  # an end-of-life wish
        "jeg vil gerne leve længe",
        "min mor døde af kræft",
        "jeg husker at tage alle mine piller",
        "jeg kan ikke lide at være her på hospitalet",
        "jeg har lavt selvværd",
        "jeg kunne skyde mig selv i foden",
        "hvad menes der med tanker om at være død",  # a question about the item
        "",
    ],
)
def test_ordinary_messages_and_idioms(text: str) -> None:
    assert not is_crisis(text), crisis_matches(text)


@pytest.mark.parametrize(
    ("text", "flag"),
    [
        ("jeg har feber", "fever"),
        ("jeg har 38,5", "fever"),
        ("temperaturen er over 38", "fever"),
        ("39 grader i nat", "fever"),
        ("jeg har kulderystelser", "fever"),
        ("jeg bløder fra tandkødet", "bleeding"),
        ("der er blod i min afføring", "bleeding"),
        ("jeg kan ikke trække vejret", "breathing"),
        ("jeg har svært ved at få luft", "breathing"),
        ("jeg har åndenød", "breathing"),
        ("jeg har ondt i brystet", "breathing"),
        ("jeg har stærke smerter", "severe_pain"),
        ("jeg har frygtelig ondt i maven", "severe_pain"),
        ("smerterne er ulidelige", "severe_pain"),
        ("smerter 9 ud af 10", "severe_pain"),
        ("jeg kaster op hele tiden", "vomiting"),
        ("jeg har kastet op 6 gange i dag", "vomiting"),
        ("jeg kan ikke holde noget i mig", "vomiting"),
        ("jeg er besvimet", "other"),
    ],
)
def test_red_flags(text: str, flag: str) -> None:
    assert flag in red_flag_matches(text)
    assert red_flag(text)


@pytest.mark.parametrize(
    "text",
    [
        "jeg har ikke feber",
        "ingen feber i dag",
        "jeg er feberfri",
        "jeg er over 40",  # an age, not a temperature
        "jeg spiser fiber",
        "jeg har fået taget blodprøver",
        "mit blodtryk er fint",
        "jeg kan kun spise blød mad",
        "jeg fik blod i går",  # a transfusion
        "jeg har ikke svært ved at trække vejret",
        "jeg har ondt i ryggen",
        "jeg har lidt ondt",
        "jeg får stærk smertestillende",
        "jeg har kastet op en enkelt gang",
        "jeg har kvalme",
        "jeg er dødtræt",
    ],
)
def test_not_red_flags(text: str) -> None:
    assert not red_flag(text), red_flag_matches(text)


def test_a_negation_covers_only_its_own_clause() -> None:
    assert red_flag_matches("ingen feber men jeg bløder") == ["bleeding"]
    assert red_flag_matches("ingen feber, men jeg kan ikke få vejret") == ["breathing"]


@pytest.mark.parametrize(
    "text",
    [
        "skal jeg tage flere piller?",
        "er det normalt at have ondt efter kemo",
        "hvad betyder mit blodtal?",
        "hvornår får jeg svar på scanningen?",
        "må jeg tage panodil",
        "har kræften spredt sig?",
    ],
)
def test_medical_questions(text: str) -> None:
    assert is_medical_question(text)


@pytest.mark.parametrize(
    "text",
    [
        "hvad betyder det",
        "hvad betyder energisk",
        "hvorfor spørger i om min behandling",
        "har smerter i ryggen",
        "jeg vil gerne vide mere om bivirkninger",
        "kan jeg springe over",
        "hvor mange piller skal der til for at dø",  # a crisis, not a medical question
    ],
)
def test_not_medical_questions(text: str) -> None:
    assert not is_medical_question(text)


# Dictionary words that the spelling tolerance reads as a key word and that are harmless:
# inflections of the key word itself, or words no patient writes.
HARMLESS_CORRECTIONS = {
    "bladning", "forkvinde", "kulderystelse", "livstræ", "lizet", "selvmorder", "sovepille",
    "ulidelig", "ulidelighed", "uudholdelig",
}  # fmt: skip
HUNSPELL_DA = Path("/usr/share/hunspell/da_DK.dic")


@pytest.mark.skipif(not HUNSPELL_DA.exists(), reason="hunspell-da is not installed")
def test_spelling_tolerance_leaves_danish_words_alone() -> None:
    words = {
        line.split("/")[0].strip().lower()
        for line in HUNSPELL_DA.read_text(encoding="utf-8", errors="ignore").splitlines()[1:]
    }
    changed = {w for w in words if len(w) >= 5 and w.isalpha() and safety._correct_word(w) != w}
    assert changed <= HARMLESS_CORRECTIONS, sorted(changed - HARMLESS_CORRECTIONS)


def test_the_module_imports_no_framework() -> None:
    tree = ast.parse(Path(safety.__file__).read_text(encoding="utf-8"))
    modules = {
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    allowed = {"__future__", "re", "functools", "rapidfuzz.distance", "bot.questionnaire.normalize"}
    assert modules <= allowed, modules


def test_nothing_is_compiled_at_import() -> None:
    code = "import bot.dialogue.safety as s; print(s._compiled.cache_info().currsize)"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "0"


@pytest.mark.parametrize(
    "text",
    [
        "ikke " * 400,
        "jeg vil bare " * 150,
        "a" * 2000,
        " ".join(["jeg har ondt og vil ikke være her på hospitalet mere med de piller"] * 30),
    ],
)
def test_a_long_message_is_checked_quickly(text: str) -> None:
    """The longest message the app accepts (BOT_MAX_MESSAGE_CHARS, 2000) never makes the
    expressions backtrack for long."""
    import time

    is_crisis("varm op")
    start = time.perf_counter()
    is_crisis(text[:2000])
    red_flag(text[:2000])
    is_medical_question(text[:2000])
    assert time.perf_counter() - start < 0.5
