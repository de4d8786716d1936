"""Loader, shipped files: they load, and the validated instruments keep their exact wording."""

from __future__ import annotations

import pytest

from bot.questionnaire.model import LEVELS, Questionnaire

# -- expected wording, copied character by character from shared/content/INSTRUMENTS.md ----------

WHO5_ITEMS = [
    "I de sidste 2 uger har jeg været glad og i godt humør",
    "I de sidste 2 uger har jeg følt mig rolig og afslappet",
    "I de sidste 2 uger har jeg følt mig aktiv og energisk",
    "I de sidste 2 uger er jeg vågnet frisk og udhvilet",
    "I de sidste 2 uger har min dagligdag været fyldt med ting der interesserer mig",
]
WHO5_OPTIONS = [
    ("5", "Hele tiden", 5),
    ("4", "Det meste af tiden", 4),
    ("3", "Lidt mere end halvdelen af tiden", 3),
    ("2", "Lidt mindre end halvdelen af tiden", 2),
    ("1", "Lidt af tiden", 1),
    ("0", "På intet tidspunkt", 0),
]

PHQ9_STEM = "Inden for de seneste 2 uger, hvor ofte har du været generet af følgende problemer?"
PHQ9_ITEMS = [
    "Lille interesse i eller glæde ved at gøre ting",
    "Følt dig nedtrykt, håbløs eller været deprimeret",
    "Problemer med at falde i søvn eller sove, eller med at sove for meget",
    "Følt dig træt eller har kun haft lidt energi",
    "Ringe appetit eller spist for meget",
    "Haft det dårligt med dig selv – eller følt, at du er en fiasko eller har skuffet dig selv "
    "eller din familie",
    "Problemer med at koncentrere dig om ting, såsom at læse avisen eller se TV",
    "Har bevæget dig eller talt så langsomt, at andre kunne have bemærket det? Eller det modsatte "
    "– været så rastløs eller hvileløs, at du har bevæget dig mere omkring end sædvanligt",
    "Tanker om, at det ville være bedre, hvis du var død eller om at gøre skade på dig selv på en "
    "eller anden måde",
]
PHQ9_ITEM10 = (
    "Hvis du har afkrydset mindst ét af de ovenstående problemer, hvor besværligt har disse "
    "problemer gjort det for dig at arbejde, klare tingene i hjemmet eller komme overens med andre?"
)
FREQUENCY_OPTIONS = [
    ("0", "Slet ikke", 0),
    ("1", "Flere dage", 1),
    ("2", "Mere end halvdelen af dagene", 2),
    ("3", "Næsten hver dag", 3),
]
PHQ9_ITEM10_OPTIONS = [
    ("0", "Slet ikke besværligt", 0),
    ("1", "Lidt besværligt", 1),
    ("2", "Meget besværligt", 2),
    ("3", "Ekstremt besværligt", 3),
]

GAD7_STEM = "Hvor ofte i de sidste 14 dage har du været generet af følgende problemer?"
GAD7_ITEMS = [
    "Følt dig nervøs, ængstelig eller anspændt",
    "Ikke kunnet holde op med at bekymre dig eller ikke kunnet styre din bekymring",
    "Bekymret dig for meget om alt muligt",
    "Haft svært ved at slappe af",
    "Været så rastløs, at du har haft svært ved at sidde stille",
    "Haft let ved at blive sur eller irritabel",
    "Været bange, som om noget frygteligt kunne ske",
]


def _options(q: Questionnaire, link_id: str) -> list[tuple[str, str, int | None]]:
    return [(o.code, o.display, o.score) for o in q.item(link_id).options]


def test_all_shipped_files_load(shipped: dict[str, Questionnaire]) -> None:
    assert sorted(shipped) == [
        "behovsvurdering",
        "forberedelse",
        "gad7",
        "paarorende",
        "phq9",
        "screening",
        "who5",
    ]
    for qid, q in shipped.items():
        assert q.id == qid
        assert q.language == "da"
        assert q.url == f"https://pro-chat.example.org/fhir/Questionnaire/{qid}"
        assert q.intro["standard"]
        assert q.purpose and q.source and q.licence
        assert q.verified == (not q.unverified)


