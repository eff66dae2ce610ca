"""Device keys (ADR 1221): `sndev_<device_id>_<secret>`, the secret 256 random bits, stored only as
its SHA-256 (like the institutions' keys, ADR 1100)."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

PREFIX = "sndev_"
DEVICE_ID = re.compile(r"^[A-Za-z0-9-]{4,32}$")
_KEY = re.compile(r"^sndev_([A-Za-z0-9-]{4,32})_([A-Za-z0-9_-]{43})$")


def new_secret() -> str:
    return secrets.token_urlsafe(32)  # 43 characters


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def make_key(device_id: str, secret: str) -> str:
    return f"{PREFIX}{device_id}_{secret}"


def split_key(key: str) -> tuple[str, str] | None:
    m = _KEY.match(key)
    return (m.group(1), m.group(2)) if m else None


def secret_matches(secret: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_secret(secret), stored_hash)
