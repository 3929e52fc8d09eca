"""The C ceiling: nginx with nchan (Debian's libnginx-mod-nchan), a pub/sub server written in C.

Phones subscribe with a WebSocket to /sub/CODE; the facilitator publishes with an HTTP POST to
/pub/CODE, and nchan writes the posted body to every subscriber. The bench posts the same update
JSON a Hearth phone receives, so the same clients time it the same way. nchan has no answers,
acks or tallies: it is compared on fan-out, joins and memory only.

`ensure_installed()` installs the module with apt-get when it is missing; `NchanServer` writes
its own config into a temporary directory, starts nginx on a free port (one worker, pinned like
the other servers) and stops it by PID.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

MODULE = Path("/usr/lib/nginx/modules/ngx_nchan_module.so")
PACKAGES = ["nginx-light", "libnginx-mod-nchan"]

CONFIG = """\
load_module {module};
{user}
worker_processes 1;
worker_rlimit_nofile {files};
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections {connections}; multi_accept on; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/body;
    client_max_body_size 1m;
    nchan_max_reserved_memory 256M;
    server {{
        listen {host}:{port} backlog=4096;
        location ~ ^/pub/(\\w+)$ {{
            nchan_publisher http;
            nchan_channel_id $1;
            nchan_message_buffer_length 1;
            nchan_message_timeout 60s;
        }}
        location ~ ^/sub/(\\w+)$ {{
            nchan_subscriber websocket;
            nchan_channel_id $1;
            nchan_subscriber_first_message newest;
            nchan_websocket_ping_interval 0;
        }}
    }}
}}
"""


def ensure_installed() -> None:
    """nginx and the nchan module, from Debian's packages, when they are not there yet."""
    if MODULE.exists() and shutil.which("nginx"):
        return
    apt = shutil.which("apt-get")
    if apt is None or os.geteuid() != 0:
        raise RuntimeError(f"nchan is needed: apt-get install {' '.join(PACKAGES)} (as root)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    packages = ["libnginx-mod-nchan"] if shutil.which("nginx") else PACKAGES
    argv = [apt, "install", "-y", "--no-install-recommends", *packages]
    subprocess.run(argv, env=env, check=True)


class NchanServer:
    """nginx + nchan on a free port with its own config; stopped by PID."""

    def __init__(self, host: str, port: int, argv_prefix: list[str]) -> None:
        self.host, self.port = host, port
        self.argv_prefix = argv_prefix  # taskset, as for the other servers
        self.dir = tempfile.mkdtemp(prefix="bench-nchan-")
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> subprocess.Popen[bytes]:
        ensure_installed()
        (Path(self.dir) / "body").mkdir(exist_ok=True)
        conf = Path(self.dir) / "nginx.conf"
        conf.write_text(
            CONFIG.format(
                module=MODULE,
                user="user root;" if os.geteuid() == 0 else "",
                prefix=self.dir,
                host=self.host,
                port=self.port,
                files=65536,
                connections=40000,
            )
        )
        nginx = shutil.which("nginx") or "nginx"
        argv = [*self.argv_prefix, nginx, "-p", self.dir, "-c", str(conf)]
        self.process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        return self.process

    def stop(self) -> None:
        process = self.process
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)  # nginx's master: fast shutdown of its worker
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process is not None and process.stderr is not None:
            process.stderr.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class Publisher:
    """The facilitator's side for nchan: each `open` is one HTTP POST of the update phones get,
    pipelined on one keep-alive connection; the reply is nginx's answer to the POST."""

    def __init__(self, host: str, port: int, code: str) -> None:
        self.host, self.port, self.code = host, port, code
        self.version = 1
        self.view: dict[str, Any] = {}
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.waiting: asyncio.Queue[asyncio.Future[tuple[dict[str, Any], float]]] = asyncio.Queue()
        self.task: asyncio.Task[None] | None = None

    async def connect(self) -> Publisher:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.task = asyncio.create_task(self._replies())
        return self

    def request(self, message: dict[str, Any]) -> asyncio.Future[tuple[dict[str, Any], float]]:
        assert self.writer is not None and message["type"] == "open"
        self.version += 1
        activity = {"id": f"a{self.version}", "status": "open", "definition": message["activity"]}
        body = orjson.dumps(
            {
                "type": "update",
                "version": self.version,
                "base": self.version - 1,
                "now": int(time.time() * 1000),
                "changes": {"activity": activity, "results": None},
            }
        )
        self.view = {"activity": activity, "results": None}
        head = (
            f"POST /pub/{self.code} HTTP/1.1\r\nHost: {self.host}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        future: asyncio.Future[tuple[dict[str, Any], float]] = (
            asyncio.get_running_loop().create_future()
        )
        self.waiting.put_nowait(future)
        self.writer.write(head.encode() + body)
        return future

    async def _replies(self) -> None:
        assert self.reader is not None
        while True:
            status = await self.reader.readline()
            if not status:
                return
            length = 0
            while (line := await self.reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode().partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            await self.reader.readexactly(length)
            future = await self.waiting.get()
            ok = status.split()[1:2] in ([b"201"], [b"202"])
            reply = {"type": "ack" if ok else "error", "status": status.decode().strip()}
            if not future.done():
                future.set_result((reply, time.monotonic()))

    def close(self) -> None:
        if self.task is not None:
            self.task.cancel()
        if self.writer is not None:
            self.writer.close()
