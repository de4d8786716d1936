"""Staff passwords (bot/console/passwords.py)."""

from __future__ import annotations

import pytest

from bot.console.passwords import hash_password, verify_password


def test_passwords_are_argon2_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    from argon2 import PasswordHasher

    from bot.console import passwords

    monkeypatch.setattr(passwords, "_hasher", PasswordHasher())  # the production parameters
    hashed = hash_password("a long enough password")
    assert hashed.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert "a long enough password" not in hashed
    assert verify_password(hashed, "a long enough password")
    assert not verify_password(hashed, "a long enough passworD")
    assert not verify_password("not a hash", "anything")
