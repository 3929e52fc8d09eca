"""Phones that stop reading, with the buffers a real phone has (no small receive window): the
server notices within seconds, closes them with 4409, and the kernel holds a bounded amount for
each meanwhile. (tests/test_resilience_slow.py: the others are not slowed down meanwhile.)"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from server.transport.fast import SEND_BUFFER_BYTES
from tests import support
from tests.support import QUICK_BEAT, Client, LiveServer
from tests.test_resilience_slow import PAYLOAD, read_frames, stalled_phone

# Left to autotuning the kernel held about 2.2 MB per stalled phone.
KERNEL_BOUND = 4 * SEND_BUFFER_BYTES  # Linux doubles SO_SNDBUF; twice that again to spare


def send_queue(port: int, peer_port: int) -> int | None:
    """Bytes the kernel holds unsent on the server's socket to `peer_port` (/proc/net/tcp)."""
    for row in support.tcp_sockets():
        if support.port_of(row[1]) == port and support.port_of(row[2]) == peer_port:
            return int(row[4].split(":")[0], 16)
    return None


def serve(request: pytest.FixtureRequest, **settings: object) -> LiveServer:
    """On either store, with a facilitator allowed to push updates as fast as it likes."""
    redis_url = request.getfixturevalue("redis_server").url if request.param == "redis" else ""
    return LiveServer.start(
        redis_url=redis_url, rate_per_second=100_000.0, rate_burst=100_000, **settings
    )


# The write deadline (1 s) after the heartbeat first sees no byte move, one more beat to act on
# it, and room for a loaded machine (the kernel may still take a few bytes meanwhile).
STALL_SEEN = 1.0 + 2 * QUICK_BEAT + 6.0


@pytest.fixture(params=["memory", "redis"])
def live_limits(request: pytest.FixtureRequest) -> Iterator[LiveServer]:
    live = serve(request)
    yield live
    live.stop()


@pytest.fixture(params=["memory", "redis"])
def live_deadline(request: pytest.FixtureRequest) -> Iterator[LiveServer]:
    """A server whose byte limit is out of reach, so only the write deadline can act."""
    live = serve(
        request,
        send_queue_messages=100_000,
        write_deadline_seconds=1.0,
        heartbeat_seconds=QUICK_BEAT,
    )
    yield live
    live.stop()


async def attach_stalled(live: LiveServer, code: str) -> tuple[object, object, object]:
    hub = live.service.hub
    before = set(hub.rooms[code].sockets["participant"])
    reader, writer = await stalled_phone(live, code, small_window=False)
    await support.eventually(lambda: len(hub.rooms[code].sockets["participant"]) > len(before))
    [stalled] = set(hub.rooms[code].sockets["participant"]) - before
    return stalled, reader, writer


async def stays_buffered(stalled: Any, seconds: float = 0.5) -> bool:
    """Our buffer is not drained for `seconds`: the kernel's buffers are really full (a burst
    over 64 KiB can still be taken whole while the peer's receive window opens)."""
    try:
        await support.eventually(lambda: stalled.socket.buffered() == 0, seconds)
    except AssertionError:
        return True
    return False


async def stays_sending(stalled: Any, seconds: float = 0.5) -> bool:
    """The ASGI writer's send does not finish for `seconds`: the transport really takes
    nothing more (one send can still go through while the peer's window opens)."""
    try:
        await support.eventually(lambda: stalled.sending_since is None, seconds)
    except AssertionError:
        return True
    return False


async def push(facilitator: Client, n: int) -> None:
    reply = await facilitator.command(
        {"type": "open", "activity": {"kind": "prompt", "text": f"{n} {PAYLOAD}"}}
    )
    assert reply["type"] == "ack"


async def test_a_phone_that_stops_reading_is_dropped_and_costs_a_bounded_kernel_buffer(
    live_limits: LiveServer,
) -> None:
    live = live_limits
    room = await live.create_room()
    facilitator = await Client.join(live, room, "facilitator")
    stalled, reader, writer = await attach_stalled(live, room["code"])
    peer_port = writer.get_extra_info("sockname")[1]  # type: ignore[attr-defined]
    most = 0
    for n in range(3000):  # ~1.9 kB each: far more than any buffer, until the server drops it
        if stalled.closing is not None:  # type: ignore[attr-defined]
            break
        await push(facilitator, n)
        most = max(most, send_queue(live.settings.port, peer_port) or 0)
    assert stalled.closing == (4409, "fell behind"), "never dropped"  # type: ignore[attr-defined]
    print(f"\nmost the kernel held for the stalled phone: {most / 1024:.0f} KiB, over {n} updates")
    assert 0 < most <= KERNEL_BOUND, most
    _texts, close_code = await read_frames(reader)  # type: ignore[arg-type]
    writer.close()  # type: ignore[attr-defined]
    assert close_code == 4409
    await facilitator.close()


async def test_a_stalled_phone_is_dropped_by_the_write_deadline_without_more_updates(
    live_deadline: LiveServer,
) -> None:
    live = live_deadline
    room = await live.create_room()
    facilitator = await Client.join(live, room, "facilitator")
    stalled, reader, writer = await attach_stalled(live, room["code"])
    for n in range(3000):  # until the kernel's buffers are full and bytes pile up in ours
        piled_up = stalled.socket.buffered() > 64 * 1024  # type: ignore[attr-defined]
        # still piled up after the wait: the kernel can take a part as the peer's window opens
        if piled_up and await stays_buffered(stalled) and stalled.socket.buffered() > 64 * 1024:  # type: ignore[attr-defined]
            break
        await push(facilitator, n)
    assert stalled.socket.buffered() > 64 * 1024  # type: ignore[attr-defined]
    assert stalled.closing is None  # type: ignore[attr-defined]
    # nothing more is sent to it: the heartbeat finds it stuck past the deadline and drops it
    await support.eventually(
        lambda: stalled.closing is not None,  # type: ignore[attr-defined]
        STALL_SEEN,
    )
    assert stalled.closing == (4409, "fell behind")  # type: ignore[attr-defined]
    _, close_code = await read_frames(reader)  # type: ignore[arg-type]
    writer.close()  # type: ignore[attr-defined]
    assert close_code == 4409
    await facilitator.close()


async def test_asgi_path_drops_a_stuck_writer_after_the_deadline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    plain = support.uvicorn_options
    monkeypatch.setattr(
        support, "uvicorn_options", lambda s: {**plain(s), "ws": "websockets-sansio"}
    )
    live = LiveServer.start(
        send_queue_messages=100_000,
        write_deadline_seconds=1.0,
        heartbeat_seconds=QUICK_BEAT,
        # Far above the pushes a fast machine makes (past 1,000 a second a push was dropped
        # with slow_down and the loop waited for its ack).
        rate_per_second=100_000.0,
        rate_burst=100_000,
    )
    try:
        room = await live.create_room()
        facilitator = await Client.join(live, room, "facilitator")
        stalled, _reader, writer = await attach_stalled(live, room["code"])
        try:
            for n in range(3000):  # until its writer waits on a transport that takes nothing
                waiting = stalled.sending_since is not None and stalled.queue  # type: ignore[attr-defined]
                if waiting and await stays_sending(stalled):
                    break
                await push(facilitator, n)
            await support.eventually(
                lambda: stalled.closing is not None,  # type: ignore[attr-defined]
                STALL_SEEN,
            )
            assert stalled.closing == (4409, "fell behind")  # type: ignore[attr-defined]
        finally:
            writer.close()  # type: ignore[attr-defined]
        await facilitator.close()
    finally:
        live.stop()
