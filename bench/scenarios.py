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
    got = await fanout_rounds(pool, [fac], args.rounds, warmup=WARMUP, rate=args.rate)
    expected = joined["joined"] * args.rounds
    out = {
        **_joined(joined),
        "rounds": args.rounds,
        "loop": f"open, {args.rate} pushes/s" if args.rate else "closed",
        "delivered": got["delivered"],
        "expected": expected,
        "missing": expected - got["delivered"],
        "latency_ms": percentiles(got["latencies"]),
        "first_ms": percentiles(got["first"]),  # over rounds: the first phone to get each push
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
        got = await fanout_rounds(pool, facs, 1, warmup=0 if n else 1)
        latencies += got["latencies"]
        delivered += got["delivered"]
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
        "missing": joined["joined"] * args.rounds - delivered + errors,
        "latency_ms": percentiles(latencies),
        "answers": answers,
        "answer_errors": errors,
        "ack_ms": percentiles(acks),
        **meter.figures("delivery_and_answer", joined["joined"] * (args.rounds + 1) + answers),
    }


async def _answer_round(pool: Pool, aid: str, times: int, options: int) -> list[dict[str, Any]]:
    offset, cmds = 0, []
    for size in await pool.all({"cmd": "status"}):
        cmds.append(
            {"cmd": "answer", "activity": aid, "times": times, "options": options,
             "index": offset}
        )  # fmt: skip
        offset += size["open"]
    return await pool.each(cmds)


async def ingest(target: Target, pool: Pool, args: Namespace) -> dict[str, Any]:
    """Changes of mind (default): N participants answer one poll `answers` times each, as fast
    as acks come back. First answers (--first): `answers` polls in turn, each answered once by
    every participant, timed over the answering only. Then the facilitator reveals and we time
    how long after the last ack the exact tally is shown."""
    room = target.create_room()
    fac = await facilitator(target, room)
    assert isinstance(fac, wsclient.Client), "ingest needs acks and a tally (not nchan)"
    joined = await join_all(pool, target, [room["code"]] * args.participants)
    options = 3
    rounds, times = (args.answers, 1) if args.first else (1, args.answers)
    meter = Meter(target, pool)
    replies: list[dict[str, Any]] = []
    window = acks = answer_errors = 0
    latencies: list[float] = []
    samples: set[str] = set()
    for _ in range(rounds):
        await fanout_rounds(pool, [fac], 1, warmup=0)  # a new poll, on every screen
        aid = fac.view["activity"]["id"]
        replies = await _answer_round(pool, aid, times, options)
        window += max(r["last_ack"] for r in replies) - min(r["first_send"] for r in replies)
        acks += sum(r["acks"] for r in replies)
        answer_errors += sum(r["errors"] for r in replies)
        latencies += [x for r in replies for x in r["latencies"]]
        samples |= {s for r in replies for s in r["error_samples"]}
    figures = meter.figures("answer", acks)
    revealed = asyncio.get_running_loop().create_future()

    def on_update(client: wsclient.Client, message: dict[str, Any], now: float) -> None:
        if client.view.get("results") and not revealed.done():
            revealed.set_result(now)

    fac.on_update = on_update
    last_ack = max(r["last_ack"] for r in replies)
    await command(fac, {"type": "reveal"})
    shown_at = await asyncio.wait_for(revealed, 30)
    finals = [sum(r["finals"][i] for r in replies) for i in range(options)]
    cells = fac.view["results"]["overall"]["cells"]
    shown = [c["count"] for c in cells]
    fac.close()
    return {
        **_joined(joined),
        "answers": acks,
        "kind": "first answers" if args.first else "changes of mind",
        "expected": joined["joined"] * args.answers,
        "missing": joined["joined"] * args.answers - acks,
        "answer_errors": answer_errors,
        "answer_error_samples": sorted(samples)[:5],
        "acks_per_second": round(acks / max(window, 1e-9)),
        "ack_ms": percentiles(latencies),
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
        "missing": joined["errors"],
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
    started = time.monotonic()
    joined = await join_all(pool, target, [room["code"]] * args.participants)
    join_seconds = time.monotonic() - started  # every phone joining as fast as it can
    await asyncio.sleep(args.hold)
    after = sum(rss_kib(p) for p in pids)
    status = await pool.all({"cmd": "status"})
    warm.close()
    return {
        **_joined(joined),
        "missing": joined["errors"] + sum(s["closed"] for s in status),
        "open_after_hold": sum(s["open"] for s in status),
        "closed_after_hold": sum(s["closed"] for s in status),
        "join_seconds": round(join_seconds, 3),
        "rss_before_kib": before,
        "rss_after_kib": after,
        "kib_per_connection": round((after - before) / max(joined["joined"], 1), 2),
    }


SCENARIOS = {"fanout": fanout, "rooms": rooms, "ingest": ingest, "storm": storm, "idle": idle}
