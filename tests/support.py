"""Real parts for tests: a redis-server on a free port, uvicorn on a free port, a WebSocket client."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvicorn
import uvloop
import websockets

from server.app import create_app
from server.cli import uvicorn_options
from server.settings import Settings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def require_tool(name: str, install_hint: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise RuntimeError(f"{name} is needed by the tests but is not installed: {install_hint}")
    return path


async def create_room(base_url: str, host_secret: str, **body: Any) -> dict[str, Any]:
    """POST /api/rooms with the host secret, as the console does."""
    async with httpx.AsyncClient(base_url=base_url) as http:
        response = await http.post(
            "/api/rooms", headers={"Authorization": f"Bearer {host_secret}"}, json=body or None
        )
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


class Freezable:
    """A server process the tests can freeze: it stops answering but keeps its connections."""

    process: subprocess.Popen[bytes] | None

    def freeze(self) -> None:
        """SIGSTOP: no answer, no close, no acknowledged replication, until thawed."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)


class RedisServer(Freezable):
    """A private redis-server on a free port that keeps nothing on disk."""

    def __init__(self, config: str | None = None, extra: list[str] | None = None) -> None:
        self.binary = require_tool("redis-server", "apt-get install redis-server")
        self.port = free_port()
        self.config = config
        self.extra = extra or []
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        args = [self.binary]
        if self.config:
            args.append(self.config)
        args += [
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ]
        args += ["--daemonize", "no", "--logfile", "", *self.extra]
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited: {self.process.stderr.read().decode()}")  # type: ignore[union-attr]
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(64).startswith((b"+PONG", b"-NOAUTH")):
                        return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)  # a frozen server cannot handle SIGTERM
            self.process.terminate()
            self.process.wait(5)
        if self.process.stderr is not None:
            self.process.stderr.close()


# The heartbeat for tests whose subject is what it finds (a lost store, a stalled socket, an
# abandoned room): a second rather than the default five, so they wait one second, not five.
QUICK_BEAT = 1.0


async def _wind_down() -> None:
    """What `asyncio.run` does after the server returns (`hearth serve` runs under it): cancel
    what is left, and give closed sockets their loop turns to finish closing. uvloop's close()
    drops callbacks still queued, so a socket closed in the last turn would stay open and the
    loop would refuse to close (EBUSY)."""
    current = asyncio.current_task()
    left = [t for t in asyncio.all_tasks() if t is not current]
    for task in left:
        task.cancel()
    await asyncio.gather(*left, return_exceptions=True)
    await asyncio.get_running_loop().shutdown_asyncgens()
    for _ in range(3):
        await asyncio.sleep(0)
    # A socket closed with bytes still queued closes once they are written: a moment for that.
    await asyncio.sleep(0.1)


def _open_transports() -> list[str]:
    """Each uvloop TCP transport still open (the test clients run on asyncio's loop, so these
    are a server's): what it is connected to and which protocol holds it."""
    described = []
    for thing in gc.get_objects():
        kind = type(thing)
        if kind.__name__ == "TCPTransport" and str(kind).startswith("<class 'uvloop."):
            if thing.is_closing():
                continue
            protocol = type(thing.get_protocol()).__qualname__
            described.append(
                f"{thing.get_extra_info('sockname')}->{thing.get_extra_info('peername')} {protocol}"
            )
    return described


