"""Logs hold no answer, activity text, room code, credential, token, ticket or client address —
uvicorn's lines included. A whole session runs with canary strings, with every kind of abuse that
makes a server log something, once in-process (caplog at DEBUG) and once as `hearth serve
--log-level debug` in a subprocess whose every byte of output is searched."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.support import Client, RedisServer, free_port
from tests.support import LiveServer as Live

BANNER = "  Facilitator (one-time link): "


class Secrets:
    """Everything that must never reach a log."""

    def __init__(self) -> None:
        self.values: set[str] = set()
        self.ports: set[int] = set()

    def canary(self, label: str) -> str:
        value = f"canary{label}{secrets.token_hex(6)}"
        self.values.add(value)
        return value

    def add(self, *values: str | None) -> None:
        self.values.update(v for v in values if v)

    def client(self, client: Client) -> Client:
        self.ports.add(int(client.ws.local_address[1]))
        self.add(client.token)
        return client

    def hits(self, lines: list[str], server: str = "") -> list[str]:
        """Every secret, client port or address in `lines`; the server's own address (in the
        "Phones join" line) is not a client's."""
        found = []
        for line in lines:
            line = line.replace(server, "<server>") if server else line
            for value in self.values:
                if value in line:
                    found.append(f"{value!r} in {line!r}")
            for port in self.ports:
                if f":{port}" in line:
                    found.append(f"client port {port} in {line!r}")
            if re.search(r"127\.0\.0\.1|::1\b|localhost:\d", line):
                found.append(f"an address in {line!r}")
        return found


