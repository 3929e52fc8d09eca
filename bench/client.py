"""A lean WebSocket client for load generation: one asyncio.Protocol per socket, no task per socket.

It speaks RFC 6455 itself (handshake, masked client frames, unmasked server frames, ping/pong,
close) so thousands of sockets fit in one process, and it speaks Hearth's protocol (hello,
welcome, snapshot, update, ack). Arrival times are taken once per read, before any parsing.
"""

from __future__ import annotations

import asyncio
import base64
import os
import socket
import struct
import time
from collections.abc import Callable
from typing import Any

import orjson
from websockets.speedups import apply_mask

OP_TEXT, OP_CLOSE, OP_PING, OP_PONG = 0x1, 0x8, 0x9, 0xA
UPDATE = b'{"type":"update"'


def client_frame(opcode: int, payload: bytes) -> bytes:
    mask = os.urandom(4)
    size = len(payload)
    if size < 126:
        header = struct.pack("!BB", 0x80 | opcode, 0x80 | size)
    elif size < 1 << 16:
        header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, size)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, size)
    return header + mask + apply_mask(payload, mask)


class Client(asyncio.Protocol):
    """One participant (or facilitator) socket."""

    def __init__(self, host: str, port: int, keep: bool = False, path: str = "/ws") -> None:
        self.host, self.port, self.path = host, port, path
        self.code = ""
        self.keep = keep  # keep the last update's body (facilitators check results)
        self.fast = not keep  # updates are only timed, never parsed
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.upgraded = False
        self.opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.joined: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.pending: dict[int, tuple[float, asyncio.Future[tuple[dict[str, Any], float]]]] = {}
        self.next_id = 1
        self.token: str | None = None
        self.view: dict[str, Any] = {}
        self.version = 0
        self.updates: list[float] = []  # arrival time of every update
        self.on_update: Callable[[Client, dict[str, Any], float], None] | None = None
        self.close_code: int | None = None
        self.errors = 0

    # -- transport -------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's is not a subclass
        sock = transport.get_extra_info("socket")
        if sock is not None:  # close with a reset: no TIME_WAIT hoarding ephemeral ports
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        key = base64.b64encode(os.urandom(16)).decode()
        origin = f"http://{self.host}:{self.port}"
        request = (
            f"GET {self.path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            f"Origin: {origin}\r\n\r\n"
        )
        transport.write(request.encode())  # type: ignore[attr-defined]

    def connection_lost(self, exc: Exception | None) -> None:
        if self.close_code is None:
            self.close_code = 1006
        waiting: list[asyncio.Future[Any]] = [self.opened, self.joined]
        waiting += [future for _, future in self.pending.values()]
        for future in waiting:
            if not future.done():
                future.set_exception(ConnectionError(f"closed {self.close_code}"))
        for future in (self.opened, self.joined):  # whoever waited has seen it; nobody else will
            if future.done() and not future.cancelled():
                future.exception()

    def data_received(self, data: bytes) -> None:
        now = time.monotonic()
        if self.upgraded and not self.buffer:
            self._frames(data, now)
            return
        buf = self.buffer
        buf += data
        if not self.upgraded:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return
            status = bytes(buf[:end]).split(b"\r\n", 1)[0]
            del buf[: end + 4]
            if b" 101 " not in status:
                self.close_code = 0
                self.opened.set_exception(ConnectionError(status.decode()))
                assert self.transport is not None
                self.transport.close()
                return
            self.upgraded = True
            self.opened.set_result(None)
        if not buf:
            return
        data = bytes(buf)
        buf.clear()
        self._frames(data, now)

    def _frames(self, data: bytes, now: float) -> None:
        """Dispatch every whole frame in data; keep the tail for the next read."""
        offset, size = 0, len(data)
        while size - offset >= 2:
            length, start = data[offset + 1] & 0x7F, offset + 2
            if length == 126:
                if size - start < 2:
                    break
                length, start = (data[start] << 8) | data[start + 1], start + 2
            elif length == 127:
                if size - start < 8:
                    break
                length, start = struct.unpack_from("!Q", data, start)[0], start + 8
            if size < start + length:
                break
            opcode, offset = data[offset] & 0x0F, start + length
            if opcode == OP_TEXT and self.fast and data.startswith(UPDATE, start):
                self.updates.append(now)  # the hot path: count it, skip the JSON
            else:
                self._frame(opcode, data[start:offset], now)
        if offset < size:
            self.buffer += data[offset:]

    def _frame(self, opcode: int, payload: bytes, now: float) -> None:
        if opcode == OP_TEXT:
            self._message(orjson.loads(payload), now)
        elif opcode == OP_PING:
            self._write(OP_PONG, payload)
        elif opcode == OP_CLOSE:
            self.close_code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
            self._write(OP_CLOSE, payload[:2])
            assert self.transport is not None
            self.transport.close()

    def _write(self, opcode: int, payload: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(client_frame(opcode, payload))

    # -- Hearth's protocol ---------------------------------------------------------------------

    def _message(self, message: dict[str, Any], now: float) -> None:
        kind = message["type"]
        if kind == "update":
            self.updates.append(now)
            if self.keep:
                self.view.update(message["changes"])
                self.version = message["version"]
            if self.on_update is not None:
                self.on_update(self, message, now)
        elif kind in ("ack", "error"):
            entry = self.pending.pop(message.get("id") or -1, None)
            if kind == "error":
                self.errors += 1
            if entry is not None and not entry[1].done():
                entry[1].set_result((message, now))
        elif kind == "welcome":
            self.token = message.get("token") or self.token
        elif kind == "snapshot":
            self.view, self.version = message["view"], message["version"]
            if not self.joined.done():
                self.joined.set_result(now)

    def send(self, message: dict[str, Any]) -> None:
        self._write(OP_TEXT, orjson.dumps(message))

    def request(self, message: dict[str, Any]) -> asyncio.Future[tuple[dict[str, Any], float]]:
        """Send a request with a fresh id; the future gives (ack or error, arrival time)."""
        request_id = self.next_id
        self.next_id += 1
        future: asyncio.Future[tuple[dict[str, Any], float]] = (
            asyncio.get_running_loop().create_future()
        )
        self.pending[request_id] = (time.monotonic(), future)
        self.send({**message, "id": request_id})
        return future

    def close(self) -> None:
        self._write(OP_CLOSE, struct.pack("!H", 1000))
        if self.transport is not None:
            self.transport.close()


async def join(
    host: str,
    port: int,
    code: str,
    role: str,
    credential: str | None,
    keep: bool = False,
    nchan: bool = False,
) -> tuple[Client, float]:
    """Connect, say hello, wait for the snapshot. Returns the client and its join time (s).
    With nchan there is no hello and no snapshot: the subscription starts at the upgrade."""
    loop = asyncio.get_running_loop()
    started = time.monotonic()
    path = f"/sub/{code}" if nchan else "/ws"
    _, client = await loop.create_connection(lambda: Client(host, port, keep, path), host, port)
    await client.opened
    client.code = code
    if nchan:
        return client, time.monotonic() - started
    client.send({"type": "hello", "role": role, "code": code, "credential": credential})
    arrived = await client.joined
    return client, arrived - started
