"""The fast path's socket: uvicorn's sans-I/O WebSocket protocol, exposed to the app.

Sending through ASGI costs an awaited `websocket.send` (and a writer task) per socket per message.
uvicorn accepts a custom protocol class, so `FastPathProtocol` exposes itself to the app in
`scope["extensions"]`; a socket that has it gets a `FastConnection` (server/transport/
fast_writes.py), which writes pre-built frames straight to the transport. Once admitted, a
phone's session takes the socket over (no task, no ASGI stack while idle) and whole text frames
are read here. Without the extension (another server, another protocol class)
`server.transport.asgi.SocketConnection` takes the ASGI path.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Callable
from typing import Any

from uvicorn.protocols.utils import ClientDisconnected
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.protocol import Protocol, State
from websockets.streams import StreamReader

try:  # websockets' C helper, as its own frame parser uses it
    from websockets.speedups import apply_mask
except ImportError:  # pragma: no cover - built without it
    from websockets.utils import apply_mask

EXTENSION = "hearth.fastpath"
# The kernel's send buffer per socket (Linux doubles it). Left to autotuning it grows to MBs for
# a phone that stopped reading, all absorbed before our own limit could see it; fixed, a stalled
# phone holds at most this in the kernel and the limit below (and the write deadline) act.
SEND_BUFFER_BYTES = 64 * 1024

TEXT_FIN = 0x81  # first byte of a whole text frame: FIN, no RSV bits, opcode 1
_AT_EOF = StreamReader.at_eof.__code__  # where websockets' parser waits between frames


Deliver = Callable[[dict[str, Any]], None]


class Inbox:
    """Stands in for uvicorn's receive queue once the app has taken the socket over: each
    event uvicorn would queue (a message, the disconnect) goes straight to the session."""

    __slots__ = ("deliver",)

    def __init__(self, deliver: Deliver) -> None:
        self.deliver = deliver

    def put_nowait(self, event: dict[str, Any]) -> None:
        self.deliver(event)

    def empty(self) -> bool:
        return True


class _Addressed:
    """A transport as uvicorn's connection_made sees it: its "socket" (this object) answers the
    two addresses read already, without asking the kernel again (uvicorn.protocols.utils reads
    them there); anything else is the transport's."""

    def __init__(self, transport: Any, addresses: tuple[Any, Any] | None) -> None:
        self._transport = transport
        self._addresses = addresses

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        if name == "socket" and self._addresses is not None:
            return self
        return self._transport.get_extra_info(name, default)

    def getsockname(self) -> Any:
        assert self._addresses is not None
        return self._addresses[0]

    def getpeername(self) -> Any:
        assert self._addresses is not None
        return self._addresses[1]