def test_who5_wording_is_exact(who5: Questionnaire) -> None:
    assert [i.link_id for i in who5.items] == [f"who5-{n}" for n in range(1, 6)]
    assert [i.text for i in who5.items] == WHO5_ITEMS
    for item in who5.items:
        assert _options(who5, item.link_id) == WHO5_OPTIONS
    assert who5.validated is True
    assert who5.verified is False and who5.unverified
    assert who5.attribution and "WHO" in who5.attribution
    rule = who5.scoring_rule("who5-total")
    assert rule.multiplier == 4 and (rule.min, rule.max) == (0, 100)
    assert rule.code is not None and rule.code["code"] == "1144665009"
    assert [(b.min, b.max, b.label, b.triage) for b in rule.bands] == [
        (0, 35, "Stor risiko", "red"),
        (36, 50, "Risiko", "yellow"),
        (51, 100, "Ingen umiddelbar risiko", "green"),
    ]


def test_phq9_wording_is_exact(phq9: Questionnaire) -> None:
    assert phq9.stem == PHQ9_STEM
    assert phq9.intro["standard"] == PHQ9_STEM
    assert [i.text for i in phq9.items[:9]] == PHQ9_ITEMS
    assert phq9.item("phq9-10").text == PHQ9_ITEM10
    for n in range(1, 10):
        assert _options(phq9, f"phq9-{n}") == FREQUENCY_OPTIONS
    assert _options(phq9, "phq9-10") == PHQ9_ITEM10_OPTIONS
    assert "?" in phq9.item("phq9-8").text
    assert "–" in phq9.item("phq9-6").text
    assert phq9.validated is True and phq9.verified is False
    assert phq9.licence == "No permission required to reproduce, translate, display or distribute."
    assert [r.id for r in phq9.scoring] == ["phq9-total", "phq2"]
    assert phq9.scoring_rule("phq9-total").items == tuple(f"phq9-{n}" for n in range(1, 10))
    assert phq9.scoring_rule("phq2").items == ("phq9-1", "phq9-2")


def test_phq9_item10_is_enabled_by_any_item_above_zero(phq9: Questionnaire) -> None:
    item10 = phq9.item("phq9-10")
    assert item10.enable_behavior == "any"
    assert [(c.question, c.operator, c.answer) for c in item10.enable_when] == [
        (f"phq9-{n}", ">", 0) for n in range(1, 10)
    ]


def test_gad7_wording_is_exact(gad7: Questionnaire) -> None:
    assert gad7.stem == GAD7_STEM
    assert gad7.intro["standard"] == GAD7_STEM
    assert [i.text for i in gad7.items] == GAD7_ITEMS
    for item in gad7.items:
        assert _options(gad7, item.link_id) == FREQUENCY_OPTIONS
    assert gad7.validated is True and gad7.verified is False
    assert any("single source" in note for note in gad7.unverified)


@pytest.mark.parametrize("qid", ["who5", "phq9", "gad7"])
def test_validated_instruments_have_no_variants(
    shipped: dict[str, Questionnaire], qid: str
) -> None:
    q = shipped[qid]
    for item in q.items:
        assert not item.variants
        for level in LEVELS:
            assert item.text_for(level) == item.text


def test_stem_is_shown_with_scored_items_only(
    who5: Questionnaire, phq9: Questionnaire, gad7: Questionnaire
) -> None:
    assert phq9.stem_for(phq9.item("phq9-1")) == PHQ9_STEM
    assert phq9.stem_for(phq9.item("phq9-10")) is None
    assert gad7.stem_for(gad7.item("gad7-7")) == GAD7_STEM
    assert who5.stem_for(who5.item("who5-1")) is None


