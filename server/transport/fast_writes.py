"""Encode-once fan-out: pre-built WebSocket frames written straight to each socket's transport.

A `FastConnection` writes the same bytes for every socket (server frames are unmasked and
per-message-deflate is off, so one frame fits all) without a task, with backpressure from the
transport's write buffer; a socket's own replies are corked to the end of the loop's turn.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from server.transport.connection import Connection
from server.transport.fast import TEXT_FIN, FastPathProtocol
from server.wire.close_codes import CLOSE_TOO_SLOW
from server.wire.protocol import Message

WriteFrame = Callable[[Iterable[Any], bytes, type], list[tuple[Any, int]]]
compiled: WriteFrame | None
try:  # the fan-out's per-socket step in C (native/, installed by deploy/dev where it builds)
    from hearth_fanout import write_frame as compiled
except ImportError:  # pragma: no cover - without it, the same step in Python (offer)
    compiled = None

BYTES_PER_QUEUED_MESSAGE = 4096  # send_queue_messages x this = bytes buffered before a drop
ABORT_AFTER_SECONDS = 5.0  # a dropped phone that still does not read loses its socket

log = logging.getLogger("hearth.ws")

_last: tuple[str, bytes] = ("", b"")


def text_frame(payload: bytes) -> bytes:
    """One unfragmented, unmasked text frame (RFC 6455 5.2), byte for byte as the websockets
    library builds it (tests/test_fastpath.py), without its general-purpose checks: every ack
    pays for this."""
    size = len(payload)
    if size < 126:
        head = bytes((TEXT_FIN, size))
    elif size < 65536:
        head = b"\x81\x7e" + size.to_bytes(2, "big")
    else:
        head = b"\x81\x7f" + size.to_bytes(8, "big")
    return head + payload


def frame_for(text: str) -> bytes:
    """The frame for `text`, built once while the hub offers the same str to every socket.

    One entry, looked up by identity, swapped as one tuple (safe across threads under the GIL).
    """
    global _last
    last = _last
    if last[0] is text:
        return last[1]
    frame = text_frame(text.encode())
    _last = (text, frame)
    return frame


# The sockets holding replies until the end of this turn, per loop: released by one callback
# (a callback per socket cost 0.55 us an ack on uvloop, against 0.04 for a list's entry).
_CORKED: dict[asyncio.AbstractEventLoop, list[FastConnection]] = {}


def _release_corked(loop: asyncio.AbstractEventLoop) -> None:
    for conn in _CORKED.pop(loop, ()):
        try:
            conn._release()
        except Exception as exc:  # a bug, not a client's doing: the other sockets' replies go
            log.warning("releasing a reply failed (%s)", type(exc).__name__)


def offer_to_all(sockets: Iterable[Connection], text: str) -> None:
    """Offer one update to every socket of a room: the fan-out's inner loop.

    With the compiled step (native/hearth_fanout), every fast socket that is open and has
    nothing waiting gets the frame from one send() in C; the rest (a held reply, bytes already
    waiting, the ASGI path, a send the kernel took only part of) come back and are finished
    here, in order. Without it, each socket's offer() does the same in Python."""
    write_frame = compiled
    if write_frame is None:
        for conn in sockets:
            conn.offer(text)
        return
    frame = frame_for(text)
    for conn, sent in write_frame(sockets, frame, FastConnection):
        if sent < 0:
            conn.offer(text)
        else:
            conn.send_rest(frame, sent)


