"""The orchestrator: start a target, spread participants over worker processes, run a scenario,
and turn raw timings into figures. Facilitators run here; participants run in bench.worker."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from dataclasses import dataclass
from typing import Any

import orjson

from . import client as wsclient
from .nchan import Publisher
from .procs import Target, cpu_seconds, pinned, schedstat

POLL_TEXT = "What helps most this week? " * 4


def poll(n: int, options: int = 3) -> dict[str, Any]:
    labels = [f"Option {i} for round {n}" for i in range(options)]
    return {"kind": "poll", "text": POLL_TEXT, "options": labels, "result_style": "counts"}


def percentiles(values: list[float], scale: float = 1000.0) -> dict[str, float | int]:
    """p50/p95/p99/max (in ms for seconds in) and the count they were taken over."""
    if not values:
        return {"n": 0}
    ordered = sorted(values)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * scale, 2)

    return {
        "n": len(ordered),
        "p50": at(0.50),
        "p95": at(0.95),
        "p99": at(0.99),
        "max": round(ordered[-1] * scale, 2),
    }


class Pool:
    """Worker processes on the load generator's cores, driven over stdin/stdout."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.procs: list[asyncio.subprocess.Process] = []

    async def __aenter__(self) -> Pool:
        for _ in range(self.size):
            # Pinned here when the orchestrator itself is not on the generator's CPUs.
            argv = pinned(os.environ.get("BENCH_WORKER_CPUS", ""), [sys.executable])
            proc = await asyncio.create_subprocess_exec(
                *argv, "-m", "bench.worker",
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, limit=1 << 28,
            )  # fmt: skip
            self.procs.append(proc)
        return self

    async def __aexit__(self, *exc: object) -> None:
        for proc in self.procs:
            if proc.returncode is None and proc.stdin is not None:
                proc.stdin.write(b'{"cmd": "quit"}\n')
                await proc.stdin.drain()
        for proc in self.procs:
            try:
                await asyncio.wait_for(proc.wait(), 10)
            except TimeoutError:
                proc.kill()
                await proc.wait()

    async def _ask(self, proc: asyncio.subprocess.Process, cmd: dict[str, Any]) -> dict[str, Any]:
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(orjson.dumps(cmd) + b"\n")
        await proc.stdin.drain()
        line = await proc.stdout.readline()
        if not line:
            raise RuntimeError("a load-generator process died")
        reply: dict[str, Any] = orjson.loads(line)
        if "failed" in reply:
            raise RuntimeError(f"load generator: {reply['failed']}")
        return reply

    async def each(self, cmds: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return list(
            await asyncio.gather(*(self._ask(p, c) for p, c in zip(self.procs, cmds, strict=True)))
        )

    async def all(self, cmd: dict[str, Any]) -> list[dict[str, Any]]:
        return await self.each([cmd] * self.size)

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.procs]


def split(items: list[str], parts: int) -> list[list[str]]:
    return [items[i::parts] for i in range(parts)]


@dataclass
class Meter:
    """CPU used by the load generator and the server over a measured window."""

    target: Target
    pool: Pool

    def __post_init__(self) -> None:
        self.wall = time.monotonic()
        self.gen = self._gen_cpu()
        self.server = schedstat(self.target.pids)
        self.store = schedstat(self.target.store_pids)

    def _gen_cpu(self) -> float:
        t = os.times()
        return t.user + t.system + cpu_seconds(self.pool.pids)

    def figures(self, unit: str = "", count: int = 0) -> dict[str, float]:
        """CPU shares over the window; with a unit, the server's CPU time per unit of work,
        which other load on the machine does not inflate the way it inflates latency."""
        wall = time.monotonic() - self.wall
        ran, waited = (a - b for a, b in zip(schedstat(self.target.pids), self.server, strict=True))
        out = {
            "seconds": round(wall, 3),
            "generator_cpu": round((self._gen_cpu() - self.gen) / wall, 3),
            "server_cpu": round(ran / wall, 3),
            # runnable but not running: the share of the window other work held the server up
            "server_runqueue": round(waited / wall, 3),
        }
        if unit and count:
            out[f"server_us_per_{unit}"] = round(ran / count * 1e6, 2)
        if self.target.store_pids:  # redis-server, on the server's CPUs
            stored, _ = (
                a - b for a, b in zip(schedstat(self.target.store_pids), self.store, strict=True)
            )
            out["store_cpu"] = round(stored / wall, 3)
            if unit and count:
                out[f"store_us_per_{unit}"] = round(stored / count * 1e6, 2)
        return out


