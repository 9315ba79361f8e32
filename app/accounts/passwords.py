"""Password hashing with argon2id; parameters come from config and old hashes are upgraded."""

from __future__ import annotations

import contextlib

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app


def hasher() -> PasswordHasher:
    """The configured hasher; safe to use from worker threads once obtained."""
    cfg = current_app.config
    key = (cfg["ARGON2_TIME_COST"], cfg["ARGON2_MEMORY_COST"], cfg["ARGON2_PARALLELISM"])
    cache = current_app.extensions.setdefault("password_hashers", {})
    if key not in cache:
        cache[key] = PasswordHasher(time_cost=key[0], memory_cost=key[1], parallelism=key[2])
    return cache[key]


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    ph = hasher()
    if not password_hash or not password_hash.startswith("$argon2"):
        # Spend the same time as a real check, so response time does not reveal unknown users.
        _burn(ph, password)
        return False
    try:
        return ph.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return hasher().check_needs_rehash(password_hash)


def _burn(ph: PasswordHasher, password: str) -> None:
    cache = current_app.extensions.setdefault("password_dummy", {})
    if ph.time_cost not in cache:
        cache[ph.time_cost] = ph.hash("dummy-password")
    with contextlib.suppress(VerifyMismatchError):
        ph.verify(cache[ph.time_cost], password)
