"""Soak: participants who keep dropping and coming back, for minutes, against a real `hearth serve`
on its own Redis. Not part of CI (it takes as long as you ask it to).

    .venv/bin/python bench/soak.py --minutes 10 --participants 300 --server-cpu 0 --load-cpu 1

Each simulated phone joins, answers the live poll, stays 30-120 s, drops its socket and comes back
with its token (resending its answer with the same ballot, as the pages do). The facilitator opens
a new poll every minute and checks that each one's tally equals the phones that got an ack. Every
few seconds the server's RSS, open descriptors and Redis key count are sampled; at the end the room
is ended and Redis must hold no key. Prints one JSON summary (and each sample with --verbose).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import websockets
from redis.asyncio import Redis

ROOT = Path(__file__).resolve().parent.parent
POLL_OPTIONS = ["Honesty", "Patience", "Rest", "Time"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def pinned(cpu: str | None, args: list[str]) -> list[str]:
    taskset = shutil.which("taskset")
    return [taskset, "-c", cpu, *args] if cpu and taskset else args


@dataclass
class Totals:
    connects: int = 0
    reconnects: int = 0
    acks: int = 0
    resent: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    acked: dict[str, set[str]] = field(default_factory=dict)  # activity -> tokens acked

    def error(self, code: str) -> None:
        self.errors[code] = self.errors.get(code, 0) + 1


class Phone:
    """One participant: its token and, per activity, the ballot it answered with."""

    def __init__(self, url: str, origin: str, code: str, totals: Totals) -> None:
        self.url, self.origin, self.code, self.totals = url, origin, code, totals
        self.token: str | None = None
        self.ballots: dict[str, str] = {}
        self.unacked: dict[int, str] = {}  # request id -> activity
        self.next_id = 1
        self.ended = False

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set() and not self.ended:
            stay = random.uniform(30, 120)
            try:
                await self._session(stay, stop)
            except websockets.ConnectionClosed as exc:
                code = exc.rcvd.code if exc.rcvd else None
                self.totals.error(f"dropped:{code}")
            except (OSError, TimeoutError) as exc:
                self.totals.error(f"dropped:{type(exc).__name__}")
            if not stop.is_set() and not self.ended:
                await asyncio.sleep(random.uniform(0.2, 3.0))  # a phone waking up

    async def _session(self, stay: float, stop: asyncio.Event) -> None:
        async with websockets.connect(
            self.url,
            origin=self.origin,  # type: ignore[arg-type]
            compression=None,
            max_size=2**22,
            open_timeout=10,
        ) as ws:
            self.totals.connects += 1
            if self.token:
                self.totals.reconnects += 1
            hello = {"type": "hello", "role": "participant", "code": self.code}
            if self.token:
                hello["credential"] = self.token
            await ws.send(json.dumps(hello))
            view: dict[str, Any] = {}
            deadline = time.monotonic() + stay
            while not stop.is_set():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return
                try:
                    raw = await asyncio.wait_for(ws.recv(), min(remaining, 1.0))
                except TimeoutError:
                    continue
                message = json.loads(raw)
                kind = message["type"]
                if kind == "welcome":
                    self.token = message.get("token") or self.token
                elif kind == "snapshot":
                    view = message["view"]
                    self.unacked.clear()  # a fresh start: resend what is not stored
                    await self._answer(ws, view, resend=True)
                elif kind == "update":
                    view.update(message["changes"])
                    await self._answer(ws, view, resend=False)
                elif kind == "ack":
                    activity = self.unacked.pop(message["id"], None)
                    if activity is not None and self.token is not None:
                        self.totals.acks += 1
                        self.totals.acked.setdefault(activity, set()).add(self.token)
                elif kind == "error":
                    self.unacked.pop(message.get("id"), None)
                    self.totals.error(message["code"])
                elif kind == "ended":
                    self.ended = True
                    return

    async def _answer(self, ws: Any, view: dict[str, Any], resend: bool) -> None:
        activity = view.get("activity")
        if not activity or activity["status"] != "open":
            return
        aid = activity["id"]
        acked = self.token is not None and self.token in self.totals.acked.get(aid, set())
        if acked or (aid in self.ballots and not resend) or aid in self.unacked.values():
            return
        if aid in self.ballots:
            self.totals.resent += 1
        ballot = self.ballots.setdefault(aid, secrets.token_urlsafe(16))
        request_id, self.next_id = self.next_id, self.next_id + 1
        self.unacked[request_id] = aid
        option = random.randrange(len(POLL_OPTIONS))
        await ws.send(
            json.dumps(
                {
                    "type": "answer",
                    "id": request_id,
                    "activity": aid,
                    "ballot": ballot,
                    "value": {"kind": "choice", "option": option},
                }
            )
        )


class Facilitator:
    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.next_id = 1
        self.view: dict[str, Any] = {}
        self.last_progress: dict[str, Any] = {}

    async def command(self, body: dict[str, Any]) -> dict[str, Any]:
        request_id, self.next_id = self.next_id, self.next_id + 1
        await self.ws.send(json.dumps({**body, "id": request_id}))
        while True:
            message = json.loads(await asyncio.wait_for(self.ws.recv(), 30))
            self._track(message)
            if message.get("id") == request_id and message["type"] in ("ack", "error"):
                return message

    def _track(self, message: dict[str, Any]) -> None:
        if message["type"] == "snapshot":
            self.view = message["view"]
        elif message["type"] == "update":
            self.view.update(message["changes"])
        elif message["type"] == "progress":
            self.last_progress = message

    async def drain(self) -> None:
        with contextlib.suppress(TimeoutError):
            while True:
                self._track(json.loads(await asyncio.wait_for(self.ws.recv(), 0.05)))


def spawn(
    args: argparse.Namespace,
) -> tuple[Path, subprocess.Popen[bytes], subprocess.Popen[bytes], Any, int, str, str]:
    """A private redis-server (nothing on disk) and `hearth serve` on it, pinned if asked."""
    workdir = Path(tempfile.mkdtemp(prefix="hearth-soak-"))
    redis_port, port = free_port(), free_port()
    redis_proc = subprocess.Popen(
        pinned(
            args.server_cpu,
            [
                "redis-server",
                "--port",
                str(redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
        ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    redis_url = f"redis://127.0.0.1:{redis_port}/0"
    secret = secrets.token_urlsafe(24)
    env = {k: v for k, v in os.environ.items() if not k.startswith("HEARTH_")}
    env.update(HEARTH_HOST_SECRET=secret, HEARTH_PUBLIC_URL=f"http://127.0.0.1:{port}")
    log = (workdir / "server.log").open("wb")
    server = subprocess.Popen(
        pinned(
            args.server_cpu,
            [
                sys.executable,
                "-m",
                "server.cli",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--redis-url",
                redis_url,
                "--log-level",
                "warning",
            ],
        ),
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    return workdir, redis_proc, server, log, port, redis_url, secret


async def main(args: argparse.Namespace) -> dict[str, Any]:
    if args.load_cpu is not None:
        os.sched_setaffinity(0, {int(args.load_cpu)})
    workdir, redis_proc, server, log, port, redis_url, secret = spawn(args)
    base = f"http://127.0.0.1:{port}"
    redis = Redis.from_url(redis_url, socket_timeout=60)  # the machine may be busy: be patient
    try:
        async with httpx.AsyncClient(base_url=base) as http:
            for _ in range(200):
                with contextlib.suppress(httpx.HTTPError):
                    if (await http.get("/healthz")).status_code == 200:
                        break
                await asyncio.sleep(0.05)
            response = await http.post(
                "/api/rooms", headers={"Authorization": f"Bearer {secret}"}, json={"k": 5}
            )
            response.raise_for_status()
            room = response.json()
        return await run_soak(args, base, room, server.pid, redis)
    finally:
        await redis.aclose()
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
        redis_proc.terminate()
        redis_proc.wait(5)
        if args.verbose:
            print((workdir / "server.log").read_text()[-4000:], file=sys.stderr)
        shutil.rmtree(workdir, ignore_errors=True)


async def run_soak(
    args: argparse.Namespace, base: str, room: dict[str, Any], pid: int, redis: Redis
) -> dict[str, Any]:
    url = base.replace("http://", "ws://") + "/ws"
    ws = await websockets.connect(url, origin=base, compression=None, max_size=2**22)  # type: ignore[arg-type]
    await ws.send(
        json.dumps(
            {
                "type": "hello",
                "role": "facilitator",
                "code": room["code"],
                "credential": room["facilitator_credential"],
            }
        )
    )
    facilitator = Facilitator(ws)
    totals = Totals()
    polls: list[dict[str, Any]] = []

    async def open_poll(n: int) -> None:
        reply = await facilitator.command(
            {
                "type": "open",
                "activity": {"kind": "poll", "text": f"Soak poll {n}", "options": POLL_OPTIONS},
            }
        )
        assert reply["type"] == "ack", reply

    async def reveal_and_check() -> None:
        await facilitator.drain()
        live = facilitator.view.get("activity")
        reply = await facilitator.command({"type": "reveal"})
        assert reply["type"] == "ack", reply
        for _ in range(100):
            await facilitator.drain()
            if facilitator.view.get("results") is not None:
                break
        aid = live["id"] if live else "?"
        counted = int(  # every answer adds one to "n"
            await redis.zscore(f"hearth:{{{room['code']}}}:tally:{aid}", "n") or 0
        )
        answered = await redis.zcard(f"hearth:{{{room['code']}}}:who:{aid}")
        polls.append(
            {
                "activity": aid,
                "acked": len(totals.acked.get(aid, set())),
                "counted": counted,
                "who": answered,
            }
        )

    await open_poll(1)
    stop = asyncio.Event()
    phones = [Phone(url, base, room["code"], totals) for _ in range(args.participants)]
    tasks = []
    for phone in phones:  # arrive over a few seconds, as a room fills
        tasks.append(asyncio.create_task(phone.run(stop)))
        await asyncio.sleep(args.arrival / args.participants)

    samples: list[dict[str, Any]] = []
    started = time.monotonic()
    duration = args.minutes * 60
    next_poll = started + args.poll_every
    n = 1
    while (elapsed := time.monotonic() - started) < duration:
        sample = {
            "t": round(elapsed),
            "rss_kib": rss_kib(pid),
            "fds": open_fds(pid),
            "redis_keys": int(await redis.dbsize()),
            "connected": facilitator.last_progress.get("connected"),
            "connects": totals.connects,
        }
        samples.append(sample)
        if args.verbose:
            print(json.dumps(sample), file=sys.stderr, flush=True)
        if time.monotonic() >= next_poll:
            await reveal_and_check()
            n += 1
            await open_poll(n)
            next_poll += args.poll_every
        await facilitator.drain()
        await asyncio.sleep(args.sample_every)

    await reveal_and_check()
    reply = await facilitator.command({"type": "end"})
    receipt = None
    with contextlib.suppress(TimeoutError, websockets.ConnectionClosed):
        while receipt is None:
            message = json.loads(await asyncio.wait_for(ws.recv(), 10))
            if message["type"] == "ended":
                receipt = message.get("receipt")
    stop.set()
    await asyncio.wait(tasks, timeout=15)
    for task in tasks:
        task.cancel()
    await ws.close()
    await asyncio.sleep(2.0)  # presence writes after sockets close must not bring keys back
    keys_after = int(await redis.dbsize())
    room_keys_after = len([k async for k in redis.scan_iter(match=f"hearth:{{{room['code']}}}:*")])
    fds_after = open_fds(pid)
    rss_after = rss_kib(pid)

    warm = [s for s in samples if s["t"] >= args.warmup]
    rss = [s["rss_kib"] for s in warm] or [0]
    fds = [s["fds"] for s in warm] or [0]
    return {
        "participants": args.participants,
        "minutes": args.minutes,
        "connects": totals.connects,
        "reconnects": totals.reconnects,
        "acks": totals.acks,
        "resent_answers": totals.resent,
        "errors": totals.errors,
        "polls": polls,
        "every_poll_counted_once": all(p["counted"] == p["acked"] == p["who"] for p in polls),
        "rss_kib_after_warmup": {
            "first": rss[0],
            "min": min(rss),
            "max": max(rss),
            "last": rss[-1],
        },
        "rss_spread_pct": spread(rss),
        "rss_spread_pct_by_warmup": {
            str(w): spread([s["rss_kib"] for s in samples if s["t"] >= w] or [0])
            for w in (60, 120, 180, 240, 300)
        },
        "fds_after_warmup": {"min": min(fds), "max": max(fds), "last": fds[-1]},
        # all keys, and the room's; the only other key is the host start ticket `hearth serve`
        # mints at start (it expires unused after start_link_ttl_seconds)
        "after_end": {
            "redis_keys": keys_after,
            "room_keys": room_keys_after,
            "fds": fds_after,
            "rss_kib": rss_after,
        },
        "receipt": receipt,
        "end_ack": reply.get("type"),
        "samples": len(samples),
    }


def spread(values: list[int]) -> float:
    return round(100 * (max(values) - min(values)) / max(min(values), 1), 1)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--participants", type=int, default=300)
    parser.add_argument(
        "--warmup", type=float, default=240.0, help="seconds before comparing (two stay cycles)"
    )
    parser.add_argument("--poll-every", type=float, default=60.0)
    parser.add_argument("--sample-every", type=float, default=5.0)
    parser.add_argument("--arrival", type=float, default=10.0, help="seconds for everyone to join")
    parser.add_argument("--server-cpu", default=None, help="pin redis and the server (taskset)")
    parser.add_argument("--load-cpu", default=None, help="pin this load generator")
    parser.add_argument("--verbose", action="store_true")
    return parser.parse_args(argv)


if __name__ == "__main__":
    summary = asyncio.run(main(parse()))
    print(json.dumps(summary, indent=2))
