"""Staff passwords: argon2id with argon2-cffi's defaults, at least 12 characters."""

from __future__ import annotations

import secrets
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_PASSWORD_LENGTH = 12

# The hasher holds only its cost parameters (tests swap in a cheap one).
_hasher = PasswordHasher()


class AccountError(ValueError):
    """A user or password that cannot be accepted (the message says why, in English)."""


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with other parameters than today's defaults."""
    return _hasher.check_needs_rehash(password_hash)


def verify_nothing(password: str) -> None:
    """Take as long as checking a password, for an e-mail address that is not known (so the
    time of the answer does not tell which addresses are)."""
    verify_password(_dummy_hash(_hasher), password)


@lru_cache(maxsize=2)
def _dummy_hash(hasher: PasswordHasher) -> str:
    return hasher.hash(secrets.token_hex(16))


def check_login(password_hash: str | None, password: str) -> tuple[bool, str | None]:
    """Whether the password is right for this hash (None: no such user, which takes as long),
    and a new hash when the old one was made with other parameters. Slow: runs on the log-in
    hashing threads."""
    if password_hash is None:
        verify_nothing(password)
        return False, None
    if not verify_password(password_hash, password):
        return False, None
    return True, hash_password(password) if needs_rehash(password_hash) else None