@dataclass
class LiveServer:
    """uvicorn serving Hearth on a free port, in a thread with its own event loop."""

    settings: Settings
    app: Any = None
    server: uvicorn.Server | None = None
    thread: threading.Thread | None = None
    loop: asyncio.AbstractEventLoop | None = None
    host_secret: str = field(default="test-host-secret-0123456789")

    @classmethod
    def start(cls, redis_url: str = "", **overrides: Any) -> LiveServer:
        port = free_port()
        # The collector's tuning is process-wide: a server in the test's own process leaves it.
        overrides.setdefault("gc_young_objects", 0)
        settings = Settings(
            host="127.0.0.1",
            port=port,
            redis_url=redis_url,
            host_secret="test-host-secret-0123456789",
            public_url=f"http://127.0.0.1:{port}",
            **overrides,
        )
        live = cls(settings)
        live.app = create_app(settings)
        options = uvicorn_options(settings)
        options["log_config"] = None
        live.server = uvicorn.Server(uvicorn.Config(live.app, **options))
        ready = threading.Event()

        def run() -> None:
            # uvloop, as `hearth serve` runs: its transports are not asyncio's (a server-side
            # assumption that holds on one loop and not the other shows here, not in production).
            live.loop = uvloop.new_event_loop()
            asyncio.set_event_loop(live.loop)
            live.loop.call_soon(ready.set)
            live.loop.run_until_complete(live.server.serve())  # type: ignore[union-attr]
            live.loop.run_until_complete(_wind_down())
            try:
                live.loop.close()
            except OSError as error:  # EBUSY: say what was left open, not only that something was
                raise RuntimeError(f"server loop left open: {_open_transports()}") from error

        live.thread = threading.Thread(target=run, daemon=True)
        live.thread.start()
        ready.wait(5)
        deadline = time.monotonic() + 10
        while not live.server.started:
            if time.monotonic() > deadline or not live.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return live

    def stop(self) -> None:
        if self.server is not None:
            self.server.should_exit = True
        if self.thread is not None:
            self.thread.join(15)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.settings.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.settings.port}/ws"

    @property
    def service(self) -> Any:
        return self.app.state.service

    def call(self, coro: Any) -> Any:
        """Run a coroutine on the server's loop (e.g. to inspect its memory store)."""
        assert self.loop is not None
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(10)

    async def acall(self, coro: Any) -> Any:
        assert self.loop is not None
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, self.loop))

    async def create_room(self, **body: Any) -> dict[str, Any]:
        return await create_room(self.base_url, self.settings.host_secret, **body)


class Client:
    """A WebSocket client speaking Hearth's protocol, with the replies it has not consumed."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.inbox: list[dict[str, Any]] = []
        self.view: dict[str, Any] = {}
        self.version = 0
        self.token: str | None = None
        self.next_id = 1

    @classmethod
    async def connect(cls, url: str, origin: str | None = None, **hello: Any) -> Client:
        origin = origin or url.replace("ws://", "http://").rsplit("/ws", 1)[0]
        ws = await websockets.connect(url, origin=origin, max_size=2**22, compression=None)  # type: ignore[arg-type]
        client = cls(ws)
        if hello:
            await client.send({"type": "hello", **hello})
        return client

    @classmethod
    async def join(cls, live: LiveServer, room: dict[str, Any], role: str, **extra: Any) -> Client:
        credential = {
            "facilitator": room.get("facilitator_credential"),
            "display": room.get("display_credential"),
            "participant": extra.pop("token", None),
        }[role]
        client = await cls.connect(live.ws_url, role=role, code=room["code"], credential=credential)
        welcome = await client.expect("welcome")
        client.token = welcome.get("token") or credential
        await client.expect("snapshot")
        return client

    async def send(self, message: dict[str, Any]) -> None:
        await self.ws.send(json.dumps(message))

    async def command(self, message: dict[str, Any]) -> dict[str, Any]:
        """Send a request with an id and wait for its ack or error."""
        request_id = self.next_id
        self.next_id += 1
        await self.send({**message, "id": request_id})
        return await self.expect_where(
            lambda m: m.get("id") == request_id and m["type"] in ("ack", "error")
        )

    def _track(self, message: dict[str, Any]) -> None:
        if message["type"] == "snapshot":
            self.view = message["view"]
            self.version = message["version"]
        elif message["type"] == "update":
            assert message["base"] == self.version, (
                f"version gap: {message['base']} != {self.version}"
            )
            self.view.update(message["changes"])
            self.version = message["version"]

    async def receive(self, timeout: float = 5.0) -> dict[str, Any]:
        message: dict[str, Any] = json.loads(await asyncio.wait_for(self.ws.recv(), timeout))
        self._track(message)
        return message

    async def expect_where(self, predicate: Any, timeout: float = 5.0) -> dict[str, Any]:
        for i, message in enumerate(self.inbox):
            if predicate(message):
                return self.inbox.pop(i)
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise AssertionError(f"no matching message; unconsumed: {self.inbox[-5:]}")
            message = await self.receive(remaining)
            if predicate(message):
                return message
            self.inbox.append(message)

    async def expect(self, kind: str, timeout: float = 5.0) -> dict[str, Any]:
        return await self.expect_where(lambda m: m["type"] == kind, timeout)

    async def until_view(self, predicate: Any, timeout: float = 5.0) -> dict[str, Any]:
        """Wait until this client's rendered view satisfies predicate (updates applied in order)."""
        if self.view and predicate(self.view):
            return self.view
        await self.expect_where(
            lambda m: m["type"] in ("update", "snapshot") and predicate(self.view), timeout
        )
        return self.view

    async def close(self) -> None:
        await self.ws.close()


