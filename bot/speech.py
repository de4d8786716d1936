"""Read-aloud: Danish speech from a bot text with Debian's espeak-ng (and opusenc for Telegram).

Pure helpers, no web imports. The speech engine is an optional system tool: `available()`
says whether it is installed, and the synthesis functions raise `SpeechUnavailable` when it
is not, so callers can say so once and carry on in text. Only bot texts are spoken (never
the patient's words), and `cached()` keeps each spoken text on disk under a hash of the
text and the voice, so a question asked again is not synthesised again.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import struct
import subprocess
import tempfile
import unicodedata
from pathlib import Path
from typing import Literal

ESPEAK = "espeak-ng"
OPUSENC = "opusenc"
DEFAULT_VOICE = "da"
DEFAULT_WPM = 140
TIMEOUT_SECONDS = 60.0
MAX_CHARS = 3000  # bot texts are short; this only bounds the work for a runaway text
# Bump when the text cleaning or the encoder options change, so old cached audio is not reused.
CACHE_VERSION = "1"

Format = Literal["wav", "ogg"]


class SpeechUnavailable(RuntimeError):
    """The speech tools (espeak-ng, or opusenc for OGG) are not installed."""


class SpeechError(RuntimeError):
    """The speech tools are installed but failed on this text."""


def available() -> bool:
    """True when espeak-ng is on PATH."""
    return shutil.which(ESPEAK) is not None


def ogg_available() -> bool:
    """True when both espeak-ng and opusenc are on PATH (needed for Telegram voice)."""
    return available() and shutil.which(OPUSENC) is not None


# Punctuation espeak-ng reads as pauses; anything else that is not a letter, digit or space
# (bullets, quotes, emoji, arrows, markup) is dropped rather than read out or spelt.
_KEEP_PUNCTUATION = set(".,;:!?-()%/")
_APOSTROPHES = "'’"
_SENTENCE_END = ".!?:;,"


def clean_text(text: str) -> str:
    """The text as it should be spoken: symbols dropped, line breaks made into pauses.

    Danish letters (æ, ø, å) and other letters and digits are kept as they are.
    """
    text = unicodedata.normalize("NFC", text)
    text = text.replace("…", ".").replace("–", "-").replace("—", "-")
    lines: list[str] = []
    for raw_line in text.splitlines():
        chars: list[str] = []
        for index, char in enumerate(raw_line):
            category = unicodedata.category(char)
            if category[0] in "LN" or char.isspace() or char in _KEEP_PUNCTUATION:
                chars.append(" " if char.isspace() else char)
            elif char in _APOSTROPHES:
                # Keep an apostrophe inside a word ("WHO-5's"); drop quoting apostrophes.
                before = raw_line[index - 1] if index > 0 else ""
                after = raw_line[index + 1] if index + 1 < len(raw_line) else ""
                chars.append("'" if before.isalnum() and after.isalnum() else " ")
            else:
                chars.append(" ")
        line = re.sub(r"\s+", " ", "".join(chars)).strip(" -/")
        line = re.sub(r" ([.,;:!?%)])", r"\1", line)
        if not any(c.isalnum() for c in line):
            continue
        # A line without closing punctuation (a bullet, a heading) still gets a pause.
        if line[-1] not in _SENTENCE_END:
            line += "."
        lines.append(line)
    return " ".join(lines)[:MAX_CHARS]


def _fix_wav_header(data: bytes) -> bytes:
    """espeak-ng writes to a pipe with placeholder sizes; put the real ones in."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise SpeechError("espeak-ng did not produce a WAV file")
    position = 12
    while position + 8 <= len(data):
        chunk_id = data[position : position + 4]
        if chunk_id == b"data":
            size = len(data) - (position + 8)
            fixed = bytearray(data)
            fixed[4:8] = struct.pack("<I", len(data) - 8)
            fixed[position + 4 : position + 8] = struct.pack("<I", size)
            return bytes(fixed)
        (chunk_size,) = struct.unpack("<I", data[position + 4 : position + 8])
        position += 8 + chunk_size + (chunk_size & 1)
    raise SpeechError("espeak-ng produced a WAV file without audio")


