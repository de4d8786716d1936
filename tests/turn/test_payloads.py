"""bot/turn/payloads.py: every payload the bot sends is accepted back; nothing else crashes."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.turn.payloads import intent_payload


def test_every_button_the_bot_sends_is_accepted_back(questionnaires: dict[str, Any]) -> None:
    from bot.turn.payloads import answer_payload, validate_payload

    payloads = [
        "/start",
        "/affirm",
        "/deny",
        "/skip",
        "/talk_to_person",
        "/read_aloud",
        '/correct{"link_id":"who5-1"}',
    ]
    for questionnaire in questionnaires.values():
        for item in questionnaire.items:
            codes = [option.code for option in item.options]
            if item.type == "boolean":
                codes = ["true", "false"]
            if item.type == "integer" and item.min_value is not None and item.max_value is not None:
                codes = [str(n) for n in range(item.min_value, item.max_value + 1)]
            payloads.extend(answer_payload(item.link_id, code) for code in codes)
    assert len(payloads) > 50
    for payload in payloads:
        assert validate_payload(payload) == payload


@settings(max_examples=300, derandomize=True, deadline=None)
@given(
    st.one_of(
        st.text(max_size=60),
        st.builds(
            lambda name, body: f"/{name}{body}",
            st.from_regex(r"[a-z_]{0,42}", fullmatch=True),
            st.one_of(
                st.just(""),
                st.text(max_size=40).map(lambda t: "{" + t + "}"),
                st.dictionaries(
                    st.text(max_size=8),
                    st.one_of(st.text(max_size=8), st.integers(), st.none()),
                    max_size=3,
                ).map(lambda d: json.dumps(d)),
            ),
        ),
    )
)
def test_payload_validation_never_crashes(payload: str) -> None:
    from bot.turn.payloads import PAYLOAD_PATTERN, BadInput, validate_payload

    try:
        accepted = validate_payload(payload)
    except BadInput:
        return
    assert PAYLOAD_PATTERN.match(accepted)
    if "{" in accepted:
        body = json.loads(accepted[accepted.index("{") :])
        assert isinstance(body, dict) and all(isinstance(v, str) for v in body.values())


def test_intent_payloads_are_rasa_shortcuts() -> None:
    assert intent_payload("skip") == "/skip"
    assert intent_payload("correct", link_id="who5-1") == '/correct{"link_id":"who5-1"}'
