"""What an idle joined phone costs the server, and where: tracemalloc and /proc in one run.

python -m bench.memory [-n 2000] [--group lineno|filename] [--top 25]

Runs Hearth (memory store, the fast path, as `hearth serve` runs it) in this process with
tracemalloc on, joins N phones from load-generator processes (bench/worker.py) on the other
core, and prints VmRSS per phone from /proc next to Python's own allocations per phone, grouped
by where they were made. tracemalloc slows the server down and adds its own bookkeeping to RSS,
so the RSS figure to compare with other servers is the `idle` scenario's, not this one's.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import sys
import tracemalloc
from typing import Any

import uvicorn

from server.app import create_app
from server.cli import uvicorn_options
from server.settings import Settings

from .procs import HOST, SECRET, Target, free_port, raise_nofile, rss_kib
from .run import Pool, facilitator, join_all


async def profile(n: int, group: str, top: int, workers: int) -> dict[str, Any]:
    port = free_port()
    settings = Settings.from_env(
        {},
        host=HOST,
        port=port,
        host_secret=SECRET,
        public_url=f"http://{HOST}:{port}",
        max_participants=n + 10,
        max_sockets_per_room=n + 10,
        join_attempts_per_minute=1_000_000,
        log_level="warning",
    )
    server = uvicorn.Server(uvicorn.Config(create_app(settings), **uvicorn_options(settings)))
    serving = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 (uvicorn offers no event for it)
        await asyncio.sleep(0.05)
    target = Target("attached", "", port=port)
    target.secret = SECRET
    room = await asyncio.to_thread(target.create_room)
    fac = await facilitator(target, room)  # loads the room, so its cost is not counted
    async with Pool(workers) as pool:
        await join_all(pool, target, [room["code"]] * 20)  # first-use costs, not counted
        await asyncio.sleep(0.5)
        gc.collect()
        before, rss_before = tracemalloc.take_snapshot(), rss_kib(os.getpid())
        joined = await join_all(pool, target, [room["code"]] * n)
        await asyncio.sleep(1.0)
        gc.collect()
        after, rss_after = tracemalloc.take_snapshot(), rss_kib(os.getpid())
        count = joined["joined"]
        stats = after.compare_to(before, group)
        await pool.all({"cmd": "close"})
    fac.close()
    server.should_exit = True
    await serving
    python_bytes = sum(s.size_diff for s in stats)
    return {
        "phones": count,
        "join_errors": joined["errors"],
        "rss_kib_per_phone": round((rss_after - rss_before) / max(count, 1), 2),
        "python_kib_per_phone": round(python_bytes / 1024 / max(count, 1), 2),
        "top": [
            {
                "where": str(s.traceback[0]) if s.traceback else "?",
                "bytes_per_phone": round(s.size_diff / max(count, 1)),
                "blocks_per_phone": round(s.count_diff / max(count, 1), 2),
            }
            for s in stats[:top]
        ],
    }


def main() -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.memory", description=__doc__)
    ap.add_argument("-n", "--participants", type=int, default=2000)
    ap.add_argument("--group", choices=["lineno", "filename"], default="lineno")
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--server-cpus", default="0")
    ap.add_argument("--gen-cpus", default="1")
    args = ap.parse_args()
    raise_nofile()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {int(c) for c in args.server_cpus.split(",")})
    tracemalloc.start(1)
    import uvloop

    # The workers inherit this process's CPU: pin them by re-exec'ing through taskset.
    os.environ["BENCH_WORKER_CPUS"] = args.gen_cpus
    report = uvloop.run(profile(args.participants, args.group, args.top, args.workers))
    for key, value in report.items():
        if key != "top":
            print(f"{key}: {value}")
    print(f"{'bytes/phone':>12} {'blocks/phone':>13}  where")
    for row in report["top"]:
        print(f"{row['bytes_per_phone']:>12} {row['blocks_per_phone']:>13}  {row['where']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