class FastConnection:
    """The hub's Connection for a socket with the fast path: no queue, no writer task.

    The transport's buffer is the queue; past `limit_bytes`, or when nothing in it has moved
    for `write_deadline` seconds, the socket is closed with 4409.
    """

    # Slots: what a fan-out reads of each connection sits in the object itself (the compiled
    # fan-out's lookups into 5,000 instance dicts were most of its own time), and each idle
    # phone's connection is smaller.
    __slots__ = (
        "_held",
        "_moved",
        "_stuck_since",
        "_written",
        "closing",
        "fd",
        "grant",
        "lang",
        "limit_bytes",
        "role",
        "seat",
        "socket",
        "transport",
        "write_deadline",
    )

    def __init__(
        self, socket: FastPathProtocol, role: str, limit_bytes: int, write_deadline: float
    ) -> None:
        self.socket = socket
        self.transport = socket.transport  # read once per write: kept at hand
        self.fd = -1  # the socket's descriptor, for the compiled fan-out (-1: not known)
        sock = socket.transport.get_extra_info("socket")
        # Only a plain TCP transport's: under TLS the socket carries encrypted records, and a
        # frame sent straight to it would break the stream; it goes through the transport.
        if sock is not None and socket.transport.get_extra_info("ssl_object") is None:
            with contextlib.suppress(OSError, ValueError):
                self.fd = int(sock.fileno())
        self.role = role
        self.limit_bytes = limit_bytes
        self.write_deadline = write_deadline
        # Set once a close frame is on its way (ours, or the answer to the peer's): from then on
        # nothing more is written.
        self.closing: tuple[int, str] | None = None
        self.seat = "lead"  # facilitator consoles: "lead" or "co"
        self.grant: str | None = None  # the digest of the credential it joined with
        self.lang: str | None = None  # its error frames' language (server/i18n.py)
        self._written = 0  # bytes handed to the transport
        self._moved = 0  # of those, bytes the kernel took when last seen
        self._stuck_since: float | None = None
        self._held: list[bytes] | None = None  # frames waiting for the end of the turn
        socket.connection = self
        if socket.close_sent:
            self.close_went_out()

    def stalled(self) -> bool:
        """Bytes are waiting and none has left for longer than the write deadline."""
        return self._stuck(self.socket.buffered())

    def _stuck(self, buffered: int) -> bool:
        if buffered == 0:
            self._stuck_since = None
            return False
        moved, now = self._written - buffered, time.monotonic()
        if self._stuck_since is None or moved != self._moved:
            self._moved, self._stuck_since = moved, now
            return False
        return now - self._stuck_since > self.write_deadline

    def offer(self, text: str) -> bool:
        frame = frame_for(text)
        if self._held is not None:  # behind a held reply: in order, in the same write
            self._held.append(frame)
            return True
        return self._write(frame)

    def _write(self, frame: bytes) -> bool:
        """Write now, unless the socket is closing, or close it if it fell behind. Once per
        socket per update without the compiled step: the usual case (open, nothing waiting)
        takes the fewest steps. A close frame sent by the protocol sets `closing` too
        (close_went_out), so the transport's own state is the only other check."""
        if self.closing is not None:
            return False
        transport = self.transport
        buffered = transport.get_write_buffer_size()
        if transport.is_closing():
            return False
        if buffered and (buffered > self.limit_bytes or self._stuck(buffered)):
            self.close(CLOSE_TOO_SLOW, "fell behind")
            return False
        transport.write(frame)
        self._written += len(frame)
        return True

    def send_rest(self, frame: bytes, sent: int) -> None:
        """The kernel took `sent` bytes of `frame` straight from the compiled fan-out, with
        nothing waiting before them: the rest waits in the transport, to go out in order."""
        rest = frame[sent:] if sent else frame
        self.transport.write(rest)
        self._written += len(rest)

    def send_now(self, message: Message | str) -> None:
        """A message for this socket alone (acks, errors): held until the end of the loop's
        turn, with anything offered to the socket after it, and written then in one write.
        Written at once, each ack woke its phone's reader mid-turn, before the next phone's
        message was even read; corked (as high-throughput socket servers do), a turn's
        replies leave together, a few microseconds later (docs/performance.md, ingest)."""
        text = message if isinstance(message, str) else message.model_dump_json()
        frame = text_frame(text.encode())  # its own: the fan-out's one-entry cache stays warm
        if self._held is None:
            self._held = [frame]
            loop = self.socket.loop
            corked = _CORKED.get(loop)
            if corked is None:  # the turn's first: one callback releases every socket's
                corked = _CORKED[loop] = []
                loop.call_soon(_release_corked, loop)
            corked.append(self)
        else:
            self._held.append(frame)

    def _release(self) -> None:
        held, self._held = self._held, None
        if held:
            self._write(held[0] if len(held) == 1 else b"".join(held))

    def close_went_out(self) -> None:
        """The protocol sent a close frame (the peer's close answered, or a protocol error)."""
        if self.closing is None:
            self.closing = (1000, "closed")

    def close(self, code: int, reason: str) -> None:
        self._release()  # what was said before the close goes first
        if self.closing is None:
            self.closing = (code, reason)
            self.socket.close_now(code, reason)
            if code == CLOSE_TOO_SLOW:
                self.socket.abort_later(ABORT_AFTER_SECONDS)

    async def finish(self) -> None:
        """Nothing to drain: frames are in the transport already."""
