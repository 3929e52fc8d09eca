"""A phone that stops reading (a raw socket with a small receive buffer that nobody reads) must not
slow anyone else down, and is dropped with 4409 once its queue is full — on the fast path and on
the plain ASGI path alike."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
import statistics
import struct
import time
from collections.abc import Iterator

import pytest

from tests import support
from tests.support import Client, LiveServer

PAYLOAD = "Notice one small moment of honesty this week. " * 40  # ~1.9 kB per update
ROUNDS = 40
OTHERS = 8


@pytest.fixture(params=["fastpath", "asgi"])
def live_path(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[LiveServer]:
    if request.param == "asgi":  # uvicorn's own protocol: the hub gets SocketConnection
        plain = support.uvicorn_options
        monkeypatch.setattr(
            support, "uvicorn_options", lambda s: {**plain(s), "ws": "websockets-sansio"}
        )
    live = LiveServer.start(send_queue_messages=16, rate_per_second=1000.0, rate_burst=1000)
    yield live
    live.stop()


def masked_text(payload: bytes) -> bytes:
    """One client-to-server text frame (clients must mask, RFC 6455 section 5.3)."""
    mask = os.urandom(4)
    size = len(payload)
    header = (
        struct.pack("!BB", 0x81, 0x80 | size)
        if size < 126
        else struct.pack("!BBH", 0x81, 0xFE, size)
    )
    return header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


async def stalled_phone(
    live: LiveServer, code: str, small_window: bool = True
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Join as a participant over a raw socket, then never read again."""
    sock = socket.socket()
    if small_window:  # before connect; otherwise the kernel's defaults, as on a real phone
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", live.settings.port))
    reader, writer = await asyncio.open_connection(sock=sock, limit=1024)  # pauses at ~2 kB
    key = base64.b64encode(os.urandom(16)).decode()
    host = f"127.0.0.1:{live.settings.port}"
    writer.write(
        (
            f"GET /ws HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nOrigin: http://{host}\r\n\r\n"
        ).encode()
    )
    status = await reader.readuntil(b"\r\n\r\n")
    assert status.startswith(b"HTTP/1.1 101"), status
    writer.write(
        masked_text(json.dumps({"type": "hello", "role": "participant", "code": code}).encode())
    )
    await writer.drain()
    return reader, writer


async def read_frames(reader: asyncio.StreamReader) -> tuple[int, int | None]:
    """Read what the server sent until it closed: (text frames, close code)."""
    texts, close_code = 0, None
    try:
        while True:
            first, second = await asyncio.wait_for(reader.readexactly(2), 10)
            size = second & 0x7F
            if size == 126:
                size = struct.unpack("!H", await reader.readexactly(2))[0]
            elif size == 127:
                size = struct.unpack("!Q", await reader.readexactly(8))[0]
            payload = await reader.readexactly(size)
            if first & 0x0F == 0x1:
                texts += 1
            elif first & 0x0F == 0x8:
                close_code = struct.unpack("!H", payload[:2])[0]
                return texts, close_code
    except (asyncio.IncompleteReadError, ConnectionError):
        return texts, close_code


def quartile(values: list[float]) -> float:
    return statistics.quantiles(values, n=4)[0]


async def broadcast_latencies(facilitator: Client, others: list[Client], first: int) -> list[float]:
    """Send ROUNDS updates one after another; each latency is until the last other phone has it."""
    arrived: dict[int, list[float]] = {}
    done = {n: asyncio.Event() for n in range(first, first + ROUNDS)}

    async def read(client: Client) -> None:
        while True:
            message = await client.receive(30)  # Client._track asserts order: no gaps, no loss
            activity = (
                message.get("changes", {}).get("activity") if message["type"] == "update" else None
            )
            if activity:
                n = int(activity["definition"]["text"].split(" ", 1)[0])
                arrived.setdefault(n, []).append(time.perf_counter())
                if len(arrived[n]) == len(others):
                    done[n].set()

    async def drain() -> None:  # the facilitator's acks and updates, read and set aside
        while True:
            await facilitator.ws.recv()

    readers = [asyncio.create_task(read(c)) for c in others]
    readers.append(asyncio.create_task(drain()))
    latencies = []
    try:
        for n in range(first, first + ROUNDS):
            sent = time.perf_counter()
            await facilitator.send(
                {"type": "open", "id": n, "activity": {"kind": "prompt", "text": f"{n} {PAYLOAD}"}}
            )
            await asyncio.wait_for(done[n].wait(), 10)
            latencies.append(max(arrived[n]) - sent)
    finally:
        for task in readers:
            task.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
    return latencies


async def test_a_phone_that_stops_reading_delays_nobody_and_is_dropped(
    live_path: LiveServer,
) -> None:
    live = live_path
    room = await live.create_room()
    facilitator = await Client.join(live, room, "facilitator")
    others = [await Client.join(live, room, "participant") for _ in range(OTHERS)]
    # warm up, then the baseline: the same updates with every phone reading
    await broadcast_latencies(facilitator, others, first=0)
    baseline = await broadcast_latencies(facilitator, others, first=1000)
    baseline += await broadcast_latencies(facilitator, others, first=1500)

    hub = live.service.hub
    before = set(hub.rooms[room["code"]].sockets["participant"])
    reader, writer = await stalled_phone(live, room["code"])
    try:
        await support.eventually(
            lambda: len(hub.rooms[room["code"]].sockets["participant"]) > OTHERS
        )
        [stalled] = set(hub.rooms[room["code"]].sockets["participant"]) - before
        # keep broadcasting while it is attached and its buffers fill, until the server drops it
        with_stalled: list[float] = []
        for chunk in range(2, 60):
            if stalled.closing is not None:
                break
            with_stalled += await broadcast_latencies(facilitator, others, first=chunk * 1000)
        assert stalled.closing is not None and stalled.closing[0] == 4409, "never dropped"
        sent = len(with_stalled)
        baseline += await broadcast_latencies(facilitator, others, first=90_000)  # and after: drift

        # The lower quartile: a phone that held the others up would raise every round, while a
        # busy machine (other processes, CI neighbours) only adds scattered outliers.
        base, slow = quartile(baseline), quartile(with_stalled)
        print(
            f"\nbroadcast to {OTHERS} phones, lower quartile (median): {base * 1000:.2f} ms "
            f"({statistics.median(baseline) * 1000:.2f}) alone, {slow * 1000:.2f} ms "
            f"({statistics.median(with_stalled) * 1000:.2f}) over {sent} updates with a stalled "
            "phone until it was dropped"
        )
        # A phone that held the others up would cost every round until its drop (or the 10-s
        # wait above), not a millisecond: the allowance over twice the baseline is for a machine
        # busy elsewhere (a loaded run measured 1.25 ms against 0.58 over 80 updates).
        assert slow <= max(2 * base, base + 0.003), (base, slow)

        # it was dropped: what was buffered, then a 4409 close
        texts, close_code = await read_frames(reader)
        assert close_code == 4409
        # welcome, snapshot, what was buffered; nothing sent after the drop
        assert texts <= 2 + sent
    finally:
        writer.close()  # also when an assertion above fails: no socket left to the next test
