"""The fast path: pre-built frames written straight to each socket's transport.

Its own correctness: frames as RFC 6455 (and websockets) would write them, one frame per update
for every socket of a role, order preserved, the ASGI path used when the extension is absent, and
a socket that stops reading closed with 4409 while the others get every update.
"""

from __future__ import annotations

import asyncio
import gc
import json
import secrets
import socket
from typing import Any

import pytest
import websockets
from websockets.exceptions import ConnectionClosed
from websockets.frames import Frame, Opcode
from websockets.http11 import Request
from websockets.protocol import Protocol

from server.transport import fast_writes as fastpath
from server.transport.asgi import SocketConnection
from server.transport.fast import SEND_BUFFER_BYTES
from server.transport.fast_writes import FastConnection, frame_for, text_frame
from tests import support
from tests.support import Client, LiveServer, eventually

BIG_TEXT = "Notice one small moment of honesty this week. " * 40  # ~1.9 kB per update


@pytest.mark.parametrize("size", [0, 1, 125, 126, 65535, 65536, 70000])
def test_text_frame_matches_websockets(size: int) -> None:
    payload = ("é" * size).encode()[:size]
    expected = Frame(Opcode.TEXT, payload).serialize(mask=False)
    assert text_frame(payload) == expected


def test_frame_for_builds_each_text_once() -> None:
    text = secrets.token_hex(40)
    first = frame_for(text)
    assert frame_for(text) is first  # the same bytes object for the next socket
    other = frame_for(secrets.token_hex(40))
    assert other is not first and other != first


async def _connections(live: LiveServer, code: str, role: str) -> list[Any]:
    """The hub's connections of one role, read on the server's own loop."""

    async def read() -> list[Any]:
        room = live.service.hub.rooms.get(code)
        return list(room.sockets[role]) if room else []

    return await live.acall(read())  # type: ignore[no-any-return]


@pytest.mark.parametrize("live", ["memory"], indirect=True)
async def test_an_idle_phone_keeps_no_parsed_handshake(live: LiveServer) -> None:
    """Once accepted, neither uvicorn nor websockets' parser holds the request (memory per
    idle phone, docs/performance.md), and the socket still reads and writes."""
    room = await live.create_room()
    phone = await Client.join(live, room, "participant")
    (conn,) = await _connections(live, room["code"], "participant")
    protocol = conn.socket
    assert protocol.request is None and protocol.response is None
    assert protocol.conn.parser.gi_code is Protocol.parse.__code__  # the frame parser alone
    assert not any(isinstance(o, Request) for o in gc.get_referents(protocol.conn.parser.gi_frame))
    await phone.send({"type": "ping", "t": 1})
    assert (await phone.expect("pong"))["t"] == 1


@pytest.mark.parametrize("live", ["memory"], indirect=True)
async def test_idle_phones_hold_no_task_and_still_answer_in_order(live: LiveServer) -> None:
    """Taken over by its session, an idle phone holds no task, no suspended ASGI stack and no
    request headers (memory per idle phone, docs/performance.md); messages sent at once are
    still handled one at a time, in order, and a phone that leaves is cleaned up."""

    def tasks() -> int:  # the server's tasks, counted from the test's thread
        return sum(1 for t in asyncio.all_tasks(live.loop) if not t.done())

    room = await live.create_room()
    lead = await Client.join(live, room, "facilitator")
    before = tasks()
    phones = [await Client.join(live, room, "participant") for _ in range(20)]
    # the short tasks of a join (its hand-over, the presence it publishes) may still be
    # finishing on a loaded machine; a task kept per idle phone never would
    await eventually(lambda: tasks() - before < 5)
    (conn, *_) = await _connections(live, room["code"], "participant")
    assert conn.socket.taken_over and conn.socket.scope["headers"] == []
    # a burst: each answered, in the order sent, by the one socket
    for t in range(10):
        await phones[0].send({"type": "ping", "t": t})
    assert [(await phones[0].expect("pong"))["t"] for _ in range(10)] == list(range(10))
    await lead.command({"type": "open", "activity": {"kind": "prompt", "text": "One word?"}})
    for phone in phones:
        await phone.until_view(lambda v: v["activity"] is not None)
    for phone in phones[10:]:
        await phone.close()
    hub = live.service.hub
    await eventually(lambda: len(hub.rooms[room["code"]].sockets["participant"]) == 10)
    await eventually(lambda: tasks() - before < 5)


