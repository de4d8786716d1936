"""The repository tracks no file that a tool wrote by mistake: a database (they belong in var/),
or a file named after an unexpanded ${VARIABLE} (Rasa once made `dialogues/${RASA_TRACKER_DB}`)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from bot.settings import PROJECT_ROOT

DATABASE_SUFFIXES = (".db", ".sqlite", ".sqlite3")


def _tracked_files() -> list[str]:
    if shutil.which("git") is None or not (PROJECT_ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    listing = subprocess.run(
        ["git", "ls-files", "-z"], cwd=PROJECT_ROOT, capture_output=True, check=True
    )
    return [name for name in listing.stdout.decode("utf-8").split("\0") if name]


def test_no_database_or_unexpanded_variable_is_tracked() -> None:
    tracked = _tracked_files()
    assert tracked  # the listing worked
    stray = [name for name in tracked if "${" in name or name.endswith(DATABASE_SUFFIXES)]
    assert stray == [], f"remove with `git rm --cached`: {stray}"
