"""The console shows what the bot stores in English in its own language: every alert message
that can be stored has a Danish text, and so have level-change reasons and the presentation
record of an answer."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from bot.console.i18n import ConsoleTexts, alert_messages
from bot.console.stored_texts import TEMPLATES
from bot.questionnaire.scoring import INCOMPLETE_MESSAGE
from bot.settings import PROJECT_ROOT

LOCALES = PROJECT_ROOT / "locales"
DIALOGUE = PROJECT_ROOT / "bot" / "dialogue"
QUESTIONNAIRES = PROJECT_ROOT / "dialogues" / "questionnaires"


@pytest.fixture(scope="module")
def danish() -> ConsoleTexts:
    return ConsoleTexts(LOCALES, "da")


@pytest.fixture(scope="module")
def english() -> ConsoleTexts:
    return ConsoleTexts(LOCALES, "en")


def _example(template: str) -> str:
    """The template with each field filled in as the dialogue would."""
    names = [name for _, name, _, _ in string.Formatter().parse(template) if name]
    return template.format(**{name: f"<{name}>" for name in names})


def _module_strings(tree: ast.Module) -> dict[str, str]:
    """Module-level NAME = "text" (or a parenthesised run of string literals)."""
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            for target in node.targets:
                if isinstance(target, ast.Name) and isinstance(node.value.value, str):
                    found[target.id] = node.value.value
    return found


def _template_of(node: ast.expr, constants: dict[str, str]) -> str | None:
    """The message an argument stores, with {fields} for f-string parts; None if it comes
    from elsewhere (a questionnaire rule's message)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name) and node.id in constants:
        return constants[node.id]
    if isinstance(node, ast.JoinedStr):
        parts = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(str(value.value))
            elif isinstance(value, ast.FormattedValue):
                parts.append("{" + ast.unparse(value.value).split(".")[-1] + "}")
        return "".join(parts)
    return None


def dialogue_alert_messages() -> list[tuple[str, str]]:
    """(file, message template) of every record_alert(..., message=...) in bot/dialogue."""
    found = []
    for path in sorted(DIALOGUE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = _module_strings(tree)
        for node in ast.walk(tree):
            if not (
                isinstance(node, ast.Call) and getattr(node.func, "id", None) == "record_alert"
            ):
                continue
            for keyword in node.keywords:
                if keyword.arg != "message":
                    continue
                template = _template_of(keyword.value, constants)
                where = path.relative_to(PROJECT_ROOT).as_posix()
                if template is not None:
                    found.append((where, template))
                else:
                    assert ast.unparse(keyword.value) == "hit.rule.message", (
                        f"{where}: record_alert with a message the test cannot read: "
                        f"{ast.unparse(keyword.value)}"
                    )
    return found


def test_the_dialogue_stores_alerts() -> None:
    messages = [m for _, m in dialogue_alert_messages()]
    assert "Patient had difficulty answering item {link_id}." in messages
    assert "Patient asked to talk to a person." in messages


def test_every_alert_the_dialogue_can_store_has_a_danish_text(danish: ConsoleTexts) -> None:
    missing = []
    for where, template in dialogue_alert_messages():
        stored = _example(template)
        shown = danish.alert(stored)
        if shown == stored:
            missing.append(f"{where}: {template!r}")
        names = re.findall(r"<\w+>", stored)
        assert all(name in shown for name in names), (template, shown)
    assert not missing, (
        "add these to TEMPLATES in bot/console/stored_texts.py, run "
        "`.venv/bin/python -m bot.console.i18n` and translate:\n" + "\n".join(missing)
    )


def test_every_alert_rule_of_the_questionnaires_has_a_danish_text(danish: ConsoleTexts) -> None:
    found = alert_messages(QUESTIONNAIRES)
    assert len(found) >= 20
    missing = [f"{path.name}:{line}: {m!r}" for path, line, m in found if danish.alert(m) == m]
    assert not missing, "run `.venv/bin/python -m bot.console.i18n` and translate:\n" + "\n".join(
        missing
    )


def test_incomplete_scores_are_translated(danish: ConsoleTexts) -> None:
    assert INCOMPLETE_MESSAGE in TEMPLATES
    stored = INCOMPLETE_MESSAGE.format(score="phq9-total", missing=3, items=9)
    assert danish.alert(stored) == (
        "Scoren phq9-total kunne ikke beregnes: 3 af 9 spørgsmål er ikke besvaret. "
        "De manglende svar kan ændre triagen; spørg patienten om dem."
    )


def test_alert_texts(danish: ConsoleTexts, english: ConsoleTexts) -> None:
    stored = "Patient had difficulty answering item screening-confidence."
    assert (
        danish.alert(stored)
        == "Patienten havde svært ved at svare på spørgsmål screening-confidence."
    )
    assert english.alert(stored) == stored
    assert danish.alert(
        "PHQ-9 item 9 not answered: ask about thoughts of death or self-harm today."
    ) == ("PHQ-9 spørgsmål 9 ikke besvaret: spørg i dag til tanker om død eller selvskade.")
    assert danish.alert("Something no catalog knows.") == "Something no catalog knows."


def test_level_reasons(danish: ConsoleTexts, english: ConsoleTexts) -> None:
    reason = "conversation: asked what something means, corrected an answer"
    assert danish.level_reason(reason) == "samtalen: spurgte, hvad noget betyder, rettede et svar"
    assert english.level_reason(reason) == reason
    assert danish.level_reason("patient asked: simpler") == "patienten bad om: enklere"
    assert danish.level_reason("screening: sometimes needs help with written material") == (
        "læsespørgsmålene ved start: har nogle gange brug for hjælp til skriftligt materiale"
    )
    assert danish.level_reason("something else") == "something else"


def test_presentation_in_words(danish: ConsoleTexts, english: ConsoleTexts) -> None:
    record = {
        "level": "standard",
        "buttons": ["Ja", "Nej"],
        "progress": False,
        "confirmed_back": False,
        "variant": "exact",
    }
    assert danish.presentation(record) == (
        "Niveau: Standard · Knapper vist · Fremskridt ikke vist · Ikke gentaget til bekræftelse"
        " · Ordlyd: spørgsmålets egen tekst"
    )
    guided = {"level": "guided", "buttons": [], "progress": True, "confirmed_back": True,
              "variant": "variant:guided"}  # fmt: skip
    assert danish.presentation(guided) == (
        "Niveau: Guidet · Ingen knapper · Fremskridt vist · Gentaget og bekræftet af patienten"
        " · Ordlyd: varianten til Guidet"
    )
    assert english.presentation(record).startswith("Level: Standard · Buttons shown")
    assert danish.presentation({}) == ""
    assert "confirmed_back" not in danish.presentation(record)


def test_alert_messages_name_their_file_and_line() -> None:
    found = {m: (path, line) for path, line, m in alert_messages(QUESTIONNAIRES)}
    path, line = found["PHQ-9 item 9 not answered: ask about thoughts of death or self-harm today."]
    assert path.name == "phq9.yml"
    assert (
        "PHQ-9 item 9 not answered" in Path(path).read_text(encoding="utf-8").splitlines()[line - 1]
    )