Facilitator = wsclient.Client | Publisher


async def facilitator(target: Target, room: dict[str, str]) -> Facilitator:
    if target.kind == "nchan":
        return await Publisher(target.host, target.port, room["code"]).connect()
    client, _ = await wsclient.join(
        target.host,
        target.port,
        room["code"],
        "facilitator",
        room["facilitator_credential"],
        keep=True,
    )
    return client


async def command(client: Facilitator, message: dict[str, Any]) -> dict[str, Any]:
    reply, _ = await asyncio.wait_for(client.request(message), 30)
    if reply["type"] != "ack":
        raise RuntimeError(f"facilitator command refused: {reply}")
    return reply


async def join_all(pool: Pool, target: Target, codes: list[str], rate: float = 0) -> dict[str, Any]:
    parts = split(codes, pool.size)
    per_rate = rate / pool.size if rate else 0
    nchan = target.kind == "nchan"
    replies = await pool.each(
        [
            {"cmd": "join", "host": target.host, "port": target.port, "codes": p,
             "rate": per_rate, "nchan": nchan}
            for p in parts
        ]
    )  # fmt: skip
    samples = sorted({s for r in replies for s in r["error_samples"]})
    return {
        "joined": sum(r["joined"] for r in replies),
        "errors": sum(r["errors"] for r in replies),
        "error_samples": samples[:5],
        "latencies": [x for r in replies for x in r["latencies"]],
    }


async def _push_open_loop(fac: list[Facilitator], pushes: int, rate: float) -> list[float]:
    """Open loop: a push every 1/rate s whatever the acks and deliveries; acks checked last."""
    starts: list[float] = []
    futures = []
    begin = time.monotonic()
    for n in range(pushes):
        delay = begin + n / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        starts.append(time.monotonic())
        futures += [f.request({"type": "open", "activity": poll(n)}) for f in fac]
    for reply, _ in await asyncio.gather(*(asyncio.wait_for(f, 30) for f in futures)):
        if reply["type"] != "ack":
            raise RuntimeError(f"facilitator command refused: {reply}")
    return starts


async def fanout_rounds(
    pool: Pool, fac: list[Facilitator], rounds: int, warmup: int = 2, rate: float = 0.0
) -> dict[str, Any]:
    """Each round every facilitator opens a poll. Closed loop (rate 0): the next push waits until
    every phone has the last one (or 30 s). Open loop: `rate` pushes a second regardless, then
    5 s for the last to land. Returns delivery latencies (s) to every phone over the measured
    rounds, the first phone's latency in each round, and how many updates arrived."""
    before = await pool.all({"cmd": "updates"})
    already = [len(u) for r in before for u in r["updates"]]
    base = min(already) if already else 0
    if rate:
        starts = await _push_open_loop(fac, warmup + rounds, rate)
        await pool.all({"cmd": "wait_updates", "per_client": base + warmup + rounds, "seconds": 5})
    else:
        starts = []
        for n in range(warmup + rounds):
            t0 = time.monotonic()
            await asyncio.gather(*(command(f, {"type": "open", "activity": poll(n)}) for f in fac))
            await pool.all({"cmd": "wait_updates", "per_client": base + n + 1})
            starts.append(t0)
    replies = await pool.all({"cmd": "updates"})
    latencies: list[float] = []
    delivered = 0
    first = [float("inf")] * rounds
    for reply in replies:
        for arrivals in reply["updates"]:
            # An update lost in the open loop shifts the rest: counted as missing, not timed apart.
            measured = arrivals[base + warmup : base + warmup + rounds]
            delivered += len(measured)
            for n, at in enumerate(measured):
                took = at - starts[warmup + n]
                latencies.append(took)
                first[n] = min(first[n], took)
    if os.environ.get("BENCH_DEBUG"):
        print("first per round (ms):", [round(w * 1000, 2) for w in first], file=sys.stderr)
    return {
        "latencies": latencies,
        "first": [f for f in first if f != float("inf")],
        "delivered": delivered,
    }
