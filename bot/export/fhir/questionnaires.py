"""FHIR export: a loaded questionnaire as a minimal FHIR R4 ``Questionnaire`` resource.

Minimal on purpose: what a receiver needs to read the QuestionnaireResponses of the patient's
Bundle — canonical ``url`` and ``version``, title, status, and one flat item per question with
its ``linkId``, exact wording as loaded (the standard level; never the plain or guided
variants), type, prefix, ``required``, ``answerOption`` (the same ``Coding.system`` as the
answers, score as ``ordinalValue``), the integer range (``minValue``/``maxValue``) and
``enableWhen``. The chat's presentation aids (intro, help texts, levels, sections) are not
exported.
"""

from __future__ import annotations

from typing import Any

from bot.export.fhir.common import fhir_string, option_system
from bot.questionnaire.model import EnableWhen, Item, Questionnaire

ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"
PUBLICATION_STATUSES = ("draft", "active", "retired", "unknown")


def questionnaire_resource(questionnaire: Questionnaire) -> dict[str, Any]:
    """The questionnaire as a FHIR R4 Questionnaire (id = the questionnaire id)."""
    status = questionnaire.status if questionnaire.status in PUBLICATION_STATUSES else "unknown"
    resource: dict[str, Any] = {
        "resourceType": "Questionnaire",
        "id": questionnaire.id,
        "url": questionnaire.url,
        "version": questionnaire.version,
        "title": fhir_string(questionnaire.title),
        "status": status,
    }
    if questionnaire.language:
        resource["language"] = questionnaire.language
    if questionnaire.description.strip():
        resource["description"] = fhir_string(questionnaire.description)
    if questionnaire.purpose.strip():
        resource["purpose"] = fhir_string(questionnaire.purpose)
    copyright_text = " ".join(
        part.strip() for part in (questionnaire.licence, questionnaire.attribution or "") if part
    )
    if copyright_text.strip():
        resource["copyright"] = fhir_string(copyright_text)
    items = [_item(questionnaire, item) for item in questionnaire.items]
    if items:
        resource["item"] = items
    return resource


def _item(questionnaire: Questionnaire, item: Item) -> dict[str, Any]:
    result: dict[str, Any] = {"linkId": item.link_id}
    if item.prefix:
        result["prefix"] = fhir_string(str(item.prefix))
    result["text"] = fhir_string(item.text)
    result["type"] = item.type
    if item.enable_when:
        result["enableWhen"] = [_enable_when(questionnaire, c) for c in item.enable_when]
        if len(item.enable_when) > 1:
            result["enableBehavior"] = item.enable_behavior
    if item.type != "display":
        result["required"] = item.required
    if item.type == "integer":
        extensions = []
        if item.min_value is not None:
            extensions.append({"url": MIN_VALUE, "valueInteger": item.min_value})
        if item.max_value is not None:
            extensions.append({"url": MAX_VALUE, "valueInteger": item.max_value})
        if extensions:
            result["extension"] = extensions
    if item.options:
        system = option_system(questionnaire, item.link_id)
        options = []
        for option in item.options:
            entry: dict[str, Any] = {
                "valueCoding": {
                    "system": system,
                    "code": option.code,
                    "display": fhir_string(option.display),
                }
            }
            if option.score is not None:
                entry["extension"] = [{"url": ORDINAL_VALUE, "valueDecimal": option.score}]
            options.append(entry)
        result["answerOption"] = options
    return result


def _enable_when(questionnaire: Questionnaire, condition: EnableWhen) -> dict[str, Any]:
    result: dict[str, Any] = {
        "question": condition.question,
        "operator": condition.operator,
    }
    answer = condition.answer
    if condition.operator == "exists":
        result["answerBoolean"] = answer is not False
        return result
    try:
        kind = questionnaire.item(condition.question).type
    except KeyError:
        kind = None
    if kind == "choice":
        # Also for > and <, which the chat compares on the code as a number: FHIR compares
        # the Coding, so a receiver may not evaluate those exactly the same way.
        result["answerCoding"] = {
            "system": option_system(questionnaire, condition.question),
            "code": str(answer),
        }
    elif isinstance(answer, bool):
        result["answerBoolean"] = answer
    elif isinstance(answer, int):
        result["answerInteger"] = answer
    else:
        result["answerString"] = fhir_string(str(answer))
    return result