class FastPathProtocol(WebSocketsSansIOProtocol):
    """uvicorn's sans-I/O WebSocket protocol, plus direct frame writes for the hub, and a socket
    the app can take over (`take_over`) so an idle phone holds no task, no suspended ASGI stack
    and no receive queue."""

    taken_over = False
    connection: Any = None  # the FastConnection writing to this socket, once admitted
    _close_sent = False

    @property
    def close_sent(self) -> bool:
        """uvicorn's flag: a close frame has gone out (ours, or the answer to the peer's)."""
        return self._close_sent

    @close_sent.setter
    def close_sent(self, sent: bool) -> None:
        # The connection is told at once: the fan-out then reads one field of its own, not
        # this protocol's, to know that no frame may follow.
        self._close_sent = sent
        if sent and self.connection is not None:
            self.connection.close_went_out()

    def connection_made(self, transport: Any) -> None:
        """uvicorn's, with the socket's two addresses and its send buffer set through one socket
        object: uvloop's transport socket makes a socket object for each query, and each checks
        its descriptor with a system call (six system calls a join, now four)."""
        addressed = _Addressed(transport, self._addresses_and_buffer(transport))
        super().connection_made(addressed)  # type: ignore[arg-type]  # it asks what it needs
        self.transport = transport

    @staticmethod
    def _addresses_and_buffer(transport: Any) -> tuple[Any, Any] | None:
        """(local, peer) addresses as the socket gives them, or None; sets its send buffer."""
        info = transport.get_extra_info("socket")
        if info is None or info.fileno() < 0:
            return None
        sock = socket.socket(info.family, info.type, info.proto, fileno=info.fileno())
        try:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER_BYTES)
            try:
                return sock.getsockname(), sock.getpeername()
            except OSError:
                return None
        finally:
            sock.detach()

    async def run_asgi(self) -> None:
        """uvicorn's run_asgi, except that an app which took the socket over returns with the
        socket open: its session answers the socket's events from then on."""
        self.scope["extensions"][EXTENSION] = self  # type: ignore[assignment]
        try:
            result = await self.app(self.scope, self.receive, self.send)
        except ClientDisconnected:
            pass
        except BaseException:
            self.logger.exception("Exception in ASGI application\n")
            self.send_500_response()
        else:
            if not self.handshake_complete:
                self.logger.error("ASGI callable returned without completing handshake.")
                self.send_500_response()
            elif result is not None:
                self.logger.error("ASGI callable should return None, but returned '%s'.", result)
        if self.close_timer is None and not self.taken_over:
            self.transport.close()

    def take_over(self, deliver: Deliver) -> None:
        """From now on every event goes to `deliver`, in order, as it arrives; the app's ASGI
        call may return. Reading pauses while a message waits behind one in hand, until
        `resume()` (`_to_app`)."""
        waiting: asyncio.Queue[Any] = self.queue
        self.queue = Inbox(deliver)  # type: ignore[assignment]
        self.taken_over = True
        # The request's headers are read only while joining; kept, they are a few hundred bytes
        # of every idle phone (cleared in place: the app's request object shares the list).
        self.scope["headers"].clear()  # type: ignore[attr-defined]
        while not waiting.empty():  # sent before the hand-over: delivered first, in order
            deliver(waiting.get_nowait())

    def resume(self) -> None:
        """The session has handled what it was given: read the next message."""
        self.handled = True
        if self.read_paused:
            self.read_paused = False
            self.transport.resume_reading()

    # -- reading, once taken over ----------------------------------------------------------
    # A phone's message went through uvicorn's event handling and websockets' frame parser (a
    # generator per stage) before reaching the session: a sixth of an answer's cost. Once the
    # socket is taken over, whole, masked, unfragmented text frames (all a page sends) are read
    # here; every other frame (ping, pong, close, binary, a fragment, anything malformed or too
    # big) is handed, whole and alone, to websockets' parser, which is then at a frame boundary
    # again. Its checks and close codes (1002, 1007, 1009) stay the ones that apply.

    reading = False  # frames are read here (else by websockets' parser)
    handled = True  # the session handled the last message at once (resume() was called)
    pending = b""  # the start of a frame whose end has not arrived

    def data_received(self, data: bytes) -> None:
        if self.reading or (self.taken_over and self._parser_idle()):
            self.reading = True
            self._read_frames(self.pending + data if self.pending else data)
        else:
            super().data_received(data)

    def _parser_idle(self) -> bool:
        """websockets' parser holds nothing and waits for the next frame's first byte."""
        conn = self.conn
        waiting_in = getattr(conn.parser, "gi_yieldfrom", None)
        return (
            conn.state is State.OPEN
            and conn.current_size is None
            and not conn.reader.buffer
            and getattr(waiting_in, "gi_code", None) is _AT_EOF
        )

    def _read_frames(self, data: bytes) -> None:
        self.pending = b""
        pos, size, conn = 0, len(data), self.conn
        while size - pos >= 2:
            first, second = data[pos], data[pos + 1]
            length, head = second & 0x7F, 2
            if length == 126:
                if size - pos < 4:
                    break
                length, head = int.from_bytes(data[pos + 2 : pos + 4], "big"), 4
            elif length == 127:
                if size - pos < 10:
                    break
                length, head = int.from_bytes(data[pos + 2 : pos + 10], "big"), 10
            if second & 0x80:
                head += 4
            if conn.max_message_size is not None and length > conn.max_message_size:
                self._stop_reading(data[pos:])  # websockets' parser closes with 1009
                return
            end = pos + head + length
            if end > size:
                break
            if first == TEXT_FIN and second & 0x80 and not self.close_sent:
                mask = data[pos + head - 4 : pos + head]
                try:
                    text = apply_mask(data[pos + head : end], mask).decode()
                except UnicodeDecodeError:
                    self._stop_reading(data[pos:])  # websockets' parser closes with 1007
                    return
                self._to_app({"type": "websocket.receive", "text": text})
            else:
                super().data_received(data[pos:end])  # one whole frame
                if conn.state is not State.OPEN or conn.current_size is not None:
                    self._stop_reading(data[end:])
                    return
            pos = end
        if pos < size:
            self.pending = data[pos:]

    def _stop_reading(self, rest: bytes) -> None:
        """Leave the rest to websockets' parser (closing, fragmented or failed)."""
        self.reading = False
        if rest:
            super().data_received(rest)

    def send_receive_event_to_app(self) -> None:
        if not self.taken_over:
            super().send_receive_event_to_app()
            return
        data = self.frames[0] if len(self.frames) == 1 else b"".join(self.frames)
        self.frames = []
        if self.close_sent:
            return
        if self.curr_msg_data_type != "text":
            self._to_app({"type": "websocket.receive", "bytes": data})
            return
        try:
            text = data.decode()
        except UnicodeDecodeError:
            self.conn.send_close(1007)
            self.handle_parser_exception()
            return
        self._to_app({"type": "websocket.receive", "text": text})

    def _to_app(self, event: dict[str, Any]) -> None:
        """Hand a message to the session. Reading pauses once a message arrives while an earlier
        one is still in hand (an answer waiting on Redis), so what waits is bounded by one read;
        pausing for the first as well cost two epoll changes per answer on Redis, for a phone
        that sends nothing more until its ack."""
        if self.close_sent:  # past the close: dropped, as uvicorn does
            return
        busy = not self.handled
        self.handled = False
        self.queue.put_nowait(event)  # type: ignore[arg-type]
        if busy and not self.handled and not self.read_paused:
            self.read_paused = True
            self.transport.pause_reading()

    def keep(self, task: asyncio.Task[Any]) -> None:
        """A task working for this socket: uvicorn waits for it at shutdown, as for its own."""
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def send(self, message: Any) -> None:
        await super().send(message)
        if message["type"] == "websocket.accept" and self.handshake_complete:
            # The parsed handshake (request and response, headers twice over) is only read
            # while accepting; kept, it is about 4 KiB of every idle phone's memory.
            self.request = self.response = None  # type: ignore[assignment]

    def handle_connect(self, event: Any) -> None:
        super().handle_connect(event)
        conn = self.conn
        if not self.transport.is_closing() and not conn.reader.buffer:
            # websockets' handshake parser keeps the request in its generator's frame for the
            # socket's life; a fresh frame parser (as websockets itself swaps in `discard()` on
            # close) lets it go. Swapped now, before the 101 is even sent, the old one is at a
            # frame boundary: a client sends no frame before it has the 101, and nothing is
            # buffered.
            conn.parser = Protocol.parse(conn)
            next(conn.parser)

    @property
    def open(self) -> bool:
        return (
            self.handshake_complete
            and not self.close_sent
            and not self.disconnected
            and not self.transport.is_closing()
        )

    def buffered(self) -> int:
        return int(self.transport.get_write_buffer_size())

    def abort_later(self, seconds: float) -> None:
        """Drop the connection if it is still there: a close frame waits behind data that the
        peer never reads, and the transport would otherwise keep it until the keepalive."""
        self.loop.call_later(seconds, self.transport.abort)

    def close_now(self, code: int, reason: str) -> None:
        """What the ASGI `websocket.close` does, without awaiting: send the close frame, tell the
        app the socket is done, and drop the transport if the peer never answers."""
        if not self.open:
            return
        self.queue.put_nowait({"type": "websocket.disconnect", "code": code, "reason": reason})
        self.conn.send_close(code, reason)
        self.transport.write(b"".join(self.conn.data_to_send()))
        self.close_sent = True
        if self.read_paused:
            self.read_paused = False
            self.transport.resume_reading()
        self.close_timer = self.loop.call_later(self.close_timeout, self.transport.close)


def extension(scope: Any) -> FastPathProtocol | None:
    found = scope.get("extensions", {}).get(EXTENSION) if isinstance(scope, dict) else None
    return found if isinstance(found, FastPathProtocol) else None
