"""Real parts for the deployment tests: redis-server run with deploy/redis.conf as shipped, and one
whole session driven through any set of endpoints (several processes, a proxy)."""

from __future__ import annotations

import hashlib
import secrets
import signal
import socket
import ssl
import subprocess
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import websockets

from tests.support import Client, free_port, require_tool

REPO = Path(__file__).resolve().parent.parent
DEPLOY = REPO / "deploy"
REDIS_CONF = DEPLOY / "redis.conf"
ACL_TEMPLATE = DEPLOY / "redis-users.acl"
PLACEHOLDER = "@@HEARTH_REDIS_PASSWORD_SHA256@@"


def render_acl(password: str, dest: Path) -> Path:
    """What docs/operations.md tells the operator to do: put the password's SHA-256 in the template."""
    template = ACL_TEMPLATE.read_text()
    assert PLACEHOLDER in template, "the ACL template lost its password placeholder"
    dest.write_text(template.replace(PLACEHOLDER, hashlib.sha256(password.encode()).hexdigest()))
    return dest


class HardenedRedis:
    """redis-server with deploy/redis.conf unchanged except its port, ACL file and working directory
    (nothing else is overridden, so the file itself must keep Redis off the disk)."""

    def __init__(self, workdir: Path) -> None:
        self.binary = require_tool("redis-server", "apt-get install redis-server")
        self.port = free_port()
        self.password = secrets.token_urlsafe(24)
        self.data_dir = workdir / "redis-data"
        self.data_dir.mkdir()
        self.acl = render_acl(self.password, workdir / "hearth-users.acl")
        self.process: subprocess.Popen[bytes] | None = None

    def url(self, user: str = "hearth", password: str | None = None) -> str:
        secret = self.password if password is None else password
        return f"redis://{user}:{secret}@127.0.0.1:{self.port}/0"

    def start(self) -> HardenedRedis:
        args = [self.binary, str(REDIS_CONF), "--port", str(self.port)]
        args += ["--aclfile", str(self.acl), "--dir", str(self.data_dir)]
        self.process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                out = self.stop()
                raise RuntimeError(f"redis-server refused deploy/redis.conf:\n{out}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as s:
                    s.sendall(b"PING\r\n")
                    reply = s.recv(64)
                    # The default user is disabled: an anonymous PING must be refused.
                    assert reply.startswith(b"-NOAUTH"), reply
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> str:
        """SIGTERM (what systemd and Docker send) and return what Redis logged."""
        if self.process is None:
            return ""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        out = self.process.stdout.read().decode() if self.process.stdout else ""
        if self.process.stdout:
            self.process.stdout.close()
        self.process = None
        return out


async def connect(
    url: str,
    room: dict[str, Any],
    role: str,
    origin: str | None = None,
    tls: ssl.SSLContext | None = None,
    token: str | None = None,
) -> Client:
    """Join like a browser on `origin` would, over ws:// or wss:// (a participant may come back
    with its `token`)."""
    origin = origin or url.replace("ws://", "http://").replace("wss://", "https://")[: -len("/ws")]
    credential = {
        "facilitator": room["facilitator_credential"],
        "display": room["display_credential"],
    }.get(role, token)
    ws = await websockets.connect(
        url,
        origin=origin,  # type: ignore[arg-type]
        ssl=tls,
        compression=None,
        max_size=2**22,
    )
    client = Client(ws)
    await client.send(
        {"type": "hello", "role": role, "code": room["code"], "credential": credential}
    )
    welcome = await client.expect("welcome")
    client.token = welcome.get("token") or credential
    await client.expect("snapshot")
    return client


Join = Callable[[str, int], Awaitable[Client]]

POLL = {
    "kind": "poll",
    "text": "What helps most this week?",
    "options": ["Honesty", "Patience"],
    "result_style": "counts",
}


async def answer(phone: Client, activity: str, value: dict[str, Any]) -> None:
    ack = await phone.command(
        {
            "type": "answer",
            "activity": activity,
            "ballot": secrets.token_urlsafe(16),
            "value": value,
        }
    )
    assert ack["type"] == "ack", ack


async def whole_session(
    join: Join, phones: int = 6, joined: Callable[[], Awaitable[None]] | None = None
) -> dict[str, Any]:
    """Facilitator, display and `phones` participants joined through `join(role, index)`: tracks,
    a poll with a pause signal, open text, reveal, a leave, then the end with its erasure receipt.
    `joined` runs once every participant is counted. Returns the receipt."""
    facilitator = await join("facilitator", 0)
    display = await join("display", 1)
    people = [await join("participant", i) for i in range(phones)]
    clients = [facilitator, display, *people]
    try:
        assert (await facilitator.command({"type": "configure", "tracks": True, "k": 3}))[
            "type"
        ] == "ack"
        for i, phone in enumerate(people):
            await phone.until_view(lambda v: v["room"]["tracks"])
            await phone.send({"type": "track", "track": ("hurt", "caused")[i % 2]})
        await facilitator.expect_where(
            lambda m: m["type"] == "progress" and m["connected"] == phones
        )
        if joined is not None:
            await joined()

        await facilitator.command({"type": "open", "activity": POLL})
        for phone in people:
            view = await phone.until_view(lambda v: v["activity"] is not None)
        aid = view["activity"]["id"]
        for i, phone in enumerate(people):
            await answer(phone, aid, {"kind": "choice", "option": 0 if i < phones - 1 else 1})
        await people[0].send({"type": "pause", "on": True})
        await facilitator.expect_where(
            lambda m: m["type"] == "progress" and m["answered"] == phones and m["pauses"] >= 1
        )
        await facilitator.command({"type": "reveal"})
        for client in (display, *people):
            view = await client.until_view(lambda v: v["results"] is not None)
            # all but one chose Honesty; the one other is fewer than k, so no count is shown
            # (phones - 1 beside it would tell it): all or none, and n without the passes
            overall = view["results"]["overall"]
            assert [c["count"] for c in overall["cells"]] == [None, None]
            assert all(c["withheld"] for c in overall["cells"]) and overall["answered"] == phones

        await facilitator.command(
            {"type": "open", "activity": {"kind": "prompt", "text": "One word.", "open_text": True}}
        )
        for phone in people:
            # each phone answers what it sees: its own worker may learn of the prompt (through
            # Redis) a moment after the facilitator's worker has told its phones
            view = await phone.until_view(
                lambda v: (
                    v["activity"] is not None and v["activity"]["definition"]["kind"] == "prompt"
                )
            )
            await answer(phone, view["activity"]["id"], {"kind": "text", "text": "steadier"})
        await facilitator.expect_where(
            lambda m: m["type"] == "progress" and m["answered"] == phones
        )

        await people[-1].send({"type": "leave"})
        assert (await facilitator.command({"type": "end"}))["type"] == "ack"
        receipt: dict[str, Any] = (await facilitator.expect("ended"))["receipt"]
        for client in (display, *people[:-1]):
            assert (await client.expect("ended"))["receipt"] is None
        return receipt
    finally:
        for client in clients:
            await client.close()
