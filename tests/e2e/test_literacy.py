"""Simulated patients of different reading skills complete WHO-5 and the needs assessment
over the web chat API, with the real engine. All finish; what is stored is what each meant;
the low reader gets the guided level, buttons on every question and typed answers confirmed.
Turns per item are printed and the low reader may need at most 1.5x the confident reader's."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.i18n import Texts
from bot.questionnaire.model import Item, Questionnaire
from bot.settings import PROJECT_ROOT
from bot.storage.db import make_engine, make_session_factory
from bot.storage.models import Answer, Invitation
from bot.storage.models import Patient as PatientRow
from tests.e2e.conftest import LiveSystem, Patient
from tests.e2e.fixtures import running_system

pytestmark = pytest.mark.e2e

WHO5_MEANT: dict[str, Any] = {
    "who5-1": "Det meste af tiden",
    "who5-2": "Lidt af tiden",
    "who5-3": "Hele tiden",
    "who5-4": "Lidt mere end halvdelen af tiden",
    "who5-5": "På intet tidspunkt",
}
NEEDS_MEANT: dict[str, Any] = {
    "bv-belastning": 6,
    "bv-smerter": "Lidt",
    "bv-traethed": "En del",
    "bv-krop-andet": "jeg sover dårligt om natten og har ondt i maven",
    "bv-bekymring": "Lidt",
    "bv-netvaerk": True,
    "bv-netvaerk-hvem": "min datter og min nabo",
    "bv-paaroerende": "En del",
    "bv-praktisk": "Slet ikke",
    "bv-arbejde-oekonomi": "Meget",
    "bv-tanker-livet": "Lidt",
    "bv-vigtigst": "at være sammen med mine børnebørn",
    "bv-oensker": "jeg vil gerne have samme sygeplejerske hver gang",
    "bv-spoergsmaal-laege": True,
    "bv-spoergsmaal-tekst": "hvilke bivirkninger kan jeg få af den nye kur",
    "bv-tale-sygeplejerske": False,
    # Behovsvurdering 0.2.0: help wanted after "En del"/"Meget", the bodily checklist, and more.
    "bv-traethed-hjaelp": True,
    **{f"bv-krop-{part}": False for part in (
        "soevn", "appetit", "kvalme", "vejrtraekning", "toilet", "foleloeshed", "hukommelse",
        "sex", "udseende", "bevaegelse")},
    "bv-boern": False,
    "bv-paaroerende-hjaelp": False,
    "bv-paaroerende-belastning": True,
    "bv-oekonomi-hjaelp": True,
    "bv-rehabilitering": True,
    "bv-information": "Det vigtigste",
    "bv-beslutning": "Sammen med lægen",
}
# How the misspelling typist writes each meant answer.
MISSPELT: dict[str, str] = {
    "Det meste af tiden": "det mste af tiden",
    "Lidt af tiden": "lidt af tidn",
    "Hele tiden": "hele tidden",
    "Lidt mere end halvdelen af tiden": "lidt mere end halvdelen af tidn",
    "På intet tidspunkt": "på intet tidspunk",
    "Lidt": "lidtt",
    "En del": "en dell",
    "Slet ikke": "slet ik",
    "Meget": "meeget",
}
NUMBER_WORDS = {6: "seks"}


@dataclass
class Persona:
    name: str
    screening: tuple[str, ...] | None  # button titles, or None to type the screening answers
    answer: Callable[[Patient, Item, Any], None]
    explains: bool = False
    dont_know_at: str | None = None


def press_meant(patient: Patient, item: Item, meant: Any) -> None:
    if item.type == "choice":
        patient.press(meant)
    elif item.type == "integer":
        patient.press(str(meant))
    elif item.type == "boolean":
        patient.press("Ja" if meant else "Nej")
    else:
        patient.say(meant)


def type_misspelt(patient: Patient, item: Item, meant: Any) -> None:
    if item.type == "choice":
        patient.say(MISSPELT.get(meant, meant.lower()))
    elif item.type == "integer":
        patient.say(NUMBER_WORDS.get(meant, str(meant)))
    elif item.type == "boolean":
        patient.say("jaa" if meant else "nejj")
    else:
        patient.say(meant)


def type_plainly(patient: Patient, item: Item, meant: Any) -> None:
    """The low reader taps buttons, but types the free-text answers and one choice."""
    if item.type == "choice" and item.link_id in {"who5-2", "bv-smerter"}:
        patient.say(str(meant).lower())
    else:
        press_meant(patient, item, meant)


PERSONAS = [
    Persona("confident reader", ("Aldrig", "Meget sikker"), press_meant),
    Persona("types with misspellings", None, type_misspelt),
    Persona("asks what it means", ("Sjældent", "Ret sikker"), press_meant, explains=True),
    Persona("ved ikke twice", ("Aldrig", "Ret sikker"), press_meant, dont_know_at="second"),
    Persona("always needs help reading", ("Altid", "Slet ikke sikker"), type_plainly),
]


def item_shown(patient: Patient, questionnaire: Questionnaire) -> Item | None:
    """The item the newest question message asks (by any level's wording)."""
    for message in reversed(patient.last):
        for item in questionnaire.answerable_items:
            wordings = {item.text, *item.variants.values()}
            if any(w and w in message["text"] for w in wordings):
                return item
    return None


def expected_display(item: Item, meant: Any) -> str:
    if item.type == "boolean":
        return "Ja" if meant else "Nej"
    return str(meant)


def complete(
    patient: Patient, questionnaire: Questionnaire, meant: dict[str, Any], persona: Persona
) -> dict[str, Any]:
    """Answer until the bot says it is done; return what the persona experienced."""
    done_text = "svaret på alle spørgsmålene"
    explained: set[str] = set()
    dont_knows = 0
    questions_without_buttons: list[str] = []
    confirmations = 0
    for _ in range(200):
        text = patient.text
        if done_text in text:
            break
        if "Passer det?" in text:
            confirmations += 1
            item = item_shown_before_confirmation(patient, questionnaire)
            # The bot says back what it understood inside Danish quote marks: „…“.
            shown = text.split("„", 1)[1].split("“", 1)[0] if "„" in text else ""
            patient.say(
                "ja"
                if shown.lower() == expected_display(item, meant[item.link_id]).lower()
                else "nej"
            )
            continue
        if "af disse" in text and "mente du" in text:  # "Hvilket af disse svar mente du?"
            item = item_shown_before_confirmation(patient, questionnaire)
            patient.press(meant[item.link_id])
            continue
        item = item_shown(patient, questionnaire)
        assert item is not None, f"{persona.name}: no question in {patient.last}"
        question = next(
            m
            for m in reversed(patient.last)
            if item.text in m["text"] or any(v in m["text"] for v in item.variants.values())
        )
        if not question["buttons"]:
            questions_without_buttons.append(item.link_id)
        if persona.explains and item.link_id not in explained:
            explained.add(item.link_id)
            patient.say("hvad betyder det")
            continue
        second = questionnaire.answerable_items[1].link_id
        if persona.dont_know_at == "second" and item.link_id == second and dont_knows < 2:
            dont_knows += 1
            patient.say("ved ikke")
            if dont_knows == 2:
                assert any(b["payload"] == "/skip" for m in patient.last for b in m["buttons"])
            continue
        persona.answer(patient, item, meant[item.link_id])
    else:
        raise AssertionError(f"{persona.name} did not finish: {patient.last}")
    return {
        "questions_without_buttons": questions_without_buttons,
        "confirmations": confirmations,
    }


def item_shown_before_confirmation(patient: Patient, questionnaire: Questionnaire) -> Item:
    for message in reversed(patient.history()):
        if message["from"] != "bot":
            continue
        for item in questionnaire.answerable_items:
            wordings = {item.text, *item.variants.values()}
            if any(w and w in message["text"] for w in wordings):
                return item
    raise AssertionError("no question before the confirmation")


def stored(system: LiveSystem, questionnaire_id: str) -> tuple[dict[str, dict[str, Any]], str]:
    engine = make_engine(system.database_url)
    try:
        with make_session_factory(engine)() as session:
            from bot.storage.models import Response

            rows = session.scalars(
                select(Answer)
                .join(Response)
                .where(
                    Answer.superseded_at.is_(None), Response.questionnaire_id == questionnaire_id
                )
                # Patients are invited in PERSONAS order, then answer at the same time.
                .order_by(Response.patient_id, Answer.id)
            ).all()
            by_response: dict[str, dict[str, Any]] = {}
            for row in rows:
                value = (
                    row.display
                    if row.item_type == "choice"
                    else (
                        row.value_integer
                        if row.item_type == "integer"
                        else row.value_boolean
                        if row.item_type == "boolean"
                        else row.value_string
                    )
                )
                by_response.setdefault(row.response_id, {})[row.link_id] = {
                    "value": value,
                    "level": row.literacy_level,
                    "wording": row.wording_shown,
                    "input": row.input_kind,
                }
            levels = session.scalars(
                select(PatientRow.literacy_level)
                .join(Invitation, Invitation.patient_id == PatientRow.id)
                .where(Invitation.questionnaire_id == questionnaire_id)
                .order_by(PatientRow.id)
            )
            return by_response, ",".join(levels)
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory, trained_model: Path) -> Iterator[LiveSystem]:
    """One system for both questionnaires: each run invites its own patients and reads back
    only its own questionnaire's answers and patients."""
    with running_system(tmp_path_factory.mktemp("literacy"), trained_model) as live:
        yield live


