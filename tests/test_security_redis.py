"""What an operator reading Redis finds: every key under the room's prefix (or hearth:ticket:),
each given its TTL in the same atomic step that wrote it (read from MONITOR: the write and its
EXPIRE sit in one script or one MULTI/EXEC), nothing written after the end, and an erasure receipt
that matches a real scan."""

from __future__ import annotations

import asyncio
import re
import secrets
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from tests.support import Client, LiveServer, RedisServer, require_tool

# Commands that can create a key (and so must give it a TTL in the same step).
CREATING = {
    "set",
    "hset",
    "hsetnx",
    "hincrby",
    "hincrbyfloat",
    "sadd",
    "zadd",
    "zincrby",
    "lpush",
    "rpush",
    "incr",
    "incrby",
    "append",
    "setnx",
    "setex",
    "psetex",
    "getset",
    "pfadd",
    "xadd",
}
EXPIRING = {"expire", "pexpire", "expireat", "pexpireat"}
REMOVING = {"del", "unlink", "hdel", "zrem", "srem", "getdel"}
ARG = re.compile(r'"((?:[^"\\]|\\.)*)"')
LINE = re.compile(r"^\d+\.\d+ \[\d+ ([^\]]+)\] (.*)$")


def parse_units(text: str) -> list[list[list[str]]]:
    """MONITOR output as atomic units: a script with the commands it ran, a MULTI/EXEC block,
    or a single command."""
    units: list[list[list[str]]] = []
    in_multi: dict[str, list[list[str]]] = {}
    for line in text.splitlines():
        match = LINE.match(line)
        if not match:
            continue
        source, rest = match.groups()
        args = ARG.findall(rest)
        if not args:
            continue
        args[0] = args[0].lower()
        if source == "lua":
            units[-1].append(args)
        elif args[0] == "multi":
            in_multi[source] = []
            units.append(in_multi[source])
        elif args[0] == "exec":
            in_multi.pop(source, None)
        elif source in in_multi:
            in_multi[source].append(args)
        else:
            units.append([args])
    return units


def violations(units: list[list[list[str]]], code: str) -> list[str]:
    problems = []
    room = f"hearth:{{{code}}}:"
    for unit in units:
        for i, args in enumerate(unit):
            command = args[0]
            if command not in CREATING | EXPIRING | REMOVING or len(args) < 2:
                continue
            name = args[1]
            if not (name.startswith(room) or name.startswith("hearth:ticket:")):
                problems.append(f"key outside the room prefix: {args[:2]}")
            if command not in CREATING:
                continue
            if command in ("set", "setex", "psetex") and (
                command != "set" or any(a.lower() in ("ex", "px", "keepttl") for a in args[2:])
            ):
                continue
            later = unit[i + 1 :]
            if not any(a[0] in EXPIRING and a[1] == name for a in later):
                problems.append(f"{command} {name} without an EXPIRE in the same step: {unit}")
    return problems


@pytest.fixture
def private_redis() -> Iterator[RedisServer]:
    server = RedisServer().start()
    yield server
    server.stop()


class Monitor:
    """redis-cli MONITOR into a file, read back once a sentinel shows everything arrived."""

    def __init__(self, redis: RedisServer, folder: Path) -> None:
        cli = require_tool("redis-cli", "apt-get install redis-tools")
        self.path = folder / "monitor.log"
        self.out = self.path.open("wb")
        self.process = subprocess.Popen(
            [cli, "-p", str(redis.port), "monitor"], stdout=self.out, stderr=subprocess.STDOUT
        )
        self.url = redis.url

    async def ready(self) -> None:
        await self.sync("start")

    async def sync(self, label: str) -> str:
        sentinel = f"sentinel-{label}-{secrets.token_hex(4)}"
        redis = Redis.from_url(self.url)
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                await redis.echo(sentinel)
                if sentinel in self.path.read_text(errors="replace"):
                    return self.path.read_text(errors="replace")
                await asyncio.sleep(0.02)  # MONITOR has no event to await but its own output
        finally:
            await redis.aclose()
        raise AssertionError("MONITOR did not catch up")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(5)
        self.out.close()


async def all_ttls(url: str) -> dict[str, int]:
    redis = Redis.from_url(url)
    try:
        return {k.decode(): int(await redis.ttl(k)) async for k in redis.scan_iter(match="*")}
    finally:
        await redis.aclose()


