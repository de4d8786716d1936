"""Wording rules for every Danish text patients read (docs/LITERACY.md, "Wording rules").

- quote marks „…“ only (never “…”, ”…”, straight "…" or »…«);
- "sygehus", never "hospital"; "dit behandlerteam", never a bare "team";
- 112 only "if your life is in danger" (a text that names {emergency} says "i fare");
- no text near a diagnosis ("tegn på depression") in the bot's own texts;
- no "lige nu" around a validated instrument (its time frame is 2 weeks / 14 days);
- no number in an example of a 0–10 item.
"""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po

from bot.questionnaire.model import Questionnaire
from tests.literacy.test_text_quality import (
    CATALOG,
    Text,
    load_questionnaires,
    spelling_texts,
)

DANISH_QUOTE = re.compile(r"„[^„“]*“")
OTHER_QUOTES = re.compile(r"[“”\"«»„]")
HOSPITAL = re.compile(r"\bhospital", re.IGNORECASE)
BARE_TEAM = re.compile(r"\bteam(et|s|ets)?\b", re.IGNORECASE)
DIAGNOSIS = re.compile(
    r"tegn på (depression|angst)|du har (en )?(depression|angst)|\bdiagnose", re.IGNORECASE
)
# Coordinators read these fields; the rules are for what patients read.
STAFF_FIELDS = ("title", "description", "score ", "band ")


@pytest.fixture(scope="module")
def questionnaires() -> dict[str, Questionnaire]:
    return load_questionnaires()


@pytest.fixture(scope="module")
def patient_texts(questionnaires: dict[str, Questionnaire]) -> list[Text]:
    return [t for t in spelling_texts(questionnaires) if not t.where.startswith(STAFF_FIELDS)]


def _exact_wording(text: Text, questionnaires: dict[str, Questionnaire]) -> bool:
    q = questionnaires.get(text.source.removesuffix(".yml"))
    if q is None or not q.validated:
        return False
    return text.where == "stem" or text.where.endswith((" text", " option display"))


def test_quote_marks_are_danish(patient_texts: list[Text]) -> None:
    wrong = [
        f"  {t.source} {t.where}: {t.text!r}"
        for t in patient_texts
        if OTHER_QUOTES.search(DANISH_QUOTE.sub("", t.text))
    ]
    assert not wrong, "quote with „…“:\n" + "\n".join(wrong)


def test_sygehus_and_behandlerteam(patient_texts: list[Text]) -> None:
    wrong = [
        f"  {t.source} {t.where}: {t.text!r}"
        for t in patient_texts
        if HOSPITAL.search(t.text) or BARE_TEAM.search(t.text)
    ]
    assert not wrong, 'write "sygehus" and "dit behandlerteam":\n' + "\n".join(wrong)


def test_112_is_for_danger_to_life() -> None:
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle, locale="da")
    wrong = [
        message.string
        for message in catalog
        if message.id and "{emergency}" in str(message.string) and "i fare" not in message.string
    ]
    assert not wrong, 'say when to call {emergency}: "Er dit liv i fare, så ring …"\n' + "\n".join(
        wrong
    )


def test_no_diagnosis_in_the_bots_own_texts(
    patient_texts: list[Text], questionnaires: dict[str, Questionnaire]
) -> None:
    wrong = [
        f"  {t.source} {t.where}: {t.text!r}"
        for t in patient_texts
        if DIAGNOSIS.search(t.text) and not _exact_wording(t, questionnaires)
    ]
    assert not wrong, "say what the answers are used for, not what they show:\n" + "\n".join(wrong)


def test_no_lige_nu_around_a_validated_time_frame(
    patient_texts: list[Text], questionnaires: dict[str, Questionnaire]
) -> None:
    validated = {f"{q.id}.yml" for q in questionnaires.values() if q.validated}
    wrong = [
        f"  {t.source} {t.where}: {t.text!r}"
        for t in patient_texts
        if t.source in validated and "lige nu" in t.text.lower()
    ]
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle, locale="da")
    # shown when the patient says "ved ikke", also at WHO-5, PHQ-9 and GAD-7 items
    wrong += [
        f"  messages.po: {m.string!r}"
        for m in catalog
        if m.id and "Choose the answer" in str(m.id) and "lige nu" in str(m.string)
    ]
    assert not wrong, '"lige nu" contradicts the instrument\'s time frame:\n' + "\n".join(wrong)


def test_examples_of_0_to_10_items_give_no_number(questionnaires: dict[str, Questionnaire]) -> None:
    wrong = [
        f"  {q.id}.yml item {item.link_id}: {item.example!r}"
        for q in questionnaires.values()
        for item in q.items
        if item.type == "integer" and item.example and re.search(r"\d", item.example)
    ]
    assert not wrong, "an example must not put a number in the patient's mouth:\n" + "\n".join(
        wrong
    )
