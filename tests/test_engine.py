"""The Rasa REST client: parsing answers, the dialogue hash, an unreachable engine."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.engine import (
    EngineClient,
    EngineError,
    dialogue_hash,
    engine_environment,
    model_path,
    parse_rest_answer,
    serve_command,
    train_command,
)
from bot.settings import PROJECT_ROOT
from bot.turn.messages import Reply
from tests.conftest import make_settings

# ------------------------------------------------------------------ parse_rest_answer


def test_custom_reply_keeps_buttons_link_and_meta() -> None:
    body = [{
        "recipient_id": "abc",
        "custom": {"reply": {
            "text": "I de sidste 2 uger …",
            "buttons": [{"title": "Hele tiden", "payload": '/inform{"code":"5"}'}],
            "link_id": "who5-1",
            "meta": {"kind": "question", "level": "standard"},
        }},
    }]
    assert parse_rest_answer(body) == [Reply(
        text="I de sidste 2 uger …",
        buttons=(("Hele tiden", '/inform{"code":"5"}'),),
        link_id="who5-1",
        meta={"kind": "question", "level": "standard"},
    )]


def test_plain_text_replies_and_order() -> None:
    body = [
        {"recipient_id": "a", "text": "Hej"},
        {"recipient_id": "a", "text": "Vælg", "buttons": [{"title": "Ja", "payload": "/affirm"}]},
        {"recipient_id": "a", "custom": {"reply": {"text": "Tak", "buttons": None}}},
    ]
    replies = parse_rest_answer(body)
    assert [r.text for r in replies] == ["Hej", "Vælg", "Tak"]
    assert replies[0] == Reply("Hej")
    assert replies[1].buttons == (("Ja", "/affirm"),)
    assert replies[2].buttons == () and replies[2].link_id is None and replies[2].meta is None


def test_messages_without_text_are_left_out() -> None:
    body = [{"recipient_id": "a", "image": "x.png"}, {"recipient_id": "a", "text": "Hej"}]
    assert [r.text for r in parse_rest_answer(body)] == ["Hej"]


@pytest.mark.parametrize(
    "body",
    [
        [],
        None,
        {},
        {"text": "not a list"},
        "garbage",
        42,
        [{"recipient_id": "a"}],
        [{"recipient_id": "a", "text": ""}],
        [{"custom": {"something": "else"}}],
        ["a string in the list"],
        [None],
        [{"text": "Hej"}, 5],
    ],
)
def test_unusable_answers_raise_engine_error(body: Any) -> None:
    with pytest.raises(EngineError):
        parse_rest_answer(body)


@pytest.mark.parametrize(
    "body",
    [
        [{"custom": {"reply": {"text": "x", "buttons": [{"title": "no payload"}]}}}],
        [{"custom": {"reply": {"text": "x", "buttons": ["not a dict"]}}}],
        [{"custom": {"reply": {"text": "x", "buttons": "abc"}}}],
        [{"text": "x", "buttons": ["not a dict"]}],
    ],
)
def test_malformed_buttons_raise_engine_error(body: Any) -> None:
    """A malformed answer must be an EngineError (the chat turns it into an apology), never a
    KeyError/TypeError that would make the web request fail with HTTP 500."""
    with pytest.raises(EngineError):
        parse_rest_answer(body)


# ------------------------------------------------------------------ dialogue_hash


@pytest.fixture
def dialogues(tmp_path: Path) -> Path:
    target = tmp_path / "dialogues"
    shutil.copytree(PROJECT_ROOT / "dialogues", target)
    return target


def test_hash_is_stable_and_ignores_questionnaires(dialogues: Path) -> None:
    original = dialogue_hash(dialogues)
    assert original == dialogue_hash(dialogues)
    assert original == dialogue_hash(PROJECT_ROOT / "dialogues")
    assert re.fullmatch(r"[0-9a-f]{16}", original)

    who5 = dialogues / "questionnaires" / "who5.yml"
    who5.write_text(who5.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    (dialogues / "questionnaires" / "new.yml").write_text("id: new\n", encoding="utf-8")
    assert dialogue_hash(dialogues) == original


def test_hash_changes_with_training_data(dialogues: Path) -> None:
    original = dialogue_hash(dialogues)
    nlu = sorted((dialogues / "data" / "nlu").glob("*.yml"))
    assert nlu, "no NLU files to change"
    nlu[0].write_text(nlu[0].read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    changed = dialogue_hash(dialogues)
    assert changed != original

    (dialogues / "domain" / "extra.yml").write_text('version: "3.1"\n', encoding="utf-8")
    assert dialogue_hash(dialogues) not in {original, changed}


def test_hash_ignores_the_engine_run_time_configuration(dialogues: Path) -> None:
    """endpoints.yml and credentials.yml say where the engine connects, and plans are content
    read at run time, not what it learns: editing them must not retrain. The same names deeper
    down are still training data."""
    original = dialogue_hash(dialogues)
    for name in ("endpoints.yml", "credentials.yml"):
        path = dialogues / name
        path.write_text(path.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    assert dialogue_hash(dialogues) == original
    (dialogues / "plans").mkdir(exist_ok=True)
    (dialogues / "plans" / "new-plan.yml").write_text("id: new-plan\n", encoding="utf-8")
    assert dialogue_hash(dialogues) == original
    (dialogues / "config.yml").write_text(
        (dialogues / "config.yml").read_text(encoding="utf-8") + "\n# changed\n", "utf-8"
    )
    changed = dialogue_hash(dialogues)
    assert changed != original
    (dialogues / "data" / "endpoints.yml").write_text('version: "3.1"\n', encoding="utf-8")
    assert dialogue_hash(dialogues) not in {original, changed}


def test_hash_ignores_files_that_are_not_yaml(dialogues: Path) -> None:
    original = dialogue_hash(dialogues)
    (dialogues / "data" / "notes.txt").write_text("scratch", encoding="utf-8")
    assert dialogue_hash(dialogues) == original


def test_model_path_and_commands_follow_the_settings(tmp_path: Path, dialogues: Path) -> None:
    settings = make_settings(tmp_path / "var", BOT_DIALOGUES_DIR=str(dialogues), RASA_PORT="5123")
    path = model_path(settings)
    assert path.parent == tmp_path / "var" / "models"
    assert path.name == f"model-{dialogue_hash(dialogues)}.tar.gz"
    train = train_command(settings, path)
    assert train[train.index("--fixed-model-name") + 1] == path.name.removesuffix(".tar.gz")
    serve = serve_command(settings, path)
    assert serve[serve.index("--port") + 1] == "5123"
    assert serve[serve.index("--interface") + 1] == "127.0.0.1"
    assert "--enable-api" in serve


def test_the_engine_gets_its_secrets_from_the_environment_not_the_command_line(
    tmp_path: Path,
) -> None:
    settings = make_settings(
        tmp_path / "var",
        BOT_ACTIONS_PORT="5077",
        BOT_ACTIONS_SECRET="the-actions-secret",
        RASA_AUTH_TOKEN="the-engine-token",
    )
    serve = serve_command(settings, model_path(settings))
    # The token is added inside the engine's process: `ps` shows every argument to every user.
    assert not any("the-engine-token" in part or "the-actions-secret" in part for part in serve)
    launcher = serve[serve.index("-c") + 1]
    assert "'--auth-token=' + token" in launcher and "RASA_AUTH_TOKEN" in launcher
    env = engine_environment(settings)
    assert env["RASA_AUTH_TOKEN"] == "the-engine-token"
    assert env["BOT_ACTIONS_SECRET"] == "the-actions-secret"
    assert env["ACTION_ENDPOINT_URL"] == "http://127.0.0.1:5077/webhook"
    # The tracker is in the engine's memory (dialogues/endpoints.yml): no tracker file.
    assert not any("TRACKER" in name for name in env if name not in os.environ)


# ------------------------------------------------------------------ client


def closed_port() -> int:
    """A loopback port with nothing listening (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_unreachable_engine() -> None:
    client = EngineClient(f"http://127.0.0.1:{closed_port()}", timeout=2.0)
    try:
        with pytest.raises(EngineError, match="not reachable"):
            await client.send("conversation-1", "hej")
        assert await client.model_loaded() is False
    finally:
        await client.close()


def _client_with(handler: Any, token: str = "") -> EngineClient:
    client = EngineClient("http://engine.test/", token=token)
    # The stand-in engine answers in place of the network; the client's own settings (its
    # token parameter) are kept.
    client._client._transport = httpx.MockTransport(handler)
    return client


async def test_client_sends_the_engine_token_on_every_call() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/status":
            return httpx.Response(200, json={"model_file": "model-abc.tar.gz"})
        return httpx.Response(200, json=[{"recipient_id": "c1", "text": "Hej"}])

    client = _client_with(handler, token="s3cr3t-token")
    try:
        assert await client.send("c1", "hej") == [Reply("Hej")]
        assert await client.model_loaded() is True
    finally:
        await client.close()
    assert [(r.url.path, dict(r.url.params)) for r in seen] == [
        ("/webhooks/rest/webhook", {"token": "s3cr3t-token"}),
        ("/status", {"token": "s3cr3t-token"}),
    ]


async def test_client_sends_sender_and_message() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=[{"recipient_id": "c1", "text": "Hej"}])

    client = _client_with(handler)
    try:
        assert await client.send("c1", "/start") == [Reply("Hej")]
    finally:
        await client.close()
    (request,) = seen
    assert str(request.url) == "http://engine.test/webhooks/rest/webhook"
    assert request.method == "POST"
    assert json.loads(request.content) == {"sender": "c1", "message": "/start"}


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(500, json={"error": "boom"}),
        httpx.Response(200, content=b"<html>not json</html>"),
        httpx.Response(200, json=[]),
    ],
)
async def test_client_bad_answers_are_engine_errors(answer: httpx.Response) -> None:
    client = _client_with(lambda request: answer)
    try:
        with pytest.raises(EngineError):
            await client.send("c1", "hej")
    finally:
        await client.close()


