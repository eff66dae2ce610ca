"""API-key format and hashing (ADR 1100): `snk_<prefix>_<secret>`.

`prefix` (12 hex digits) is public and finds the key's row; `secret` (256 random bits) is never
stored, only its SHA-256. A fast hash is enough for a random 256-bit secret (nothing to guess
from a dictionary) and keeps a settlement request within its time budget; a password hash
(PBKDF2) would cost ~100 ms per call.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

KEY_SCHEME = "snk"


def new_key() -> tuple[str, str, str]:
    """(prefix, secret hash, the whole key to hand over once)."""
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    return prefix, hash_secret(secret), f"{KEY_SCHEME}_{prefix}_{secret}"


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def split_key(key: str) -> tuple[str, str] | None:
    """(prefix, secret) of a well-formed key, else None."""
    parts = key.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_SCHEME or len(parts[1]) != 12 or not parts[2]:
        return None
    return parts[1], parts[2]


def secret_matches(secret: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_secret(secret), stored_hash)