class ServeProcess:
    """`hearth serve` as a real subprocess (for several processes on one Redis, signals, logs)."""

    def __init__(
        self,
        redis_url: str = "",
        *flags: str,
        host_secret: str = "test-host-secret-0123456789",
        program: list[str] | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self.port = free_port()
        self.redis_url = redis_url
        self.flags = list(flags)
        self.host_secret = host_secret
        self.program = program  # what runs `serve`; default: this Python's `-m server.cli`
        self.env = env or {}
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    def start(self, wait: bool = True) -> ServeProcess:
        import os
        import sys

        env = {k: v for k, v in os.environ.items() if not k.startswith("HEARTH_")}
        env.update(
            HEARTH_HOST_SECRET=self.host_secret,
            HEARTH_PUBLIC_URL=self.base_url,
            HEARTH_REDIS_URL=self.redis_url,
            **self.env,
        )
        args = [*(self.program or [sys.executable, "-m", "server.cli"]), "serve"]
        args += ["--host", "127.0.0.1"]
        args += ["--port", str(self.port), *self.flags]
        self.process = subprocess.Popen(
            args, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, seconds: float = 20) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                out = self.process.stdout.read().decode() if self.process.stdout else ""
                raise RuntimeError(f"hearth serve exited early:\n{out}")
            try:
                if httpx.get(self.base_url + "/healthz", timeout=0.5).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        self.process.kill()  # not left running after the test that started it
        out = self.process.communicate()[0].decode(errors="replace")
        raise RuntimeError(f"hearth serve did not become ready:\n{out[-2000:]}")

    def stop(self) -> str:
        """Terminate and return everything the process printed."""
        if self.process is None:
            return ""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        stdout = self.process.stdout
        if stdout is None or stdout.closed:  # stopped before
            return ""
        out = stdout.read().decode()
        stdout.close()
        return out

    async def create_room(self, **body: Any) -> dict[str, Any]:
        return await create_room(self.base_url, self.host_secret, **body)


def tcp_sockets() -> Iterator[list[str]]:
    """Every TCP socket of this network namespace, as Linux's /proc lists it: the fields of its
    row (1 local and 2 remote address, 3 state, 4 queues, 9 inode)."""
    for table in ("/proc/self/net/tcp", "/proc/self/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            yield line.split()


def port_of(address: str) -> int:
    """The port of an address as /proc/net/tcp writes it (hex, after the last colon)."""
    return int(address.rsplit(":", 1)[1], 16)


def tcp_peers() -> Counter[int]:
    """The remote ports of this process's established TCP connections: how a test sees sockets
    that a client left open, whatever library or loop opened them."""
    inodes = set()
    for fd in Path("/proc/self/fd").iterdir():
        with contextlib.suppress(OSError):
            target = os.readlink(fd)
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    established = (row for row in tcp_sockets() if row[3] == "01" and row[9] in inodes)
    return Counter(port_of(row[2]) for row in established)


async def eventually(predicate: Any, seconds: float = 5.0) -> None:
    """For server-side effects no message announces (e.g. cleanup after a peer left): poll."""
    deadline = asyncio.get_running_loop().time() + seconds
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.01)