async def run_session(
    base_url: str,
    ws_url: str,
    create_room: Callable[..., Awaitable[dict[str, Any]]],
    keep: Secrets,
) -> None:
    room = await create_room(k=3)
    keep.add(room["code"], room["facilitator_credential"], room["display_credential"])
    keep.add(room["console_url"].partition("#")[2], room["display_url"].partition("#")[2])
    live = _Target(base_url, ws_url)
    async with httpx.AsyncClient(base_url=base_url) as http:
        ticket = room["display_url"].partition("#ticket=")[2]
        grant = (await http.post("/api/tickets/exchange", json={"ticket": ticket})).json()
        assert grant["credential"] == room["display_credential"]
        await http.post("/api/tickets/exchange", json={"ticket": ticket})  # spent: a 404
        await http.post("/api/rooms", headers={"Authorization": "Bearer " + keep.canary("Bearer")})
    facilitator = keep.client(await Client.join(live, room, "facilitator"))  # type: ignore[arg-type]
    display = keep.client(await Client.join(live, room, "display"))  # type: ignore[arg-type]
    phones = [keep.client(await Client.join(live, room, "participant")) for _ in range(4)]  # type: ignore[arg-type]

    prompt = {"kind": "prompt", "text": keep.canary("Prompt"), "open_text": True}
    await facilitator.command({"type": "open", "activity": prompt})
    view = await phones[0].until_view(lambda v: v["activity"] is not None)
    for phone in phones:
        ballot = secrets.token_urlsafe(16)
        keep.add(ballot)
        reply = await phone.command(
            {
                "type": "answer",
                "activity": view["activity"]["id"],
                "ballot": ballot,
                "value": {"kind": "text", "text": keep.canary("Answer")},
            }
        )
        assert reply["type"] == "ack", reply
    await facilitator.command({"type": "close"})
    queue = (await facilitator.until_view(lambda v: len(v.get("queue") or []) == 4))["queue"]
    for item in queue:
        await facilitator.command({"type": "moderate", "item": item["id"], "action": "approve"})
    await facilitator.command({"type": "release"})
    await display.until_view(lambda v: len(v["texts"]) == 4)

    poll = {"kind": "poll", "text": keep.canary("Poll"), "options": [keep.canary("Opt"), "b"]}
    await facilitator.command({"type": "open", "activity": poll})
    view = await phones[1].until_view(lambda v: v["activity"]["definition"]["kind"] == "poll")
    for phone in phones:
        await phone.command(
            {
                "type": "answer",
                "activity": view["activity"]["id"],
                "ballot": secrets.token_urlsafe(16),
                "value": {"kind": "choice", "option": 0},
            }
        )
    await facilitator.command({"type": "reveal"})
    await display.until_view(lambda v: v["results"] is not None)
    await phones[2].send({"type": "pause", "on": True})
    await phones[2].send({"type": "word", "on": True})
    # The support card is never logged, nor is a co-facilitator's credential.
    card, translated = keep.canary("SupportCard"), keep.canary("Tarjeta")
    support = {"type": "support", "text": card, "lang": "en", "translations": {"es": translated}}
    assert (await facilitator.command(support))["type"] == "ack"
    await phones[3].until_view(lambda v: (v.get("support_card") or {}).get("text") == card)
    # a plan sent in parts (too large for one frame) is content too
    part = {"type": "runsheet_part", "part": 0, "parts": 2, "text": keep.canary("PlanPart")}
    await facilitator.send({**part, "id": 900})
    await facilitator.expect_where(lambda m: m.get("id") == 900)
    async with httpx.AsyncClient(base_url=base_url) as http:
        made = await http.post(
            "/api/tickets",
            json={"role": "cofacilitator", "code": room["code"], "credential": room["facilitator_credential"]},
        )
        ticket = made.json()["ticket"]
        keep.add(ticket)
        co = (await http.post("/api/tickets/exchange", json={"ticket": ticket})).json()
        keep.add(co["credential"])
    await facilitator.command({"type": "grounding_now"})
    await facilitator.command({"type": "resume"})

    # Abuse that makes servers log: every kind carries a canary the server must not repeat.
    with pytest.raises(InvalidStatus):
        await websockets.connect(ws_url, origin="http://" + keep.canary("Origin") + ".example")
    for code in (room["code"], "ACDEFG"):
        await _refused(
            ws_url,
            base_url,
            {
                "type": "hello",
                "role": "facilitator",
                "code": code,
                "credential": keep.canary("Credential") + "x" * 8,
            },
        )
    await _refused(
        ws_url, base_url, {"type": "hello", "role": "participant", "code": keep.canary("Code")[:12]}
    )
    await _refused(
        ws_url,
        base_url,
        {"type": "hello", "role": "participant", "code": room["code"], keep.canary("Field"): 1},
    )
    await phones[3].ws.send('{"type": "answer", "oops": "' + keep.canary("Junk") + '"')
    await phones[3].expect("error")
    big = keep.client(await Client.join(live, room, "participant"))  # type: ignore[arg-type]
    await big.ws.send(json.dumps({"type": "ping", "t": 1, "pad": keep.canary("Big") * 2000}))
    flood = keep.client(await Client.join(live, room, "participant"))  # type: ignore[arg-type]
    try:
        for _ in range(5000):  # until the server closes it (20 a second refill the bucket)
            await flood.send({"type": "ping", "t": 0.5, "x": keep.canary("Flood")})
    except ConnectionClosed:
        pass
    for client in (big, flood):
        with pytest.raises(ConnectionClosed):
            while True:
                await asyncio.wait_for(client.ws.recv(), 30)

    await phones[0].send({"type": "leave"})
    ack = await facilitator.command({"type": "end"})
    assert ack["type"] == "ack"
    await facilitator.expect("ended")
    for phone in phones[1:]:
        await phone.expect("ended")


class _Target:
    """What Client.join needs of a server."""

    def __init__(self, base_url: str, ws_url: str) -> None:
        self.base_url, self.ws_url = base_url, ws_url


async def _refused(ws_url: str, base_url: str, hello: dict[str, Any]) -> None:
    async with websockets.connect(ws_url, origin=base_url) as ws:
        await ws.send(json.dumps(hello))
        with pytest.raises(ConnectionClosed):
            while True:
                await asyncio.wait_for(ws.recv(), 30)


