"""FHIR export: QuestionnaireResponse, score Observations, Bundle, validation."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from bot.export.fhir import (
    PSEUDONYM_SYSTEM,
    TRIAGE_SYSTEM,
    bundle,
    export_bundle,
    fhir_string,
    full_url,
    option_system,
    questionnaire_response,
    score_observations,
    validate,
)
from bot.questionnaire.flow import effective_answers
from bot.questionnaire.model import AnswerValue, Questionnaire, ScoringRule
from bot.storage.models import Answer, Response
from bot.storage.responses import all_answers, answers_from_rows, current_answers
from tests.export.conftest import AddAnswer, StartResponse

COMPLETED = datetime(2025, 3, 4, 10, 30, tzinfo=UTC)


def _codes(q: Questionnaire) -> dict[str, str]:
    """One valid answer per WHO-5 item (varied scores)."""
    return {
        item.link_id: item.options[i % len(item.options)].code
        for i, item in enumerate(q.answerable_items)
    }


def _answer_all(
    q: Questionnaire, response: Response, codes: dict[str, str], add_answer: AddAnswer
) -> None:
    for link_id, code in codes.items():
        add_answer(q, response, link_id, code=code)


def _resources(b: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in b["entry"] if e["resource"]["resourceType"] == kind]


def _coded(qr: dict[str, Any]) -> dict[str, str]:
    return {it["linkId"]: it["answer"][0]["valueCoding"]["code"] for it in qr.get("item", [])}


def _who5_rule(q: Questionnaire) -> ScoringRule:
    return q.scoring[0]


def _raw(q: Questionnaire, codes: dict[str, str]) -> int:
    total = 0
    for link_id, code in codes.items():
        option = q.item(link_id).option(code)
        assert option is not None and option.score is not None
        total += option.score
    return total


# -- the real WHO-5 ---------------------------------------------------------------------------


def test_who5_is_the_real_questionnaire(who5: Questionnaire) -> None:
    assert who5.url.endswith("/who5")
    assert len(who5.answerable_items) == 5
    rule = _who5_rule(who5)
    assert rule.code is not None and rule.code["code"] == "1144665009"
    assert rule.multiplier == 4


def test_exported_bundle_validates(
    session: Session,
    who5: Questionnaire,
    questionnaires: dict[str, Questionnaire],
    start_response: StartResponse,
    add_answer: AddAnswer,
) -> None:
    stored = start_response(who5, status="completed", completed_at=COMPLETED)
    _answer_all(who5, stored.response, _codes(who5), add_answer)
    b = export_bundle(session, questionnaires, include_observations=True)
    validate(b)
    assert b["resourceType"] == "Bundle" and b["type"] == "collection"
    assert [e["resource"]["resourceType"] for e in b["entry"]] == [
        "QuestionnaireResponse",
        "Observation",
    ]
    # A round trip through JSON changes nothing.
    validate(json.loads(json.dumps(b)))


def test_questionnaire_response_fields(
    session: Session, who5: Questionnaire, start_response: StartResponse, add_answer: AddAnswer
) -> None:
    stored = start_response(who5, status="completed", completed_at=COMPLETED)
    _answer_all(who5, stored.response, _codes(who5), add_answer)
    rows = all_answers(session, stored.response.id)
    qr = questionnaire_response(
        stored.response, rows, who5, patient_pseudonym=stored.patient.pseudonym
    )
    assert qr["resourceType"] == "QuestionnaireResponse"
    assert qr["id"] == stored.response.id
    assert qr["questionnaire"] == who5.url
    assert qr["questionnaire"].endswith("/" + who5.id)
    assert qr["status"] == "completed"
    assert qr["authored"] == COMPLETED.isoformat()
    assert qr["subject"] == {
        "identifier": {"system": PSEUDONYM_SYSTEM, "value": stored.patient.pseudonym}
    }
    # Items by linkId, in questionnaire order, with the exact item text.
    assert [it["linkId"] for it in qr["item"]] == [i.link_id for i in who5.answerable_items]
    for it in qr["item"]:
        assert it["text"] == who5.item(it["linkId"]).text


def test_choice_answers_are_codings_with_the_score_code(
    session: Session, who5: Questionnaire, start_response: StartResponse, add_answer: AddAnswer
) -> None:
    stored = start_response(who5, status="completed", completed_at=COMPLETED)
    codes = _codes(who5)
    _answer_all(who5, stored.response, codes, add_answer)
    qr = questionnaire_response(
        stored.response,
        current_answers(session, stored.response.id),
        who5,
        patient_pseudonym=stored.patient.pseudonym,
    )
    for it in qr["item"]:
        (answer,) = it["answer"]
        assert set(answer) == {"valueCoding"}
        coding = answer["valueCoding"]
        option = who5.item(it["linkId"]).option(coding["code"])
        assert option is not None
        assert coding["code"] == str(option.score)  # WHO-5: the score is the answer code
        assert coding["display"] == option.display
        assert coding["system"] == option_system(who5, it["linkId"])
        assert coding["system"].startswith("urn:pro-chat:")
    assert _coded(qr) == codes


def test_only_the_latest_of_corrected_answers_is_exported(
    session: Session, who5: Questionnaire, start_response: StartResponse, add_answer: AddAnswer
) -> None:
    stored = start_response(who5)
    first = who5.answerable_items[0].link_id
    add_answer(who5, stored.response, first, code="1")
    add_answer(who5, stored.response, first, code="2")
    add_answer(who5, stored.response, first, code="5")
    rows = all_answers(session, stored.response.id)
    assert len(rows) == 3
    qr = questionnaire_response(stored.response, rows, who5, patient_pseudonym="P-X")
    assert [it["linkId"] for it in qr["item"]] == [first]
    assert _coded(qr) == {first: "5"}


def test_skipped_answers_are_left_out(
    session: Session, who5: Questionnaire, start_response: StartResponse, add_answer: AddAnswer
) -> None:
    stored = start_response(who5)
    links = [i.link_id for i in who5.answerable_items]
    add_answer(who5, stored.response, links[0], code="3")
    add_answer(who5, stored.response, links[1], skipped=True)
    # An answer later replaced by a skip is not exported either.
    add_answer(who5, stored.response, links[2], code="4")
    add_answer(who5, stored.response, links[2], skipped=True)
    qr = questionnaire_response(
        stored.response,
        all_answers(session, stored.response.id),
        who5,
        patient_pseudonym="P-X",
    )
    assert _coded(qr) == {links[0]: "3"}


def test_exactly_the_given_answers_are_present(
    session: Session,
    who5: Questionnaire,
    questionnaires: dict[str, Questionnaire],
    start_response: StartResponse,
    add_answer: AddAnswer,
) -> None:
    stored = start_response(who5)
    links = [i.link_id for i in who5.answerable_items]
    given_answers = {links[0]: "0", links[3]: "5", links[4]: "2"}
    _answer_all(who5, stored.response, given_answers, add_answer)
    b = export_bundle(session, questionnaires)
    validate(b)
    (qr,) = _resources(b, "QuestionnaireResponse")
    assert set(_coded(qr).items()) == set(given_answers.items())


def test_no_answers_gives_an_empty_response(
    session: Session,
    who5: Questionnaire,
    questionnaires: dict[str, Questionnaire],
    start_response: StartResponse,
) -> None:
    stored = start_response(who5)
    b = export_bundle(session, questionnaires, include_observations=True)
    validate(b)
    (qr,) = _resources(b, "QuestionnaireResponse")
    assert "item" not in qr
    assert qr["status"] == "in-progress"
    assert qr["authored"] == stored.response.started_at.isoformat()
    assert _resources(b, "Observation") == []


# -- statuses and times ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stored_status", "fhir_status"),
    [
        ("completed", "completed"),
        ("stopped", "stopped"),
        ("in-progress", "in-progress"),
        ("paused", "in-progress"),
    ],
)
def test_status_mapping(
    who5: Questionnaire,
    start_response: StartResponse,
    stored_status: str,
    fhir_status: str,
) -> None:
    stored = start_response(who5, status=stored_status)
    qr = questionnaire_response(stored.response, [], who5, patient_pseudonym="P-X")
    assert qr["status"] == fhir_status
    validate(bundle([qr]))


def test_authored_is_latest_answer_time_when_not_completed(
    session: Session, who5: Questionnaire, start_response: StartResponse, add_answer: AddAnswer
) -> None:
    stored = start_response(who5)
    links = [i.link_id for i in who5.answerable_items]
    first = add_answer(who5, stored.response, links[0], code="3")
    second = add_answer(who5, stored.response, links[1], code="3")
    first.created_at = datetime(2025, 1, 1, 8, 0, tzinfo=UTC)
    second.created_at = datetime(2025, 1, 1, 9, 15, tzinfo=UTC)
    session.flush()
    qr = questionnaire_response(stored.response, [first, second], who5, patient_pseudonym="P-X")
    assert qr["authored"] == "2025-01-01T09:15:00+00:00"
    assert datetime.fromisoformat(qr["authored"]).tzinfo is not None


# -- score Observations ---------------------------------------------------------------------


def test_who5_score_observation(
    session: Session,
    who5: Questionnaire,
    questionnaires: dict[str, Questionnaire],
    start_response: StartResponse,
    add_answer: AddAnswer,
) -> None:
    stored = start_response(who5, status="completed", completed_at=COMPLETED)
    codes = _codes(who5)
    _answer_all(who5, stored.response, codes, add_answer)
    b = export_bundle(session, questionnaires, include_observations=True)
    validate(b)
    (qr,) = _resources(b, "QuestionnaireResponse")
    (obs,) = _resources(b, "Observation")
    rule = _who5_rule(who5)
    raw = _raw(who5, codes)
    assert obs["valueInteger"] == raw * 4
    assert obs["status"] == "final"
    assert obs["code"]["coding"][0]["system"] == "http://snomed.info/sct"
    assert obs["code"]["coding"][0]["code"] == "1144665009"
    band = rule.band_for(raw * 4)
    assert band is not None
    (interp,) = obs["interpretation"]
    assert interp["text"] == band.label
    assert {"system": TRIAGE_SYSTEM, "code": band.triage} in interp["coding"]
    assert any(c["code"] == band.code for c in interp["coding"])
    assert obs["subject"] == qr["subject"]
    assert obs["effectiveDateTime"] == qr["authored"]
    (derived,) = obs["derivedFrom"]
    qr_entry = next(e for e in b["entry"] if e["resource"] is qr)
    assert derived["reference"] == qr_entry["fullUrl"]
    assert derived["identifier"]["value"] == qr["id"]


@pytest.mark.parametrize(
    ("scores", "expected_triage"),
    [((0, 0, 0, 0, 0), "red"), ((5, 5, 5, 5, 5), "green"), ((2, 2, 2, 1, 1), "red")],
)
def test_who5_bands_at_the_extremes(
    session: Session,
    who5: Questionnaire,
    start_response: StartResponse,
    add_answer: AddAnswer,
    scores: tuple[int, ...],
    expected_triage: str,
) -> None:
    stored = start_response(who5, status="completed", completed_at=COMPLETED)
    links = [i.link_id for i in who5.answerable_items]
    _answer_all(who5, stored.response, dict(zip(links, map(str, scores), strict=True)), add_answer)
    (obs,) = score_observations(
        stored.response,
        current_answers(session, stored.response.id),
        who5,
        patient_pseudonym="P-X",
    )
    assert obs["valueInteger"] == 4 * sum(scores)
    triage = {c["code"] for c in obs["interpretation"][0]["coding"] if c["system"] == TRIAGE_SYSTEM}
    assert triage == {expected_triage}


def test_no_observation_without_enough_answers(
    session: Session, who5: Questionnaire, start_response: StartResponse, add_answer: AddAnswer
) -> None:
    stored = start_response(who5)
    links = [i.link_id for i in who5.answerable_items]
    add_answer(who5, stored.response, links[0], code="4")
    add_answer(who5, stored.response, links[1], skipped=True)
    rows = current_answers(session, stored.response.id)
    assert score_observations(stored.response, rows, who5, patient_pseudonym="P-X") == []


def test_observations_only_when_requested(
    session: Session,
    who5: Questionnaire,
    questionnaires: dict[str, Questionnaire],
    start_response: StartResponse,
    add_answer: AddAnswer,
) -> None:
    stored = start_response(who5, status="completed", completed_at=COMPLETED)
    _answer_all(who5, stored.response, _codes(who5), add_answer)
    b = export_bundle(session, questionnaires)
    assert [e["resource"]["resourceType"] for e in b["entry"]] == ["QuestionnaireResponse"]


def test_in_progress_score_is_preliminary(
    session: Session, who5: Questionnaire, start_response: StartResponse, add_answer: AddAnswer
) -> None:
    stored = start_response(who5)
    _answer_all(who5, stored.response, _codes(who5), add_answer)
    (obs,) = score_observations(
        stored.response,
        current_answers(session, stored.response.id),
        who5,
        patient_pseudonym="P-X",
    )
    assert obs["status"] == "preliminary"


# -- privacy ----------------------------------------------------------------------------------


def test_only_the_pseudonym_identifies_the_patient(
    session: Session,
    who5: Questionnaire,
    questionnaires: dict[str, Questionnaire],
    start_response: StartResponse,
    add_answer: AddAnswer,
) -> None:
    stored = start_response(who5, status="completed", completed_at=COMPLETED)
    _answer_all(who5, stored.response, _codes(who5), add_answer)
    b = export_bundle(session, questionnaires, include_observations=True)
    text = json.dumps(b, ensure_ascii=False)
    assert stored.patient.pseudonym in text
    assert stored.token not in text and stored.invitation.token_hash not in text
    assert stored.conversation_id not in text
    assert stored.patient.label is not None and stored.patient.label not in text
    assert "Hansen" not in text
    for entry in b["entry"]:
        subject = entry["resource"]["subject"]
        assert subject == {
            "identifier": {"system": PSEUDONYM_SYSTEM, "value": stored.patient.pseudonym}
        }


# -- export selection -------------------------------------------------------------------------


def test_export_filters_by_patient_and_questionnaire(
    session: Session,
    who5: Questionnaire,
    mixed: Questionnaire,
    questionnaires: dict[str, Questionnaire],
    start_response: StartResponse,
    add_answer: AddAnswer,
) -> None:
    a = start_response(who5)
    b = start_response(who5)
    c = start_response(mixed, patient=a.patient)
    add_answer(mixed, c.response, "sleep", value=True)

    def ids(bundle_: dict[str, Any]) -> set[str]:
        return {r["id"] for r in _resources(bundle_, "QuestionnaireResponse")}

    everything = export_bundle(session, questionnaires)
    validate(everything)
    assert ids(everything) == {a.response.id, b.response.id, c.response.id}
    assert ids(export_bundle(session, questionnaires, questionnaire_id="who5")) == {
        a.response.id,
        b.response.id,
    }
    assert ids(export_bundle(session, questionnaires, patient_id=a.patient.id)) == {
        a.response.id,
        c.response.id,
    }
    assert ids(
        export_bundle(session, questionnaires, questionnaire_id="who5", patient_id=a.patient.id)
    ) == {a.response.id}
    assert "entry" not in export_bundle(session, questionnaires, patient_id=-1)


def test_unknown_questionnaire_is_an_error(
    session: Session, who5: Questionnaire, start_response: StartResponse
) -> None:
    start_response(who5)
    with pytest.raises(ValueError, match="who5"):
        export_bundle(session, {})


# -- other item types ---------------------------------------------------------------------------


def test_integer_boolean_string_and_enable_when(
    session: Session, mixed: Questionnaire, start_response: StartResponse, add_answer: AddAnswer
) -> None:
    stored = start_response(mixed)
    r = stored.response
    add_answer(mixed, r, "pain", value=0)
    add_answer(mixed, r, "sleep", value=False)
    add_answer(mixed, r, "worry", code="ja")
    add_answer(mixed, r, "worry-about", value="Min operation")
    add_answer(mixed, r, "note", skipped=True)
    rows = all_answers(session, r.id)
    qr = questionnaire_response(r, rows, mixed, patient_pseudonym="P-X")
    validate(bundle([qr]))
    assert [(it["linkId"], it["answer"]) for it in qr["item"]] == [
        ("pain", [{"valueInteger": 0}]),
        ("sleep", [{"valueBoolean": False}]),
        (
            "worry",
            [
                {
                    "valueCoding": {
                        "system": option_system(mixed, "worry"),
                        "code": "ja",
                        "display": "Ja",
                    }
                }
            ],
        ),
        ("worry-about", [{"valueString": "Min operation"}]),
    ]
    # Correcting "worry" to "nej" disables "worry-about": its answer is no longer exported.
    add_answer(mixed, r, "worry", code="nej")
    qr = questionnaire_response(r, all_answers(session, r.id), mixed, patient_pseudonym="P")
    assert [it["linkId"] for it in qr["item"]] == ["pain", "sleep", "worry"]
    assert score_observations(r, rows, mixed, patient_pseudonym="P") == []


def test_answers_from_rows() -> None:
    now = datetime(2025, 1, 1, tzinfo=UTC)
    rows = [
        Answer(id=1, link_id="a", status="answered", code="1", superseded_at=now),
        Answer(id=2, link_id="a", status="answered", code="3"),
        Answer(id=3, link_id="b", status="skipped"),
        Answer(id=4, link_id="c", status="answered", value_integer=0),
        Answer(id=5, link_id="d", status="answered", value_boolean=False),
        Answer(id=6, link_id="e", status="answered", value_string="tekst"),
        Answer(id=7, link_id="f", status="answered", value_integer=2),
        Answer(id=8, link_id="f", status="skipped", superseded_at=now + timedelta(1)),
    ]
    assert answers_from_rows(rows) == {
        "a": AnswerValue(code="3"),
        "b": AnswerValue(skipped=True),
        "c": AnswerValue(value=0),
        "d": AnswerValue(value=False),
        "e": AnswerValue(value="tekst"),
        "f": AnswerValue(value=2),
    }


# -- bundle and validation ------------------------------------------------------------------------


def test_bundle_shape() -> None:
    qr = {
        "resourceType": "QuestionnaireResponse",
        "id": "0123456789abcdef0123456789abcdef",
        "status": "completed",
    }
    b = bundle([qr])
    validate(b)
    assert b["type"] == "collection"
    assert datetime.fromisoformat(b["timestamp"]).tzinfo is not None
    (entry,) = b["entry"]
    assert entry["fullUrl"] == "urn:uuid:01234567-89ab-cdef-0123-456789abcdef"
    assert entry["resource"] is qr
    assert bundle([])["id"] != bundle([])["id"]
    assert full_url("Observation", "not-a-uuid").startswith("urn:uuid:")
    assert full_url("Observation", "x") == full_url("Observation", "x")


def _valid_bundle(
    session: Session,
    who5: Questionnaire,
    questionnaires: dict[str, Questionnaire],
    start_response: StartResponse,
    add_answer: AddAnswer,
) -> dict[str, Any]:
    stored = start_response(who5, status="completed", completed_at=COMPLETED)
    _answer_all(who5, stored.response, _codes(who5), add_answer)
    b = export_bundle(session, questionnaires, include_observations=True)
    validate(b)
    return b


@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        (lambda b: b["entry"][0]["resource"].__setitem__("status", "done"), "status"),
        (lambda b: b["entry"][0]["resource"].__setitem__("id", "bad_id!"), "id"),
        (lambda b: b.__setitem__("type", "pile"), "type"),
        (
            lambda b: b["entry"][0]["resource"]["item"][0]["answer"][0].__setitem__(
                "valueInteger", 3
            ),
            "answer",
        ),
        (lambda b: b["entry"][0]["resource"]["item"][0].pop("linkId"), "linkId"),
        (lambda b: b["entry"][1].__setitem__("fullUrl", b["entry"][0]["fullUrl"]), "duplicate"),
        (lambda b: b["entry"].pop(0), "not an entry"),
        (lambda b: b["entry"][1]["resource"].__setitem__("valueInteger", "many"), "value"),
        (lambda b: b["entry"][1]["resource"].__setitem__("status", "done"), "status"),
        (lambda b: b.__setitem__("resourceType", "Patient"), "Bundle"),
    ],
)
def test_validate_rejects_broken_bundles(
    session: Session,
    who5: Questionnaire,
    questionnaires: dict[str, Questionnaire],
    start_response: StartResponse,
    add_answer: AddAnswer,
    breakage: Any,
    message: str,
) -> None:
    b = copy.deepcopy(_valid_bundle(session, who5, questionnaires, start_response, add_answer))
    breakage(b)
    with pytest.raises(ValueError, match=message):
        validate(b)


# -- property: whatever the answers, codes and score are exported faithfully ---------------------


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(scores=st.lists(st.integers(min_value=0, max_value=5), min_size=5, max_size=5))
def test_random_who5_answers_round_trip(
    session: Session,
    who5: Questionnaire,
    questionnaires: dict[str, Questionnaire],
    start_response: StartResponse,
    add_answer: AddAnswer,
    scores: list[int],
) -> None:
    stored = start_response(who5, status="completed", completed_at=COMPLETED)
    links = [i.link_id for i in who5.answerable_items]
    codes = dict(zip(links, map(str, scores), strict=True))
    _answer_all(who5, stored.response, codes, add_answer)
    rows = current_answers(session, stored.response.id)
    qr = questionnaire_response(stored.response, rows, who5, patient_pseudonym="P-X")
    observations = score_observations(stored.response, rows, who5, patient_pseudonym="P-X")
    b = bundle([qr, *observations])
    validate(b)
    assert _coded(qr) == codes
    (obs,) = observations
    assert obs["valueInteger"] == 4 * sum(scores)
    band = _who5_rule(who5).band_for(4 * sum(scores))
    assert band is not None and obs["interpretation"][0]["text"] == band.label


# -- all real questionnaires ------------------------------------------------------------------


def test_phq9_gives_one_observation_per_score(
    session: Session,
    questionnaires: dict[str, Questionnaire],
    start_response: StartResponse,
    add_answer: AddAnswer,
) -> None:
    phq9 = questionnaires["phq9"]
    stored = start_response(phq9, status="completed", completed_at=COMPLETED)
    for item in phq9.answerable_items:
        add_answer(phq9, stored.response, item.link_id, code=item.options[-1].code)
    b = export_bundle(session, questionnaires, include_observations=True)
    validate(b)
    observations = _resources(b, "Observation")
    assert [o["code"]["coding"][0]["code"] for o in observations] == [
        rule.code["code"] for rule in phq9.scoring if rule.code is not None
    ]
    assert len({o["id"] for o in observations}) == len(observations) == len(phq9.scoring)


def _answer_strategy(q: Questionnaire) -> st.SearchStrategy[dict[str, AnswerValue | None]]:
    """Per answerable item: no answer (None), a skip, or a valid answer of the item's type."""
    per_item: dict[str, st.SearchStrategy[AnswerValue | None]] = {}
    for item in q.answerable_items:
        valid: st.SearchStrategy[AnswerValue]
        if item.type == "choice":
            valid = st.sampled_from([AnswerValue(code=o.code) for o in item.options])
        elif item.type == "integer":
            low = item.min_value if item.min_value is not None else -1000
            high = item.max_value if item.max_value is not None else 1000
            valid = st.builds(AnswerValue, value=st.integers(low, high))
        elif item.type == "boolean":
            valid = st.builds(AnswerValue, value=st.booleans())
        else:
            valid = st.builds(AnswerValue, value=st.text(min_size=1, max_size=40))
        per_item[item.link_id] = st.one_of(st.none(), st.just(AnswerValue(skipped=True)), valid)
    return st.fixed_dictionaries(per_item)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_random_answers_to_every_questionnaire_export_validly(
    session: Session,
    questionnaires: dict[str, Questionnaire],
    start_response: StartResponse,
    add_answer: AddAnswer,
    data: st.DataObject,
) -> None:
    qid = data.draw(st.sampled_from(sorted(questionnaires)))
    q = questionnaires[qid]
    drawn = data.draw(_answer_strategy(q))
    stored = start_response(q)
    for link_id, value in drawn.items():
        if value is not None:
            add_answer(
                q,
                stored.response,
                link_id,
                code=value.code,
                value=value.value,
                skipped=value.skipped,
            )
    rows = all_answers(session, stored.response.id)
    qr = questionnaire_response(stored.response, rows, q, patient_pseudonym="P-X")
    observations = score_observations(stored.response, rows, q, patient_pseudonym="P-X")
    validate(bundle([qr, *observations]))
    given_answers = {k: v for k, v in drawn.items() if v is not None}
    expected: dict[str, AnswerValue] = {}
    for link_id, value in effective_answers(q, given_answers).items():
        if value.skipped:
            continue
        if isinstance(value.value, str):
            # Patient text is exported with FHIR-invalid whitespace/control characters fixed;
            # text that is then blank is not an answer.
            if not fhir_string(value.value).strip():
                continue
            value = AnswerValue(value=fhir_string(value.value))
        expected[link_id] = value
    exported: dict[str, AnswerValue] = {}
    for it in qr.get("item", []):
        (answer,) = it["answer"]
        if "valueCoding" in answer:
            exported[it["linkId"]] = AnswerValue(code=answer["valueCoding"]["code"])
        else:
            (value,) = answer.values()
            exported[it["linkId"]] = AnswerValue(value=value)
    assert exported == expected
    assert [it["linkId"] for it in qr.get("item", [])] == [
        i.link_id for i in q.answerable_items if i.link_id in expected
    ]


def test_patient_text_with_odd_whitespace_is_made_valid(
    session: Session, mixed: Questionnaire, start_response: StartResponse, add_answer: AddAnswer
) -> None:
    stored = start_response(mixed)
    add_answer(mixed, stored.response, "note", value="ondt\u00a0i\u2028ryggen\x00\n")
    add_answer(mixed, stored.response, "pain", value=3)
    qr = questionnaire_response(
        stored.response,
        all_answers(session, stored.response.id),
        mixed,
        patient_pseudonym="P-X",
    )
    validate(bundle([qr]))
    note = next(it for it in qr["item"] if it["linkId"] == "note")
    assert note["answer"] == [{"valueString": "ondt i ryggen\n"}]
    assert fhir_string("\u00a0\u3000\x1f") == "  "
