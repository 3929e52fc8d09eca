"""python -m bench SCENARIO [options] [--json]

Runs one scenario against each target in turn (the bare-websockets baseline first), with the
same clients, and prints one JSON object of figures with each target's ratio to the baseline.
See docs/performance.md for the commands behind the published table.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from typing import Any
from urllib.parse import urlsplit

import orjson

from . import procs
from .procs import Target, raise_nofile
from .run import Pool
from .scenarios import SCENARIOS
from .summary import summarise

DEFAULTS = {"fanout": 1000, "rooms": 20, "ingest": 1000, "storm": 2000, "idle": 2000}


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    ap.add_argument("scenario", choices=sorted(SCENARIOS))
    ap.add_argument("-n", "--participants", type=int, help="participants (per room for `rooms`)")
    ap.add_argument("--rooms", type=int, default=50, help="rooms (scenario `rooms`)")
    ap.add_argument("--rounds", type=int, default=20, help="activities pushed (fanout, rooms)")
    ap.add_argument("--answers", type=int, default=10, help="answers per participant (ingest)")
    ap.add_argument(
        "--first",
        action="store_true",
        help="ingest: first answers (--answers polls in turn, each answered once by everyone) "
        "instead of changes of mind on one poll",
    )
    ap.add_argument(
        "--rate",
        type=float,
        default=0.0,
        help="fanout: open loop, this many pushes a second regardless of acks and deliveries "
        "(0: closed loop, each push once every phone has the last)",
    )
    ap.add_argument("--seconds", type=float, default=3.0, help="join window (storm)")
    ap.add_argument("--hold", type=float, default=3.0, help="seconds held open (idle)")
    ap.add_argument(
        "--targets",
        default="baseline,memory",
        help="comma-separated: baseline (bare websockets), nchan (nginx + nchan, fanout, storm "
        "and idle only), memory, redis, redis2 (two processes on one Redis), "
        "cluster, cluster2, cluster2w (one or two processes on a 3+3 Redis Cluster; w: WAIT 1)",
    )
    ap.add_argument("--workers", type=int, default=4, help="load-generator processes")
    ap.add_argument(
        "--repeat", type=int, default=1, help="runs per target, interleaved; all are reported"
    )
    ap.add_argument("--server-cpus", default="0", help="taskset list for servers and Redis")
    ap.add_argument("--gen-cpus", default="1", help="CPUs for the load generator")
    ap.add_argument(
        "--nice",
        type=int,
        default=0,
        help="nice for the bench's whole process tree, e.g. -10 on a shared machine (root)",
    )
    ap.add_argument("--attach", default="", help="use a running Hearth at this http:// URL")
    ap.add_argument("--host-secret", default="", help="its host secret (with --attach)")
    ap.add_argument("--server-pid", type=int, action="append", default=[], help="(--attach)")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    return ap


async def run(args: argparse.Namespace) -> dict[str, Any]:
    scenario = SCENARIOS[args.scenario]
    kinds = ["attached"] if args.attach else [k.strip() for k in args.targets.split(",") if k]
    runs: dict[str, list[dict[str, Any]]] = {kind: [] for kind in kinds}
    for _ in range(args.repeat):  # targets interleaved, so background load hits each alike
        for kind in kinds:
            target = Target(kind, args.server_cpus)
            if args.attach:
                url = urlsplit(args.attach)
                target.host, target.port = url.hostname or "127.0.0.1", url.port or 80
                target.secret, target.attached_pids = args.host_secret, args.server_pid
            target.start()
            try:
                async with Pool(args.workers) as pool:
                    runs[kind].append(await scenario(target, pool, args))
            finally:
                target.stop()
    return {
        "scenario": args.scenario,
        "params": {
            k: getattr(args, k)
            for k in (
                "participants",
                "rooms",
                "rounds",
                "answers",
                "seconds",
                "hold",
                "workers",
                "repeat",
                "rate",
                "first",
            )
        },
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "server_cpus": args.server_cpus,
            "generator_cpus": args.gen_cpus,
            "load_average": [round(x, 2) for x in os.getloadavg()],
            "nice": args.nice,
        },
        **summarise(args.scenario, runs),
    }


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.participants is None:
        args.participants = DEFAULTS[args.scenario]
    files = raise_nofile()
    sockets = args.participants * (args.rooms if args.scenario == "rooms" else 1)
    if files < sockets + 20:  # the server inherits this limit; past it, accept() fails
        print(
            f"warning: the open-files limit is {files} (hard limit, not raisable here) and this "
            f"run needs {sockets} sockets and a few more files in one server process: phones past "
            "the limit will fail to join (1006)",
            file=sys.stderr,
        )
    if args.nice:
        procs.prioritise(args.nice)
    cpus = {int(c) for c in args.gen_cpus.split(",") if c.strip()} if args.gen_cpus else set()
    if cpus and hasattr(os, "sched_setaffinity") and cpus <= os.sched_getaffinity(0):
        os.sched_setaffinity(0, cpus)  # the worker processes inherit it
    import uvloop

    report = uvloop.run(run(args))
    if args.json:
        sys.stdout.write(orjson.dumps(report).decode() + "\n")
    else:
        sys.stdout.write(orjson.dumps(report, option=orjson.OPT_INDENT_2).decode() + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