async def test_every_write_carries_its_ttl_and_nothing_outlives_end(
    private_redis: RedisServer, tmp_path: Path
) -> None:
    monitor = Monitor(private_redis, tmp_path)
    live = LiveServer.start(redis_url=private_redis.url)
    try:
        await monitor.ready()
        ttl_samples: list[dict[str, int]] = []

        async def sample() -> None:
            ttls = await all_ttls(private_redis.url)
            assert all(0 < t <= live.settings.room_ttl_seconds for t in ttls.values()), ttls
            ttl_samples.append(ttls)

        room = await live.create_room(k=3)
        code = room["code"]
        async with httpx.AsyncClient(base_url=live.base_url) as http:
            host = await http.post(
                "/api/tickets",
                json={"role": "host"},
                headers={"Authorization": f"Bearer {live.settings.host_secret}"},
            )
            await http.post("/api/tickets/exchange", json={"ticket": host.json()["ticket"]})
            ticket = room["display_url"].partition("#ticket=")[2]
            await http.post("/api/tickets/exchange", json={"ticket": ticket})
        await sample()
        facilitator = await Client.join(live, room, "facilitator")
        display = await Client.join(live, room, "display")
        phones = [await Client.join(live, room, "participant") for _ in range(4)]
        await facilitator.expect_where(lambda m: m["type"] == "progress" and m["connected"] == 4)
        await facilitator.command({"type": "configure", "tracks": True})
        await sample()
        activities: list[dict[str, Any]] = [
            {"kind": "poll", "text": "Which?", "options": ["a", "b"]},
            {"kind": "prompt", "text": "A word?", "open_text": True},
        ]
        for activity in activities:
            await facilitator.command({"type": "open", "activity": activity})
            view = await phones[0].until_view(
                lambda v, kind=activity["kind"]: (
                    v["activity"] is not None and v["activity"]["definition"]["kind"] == kind
                )
            )
            for i, phone in enumerate(phones):
                value = (
                    {"kind": "choice", "option": i % 2}
                    if activity["kind"] == "poll"
                    else {"kind": "text", "text": f"word {i}"}
                )
                await phone.send({"type": "track", "track": "hurt"})
                await phone.send({"type": "pause", "on": i % 2 == 0})
                reply = await phone.command(
                    {
                        "type": "answer",
                        "activity": view["activity"]["id"],
                        "ballot": secrets.token_urlsafe(16),
                        "value": value,
                    }
                )
                assert reply["type"] == "ack", reply
                await sample()
            await facilitator.command({"type": "reveal"})
            await sample()
        queue = (await facilitator.until_view(lambda v: len(v["queue"] or []) == 4))["queue"]
        await facilitator.command({"type": "moderate", "item": queue[0]["id"], "action": "approve"})
        await facilitator.command({"type": "release"})
        await phones[3].send({"type": "pause", "on": False})
        await phones[3].send({"type": "leave"})
        await sample()

        before_end = await all_ttls(private_redis.url)
        assert all(k.startswith(f"hearth:{{{code}}}:") for k in before_end), before_end
        await facilitator.command({"type": "end"})
        ended = await facilitator.expect("ended")
        receipt = ended["receipt"]
        assert receipt["remaining"] == 0 and receipt["deleted"] >= len(before_end)
        for client in (display, *phones[:3]):
            await client.expect("ended")
        # Every socket is gone and the process forgot the room; then nothing is left anywhere.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # the hub forgets a room on its own loop, no event
            if code not in live.service.hub.rooms:
                break
            await asyncio.sleep(0.02)
        assert code not in live.service.hub.rooms
        text = await monitor.sync("end")
        assert await all_ttls(private_redis.url) == {}
    finally:
        live.stop()
        monitor.stop()

    units = parse_units(text)
    writes = [u for u in units if any(a[0] in CREATING for a in u)]
    assert len(writes) > 20, "MONITOR should have seen the session's writes"
    assert violations(units, code) == []
    # Nothing touched the room's keys after the unlink that erased it.
    flat = [args for unit in units for args in unit]
    unlink = max(i for i, a in enumerate(flat) if a[0] == "unlink")
    after = [a for a in flat[unlink + 1 :] if a[0] in CREATING | EXPIRING and len(a) > 1]
    assert after == [], after


def test_the_checker_catches_a_write_without_ttl() -> None:
    """The MONITOR reading above would notice a non-atomic write."""
    sample = "\n".join(
        [
            '1.1 [0 127.0.0.1:1] "MULTI"',
            '1.2 [0 127.0.0.1:1] "HSET" "hearth:{ACDEFG}:people" "x" ""',
            '1.3 [0 127.0.0.1:1] "EXEC"',
            '1.4 [0 127.0.0.1:1] "EXPIRE" "hearth:{ACDEFG}:people" "60"',
            '1.5 [0 127.0.0.1:2] "evalsha" "abc" "1" "other:key"',
            '1.6 [0 lua] "SET" "other:key" "1" "EX" "5"',
        ]
    )
    found = violations(parse_units(sample), "ACDEFG")
    assert len(found) == 2
    assert "without an EXPIRE" in found[0] and "outside the room prefix" in found[1]
