"""The scenarios. Each takes a started target and a worker pool and returns one dict of figures."""

from __future__ import annotations

import asyncio
import time
from argparse import Namespace
from typing import Any

from . import client as wsclient
from .procs import Target, rss_kib
from .run import (
    Meter,
    Pool,
    command,
    facilitator,
    fanout_rounds,
    join_all,
    percentiles,
)

WARMUP = 2  # rounds pushed before measuring (first-use costs); their CPU counts per delivery


def _joined(result: dict[str, Any]) -> dict[str, Any]:
    return {
        "joined": result["joined"],
        "join_errors": result["errors"],
        "join_error_samples": result["error_samples"],
    }


async def fanout(target: Target, pool: Pool, args: Namespace) -> dict[str, Any]:
    """N participants in one room; the facilitator opens a poll, `rounds` times."""
    room = target.create_room()
    fac = await facilitator(target, room)
    joined = await join_all(pool, target, [room["code"]] * args.participants)
    meter = Meter(target, pool)
    latencies, delivered = await fanout_rounds(pool, [fac], args.rounds, warmup=WARMUP)
    out = {
        **_joined(joined),
        "rounds": args.rounds,
        "delivered": delivered,
        "expected": joined["joined"] * args.rounds,
        "latency_ms": percentiles(latencies),
        **meter.figures("delivery", joined["joined"] * (args.rounds + WARMUP)),
    }
    fac.close()
    return out


async def rooms(target: Target, pool: Pool, args: Namespace) -> dict[str, Any]:
    """M rooms of n participants, all active: every facilitator opens a poll at once, then every
    participant answers it, `rounds` times."""
    made = [target.create_room() for _ in range(args.rooms)]
    facs = list(await asyncio.gather(*(facilitator(target, r) for r in made)))
    codes = [r["code"] for r in made for _ in range(args.participants)]
    joined = await join_all(pool, target, codes)
    meter = Meter(target, pool)
    latencies: list[float] = []
    acks: list[float] = []
    delivered = answers = errors = 0
    for n in range(args.rounds):
        lat, got = await fanout_rounds(pool, facs, 1, warmup=0 if n else 1)
        latencies += lat
        delivered += got
        activity = {r["code"]: f.view["activity"]["id"] for r, f in zip(made, facs, strict=True)}
        replies = await pool.all(
            {"cmd": "answer", "activities": activity, "times": 1, "options": 3}
        )
        for reply in replies:
            acks += reply["latencies"]
            answers += reply["acks"]
            errors += reply["errors"]
    return {
        **_joined(joined),
        "rounds": args.rounds,
        "delivered": delivered,
        "expected": joined["joined"] * args.rounds,
        "latency_ms": percentiles(latencies),
        "answers": answers,
        "answer_errors": errors,
        "ack_ms": percentiles(acks),
        **meter.figures("delivery_and_answer", joined["joined"] * (args.rounds + 1) + answers),
    }


async def ingest(target: Target, pool: Pool, args: Namespace) -> dict[str, Any]:
    """N participants answer `answers` times each, as fast as acks come back; then the
    facilitator reveals and we time how long after the last ack the exact tally is shown."""
    room = target.create_room()
    fac = await facilitator(target, room)
    joined = await join_all(pool, target, [room["code"]] * args.participants)
    options = 3
    await fanout_rounds(pool, [fac], 1, warmup=0)
    aid = fac.view["activity"]["id"]
    meter = Meter(target, pool)
    offset, cmds = 0, []
    for size in await pool.all({"cmd": "status"}):
        cmds.append(
            {"cmd": "answer", "activity": aid, "times": args.answers, "options": options,
             "index": offset}
        )  # fmt: skip
        offset += size["open"]
    replies = await pool.each(cmds)
    figures = meter.figures("answer", sum(r["acks"] for r in replies))
    revealed = asyncio.get_running_loop().create_future()

    def on_update(client: wsclient.Client, message: dict[str, Any], now: float) -> None:
        if client.view.get("results") and not revealed.done():
            revealed.set_result(now)

    fac.on_update = on_update
    last_ack = max(r["last_ack"] for r in replies)
    first_send = min(r["first_send"] for r in replies)
    await command(fac, {"type": "reveal"})
    shown_at = await asyncio.wait_for(revealed, 30)
    finals = [sum(r["finals"][i] for r in replies) for i in range(options)]
    cells = fac.view["results"]["overall"]["cells"]
    shown = [c["count"] for c in cells]
    acks = sum(r["acks"] for r in replies)
    fac.close()
    return {
        **_joined(joined),
        "answers": acks,
        "expected": joined["joined"] * args.answers,
        "answer_errors": sum(r["errors"] for r in replies),
        "answer_error_samples": sorted({s for r in replies for s in r["error_samples"]})[:5],
        "acks_per_second": round(acks / max(last_ack - first_send, 1e-9)),
        "ack_ms": percentiles([x for r in replies for x in r["latencies"]]),
        "tally_expected": finals,
        "tally_shown": shown,
        "tally_exact": shown == finals,
        "tally_exact_after_last_ack_ms": round((shown_at - last_ack) * 1000, 2),
        **figures,
    }


async def storm(target: Target, pool: Pool, args: Namespace) -> dict[str, Any]:
    """N participants join one room within `seconds`."""
    room = target.create_room()
    meter = Meter(target, pool)
    started = time.monotonic()
    joined = await join_all(
        pool, target, [room["code"]] * args.participants, rate=args.participants / args.seconds
    )
    took = time.monotonic() - started
    return {
        **_joined(joined),
        "offered_per_second": round(args.participants / args.seconds),
        "joins_per_second": round(joined["joined"] / took),
        "join_ms": percentiles(joined["latencies"]),
        **meter.figures("join", joined["joined"]),
    }


async def idle(target: Target, pool: Pool, args: Namespace) -> dict[str, Any]:
    """N idle participant sockets: server memory per connection (VmRSS before and after)."""
    room = target.create_room()
    warm = await facilitator(target, room)  # loads the room, so its cost is not counted
    await asyncio.sleep(1.0)
    pids = target.pids
    before = sum(rss_kib(p) for p in pids)
    joined = await join_all(pool, target, [room["code"]] * args.participants)
    await asyncio.sleep(args.hold)
    after = sum(rss_kib(p) for p in pids)
    status = await pool.all({"cmd": "status"})
    warm.close()
    return {
        **_joined(joined),
        "open_after_hold": sum(s["open"] for s in status),
        "closed_after_hold": sum(s["closed"] for s in status),
        "rss_before_kib": before,
        "rss_after_kib": after,
        "kib_per_connection": round((after - before) / max(joined["joined"], 1), 2),
    }


SCENARIOS = {"fanout": fanout, "rooms": rooms, "ingest": ingest, "storm": storm, "idle": idle}
