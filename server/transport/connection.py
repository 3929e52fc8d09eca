"""One client socket as the hub and the endpoint see it, whichever path carries it: the
ASGI path (server/transport/asgi.py) or the fast path (server/transport/fast.py); the socket
tests run on both."""

from __future__ import annotations

from typing import Protocol

from server.wire import protocol as p


class Connection(Protocol):
    """One client socket as the hub and the endpoint see it, on either path."""

    role: str
    seat: str  # facilitator consoles: "lead" or "co"
    grant: str | None  # the digest of the credential it joined with
    closing: tuple[int, str] | None
    lang: str | None  # its error frames' language (server/i18n.py); never stored

    def offer(self, text: str) -> bool:
        """Queue a frame without waiting; False if the socket was dropped for falling behind."""

    def send_now(self, message: p.Message | str) -> None:
        """A message for this socket alone (acks, errors, snapshots), or its JSON text."""

    def close(self, code: int, reason: str) -> None: ...

    def stalled(self) -> bool:
        """Messages wait and none has moved for longer than the write deadline."""

    async def finish(self) -> None:
        """Stop sending (after the hub has let go of the socket)."""
