"""Presenting the current item for the patient's level: pure, no database.

Validated instruments (WHO-5, PHQ-9, GAD-7) keep their exact wording at every level; only the
presentation around them changes (progress, scale explanation, buttons, examples).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from bot.dialogue.context import SCREENING_ID, DialogueContext
from bot.literacy.levels import rules_for
from bot.questionnaire.flow import displays_before, progress
from bot.questionnaire.model import AnswerValue, Item, Questionnaire
from bot.turn.messages import Button, Reply
from bot.turn.payloads import answer_payload, intent_payload

# Item wordings (Danish content) that already give an example, or already ask for the
# patient's own words: the bot does not say it a second time.
EXAMPLE_MARKERS = ("for eksempel", "f.eks.", "fx ")
OWN_WORDS_MARKERS = ("egne ord",)


def wording(questionnaire: Questionnaire, item: Item, level: str) -> str:
    """The exact item text shown (validated items are never reworded)."""
    text = item.text if questionnaire.validated else item.text_for(level)
    stem = questionnaire.stem_for(item)
    return f"{stem}\n{text}" if stem else text


def item_text_shown(questionnaire: Questionnaire, item: Item, level: str) -> str:
    """The item's own text as shown, without the stem."""
    return item.text if questionnaire.validated else item.text_for(level)


def presentation(
    ctx: DialogueContext,
    questionnaire: Questionnaire,
    item: Item,
    answers: Mapping[str, AnswerValue],
    *,
    level: str,
    shown: set[str],
    read_aloud: bool,
) -> list[Reply]:
    """What the patient is sent to ask `item`: what they have not seen yet around it (the
    questionnaire's intro, the scale, display items, an example), then the question."""
    rules = rules_for(level)
    replies: list[Reply] = []
    intro = questionnaire.intro_for(level)
    # An intro that is the instrument's stem is left out: the question shows the stem anyway.
    if f"intro:{questionnaire.id}" not in shown and intro != questionnaire.stem_for(item):
        replies.append(Reply(intro, meta={"kind": "intro", "questionnaire": questionnaire.id}))
    explanation = questionnaire.scale_explanation_for(level)
    if rules.explain_scale and explanation and f"scale:{questionnaire.id}" not in shown:
        replies.append(
            Reply(explanation, meta={"kind": "scale", "questionnaire": questionnaire.id})
        )
    if item.link_id not in shown:
        for display in displays_before(questionnaire, item):
            replies.append(
                Reply(display.text_for(level), meta={"kind": "display", "item": display.link_id})
            )
        shown_text = item_text_shown(questionnaire, item, level).lower()
        if (
            rules.show_examples
            and item.example
            and not questionnaire.validated
            and not any(marker in shown_text for marker in EXAMPLE_MARKERS)
        ):
            replies.append(Reply(item.example, meta={"kind": "example"}))
    if questionnaire.id == SCREENING_ID and "screening_skip" not in shown:
        replies.append(
            Reply(
                ctx._("You can also skip these questions."),
                buttons=(Button(ctx._("Skip the questions"), intent_payload("skip")),),
                meta={"kind": "screening_skip"},
            )
        )
    question = question_reply(ctx, questionnaire, item, answers, level)
    if read_aloud:
        question = replace(question, meta={**(question.meta or {}), "audio": True})
    replies.append(question)
    return replies


def question_reply(
    ctx: DialogueContext,
    questionnaire: Questionnaire,
    item: Item,
    answers: Mapping[str, AnswerValue],
    level: str,
) -> Reply:
    text = wording(questionnaire, item, level)
    number, total = progress(questionnaire, answers)
    rules = rules_for(level)
    lines = []
    if rules.show_progress:
        lines.append(ctx._("Question {number} of {total}", number=number, total=total))
    lines.append(text)
    buttons = answer_buttons(ctx, item, level, validated=questionnaire.validated)
    if item.type == "integer" and item.min_label and item.max_label:
        # "0 = slet ikke hårdt": left out where the wording already explains the ends.
        ends = [
            label.split("=", 1)[-1].strip().lower() for label in (item.min_label, item.max_label)
        ]
        if not all(end in text.lower() for end in ends):
            lines.append(f"{item.min_label} · {item.max_label}")
    if item.type == "string" and not any(marker in text.lower() for marker in OWN_WORDS_MARKERS):
        lines.append(ctx._("Write your answer in your own words."))
    return Reply(
        "\n".join(lines),
        buttons=buttons,
        link_id=item.link_id,
        meta={
            "kind": "question",
            "level": level,
            "wording": text,
            "progress": [number, total],
            "questionnaire": questionnaire.id,
            "buttons": [b.title for b in buttons],
        },
    )


def answer_buttons(
    ctx: DialogueContext, item: Item, level: str, *, validated: bool
) -> tuple[Button, ...]:
    rules = rules_for(level)
    if item.type == "choice":
        # Validated instruments keep their exact option wording on the buttons too.
        short = rules.short_labels and not validated
        return tuple(
            Button(
                (o.short if short and o.short else o.display), answer_payload(item.link_id, o.code)
            )
            for o in item.options
        )
    if item.type == "boolean":
        return (
            Button(ctx._("Yes"), answer_payload(item.link_id, "true")),
            Button(ctx._("No"), answer_payload(item.link_id, "false")),
        )
    if (
        item.type == "integer"
        and item.min_value is not None
        and item.max_value is not None
        and item.max_value - item.min_value <= 10
    ):
        return tuple(
            Button(str(n), answer_payload(item.link_id, str(n)))
            for n in range(item.min_value, item.max_value + 1)
        )
    if item.type == "string" and (not item.required or rules.buttons_on_every_question):
        return (Button(ctx._("Skip"), intent_payload("skip")),)
    return ()


def item_titles(texts: Sequence[str], limit: int = 48) -> list[str]:
    """Short, distinct button titles for items: the words all of them start with (a stem such
    as "I de sidste 2 uger har jeg") are left out."""
    lines = [text.splitlines()[-1] if text else "" for text in texts]
    split = [line.split() for line in lines]
    common = 0
    if len(split) > 1:
        while (
            all(len(words) > common + 1 for words in split)
            and len({words[common].lower() for words in split}) == 1
        ):
            common += 1
    titles = []
    for words in split:
        title = " ".join(words[common:])
        title = title[:1].upper() + title[1:]
        titles.append(title if len(title) <= limit else title[: limit - 1].rstrip() + "…")
    return titles
