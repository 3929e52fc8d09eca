"""One-time tickets: the only secret a link ever carries.

A link that must open a screen with a secret (the facilitator's start link, the console of a room,
the projector display) carries a ticket in its fragment instead of the secret. The page posts the
ticket to /api/tickets/exchange at once and receives the credential in the response body; the
ticket is deleted in the same step (single use) and expires unused after a TTL.

What the store keeps is useless without the ticket: the key is a hash of the ticket's secret half,
and the credential is sealed with AES-GCM under a key derived from that secret half, which the
store never sees (authenticated: an altered or transplanted value does not open). Room tickets
live under the room's prefix (erased with the room); host tickets under hearth:ticket:.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Literal

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from server.domain.codes import normalise_code
from server.store import RoomStore
from server.store.base import key

Kind = Literal["host", "facilitator", "cofacilitator", "display"]
KINDS: tuple[Kind, ...] = ("host", "facilitator", "cofacilitator", "display")
HOST_PREFIX = "h"
SECRET_BYTES = 24
NONCE_BYTES = 12


@dataclass(frozen=True)
class Grant:
    kind: Kind
    code: str | None  # None for a host ticket
    credential: str  # the host secret, or the room credential of that role


def _store_key(code: str | None, secret: str) -> str:
    name = "ticket:" + hashlib.sha256(("ticket:" + secret).encode()).hexdigest()
    return key(code, name) if code else "hearth:" + name


def _aead(secret: str) -> AESGCM:
    # The ticket's secret half is 24 random bytes; a hash of it is a sound 256-bit AES key.
    return AESGCM(hashlib.sha256(("seal:" + secret).encode()).digest())


def _seal(secret: str, name: str, kind: Kind, credential: str) -> bytes:
    """AES-GCM with a fresh nonce; the store key is the associated data, so a sealed grant
    moved under another ticket's key does not open."""
    nonce = secrets.token_bytes(NONCE_BYTES)
    plain = f"{kind}:{credential}".encode()
    return nonce + _aead(secret).encrypt(nonce, plain, name.encode())


def _open(secret: str, name: str, sealed: bytes) -> tuple[str, str] | None:
    nonce, body = sealed[:NONCE_BYTES], sealed[NONCE_BYTES:]
    try:
        plain = _aead(secret).decrypt(nonce, body, name.encode())
    except (InvalidTag, ValueError):  # altered, truncated or sealed for another key
        return None
    kind, sep, credential = plain.decode("utf-8", "replace").partition(":")
    return (kind, credential) if sep and kind in KINDS else None


async def mint(store: RoomStore, grant: Grant, ttl: int) -> str:
    """Store a sealed grant and return the ticket: '<CODE or h>.<secret>'."""
    secret = secrets.token_urlsafe(SECRET_BYTES)
    name = _store_key(grant.code, secret)
    await store.put_ticket(name, _seal(secret, name, grant.kind, grant.credential), ttl)
    return f"{grant.code or HOST_PREFIX}.{secret}"


def _parsed(ticket: str) -> tuple[str | None, str] | None:
    """(the room's code, or None for a host ticket; the secret half), or None if malformed."""
    where, sep, secret = ticket.strip().partition(".")
    if not sep or not 16 <= len(secret) <= 128:
        return None
    code = None if where == HOST_PREFIX else normalise_code(where)
    if where != HOST_PREFIX and code is None:
        return None
    return code, secret


async def waiting(store: RoomStore, code: str, ticket: str) -> bool:
    """Whether a ticket of this room is still there to be used: neither spent nor expired. It
    reads and takes nothing (the console that made a link says when it has been opened)."""
    parsed = _parsed(ticket)
    if parsed is None or parsed[0] != code:
        return False
    return await store.ticket_waiting(_store_key(code, parsed[1]))


async def redeem(store: RoomStore, ticket: str) -> Grant | None:
    """The grant behind a ticket, once. None for a malformed, unknown, used or expired one."""
    parsed = _parsed(ticket)
    if parsed is None:
        return None
    code, secret = parsed
    name = _store_key(code, secret)
    sealed = await store.take_ticket(name)
    opened = _open(secret, name, sealed) if sealed is not None else None
    if opened is None:
        return None
    kind, credential = opened
    if (kind == "host") != (code is None):
        return None
    return Grant(kind=kind, code=code, credential=credential)  # type: ignore[arg-type]