@pytest.mark.parametrize(
    ("answer", "loaded"),
    [
        (httpx.Response(200, json={"model_file": "model-abc.tar.gz"}), True),
        (httpx.Response(200, json={"model_file": None}), False),
        (httpx.Response(200, json={}), False),
        (httpx.Response(503, json={"model_file": "x"}), False),
        (httpx.Response(200, content=b"garbage"), False),
    ],
)
async def test_model_loaded(answer: httpx.Response, loaded: bool) -> None:
    client = _client_with(lambda request: answer)
    try:
        assert await client.model_loaded() is loaded
    finally:
        await client.close()



_text = st.text(min_size=1, max_size=30)
_reply = st.fixed_dictionaries({
    "text": _text,
    "buttons": st.lists(st.fixed_dictionaries({"title": _text, "payload": _text}), max_size=4),
    "link_id": st.one_of(st.none(), st.from_regex(r"[a-z0-9-]{1,20}", fullmatch=True)),
    "meta": st.one_of(st.none(), st.dictionaries(
        st.text(max_size=8), st.one_of(st.text(max_size=8), st.integers()), max_size=3)),
})


@settings(max_examples=150, derandomize=True, deadline=None)
@given(st.lists(_reply, min_size=1, max_size=5))
def test_custom_replies_round_trip(replies: list[dict[str, Any]]) -> None:
    """What actions.common.dispatch sends is what the app gets back, in order."""
    body = [{"recipient_id": "c", "custom": {"reply": reply}} for reply in replies]
    parsed = parse_rest_answer(body)
    assert [r.text for r in parsed] == [r["text"] for r in replies]
    assert [list(r.buttons) for r in parsed] == [
        [(b["title"], b["payload"]) for b in r["buttons"]] for r in replies]
    assert [r.link_id for r in parsed] == [r["link_id"] for r in replies]
    assert [r.meta for r in parsed] == [r["meta"] for r in replies]


def test_the_launcher_passes_a_token_that_starts_with_a_dash(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """token_urlsafe makes tokens like "-x3…": argparse must still read it as the value."""
    import argparse
    import sys
    import types

    from bot.engine import RASA_LAUNCH

    seen: list[str] = []
    fake_main = types.ModuleType("rasa.__main__")
    fake_main.main = lambda: seen.extend(sys.argv[1:])  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "rasa", types.ModuleType("rasa"))
    monkeypatch.setitem(sys.modules, "rasa.__main__", fake_main)
    monkeypatch.setattr(sys, "argv", ["-c", "run", "--quiet"])
    monkeypatch.setenv("RASA_AUTH_TOKEN", "-starts-with-a-dash")
    exec(RASA_LAUNCH, {})
    parser = argparse.ArgumentParser()
    parser.add_argument("command")
    parser.add_argument("--quiet", action="store_true")
    parser.add_argument("-t", "--auth-token")
    assert parser.parse_args(seen).auth_token == "-starts-with-a-dash"