@pytest.mark.parametrize(
    ("questionnaire_id", "meant"), [("who5", WHO5_MEANT), ("behovsvurdering", NEEDS_MEANT)]
)
def test_simulated_patients_complete_and_are_understood(
    system: LiveSystem,
    texts: Texts,
    questionnaires: dict[str, Questionnaire],
    questionnaire_id: str,
    meant: dict[str, Any],
) -> None:
    questionnaire = questionnaires[questionnaire_id]
    patients = [Patient(system, system.invite(questionnaire_id)) for _ in PERSONAS]

    def take_part(persona: Persona, patient: Patient) -> dict[str, Any]:
        patient.start()
        patient.press(texts._("Yes, that is fine"))
        patient.turns = 0
        if persona.screening:
            for title in persona.screening:
                patient.press(title)
        else:
            patient.say("aldrig")
            patient.say("meget sikker")
        experience = complete(patient, questionnaire, meant, persona)
        return {"turns": patient.turns, "turns_per_item": patient.turns / len(meant), **experience}

    # The patients answer at the same time, as on a ward: each waits for its own replies, so
    # together they keep both the engine and the app busy (and the test takes less time).
    with ThreadPoolExecutor(max_workers=len(PERSONAS)) as pool:
        futures = [pool.submit(take_part, *pair) for pair in zip(PERSONAS, patients, strict=True)]
        results = {p.name: f.result() for p, f in zip(PERSONAS, futures, strict=True)}

    answers_by_response, levels = stored(system, questionnaire_id)
    assert len(answers_by_response) == len(PERSONAS)
    for (name, result), answers in zip(results.items(), answers_by_response.values(), strict=True):
        values = {link_id: a["value"] for link_id, a in answers.items()}
        assert values == meant, name
        result["levels"] = sorted({a["level"] for a in answers.values()})
        if questionnaire.validated:
            for link_id, answer in answers.items():
                assert answer["wording"].endswith(questionnaire.item(link_id).text)

    low = results["always needs help reading"]
    assert low["levels"] == ["guided"]
    assert low["questions_without_buttons"] == []
    assert low["confirmations"] >= 1  # its typed answers were said back before they counted
    confident = results["confident reader"]
    assert confident["levels"] == ["standard"]
    ratio = low["turns_per_item"] / confident["turns_per_item"]
    report = {
        "questionnaire": questionnaire_id,
        "ratio_low_to_confident": ratio,
        "patients": results,
        "final_levels": levels,
    }
    out = PROJECT_ROOT / "var" / "bench" / f"literacy-{questionnaire_id}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\n{questionnaire_id}: turns per item (after consent, screening included)")
    for name, result in results.items():
        print(f"  {name:<28}{result['turns_per_item']:>6.2f}  levels {result['levels']}")
    print(f"  low reader / confident reader: {ratio:.2f}")
    assert ratio <= 1.5
