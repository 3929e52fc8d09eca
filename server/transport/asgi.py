"""The ASGI path's Connection (server/transport/connection.py): a bounded send queue drained by
one writer task. server/transport/fast.py implements the same protocol by writing frames
directly; the socket tests run on both."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque

from starlette.websockets import WebSocket

from server.wire import protocol as p
from server.wire.close_codes import CLOSE_GOING_AWAY, CLOSE_TOO_SLOW


class SocketConnection:
    """One client socket: a bounded queue drained by one long-lived writer task."""

    def __init__(self, websocket: WebSocket, role: str, limit: int, write_deadline: float) -> None:
        self.websocket = websocket
        self.role = role
        self.limit = limit
        self.write_deadline = write_deadline
        self.queue: deque[str] = deque()
        self.ready = asyncio.Event()
        self.closing: tuple[int, str] | None = None
        self.seat = "lead"  # facilitator consoles: "lead" or "co"
        self.grant: str | None = None  # the digest of the credential it joined with
        self.lang: str | None = None  # its error frames' language (server/i18n.py)
        self.sending_since: float | None = None  # a send the transport has not taken yet
        self.writer = asyncio.create_task(self._write_loop())

    def stalled(self) -> bool:
        since = self.sending_since
        return since is not None and time.monotonic() - since > self.write_deadline

    def offer(self, text: str) -> bool:
        if self.closing is not None:
            return False
        if len(self.queue) >= self.limit or self.stalled():
            self.close(CLOSE_TOO_SLOW, "fell behind")
            return False
        self.queue.append(text)
        self.ready.set()
        return True

    def send_now(self, message: p.Message | str) -> None:
        """Queue a message for this socket alone (acks, errors, snapshots)."""
        self.offer(message if isinstance(message, str) else message.model_dump_json())

    def close(self, code: int, reason: str) -> None:
        if self.closing is None:
            self.closing = (code, reason)
            self.ready.set()
            if self.stalled():  # the writer is stuck behind a peer that does not read
                self.writer.cancel()

    async def _write_loop(self) -> None:
        ws = self.websocket
        try:
            while True:
                await self.ready.wait()
                self.ready.clear()
                while self.queue:
                    self.sending_since = time.monotonic()
                    await ws.send_text(self.queue.popleft())
                    self.sending_since = None
                if self.closing is not None:
                    await ws.close(*self.closing)
                    return
        except Exception:  # the peer went away; the reader notices and cleans up
            self.closing = self.closing or (CLOSE_GOING_AWAY, "gone")

    async def finish(self) -> None:
        """A socket being closed gets what was queued before its close frame (up to 2 s);
        then the writer stops."""
        if self.closing is not None and not self.writer.done():
            with contextlib.suppress(asyncio.TimeoutError, Exception):
                await asyncio.wait_for(asyncio.shield(self.writer), 2.0)
        self.writer.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self.writer