def test_behovsvurdering_has_variants_help_and_why_on_every_item(bv: Questionnaire) -> None:
    assert bv.validated is False
    assert "ikke klinisk valideret" in bv.description
    assert 30 <= len(bv.answerable_items) <= 40
    for item in bv.items:
        assert set(item.variants) == {"plain", "guided"}, item.link_id
        assert item.text_for("plain") != item.text or item.text_for("guided") != item.text
    for item in bv.answerable_items:
        assert item.help, item.link_id
        assert item.why, item.link_id
        assert item.section, item.link_id


def test_behovsvurdering_content(bv: Questionnaire) -> None:
    strain = bv.item("bv-belastning")
    assert (strain.type, strain.min_value, strain.max_value) == ("integer", 0, 10)
    assert strain.min_label and strain.max_label
    assert "distress" not in strain.text.lower() and "termometer" not in strain.text.lower()
    assert bv.item("bv-netvaerk").text == "Har du nogen, der kan hjælpe dig i hverdagen?"
    assert bv.item("bv-tale-sygeplejerske").text == "Vil du gerne tale med en sygeplejerske?"
    assert bv.item("bv-spoergsmaal-tekst").enable_when[0].question == "bv-spoergsmaal-laege"
    assert {a.id: (a.level, a.urgent) for a in bv.alerts} == {
        "bv-strain-high": ("red", False),
        "bv-strain-moderate": ("yellow", False),
        "bv-no-network": ("yellow", False),
        "bv-wants-nurse": ("yellow", False),
        "bv-pain-severe": ("red", False),
        "bv-pain-moderate": ("yellow", False),
        "bv-worry-severe": ("red", False),
        "bv-worry-moderate": ("yellow", False),
        "bv-life-death-severe": ("red", True),
        "bv-life-death-moderate": ("yellow", False),
        "bv-wants-help-pain": ("yellow", False),
        "bv-wants-help-fatigue": ("yellow", False),
        "bv-wants-help-body": ("yellow", False),
        "bv-wants-help-worry": ("yellow", False),
        "bv-wants-help-relatives": ("yellow", False),
        "bv-wants-help-practical": ("yellow", False),
        "bv-wants-help-money": ("yellow", False),
        "bv-wants-help-life": ("yellow", False),
    }
    sections = [i.section for i in bv.items]
    assert len(set(sections)) >= 5


def test_alert_rules_of_validated_instruments(
    who5: Questionnaire, phq9: Questionnaire, gad7: Questionnaire
) -> None:
    item9 = next(a for a in phq9.alerts if a.id == "phq9-item9")
    assert (item9.item, item9.operator, item9.value, item9.level, item9.urgent) == (
        "phq9-9",
        ">",
        0,
        "red",
        True,
    )
    assert {(a.id, a.score, a.operator, a.value, a.level) for a in who5.alerts} == {
        ("who5-low", "who5-total", "<=", 35, "red"),
        ("who5-risk", "who5-total", "<=", 50, "yellow"),
    }
    assert {(a.id, a.operator, a.value, a.level) for a in gad7.alerts} == {
        ("gad7-high", ">=", 15, "red"),
        ("gad7-moderate", ">=", 10, "yellow"),
    }


def test_missing_items_in_validated_instruments(
    who5: Questionnaire, phq9: Questionnaire, gad7: Questionnaire
) -> None:
    unanswered = next(a for a in phq9.alerts if a.id == "phq9-item9-unanswered")
    assert (unanswered.item, unanswered.operator, unanswered.level, unanswered.urgent) == (
        "phq9-9",
        "unanswered",
        "red",
        True,
    )
    rules = {r.id: (r.min_answered, r.prorate) for q in (who5, phq9, gad7) for r in q.scoring}
    assert rules == {
        "who5-total": (5, False),
        "phq9-total": (7, True),
        "phq2": (2, False),
        "gad7-total": (6, True),
    }