def _run(command: list[str], stdin: bytes) -> bytes:
    try:
        result = subprocess.run(
            command, input=stdin, capture_output=True, timeout=TIMEOUT_SECONDS, check=False
        )
    except FileNotFoundError as error:
        raise SpeechUnavailable(f"{command[0]} is not installed") from error
    except subprocess.TimeoutExpired as error:
        raise SpeechError(f"{command[0]} took longer than {TIMEOUT_SECONDS:.0f} s") from error
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip()[:300]
        raise SpeechError(f"{command[0]} failed ({result.returncode}): {message}")
    return result.stdout


def synthesize_wav(
    text: str, *, voice: str = DEFAULT_VOICE, words_per_minute: int = DEFAULT_WPM
) -> bytes:
    """The text spoken by espeak-ng as a mono 16-bit WAV file."""
    executable = shutil.which(ESPEAK)
    if executable is None:
        raise SpeechUnavailable(
            "espeak-ng is not installed (Debian package espeak-ng; scripts/install-system-deps.sh)"
        )
    if not re.fullmatch(r"[A-Za-z0-9_+-]{1,40}", voice):
        raise ValueError(f"not a voice name: {voice!r}")
    spoken = clean_text(text)
    if not spoken:
        raise ValueError("nothing to read aloud")
    # The text goes in on stdin (no shell, no option parsing of the text); -b 1 = UTF-8.
    command = [executable, "-v", voice, "-s", str(int(words_per_minute)), "-b", "1", "--stdout"]
    return _fix_wav_header(_run(command, spoken.encode("utf-8")))


def synthesize_ogg_opus(
    text: str,
    *,
    voice: str = DEFAULT_VOICE,
    words_per_minute: int = DEFAULT_WPM,
    bitrate_kbps: int = 24,
) -> bytes:
    """The text as OGG/Opus (what Telegram plays as a voice message)."""
    encoder = shutil.which(OPUSENC)
    if encoder is None:
        raise SpeechUnavailable(
            "opusenc is not installed (Debian package opus-tools; scripts/install-system-deps.sh)"
        )
    wav = synthesize_wav(text, voice=voice, words_per_minute=words_per_minute)
    command = [encoder, "--quiet", "--speech", "--bitrate", str(int(bitrate_kbps)), "-", "-"]
    ogg = _run(command, wav)
    if not ogg.startswith(b"OggS"):
        raise SpeechError("opusenc did not produce an OGG file")
    return ogg


def cache_key(
    text: str, fmt: Format, *, voice: str = DEFAULT_VOICE, words_per_minute: int = DEFAULT_WPM
) -> str:
    material = "\0".join([CACHE_VERSION, fmt, voice, str(words_per_minute), clean_text(text)])
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def cached(
    cache_dir: Path,
    text: str,
    fmt: Format = "wav",
    *,
    voice: str = DEFAULT_VOICE,
    words_per_minute: int = DEFAULT_WPM,
) -> bytes:
    """The spoken text from `cache_dir` (made on first use); for bot texts only."""
    key = cache_key(text, fmt, voice=voice, words_per_minute=words_per_minute)
    path = cache_dir / f"{key}.{fmt}"
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    if fmt == "wav":
        audio = synthesize_wav(text, voice=voice, words_per_minute=words_per_minute)
    else:
        audio = synthesize_ogg_opus(text, voice=voice, words_per_minute=words_per_minute)
    cache_dir.mkdir(parents=True, exist_ok=True)
    # Written whole and then renamed, so a concurrent reader never sees half a file.
    handle, temporary = tempfile.mkstemp(dir=cache_dir, suffix=".part")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(audio)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return audio
