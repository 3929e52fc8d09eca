"""A small TCP proxy for resilience tests: it forwards to one upstream that can be switched, and can
cut every connection at once (a phone that loses Wi-Fi, a process that dies under its clients)."""

from __future__ import annotations

import asyncio
import contextlib


class Proxy:
    def __init__(self, upstream_port: int, host: str = "127.0.0.1") -> None:
        self.host = host
        self.upstream_port = upstream_port
        self.port = 0
        self.hold = False  # True: accept nothing (close at once), like a host that is away
        self.mute = False  # True: swallow what the server sends (acks lost on the way back)
        self.delay = 0.0  # seconds added to every chunk, both ways (a slow link or a slow Redis)
        self._flowing = asyncio.Event()  # cleared: hold every byte, keep every socket open
        self._flowing.set()
        self._server: asyncio.Server | None = None
        self._pairs: set[tuple[asyncio.StreamWriter, asyncio.StreamWriter]] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self.accepted = 0

    async def start(self) -> Proxy:
        self._server = await asyncio.start_server(self._accept, self.host, 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    @property
    def ws_url(self) -> str:
        return f"ws://{self.host}:{self.port}/ws"

    def stall(self) -> None:
        """Stop forwarding without closing anything: a peer that stops answering (a frozen
        process, or a network that drops packets). What was held flows on `flow()`."""
        self._flowing.clear()

    def flow(self) -> None:
        self._flowing.set()

    def switch(self, upstream_port: int) -> None:
        """New connections go to another upstream; open ones stay where they are."""
        self.upstream_port = upstream_port

    def cut(self) -> int:
        """Abort every open connection (both sides see a reset, nothing more is delivered)."""
        pairs = list(self._pairs)
        for client, upstream in pairs:
            for writer in (client, upstream):
                with contextlib.suppress(Exception):
                    writer.transport.abort()
        self._pairs.clear()
        return len(pairs)

    async def stop(self) -> None:
        self.cut()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.hold:
            writer.transport.abort()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(self.host, self.upstream_port)
        except OSError:
            writer.transport.abort()  # the upstream is down: the client sees a refused connect
            return
        self.accepted += 1
        pair = (writer, up_writer)
        self._pairs.add(pair)
        for source, sink, down in ((reader, up_writer, False), (up_reader, writer, True)):
            task = asyncio.create_task(self._pump(source, sink, pair, down))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _pump(
        self,
        source: asyncio.StreamReader,
        sink: asyncio.StreamWriter,
        pair: tuple[asyncio.StreamWriter, asyncio.StreamWriter],
        down: bool,
    ) -> None:
        try:
            while data := await source.read(65536):
                if down and self.mute:
                    continue
                await self._flowing.wait()
                if self.delay:  # a delay line: each chunk leaves `delay` after it came, in order
                    loop = asyncio.get_running_loop()
                    loop.call_at(loop.time() + self.delay, _write, sink, data)
                    continue
                sink.write(data)
                await sink.drain()
        except (OSError, asyncio.CancelledError):
            pass
        finally:
            # one side ended: end the other, as a dead host's peer would eventually see
            self._pairs.discard(pair)
            for writer in pair:
                with contextlib.suppress(Exception):
                    writer.transport.abort()


def _write(sink: asyncio.StreamWriter, data: bytes) -> None:
    if not sink.transport.is_closing():
        sink.write(data)
