"""What one answer costs redis-server itself: its CPU per SUBMIT script call, Hearth left out.

`python -m bench.script_cost [--people 1000] [--rounds 10] [--merge 20] [--scripts FILE]` starts
its own redis-server (pinned with `--server-cpus`, 0 by default), fills a room of `--people`
people, and sends each person's answer `--rounds` times in one pipeline per round, as a burst of
answers arrives, `--merge` answers to each script call as Hearth's Batch merges them (1: one
call per answer): the first round is first answers, the others changes of mind (a random one of
four options each time, so some repeat). It prints one JSON object: redis-server's CPU time
(from INFO, user + system) per answer, for first answers and for changes of mind, and Redis's
own time per EVALSHA. `--scripts` measures another version of server/store/scripts.py (a copy
of an older commit's, say) against the same load.

`--commit` measures the COMMIT script instead: `--rounds` (3,000) commits of a room's document
back to back (each opens another activity, as a facilitator's `open` does; every 60th refreshes
the room's keys, as server/store/expiry.py asks at one commit a second): redis-server's CPU and
its own time per call. Scripts from before 2026-12-05 (seven arguments, every key refreshed
each time) are called with their own arguments.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import random
import secrets
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import orjson
from redis.asyncio import Redis

from bench.procs import HOST, free_port, pinned, wait_port
from server.domain.codes import digest
from server.domain.rooms import new_room
from server.store.base import channel, key, submit_keys


def load_scripts(path: str | None) -> ModuleType:
    if path is None:
        from server.store import scripts

        return scripts
    spec = importlib.util.spec_from_file_location("measured_scripts", Path(path))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def cpu_seconds(redis: Redis) -> float:
    info = await redis.info("cpu")
    return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])


async def measure(
    port: int, submit: str, people: int, rounds: int, merge: int = 1
) -> dict[str, Any]:
    redis = Redis(host=HOST, port=port)
    sha = await redis.script_load(submit)
    code = "BENCH1"
    keys = submit_keys(code, "a1")  # the keys Hearth's own calls name
    await redis.set(keys[0], "a1")
    who = [f"{i:064x}" for i in range(people)]
    await redis.zadd(keys[1], {w + "|" + secrets.token_hex(8): 0 for w in who})  # on no side
    tags = [orjson.dumps({"": secrets.token_hex(8)}) for _ in who]  # each ballot's, for no side
    per_call: list[float] = []
    for _ in range(rounds):
        before = await cpu_seconds(redis)
        answers = []
        for i, w in enumerate(who):
            cells = orjson.dumps(["n", f"o:{random.randrange(4)}"])
            score = random.randrange(2**52)
            answers.append(["a1", w, f"b{i:063x}", cells, "", 600, score, "0", b"{}", tags[i]])
        async with redis.pipeline(transaction=False) as pipe:
            for at in range(0, people, merge):
                args = [arg for answer in answers[at : at + merge] for arg in answer]
                pipe.evalsha(sha, len(keys), *keys, *args)
            replies = await pipe.execute()
        per_call.append((await cpu_seconds(redis) - before) / people * 1e6)
        # One reply per answer (a list of them per call); an older SUBMIT gave one per call.
        flat = [r for reply in replies for r in (reply if isinstance(reply[0], list) else [reply])]
        assert len(flat) == people and all(r[0] == b"stored" for r in flat), flat[:3]
    stats = (await redis.info("commandstats"))["cmdstat_evalsha"]
    await redis.aclose()
    changes = sorted(per_call[1:])
    return {
        "people": people,
        "rounds": rounds,
        "merge": merge,
        "first_answer_us": round(per_call[0], 2),
        "change_of_mind_us": round(changes[len(changes) // 2], 2) if changes else None,
        "evalsha_usec_per_call": float(stats["usec_per_call"]),
    }


async def measure_commit(port: int, commit: str, rounds: int) -> dict[str, Any]:
    redis = Redis(host=HOST, port=port)
    sha = await redis.script_load(commit)
    code = "BENCH2"
    keys = [key(code, "state"), key(code, "accepting"), key(code, "index")]
    doc = new_room(code, digest("f" * 20), digest("d" * 20), k=3, cap=100).model_dump_json()
    await redis.hset(keys[0], mapping={"v": 1, "doc": doc})
    await redis.sadd(keys[2], keys[0], key(code, "people"), key(code, "presence"))
    await redis.config_resetstat()
    before = await cpu_seconds(redis)
    for version in range(1, rounds + 1):
        activity = f"a{version % 2}"
        if "ARGV[8]" in commit:  # next version as text, and whether to refresh every key
            refresh = "1" if version % 60 == 1 else ""
            args = [version, version + 1, doc, activity, 600, channel(code), "P", refresh]
        else:
            args = [version, doc, activity, 600, channel(code), "P"]
        assert await redis.evalsha(sha, len(keys), *keys, *args) == 1
    spent = (await cpu_seconds(redis) - before) / rounds * 1e6
    stats = (await redis.info("commandstats"))["cmdstat_evalsha"]
    await redis.aclose()
    return {
        "commits": rounds,
        "document_bytes": len(doc),
        "commit_us": round(spent, 2),
        "evalsha_usec_per_call": float(stats["usec_per_call"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--rounds", type=int, help="10 rounds of answers; 3,000 commits")
    parser.add_argument("--merge", type=int, default=20, help="answers per script call")
    parser.add_argument("--scripts", help="another scripts.py to measure (default: this one)")
    parser.add_argument("--server-cpus", default="0")
    parser.add_argument("--commit", action="store_true", help="the COMMIT script, not SUBMIT")
    options = parser.parse_args()
    binary = shutil.which("redis-server")
    if binary is None:
        sys.exit("redis-server is needed: apt-get install redis-server")
    port = free_port()
    argv = [binary, "--port", str(port), "--bind", HOST, "--save", "", "--appendonly", "no"]
    process = subprocess.Popen(pinned(options.server_cpus, argv), stdout=subprocess.DEVNULL)
    try:
        wait_port(port, process, "redis-server")
        scripts = load_scripts(options.scripts)
        if options.commit:
            result = asyncio.run(measure_commit(port, scripts.COMMIT, options.rounds or 3000))
        else:
            rounds = options.rounds or 10
            load = measure(port, scripts.SUBMIT, options.people, rounds, options.merge)
            result = asyncio.run(load)
    finally:
        process.terminate()
        process.wait(10)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
