"""The console's keys: the secret that signs session cookies and CSRF tokens, and the key of
the research pseudonyms in CSV exports."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
from pathlib import Path

from bot.settings import Settings

# One lock for the process: two first requests must not both create the key file.
_key_lock = threading.Lock()


def secret_key(settings: Settings) -> bytes:
    """``BOT_SECRET_KEY`` if set; otherwise a random key kept in ``<var>/secret_key`` (mode
    0600, created on first use), which the app and the CLI on one machine share."""
    if settings.secret_key:
        return settings.secret_key.encode()
    return _file_key(settings.var_dir / "secret_key")


def _file_key(path: Path) -> bytes:
    with _key_lock:
        try:
            return path.read_bytes().strip()
        except FileNotFoundError:
            pass
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_hex(32).encode()
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process was first
            return path.read_bytes().strip()
        with os.fdopen(fd, "wb") as handle:
            handle.write(key)
        return key


def pseudonym_key(settings: Settings) -> bytes:
    """The key of the research pseudonyms in CSV exports: ``BOT_EXPORT_PSEUDONYM_KEY``, or
    derived from the secret key (so it is stable as long as that key is)."""
    if settings.export_pseudonym_key:
        return settings.export_pseudonym_key.encode()
    return hmac.new(secret_key(settings), b"export-pseudonym-key", hashlib.sha256).digest()
