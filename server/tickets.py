"""One-time tickets: the only secret a link ever carries.

A link that must open a screen with a secret (the facilitator's start link, the console of a room,
the projector display) carries a ticket in its fragment instead of the secret. The page posts the
ticket to /api/tickets/exchange at once and receives the credential in the response body; the
ticket is deleted in the same step (single use) and expires unused after a TTL.

What the store keeps is useless without the ticket: the key is a hash of the ticket's secret half,
and the credential is sealed with a key stream derived from that secret half, which the store
never sees. Room tickets live under the room's prefix (erased with the room); host tickets under
hearth:ticket:.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Literal

from .codes import normalise_code
from .store import RoomStore
from .store.base import key

Kind = Literal["host", "facilitator", "cofacilitator", "display"]
KINDS: tuple[Kind, ...] = ("host", "facilitator", "cofacilitator", "display")
HOST_PREFIX = "h"
SECRET_BYTES = 24


@dataclass(frozen=True)
class Grant:
    kind: Kind
    code: str | None  # None for a host ticket
    credential: str  # the host secret, or the room credential of that role


def _store_key(code: str | None, secret: str) -> str:
    name = "ticket:" + hashlib.sha256(("ticket:" + secret).encode()).hexdigest()
    return key(code, name) if code else "hearth:" + name


def _keystream(secret: str, length: int) -> bytes:
    out = b""
    counter = 0
    while len(out) < length:
        block = hmac.new(secret.encode(), b"seal:%d" % counter, hashlib.sha256).digest()
        out += block
        counter += 1
    return out[:length]


def _seal(secret: str, kind: Kind, credential: str) -> bytes:
    plain = f"{kind}:{credential}".encode()
    return bytes(a ^ b for a, b in zip(plain, _keystream(secret, len(plain)), strict=True))


def _open(secret: str, sealed: bytes) -> tuple[str, str] | None:
    plain = bytes(a ^ b for a, b in zip(sealed, _keystream(secret, len(sealed)), strict=True))
    kind, sep, credential = plain.decode("utf-8", "replace").partition(":")
    return (kind, credential) if sep and kind in KINDS else None


async def mint(store: RoomStore, grant: Grant, ttl: int) -> str:
    """Store a sealed grant and return the ticket: '<CODE or h>.<secret>'."""
    secret = secrets.token_urlsafe(SECRET_BYTES)
    await store.put_ticket(
        _store_key(grant.code, secret), _seal(secret, grant.kind, grant.credential), ttl
    )
    return f"{grant.code or HOST_PREFIX}.{secret}"


async def redeem(store: RoomStore, ticket: str) -> Grant | None:
    """The grant behind a ticket, once. None for a malformed, unknown, used or expired one."""
    where, sep, secret = ticket.strip().partition(".")
    if not sep or not 16 <= len(secret) <= 128:
        return None
    code = None if where == HOST_PREFIX else normalise_code(where)
    if where != HOST_PREFIX and code is None:
        return None
    sealed = await store.take_ticket(_store_key(code, secret))
    opened = _open(secret, sealed) if sealed is not None else None
    if opened is None:
        return None
    kind, credential = opened
    if (kind == "host") != (code is None):
        return None
    return Grant(kind=kind, code=code, credential=credential)  # type: ignore[arg-type]
