"""Read-aloud speech: Danish WAV from espeak-ng, OGG/Opus for Telegram, and what happens without.

The speech tools are Debian packages that scripts/install-system-deps.sh installs; without them
these tests fail with SpeechUnavailable rather than skip.
"""

from __future__ import annotations

import io
import wave
from pathlib import Path

import pytest

from bot import speech

SENTENCE = "I de sidste to uger har jeg været glad og i godt humør. Hvor ofte har du følt det?"


def wav_seconds(data: bytes) -> float:
    with wave.open(io.BytesIO(data)) as reader:
        assert reader.getnchannels() == 1
        assert reader.getsampwidth() == 2
        return reader.getnframes() / reader.getframerate()


def test_wav_of_a_danish_sentence() -> None:
    data = speech.synthesize_wav(SENTENCE)
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    seconds = wav_seconds(data)
    # The header has the real sizes (espeak-ng writes placeholders to a pipe).
    assert 0.3 < seconds < 30
    with wave.open(io.BytesIO(data)) as reader:
        assert len(reader.readframes(reader.getnframes())) == reader.getnframes() * 2


def test_slower_speech_is_longer() -> None:
    slow = wav_seconds(speech.synthesize_wav(SENTENCE, words_per_minute=110))
    fast = wav_seconds(speech.synthesize_wav(SENTENCE, words_per_minute=180))
    assert slow > fast


def test_ogg_opus_for_telegram() -> None:
    data = speech.synthesize_ogg_opus(SENTENCE)
    assert data.startswith(b"OggS")
    assert b"OpusHead" in data
    assert len(data) < len(speech.synthesize_wav(SENTENCE))


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("• Hele tiden\n• Det meste af tiden", "Hele tiden. Det meste af tiden."),
        ("Jeg har forstået: “Det meste af tiden”. Passer det?",
         "Jeg har forstået: Det meste af tiden. Passer det?"),
        ("Spørgsmål 3 af 5 🙂", "Spørgsmål 3 af 5."),
        ("Æblerne på øen … 'rødgrød' ", "Æblerne på øen. rødgrød."),
        ("WHO-5's første spørgsmål", "WHO-5's første spørgsmål."),
        ("• 🙂 “”", ""),
    ],
)  # fmt: skip
def test_clean_text_drops_symbols_and_keeps_danish_letters(text: str, spoken: str) -> None:
    assert speech.clean_text(text) == spoken


def test_text_is_not_read_as_options_or_shell() -> None:
    # A text that looks like an option or a shell command is just spoken text.
    data = speech.synthesize_wav("--help; rm -rf / $(ls)")
    assert wav_seconds(data) > 0.3
    with pytest.raises(ValueError):
        speech.synthesize_wav("• “”")
    with pytest.raises(ValueError):
        speech.synthesize_wav("hej", voice="da; rm")


def test_cache_keeps_one_file_per_text_and_voice(tmp_path: Path) -> None:
    first = speech.cached(tmp_path, SENTENCE)
    assert first == speech.cached(tmp_path, SENTENCE)
    assert len(list(tmp_path.glob("*.wav"))) == 1
    # Same spoken text (only a bullet differs): same file. Another voice: another file.
    speech.cached(tmp_path, "• " + SENTENCE)
    assert len(list(tmp_path.glob("*.wav"))) == 1
    speech.cached(tmp_path, SENTENCE, voice="en")
    assert len(list(tmp_path.glob("*.wav"))) == 2
    assert not list(tmp_path.glob("*.part"))
    # The file name is a hash: no text of the message is visible on disk.
    assert all("glad" not in path.name for path in tmp_path.iterdir())


def test_unavailable_without_espeak_on_path(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert not speech.available()
    assert not speech.ogg_available()
    with pytest.raises(speech.SpeechUnavailable):
        speech.synthesize_wav(SENTENCE)
    with pytest.raises(speech.SpeechUnavailable):
        speech.synthesize_ogg_opus(SENTENCE)
    with pytest.raises(speech.SpeechUnavailable):
        speech.cached(tmp_path / "audio", SENTENCE)
    assert not (tmp_path / "audio").exists()