@pytest.mark.parametrize("live", ["memory"], indirect=True)
async def test_one_frame_per_update_for_every_socket(
    live: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    room = await live.create_room()
    facilitator = await Client.join(live, room, "facilitator")
    phones = [await Client.join(live, room, "participant") for _ in range(6)]
    assert all(
        isinstance(c, FastConnection) for c in await _connections(live, room["code"], "participant")
    )
    built: list[bytes] = []
    original = fastpath.text_frame

    def counting(payload: bytes) -> bytes:
        built.append(payload)
        return original(payload)

    monkeypatch.setattr(fastpath, "text_frame", counting)
    await facilitator.command({"type": "open", "activity": {"kind": "prompt", "text": "Arrive."}})
    received = []
    for phone in phones:
        received.append(await phone.expect("update"))
    assert all(r == received[0] for r in received)  # the same update, byte for byte on the wire
    updates = [b for b in built if b.startswith(b'{"type":"update"')]
    assert len(updates) == 2  # one frame for the phones, one for the facilitator


@pytest.fixture(params=["compiled", "python"])
def fanout_step(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The fan-out's per-socket step in C (native/hearth_fanout) or, without it, in Python."""
    if request.param == "python":
        monkeypatch.setattr(fastpath, "compiled", None)
    else:
        assert fastpath.compiled is not None, "native/hearth_fanout is not installed"
    return str(request.param)


@pytest.mark.parametrize("live", ["memory", "redis"], indirect=True)
async def test_order_is_preserved_under_a_burst(live: LiveServer, fanout_step: str) -> None:
    room = await live.create_room()
    facilitator = await Client.join(live, room, "facilitator")
    phones = [await Client.join(live, room, "participant") for _ in range(3)]
    await facilitator.command({"type": "open", "activity": {"kind": "prompt", "text": "Breathe."}})
    # 20 requests without waiting for acks: each phone must apply 21 updates gap-free
    for n in range(20):
        await facilitator.send(
            {
                "type": "timer",
                "id": 100 + n,
                "action": "start" if n == 0 else "extend",
                "seconds": 60,
            }
        )
    for phone in phones:
        # Client._track asserts every update's base is the version before it: no gap, no reorder
        view = await phone.until_view(
            lambda v: v["timer"] is not None and v["timer"]["duration_ms"] == 20 * 60_000
        )
        assert view["timer"]["running"]
    for n in range(20):
        reply = await facilitator.expect_where(lambda m, i=100 + n: m.get("id") == i)
        assert reply["type"] == "ack"


async def test_asgi_path_without_the_extension(monkeypatch: pytest.MonkeyPatch) -> None:
    plain = support.uvicorn_options
    monkeypatch.setattr(
        support, "uvicorn_options", lambda s: {**plain(s), "ws": "websockets-sansio"}
    )
    live = LiveServer.start()
    try:
        room = await live.create_room()
        facilitator = await Client.join(live, room, "facilitator")
        phone = await Client.join(live, room, "participant")
        assert all(
            isinstance(c, SocketConnection)
            for c in await _connections(live, room["code"], "participant")
        )
        await facilitator.command({"type": "open", "activity": {"kind": "prompt", "text": "Hi"}})
        view = await phone.until_view(lambda v: v["activity"] is not None)
        assert view["activity"]["definition"]["text"] == "Hi"
    finally:
        live.stop()


async def test_a_reader_that_stops_is_closed_with_4409_and_others_get_everything(
    fanout_step: str,
) -> None:
    live = LiveServer.start(send_queue_messages=1, rate_per_second=1000.0, rate_burst=1000)
    try:
        room = await live.create_room()
        facilitator = await Client.join(live, room, "facilitator")
        steady = await Client.join(live, room, "participant")
        # A phone whose client stops reading: with max_queue=1 websockets pauses the transport.
        slow = await websockets.connect(
            live.ws_url,
            origin=live.base_url,
            compression=None,
            max_queue=1,  # type: ignore[arg-type]
        )
        await slow.send(json.dumps({"type": "hello", "role": "participant", "code": room["code"]}))
        code = room["code"]
        for _ in range(500):  # attached once its snapshot is queued; nothing tells this client
            if len(await _connections(live, code, "participant")) == 2:
                break
            await asyncio.sleep(0.01)
        texts: list[str] = []

        async def read_steady() -> None:  # a phone that keeps up: reads as updates come
            while True:
                message = await steady.receive(30)  # Client._track asserts order, no gaps
                if message["type"] == "update" and message["changes"].get("activity"):
                    texts.append(message["changes"]["activity"]["definition"]["text"])

        reader = asyncio.create_task(read_steady())
        sent = 0
        while len(await _connections(live, code, "participant")) == 2 and sent < 2000:
            activity = {"kind": "prompt", "text": f"{sent} {BIG_TEXT}"}
            ack = await facilitator.command({"type": "open", "activity": activity})
            assert ack["type"] == "ack"
            sent += 1
        assert len(await _connections(live, code, "participant")) == 1, "slow reader not dropped"
        assert sent > 1
        await eventually(lambda: len(texts) == sent, seconds=20)
        reader.cancel()
        assert [t.split(" ", 1)[0] for t in texts] == [str(n) for n in range(sent)]
        # The slow one gets what was buffered, then the 4409 close that tells it to resync.
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                await asyncio.wait_for(slow.recv(), 10)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4409
    finally:
        live.stop()


def _masked(opcode: Opcode, payload: bytes, fin: bool = True) -> bytes:
    return Frame(opcode, payload, fin=fin).serialize(mask=True)


def _ping_text(t: int, pad: str = "") -> bytes:
    body: dict[str, Any] = {"type": "ping", "t": t}
    if pad:
        body["pad"] = pad
    return json.dumps(body).encode()


async def _reading_here(live: LiveServer, code: str) -> bool:
    (conn,) = await _connections(live, code, "participant")
    return bool(conn.socket.reading)


@pytest.mark.parametrize("live", ["memory", "redis"], indirect=True)
async def test_the_take_over_reads_frames_as_websockets_would(live: LiveServer) -> None:
    """Once taken over, whole text frames are read by the fast path itself and every other
    frame goes to websockets' parser: whatever arrives, split or batched, fragmented, a ping,
    is read in order, and the fast path reads again after it."""
    room = await live.create_room()
    phone = await Client.join(live, room, "participant")
    raw = phone.ws.transport
    # three messages in one write: three answers, in order
    raw.write(b"".join(_masked(Opcode.TEXT, _ping_text(t)) for t in (1, 2, 3)))
    assert [(await phone.expect("pong"))["t"] for _ in range(3)] == [1, 2, 3]
    assert await _reading_here(live, room["code"])
    # one frame in three writes (the header alone, then the payload in two): read once whole
    frame = _masked(Opcode.TEXT, _ping_text(4, pad="x" * 300))  # 16-bit length form
    (conn,) = await _connections(live, room["code"], "participant")
    for start, end in ((0, 4), (4, 100), (100, len(frame))):
        raw.write(frame[start:end])
        if end < len(frame):
            await eventually(lambda end=end: len(conn.socket.pending) == end)
    error = await phone.expect("error")  # read whole: refused for its unknown field, by name
    assert error["code"] == "invalid" and "pad" in error["message"]
    # a fragmented message goes through websockets' parser, and the fast path comes back
    await phone.ws.send(['{"type": "ping",', ' "t": 5}'])
    assert (await phone.expect("pong"))["t"] == 5
    await phone.send({"type": "ping", "t": 6})
    assert (await phone.expect("pong"))["t"] == 6
    assert await _reading_here(live, room["code"])
    # a WebSocket ping between two messages is answered, and the next message still read
    raw.write(_masked(Opcode.TEXT, _ping_text(7)) + _masked(Opcode.PING, b"are you there"))
    assert (await phone.expect("pong"))["t"] == 7
    await asyncio.wait_for(await phone.ws.ping(b"and you"), 5)
    await phone.send({"type": "ping", "t": 8})
    assert (await phone.expect("pong"))["t"] == 8


@pytest.mark.parametrize("live", ["memory"], indirect=True)
async def test_text_that_is_not_utf8_is_closed_with_1007(live: LiveServer) -> None:
    room = await live.create_room()
    lead = await Client.join(live, room, "facilitator")
    phone = await Client.join(live, room, "participant")
    phone.ws.transport.write(_masked(Opcode.TEXT, b'{"type": "ping", "t": "\xff"}'))
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            await asyncio.wait_for(phone.ws.recv(), 10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1007
    await lead.send({"type": "ping", "t": 1})  # the server and everyone else carry on
    assert (await lead.expect("pong"))["t"] == 1


@pytest.mark.parametrize("live", ["memory"], indirect=True)
async def test_no_frame_follows_a_close_frame_the_protocol_sent(
    live: LiveServer, fanout_step: str
) -> None:
    """uvicorn sets `close_sent` when it answers a phone's close; until the session lets the
    socket go, no fan-out may write after that close frame. The connection learns it from the
    protocol: the compiled step reads only the connection's own fields."""
    room = await live.create_room()
    facilitator = await Client.join(live, room, "facilitator")
    gone = await Client.join(live, room, "participant")
    steady = await Client.join(live, room, "participant")
    conns = await _connections(live, room["code"], "participant")
    # The server's side of the first phone: its peer's port is the phone's own.
    [closing] = [
        c for c in conns if c.transport.get_extra_info("peername")[1] == gone.ws.local_address[1]
    ]

    await gone.send({"type": "ping", "t": 0})  # whatever was sent to it before is read by now
    assert (await gone.expect("pong"))["t"] == 0

    async def close_sent() -> None:
        closing.socket.close_sent = True  # as uvicorn's close handling assigns it

    await live.acall(close_sent())
    await facilitator.command({"type": "open", "activity": {"kind": "prompt", "text": "Here."}})
    await steady.expect("update")

    async def marker() -> None:  # straight to the transport, after anything the fan-out wrote
        closing.transport.write(text_frame(b'{"type":"pong","t":1,"now":1}'))

    await live.acall(marker())
    marked = await gone.receive(5)
    assert (marked["type"], marked["t"]) == ("pong", 1)  # the update was never written


@pytest.mark.parametrize("live", ["memory"], indirect=True)
async def test_the_compiled_step_writes_a_real_servers_phones_itself(live: LiveServer) -> None:
    step = fastpath.compiled
    assert step is not None, "native/hearth_fanout is not installed"
    room = await live.create_room()
    phones = [await Client.join(live, room, "participant") for _ in range(3)]
    conns = await _connections(live, room["code"], "participant")
    assert all(c.fd >= 0 for c in conns)  # uvloop's plain TCP transports: the step may write

    async def write() -> list[tuple[Any, int]]:
        return step(set(conns), text_frame(b'{"type":"pong","t":7,"now":1}'), FastConnection)

    assert await live.acall(write()) == []  # every one sent by the step, none handed back
    for phone in phones:
        assert (await phone.expect("pong"))["t"] == 7


@pytest.mark.parametrize("live", ["memory", "redis"], indirect=True)
async def test_reading_pauses_only_once_a_message_waits_behind_one_in_hand(
    live: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An answer the store has not settled yet leaves its socket read (a phone sends nothing
    more until its ack); a message arriving behind it pauses reading, so what waits is bounded
    by one read. Once the answer is settled, both are handled in the order sent and reading
    resumes."""
    room = await live.create_room()
    lead = await Client.join(live, room, "facilitator")
    phone = await Client.join(live, room, "participant")
    await lead.command(
        {"type": "open", "activity": {"kind": "poll", "text": "Q?", "options": ["a", "b"]}}
    )
    view = await phone.until_view(lambda v: v["activity"] is not None)
    (conn,) = await _connections(live, room["code"], "participant")
    protocol, store = conn.socket, live.service.store
    held: list[Any] = []
    settle = store.submit_then
    monkeypatch.setattr(store, "submit_then", lambda answer, done: held.append((answer, done)))
    ballot = secrets.token_urlsafe(16)
    value = {"kind": "choice", "option": 1}
    await phone.send(
        {
            "type": "answer",
            "id": 7,
            "activity": view["activity"]["id"],
            "ballot": ballot,
            "value": value,
        }
    )
    await eventually(lambda: len(held) == 1)
    assert not protocol.read_paused  # one message in hand: the socket is still read
    await phone.send({"type": "ping", "t": 1})
    await eventually(lambda: protocol.read_paused)  # a second behind it: reading pauses
    ((answer, done),) = held
    live.loop.call_soon_threadsafe(settle, answer, done)
    replies = [await phone.receive(), await phone.receive()]
    assert [(r["type"], r.get("id")) for r in replies] == [("ack", 7), ("pong", None)]
    await eventually(lambda: not protocol.read_paused)


@pytest.mark.parametrize("live", ["memory"], indirect=True)
async def test_a_phones_addresses_and_send_buffer_are_read_once_and_right(
    live: LiveServer,
) -> None:
    """The fast path reads the socket's two addresses and sets its send buffer through one
    socket object (fewer system calls a join): uvicorn's scope still has the right client and
    server, and the kernel holds the bounded send buffer the slow-reader limits count on."""
    room = await live.create_room()
    phone = await Client.join(live, room, "participant")
    (conn,) = await _connections(live, room["code"], "participant")
    protocol = conn.socket
    mine = phone.ws.transport.get_extra_info("sockname")
    theirs = phone.ws.transport.get_extra_info("peername")
    assert protocol.client == (mine[0], mine[1]) and protocol.server == (theirs[0], theirs[1])
    assert protocol.scope["client"] == protocol.client
    sock = protocol.transport.get_extra_info("socket")
    sent = sock.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF)
    assert SEND_BUFFER_BYTES <= sent <= 2 * SEND_BUFFER_BYTES  # Linux doubles what is asked
    await phone.send({"type": "ping", "t": 1})
    assert (await phone.expect("pong"))["t"] == 1
