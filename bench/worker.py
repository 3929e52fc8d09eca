"""One load-generator process: many participant sockets, driven by JSON lines on stdin.

Each command is answered by one JSON line on stdout. The orchestrator (bench.run) spreads
participants over several of these processes, all pinned to the load generator's core.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from typing import Any

import orjson

from .client import Client, join

JOIN_CONCURRENCY = 64  # handshakes in flight per process when joining as fast as possible


class Worker:
    def __init__(self) -> None:
        self.clients: list[Client] = []
        self.join_errors = 0

    async def handle(self, cmd: dict[str, Any]) -> dict[str, Any]:
        kind = cmd["cmd"]
        if kind == "join":
            return await self.join(cmd)
        if kind == "wait_updates":
            return await self.wait_updates(int(cmd["per_client"]), float(cmd.get("seconds", 30)))
        if kind == "answer":
            return await self.answer(cmd)
        if kind == "updates":
            return {"updates": [c.updates for c in self.clients]}
        if kind == "status":
            return self.status()
        if kind == "cpu":
            t = os.times()
            return {"cpu": t.user + t.system}
        if kind == "close":
            for client in self.clients:
                client.close()
            await asyncio.sleep(0.2)
            return {"closed": len(self.clients)}
        raise ValueError(f"unknown command {kind}")

    async def join(self, cmd: dict[str, Any]) -> dict[str, Any]:
        host, port, codes = cmd["host"], int(cmd["port"]), cmd["codes"]
        rate = float(cmd.get("rate") or 0)  # joins per second from this process; 0: flat out
        nchan = bool(cmd.get("nchan"))
        gate = asyncio.Semaphore(JOIN_CONCURRENCY if not rate else 100_000)
        started = time.monotonic()
        latencies: list[float] = []
        errors: list[str] = []

        async def one(i: int, code: str) -> None:
            if rate:
                delay = started + i / rate - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
            async with gate:
                try:
                    client, took = await join(host, port, code, "participant", None, nchan=nchan)
                except (OSError, ConnectionError) as exc:
                    errors.append(type(exc).__name__ + ": " + str(exc)[:80])
                    return
            self.clients.append(client)
            latencies.append(took)

        await asyncio.gather(*(one(i, code) for i, code in enumerate(codes)))
        self.join_errors += len(errors)
        return {
            "joined": len(latencies),
            "errors": len(errors),
            "error_samples": sorted(set(errors))[:5],
            "latencies": latencies,
            "seconds": time.monotonic() - started,
        }

    @property
    def received(self) -> int:
        return sum(len(c.updates) for c in self.clients)

    async def wait_updates(self, per_client: int, seconds: float) -> dict[str, Any]:
        """Return once every client has received `per_client` updates in all (or on timeout)."""
        target = per_client * len(self.clients)
        deadline = time.monotonic() + seconds
        while self.received < target and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.002)  # polled: a callback per update would tax the hot path
        return {"received": self.received, "target": target}

    async def answer(self, cmd: dict[str, Any]) -> dict[str, Any]:
        """Every client answers `times` times, one at a time (closed loop), changing its mind;
        its last choice is option (index % options)."""
        times, options = int(cmd["times"]), int(cmd["options"])
        activities: dict[str, str] = cmd.get("activities") or {}
        base = int(cmd.get("index", 0))
        latencies: list[float] = []
        finals = [0] * options
        errors: list[str] = []
        first_send = time.monotonic()
        last_ack = 0.0

        async def one(i: int, client: Client) -> None:
            nonlocal last_ack
            ballot = os.urandom(18).hex()
            activity = activities.get(client.code) or cmd["activity"]
            final = (base + i) % options
            for n in range(times):
                option = (final + times - 1 - n) % options  # the last one sent is `final`
                value = {"kind": "choice", "option": option}
                sent = time.monotonic()
                try:
                    reply, at = await client.request(
                        {"type": "answer", "activity": activity, "ballot": ballot, "value": value}
                    )
                except ConnectionError as exc:
                    errors.append(str(exc))
                    return
                if reply["type"] != "ack":
                    errors.append(reply.get("code", "error"))
                    return
                latencies.append(at - sent)
                last_ack = max(last_ack, at)
            finals[final] += 1

        await asyncio.gather(*(one(i, c) for i, c in enumerate(self.clients)))
        return {
            "acks": len(latencies),
            "errors": len(errors),
            "error_samples": sorted(set(errors))[:5],
            "latencies": latencies,
            "first_send": first_send,
            "last_ack": last_ack,
            "finals": finals,
        }

    def status(self) -> dict[str, Any]:
        closed = [c.close_code for c in self.clients if c.close_code is not None]
        return {"open": len(self.clients) - len(closed), "closed": len(closed), "codes": closed[:5]}


async def main() -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=1 << 24)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    worker = Worker()
    while line := await reader.readline():
        cmd = orjson.loads(line)
        if cmd["cmd"] == "quit":
            break
        try:
            reply = await worker.handle(cmd)
        except Exception as exc:  # report, keep serving: the orchestrator decides
            reply = {"failed": f"{type(exc).__name__}: {exc}"}
        sys.stdout.buffer.write(orjson.dumps(reply) + b"\n")
        sys.stdout.buffer.flush()


if __name__ == "__main__":
    import uvloop

    uvloop.run(main())
