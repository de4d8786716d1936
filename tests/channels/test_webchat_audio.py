"""Read-aloud in the web chat: the audio route and the audio_url in the JSON (engine down)."""

from __future__ import annotations

import io
import socket
import warnings
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.storage.conversations import conversation_for_invitation
from bot.storage.db import session_scope
from bot.storage.patients import create_invitation, create_patient
from bot.storage.transcripts import add_message
from bot.turn.messages import Reply
from bot.web import create_app
from tests.conftest import make_settings

with warnings.catch_warnings():
    # "Using httpx with starlette.testclient is deprecated": not ours to change.
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

QUESTION = "Spørgsmål 1 af 5. I de sidste to uger har jeg været glad og i godt humør."


def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = make_settings(
        tmp_path / "var",
        RASA_URL=f"http://127.0.0.1:{closed_port()}",
        RASA_MANAGE="false",
        DATABASE_URL=f"sqlite:///{tmp_path / 'web.db'}",
        RASA_TIMEOUT="3",
    )
    with TestClient(create_app(settings, manage_engine=False)) as test_client:
        yield test_client


@dataclass
class Chat:
    token: str
    conversation_id: str
    spoken: int  # a bot question with read-aloud on
    silent: int  # a bot message without audio meta
    patient: int  # the patient's answer (meta audio set, still never spoken)


def new_chat(client: TestClient) -> Chat:
    factory = client.app.state.session_factory  # type: ignore[attr-defined]
    with session_scope(factory) as session:
        patient = create_patient(session)
        issued = create_invitation(session, patient, "who5", channel="web")
        conversation = conversation_for_invitation(session, issued.invitation)
        silent = add_message(
            session, conversation, direction="out", channel="web", text="Hej! Jeg er en chatbot."
        )
        spoken = add_message(
            session,
            conversation,
            direction="out",
            channel="web",
            text=QUESTION,
            buttons=[{"title": "Hele tiden", "payload": '/answer{"value":"5"}'}],
            link_id="who5-1",
            meta={"audio": True},
        )
        answer = add_message(
            session,
            conversation,
            direction="in",
            channel="web",
            text="Jeg hedder Hans og har ondt i ryggen",
            meta={"audio": True},
        )
        return Chat(issued.token, conversation.id, spoken.id, silent.id, answer.id)


def audio(token: str, message_id: int | str) -> str:
    return f"/api/chat/{token}/audio/{message_id}"


def wav_seconds(data: bytes) -> float:
    with wave.open(io.BytesIO(data)) as reader:
        return reader.getnframes() / reader.getframerate()


def test_a_question_is_read_aloud_as_wav(client: TestClient) -> None:
    chat = new_chat(client)
    response = client.get(audio(chat.token, chat.spoken))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "audio/wav"
    assert response.content[:4] == b"RIFF"
    assert wav_seconds(response.content) > 1.0
    assert "media-src 'self'" in response.headers["content-security-policy"]

    # Cached on disk under a hash (never the text), and served from there the next time.
    cache = client.app.state.settings.var_dir / "audio"  # type: ignore[attr-defined]
    files = list(cache.glob("*.wav"))
    assert len(files) == 1 and "humør" not in files[0].name
    assert files[0].read_bytes() == response.content
    again = client.get(audio(chat.token, chat.spoken))
    assert again.content == response.content
    assert len(list(cache.glob("*.wav"))) == 1


def test_history_has_the_audio_url_only_where_read_aloud_is_on(client: TestClient) -> None:
    chat = new_chat(client)
    response = client.get(f"/api/chat/{chat.token}/messages")
    assert response.status_code == 200
    messages = response.json()["messages"]
    by_text = {m["text"]: m for m in messages}
    assert by_text[QUESTION]["audio_url"] == audio(chat.token, chat.spoken)
    assert by_text[QUESTION]["buttons"] == [
        {"title": "Hele tiden", "payload": '/answer{"value":"5"}'}
    ]
    assert by_text[QUESTION]["from"] == "bot"
    assert "audio_url" not in by_text["Hej! Jeg er en chatbot."]
    assert all("audio_url" not in m for m in messages if m["from"] == "patient")


@pytest.mark.parametrize("which", ["silent", "patient", "other", "missing", "huge", "word"])
def test_no_audio_for_other_messages(client: TestClient, which: str) -> None:
    chat, other = new_chat(client), new_chat(client)
    target: int | str = {
        "silent": chat.silent,  # no audio meta
        "patient": chat.patient,  # the patient's words are never spoken
        "other": other.spoken,  # another patient's question, through this patient's link
        "missing": other.patient + 1000,
        "huge": 10**30,
        "word": "abc",
    }[which]
    response = client.get(audio(chat.token, target))
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert "error" in response.json()
    cache = client.app.state.settings.var_dir / "audio"  # type: ignore[attr-defined]
    assert not cache.exists() or not list(cache.iterdir())


def test_unknown_or_telegram_token_is_404(client: TestClient) -> None:
    chat = new_chat(client)
    assert client.get(audio("not-a-real-token", chat.spoken)).status_code == 404
    factory = client.app.state.session_factory  # type: ignore[attr-defined]
    with session_scope(factory) as session:
        patient = create_patient(session)
        telegram = create_invitation(session, patient, "who5", channel="telegram").token
    assert client.get(audio(telegram, chat.spoken)).status_code == 404


def test_without_espeak_the_route_says_speech_is_not_available(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    chat = new_chat(client)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    response = client.get(audio(chat.token, chat.spoken))
    assert response.status_code == 503
    assert response.json()["error"].startswith("Oplæsning virker ikke")
    # The text still works: the history is unchanged.
    assert client.get(f"/api/chat/{chat.token}/messages").status_code == 200


def test_post_reply_with_read_aloud_has_an_audio_url(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    chat = new_chat(client)
    engine = client.app.state.chat.engine  # type: ignore[attr-defined]

    async def send(sender: str, message: str) -> list[Reply]:
        assert sender == chat.conversation_id
        return [
            Reply(text="Tak."),
            Reply(
                text="Spørgsmål 2 af 5. Jeg har følt mig rolig og afslappet.",
                buttons=(("Hele tiden", '/answer{"value":"5"}'),),
                link_id="who5-2",
                meta={"audio": True},
            ),
        ]

    monkeypatch.setattr(engine, "send", send)
    response = client.post(f"/api/chat/{chat.token}/messages", json={"text": "hele tiden"})
    assert response.status_code == 200, response.text
    first, second = response.json()["messages"]
    assert first == {"text": "Tak.", "buttons": [], "link_id": None}
    assert set(second) == {"text", "buttons", "link_id", "audio_url"}
    assert second["buttons"] == [{"title": "Hele tiden", "payload": '/answer{"value":"5"}'}]
    played = client.get(second["audio_url"])
    assert played.status_code == 200
    assert played.headers["content-type"] == "audio/wav"
    # The same URL is in the history afterwards.
    history = client.get(f"/api/chat/{chat.token}/messages").json()["messages"]
    assert history[-1]["audio_url"] == second["audio_url"]


def test_page_has_the_read_aloud_texts(client: TestClient) -> None:
    chat = new_chat(client)
    page: Any = client.get(f"/chat/{chat.token}").text
    assert 'data-read-aloud="Læs op"' in page
    assert 'data-read-aloud-label="Læs op' in page
    script = client.get("/static/chat.js").text
    assert "new Audio(" in script
    assert ".autoplay" not in script and '"autoplay"' not in script  # only on a press
