"""The compiled fan-out step (native/hearth_fanout): what it sends, and what it hands back.

Real sockets (socket pairs), a stand-in only for the transport's two answers (its waiting bytes,
whether it is closing), so each branch is driven on purpose. The protocol tests
(tests/test_fastpath.py, tests/test_slow_readers.py) run the same step inside a real server.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import pytest

from server.transport import fast_writes

FRAME = fast_writes.text_frame(b'{"type":"update"}')


def test_the_suite_runs_the_compiled_step() -> None:
    assert fast_writes.compiled is not None, (
        "native/hearth_fanout is not installed: `./deploy/dev test` builds it (gcc, Python headers)"
    )


@dataclass
class Transport:
    waiting: int = 0
    closing_now: bool = False

    def get_write_buffer_size(self) -> int:
        return self.waiting

    def is_closing(self) -> bool:
        return self.closing_now


@dataclass(eq=False)
class Conn:
    """What the step reads of a FastConnection: these four fields."""

    fd: int
    transport: Transport = field(default_factory=Transport)
    closing: tuple[int, str] | None = None
    _held: list[bytes] | None = None


class OtherConn(Conn):
    """Any other kind of connection (the ASGI path's, a test's): never written directly."""


@pytest.fixture
def write_frame() -> fast_writes.WriteFrame:
    step = fast_writes.compiled
    assert step is not None, "native/hearth_fanout is not installed"
    return step


@pytest.fixture
def pairs() -> Iterator[list[tuple[socket.socket, socket.socket]]]:
    made: list[tuple[socket.socket, socket.socket]] = []
    yield made
    for a, b in made:
        a.close()
        b.close()


def pair(made: list[tuple[socket.socket, socket.socket]]) -> tuple[socket.socket, socket.socket]:
    a, b = socket.socketpair()
    a.setblocking(False)
    b.setblocking(False)
    made.append((a, b))
    return a, b


def received(sock: socket.socket) -> bytes:
    try:
        return sock.recv(1 << 20)
    except BlockingIOError:
        return b""


def test_open_idle_sockets_get_the_frame_and_others_come_back(
    pairs: list[tuple[socket.socket, socket.socket]], write_frame: fast_writes.WriteFrame
) -> None:
    idle = [Conn(pair(pairs)[0].fileno()) for _ in range(3)]
    waiting = Conn(pair(pairs)[0].fileno(), Transport(waiting=10))
    held = Conn(pair(pairs)[0].fileno(), _held=[b"ack"])
    closing_transport = Conn(pair(pairs)[0].fileno(), Transport(closing_now=True))
    closed = Conn(pair(pairs)[0].fileno(), closing=(4409, "fell behind"))
    other = OtherConn(pair(pairs)[0].fileno())
    conns = [*idle, waiting, held, closing_transport, closed, other]

    back = write_frame(conns, FRAME, Conn)

    # Nothing was sent to any socket that came back, or was closing: the caller decides.
    assert {id(c): sent for c, sent in back} == {
        id(waiting): -1,
        id(held): -1,
        id(closing_transport): -1,
        id(other): -1,
    }
    for (_, peer), conn in zip(pairs, conns, strict=True):
        assert received(peer) == (FRAME if conn in idle else b"")


def fill(ours: socket.socket) -> None:
    """Send until the kernel takes nothing more."""
    ours.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    while True:
        try:
            ours.send(b"x" * 1024)
        except BlockingIOError:
            return


def drain(peer: socket.socket) -> bytes:
    data = b""
    while chunk := received(peer):
        data += chunk
    return data


def test_a_full_socket_takes_nothing_and_comes_back_with_zero(
    pairs: list[tuple[socket.socket, socket.socket]], write_frame: fast_writes.WriteFrame
) -> None:
    ours, peer = pair(pairs)
    fill(ours)
    assert [sent for _, sent in write_frame([Conn(ours.fileno())], FRAME, Conn)] == [0]
    assert set(drain(peer)) == {ord("x")}  # none of the frame went out


def test_a_socket_with_some_room_takes_the_start_and_the_rest_comes_back(
    pairs: list[tuple[socket.socket, socket.socket]], write_frame: fast_writes.WriteFrame
) -> None:
    ours, peer = pair(pairs)
    fill(ours)
    filler = drain(peer)  # room again, but less than the frame
    big = fast_writes.text_frame(b"y" * 200_000)
    [(_, sent)] = write_frame([Conn(ours.fileno())], big, Conn)
    assert 0 < sent < len(big)
    assert drain(peer) == big[:sent]  # the frame's first bytes, in order: the caller sends the rest
    assert filler


def test_a_socket_the_peer_closed_comes_back_unwritten(
    pairs: list[tuple[socket.socket, socket.socket]], write_frame: fast_writes.WriteFrame
) -> None:
    ours, peer = pair(pairs)
    peer.close()
    # The transport's own write meets the error and closes the connection as it always does.
    assert [sent for _, sent in write_frame([Conn(ours.fileno())], FRAME, Conn)] == [-1]


def test_bad_arguments_are_refused(write_frame: fast_writes.WriteFrame) -> None:
    with pytest.raises(TypeError):
        write_frame([], "not bytes", Conn)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        write_frame([], FRAME, "not a type")  # type: ignore[arg-type]


async def test_a_tls_socket_is_never_written_around_its_transport(tmp_path: Path) -> None:
    """Under TLS the descriptor carries encrypted records: the compiled step must leave such a
    socket to its transport, or the phone would read garbage. A real TLS connection on loopback;
    the frame must arrive whole through it."""
    from tests.test_deploy import self_signed

    cert, key = self_signed(tmp_path)
    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_tls.load_cert_chain(cert, key)
    client_tls = ssl.create_default_context(cafile=str(cert))
    accepted: asyncio.Future[asyncio.StreamWriter] = asyncio.get_running_loop().create_future()

    async def on_connect(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.set_result(writer)

    server = await asyncio.start_server(on_connect, "127.0.0.1", 0, ssl=server_tls)
    port = server.sockets[0].getsockname()[1]
    reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=client_tls)
    try:
        transport = (await accepted).transport
        assert transport.get_extra_info("socket") is not None  # the raw socket is there...
        protocol = SimpleNamespace(transport=transport, close_sent=False, connection=None)
        conn = fast_writes.FastConnection(protocol, "participant", 1 << 20, 10.0)  # type: ignore[arg-type]
        assert conn.fd == -1  # ...but not for the compiled step
        fast_writes.offer_to_all([conn], '{"type":"update"}')
        assert await reader.readexactly(len(FRAME)) == FRAME
    finally:
        writer.close()
        server.close()
        await server.wait_closed()