@pytest.mark.parametrize("backend", ["memory", "redis"])
async def test_no_secret_in_any_log_record(
    backend: str, caplog: pytest.LogCaptureFixture, request: pytest.FixtureRequest
) -> None:
    redis_url = request.getfixturevalue("redis_server").url if backend == "redis" else ""
    caplog.set_level(logging.DEBUG)  # every logger, the websockets library's included
    live = Live.start(redis_url=redis_url, log_level="debug")
    keep = Secrets()
    keep.add(live.settings.host_secret)
    try:
        await run_session(live.base_url, live.ws_url, live.create_room, keep)
    finally:
        live.stop()
    # Records of this test's own clients (httpx, the websockets client) are not the server's.
    client_side = ("httpx", "httpcore", "websockets.client")
    lines = [
        f"{record.name} {record.getMessage()} {record.exc_text or ''}"
        for record in caplog.records
        if not record.name.startswith(client_side)
    ]
    joined = "\n".join(lines)
    # the run did log: uvicorn refused the foreign origin, and said so (without the address)
    assert '"WebSocket /ws" 403' in joined, joined
    assert '[redacted] - "WebSocket /ws" 403' in joined
    # no line per phone that joined: a journal would hold when each person arrived
    assert "[accepted]" not in joined, joined
    assert keep.hits(lines) == []


def serve(port: int, output: Path, host_secret: str, redis_url: str) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HEARTH_")}
    env.update(
        HEARTH_HOST_SECRET=host_secret,
        HEARTH_PUBLIC_URL=f"http://127.0.0.1:{port}",
        HEARTH_REDIS_URL=redis_url,
        PYTHONUNBUFFERED="1",
    )
    args = [sys.executable, "-m", "server.cli", "serve", "--host", "127.0.0.1"]
    args += ["--port", str(port), "--log-level", "debug"]
    with output.open("wb") as out:
        # As systemd runs it: its output is the journal, named in JOURNAL_STREAM (device:inode).
        status = os.fstat(out.fileno())
        env["JOURNAL_STREAM"] = f"{status.st_dev}:{status.st_ino}"
        return subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT)


def wait_ready(process: subprocess.Popen[bytes], base_url: str, output: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"hearth serve exited early:\n{output.read_text()}")
        try:
            if httpx.get(base_url + "/livez", timeout=0.5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise RuntimeError("hearth serve did not become ready")


@pytest.mark.parametrize("backend", ["memory", "redis"])
async def test_hearth_serve_at_debug_logs_no_secret(backend: str) -> None:
    redis = RedisServer().start() if backend == "redis" else None
    port, host_secret = free_port(), "hs-" + secrets.token_urlsafe(24)
    base_url, ws_url = f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}/ws"
    keep = Secrets()
    keep.add(host_secret)
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "out.log"
        process = serve(port, output, host_secret, redis.url if redis else "")
        try:
            wait_ready(process, base_url, output)
            # Under systemd the banner says how to get a link and mints none, so the journal
            # holds no ticket (before, it kept a live facilitator link for an hour that the
            # operator, told to run `hearth link` on a server, never used).
            started = output.read_text()
            assert BANNER not in started and "ticket=" not in started, started
            assert f"Facilitator link: run `hearth link --port {port}`" in started, started
            async with httpx.AsyncClient(base_url=base_url) as http:

                async def create_room(**body: Any) -> dict[str, Any]:
                    auth = {"Authorization": f"Bearer {host_secret}"}
                    response = await http.post("/api/rooms", headers=auth, json=body)
                    assert response.status_code == 201
                    return response.json()  # type: ignore[no-any-return]

                await run_session(base_url, ws_url, create_room, keep)
            # `hearth link` asks the running server for another one-time start link
            env = {**os.environ, "HEARTH_HOST_SECRET": host_secret}
            linked = await asyncio.to_thread(
                subprocess.run,
                [sys.executable, "-m", "server.cli", "link", "--port", str(port)],
                env=env,
                capture_output=True,
                text=True,
                timeout=30,
                check=True,
            )
            link_ticket = linked.stdout.strip().partition("#ticket=")[2]
            keep.add(link_ticket)
            async with httpx.AsyncClient(base_url=base_url) as http:
                grant = await http.post("/api/tickets/exchange", json={"ticket": link_ticket})
            assert grant.json()["credential"] == host_secret
        finally:
            process.terminate()
            process.wait(20)
            if redis:
                redis.stop()
        lines = output.read_text().splitlines()
    # Everything the process wrote is searched: nothing is exempt.
    text = "\n".join(lines)
    assert "Application startup complete" in text and '"WebSocket /ws" 403' in text, text
    assert "[accepted]" not in text and "ticket=" not in text, text
    assert keep.hits(lines, server=f"127.0.0.1:{port}") == [], text
