"""Join codes, credentials and the one-way hashes the store keeps instead of them."""

from __future__ import annotations

import hashlib
import hmac
import secrets

# No 0/O, 1/I/L, 5/S, 2/Z, 8/B: codes are read off a projector and typed on phones.
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
CODE_LENGTH = 6
CREDENTIAL_BYTES = 24  # 192 bits, comfortably above the 128 the brief asks for


def new_join_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(raw: str) -> str | None:
    """Uppercase and strip what people type around a code; None when it cannot be one."""
    code = "".join(ch for ch in raw.upper() if not ch.isspace() and ch != "-")
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        return None
    return code


def new_credential() -> str:
    return secrets.token_urlsafe(CREDENTIAL_BYTES)


def digest(secret: str) -> str:
    """What the store keeps of a token or credential: enough to check it, not to use it."""
    return hashlib.sha256(secret.encode()).hexdigest()


def matches(secret: str, expected_digest: str) -> bool:
    return hmac.compare_digest(digest(secret), expected_digest)
