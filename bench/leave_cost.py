"""What a phone's Leave with an answer costs on Redis: the answer's withdrawal and the leave
awaited one after the other (two round trips), or made in one turn as server/service/rooms.py
does (one pipeline). `python -m bench.leave_cost` starts its own redis-server on CPU 1, runs on
CPU 0, alternates the two ways 400 times each and prints the median and p90 of each."""

from __future__ import annotations

import asyncio
import os
import secrets
import statistics
import time

from server.domain.activities import TRACKS
from server.domain.codes import digest
from server.store.base import Sides, person_tags
from server.store.redis import RedisStore
from tests.support import RedisServer
from tests.test_store import TTL, make_room, open_activity

N = 400

async def main() -> None:
    server = RedisServer().start()
    assert server.process is not None
    os.sched_setaffinity(server.process.pid, {1})
    os.sched_setaffinity(0, {0})
    store = RedisStore(server.url, timeout=2.0)
    await store.start()
    try:
        code, _ = await make_room(store)
        await open_activity(store, code)
        results: dict[str, list[float]] = {"sequential": [], "one turn": []}
        for rnd in range(2 * N):
            token, secret = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
            who = digest(token)
            assert await store.join(code, who, 100000, TTL) == "ok"
            sides = Sides(person_tags(token, TRACKS), secret, TRACKS)
            ballot = secrets.token_hex(32)
            await store.submit(code, "a1", who, ballot, ["n", "o:0"], None, TTL, sides)
            mode = "sequential" if rnd % 2 == 0 else "one turn"
            t0 = time.perf_counter()
            if mode == "sequential":
                await store.withdraw(code, "a1", who, ballot, TTL, sides)
                await store.leave(code, who)
            else:
                await asyncio.gather(
                    store.withdraw(code, "a1", who, ballot, TTL, sides), store.leave(code, who)
                )
            results[mode].append((time.perf_counter() - t0) * 1e6)
            assert await store.answered(code, "a1") == 0
        for mode, xs in results.items():
            p90 = statistics.quantiles(xs, n=10)[8]
            median = statistics.median(xs)
            print(f"{mode:10s} median {median:7.1f} us  p90 {p90:7.1f} us  (n={len(xs)})")
    finally:
        await store.stop()
        server.stop()

if __name__ == "__main__":
    asyncio.run(main())
