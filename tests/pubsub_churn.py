"""Rooms opening and closing on a process while its pub/sub connections drop, on one Redis and on a
Redis Cluster: the part of those two tests that is the same."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from server.store.redis import RedisStore

ROUNDS = 20


async def churn_rooms(
    store: RedisStore,
    kill_pubsub: Callable[[], Awaitable[object]],
    subscribers: Callable[[str], Awaitable[int]],
) -> dict[str, asyncio.Queue[bytes]]:
    """Open three rooms at once and close one of them, ROUNDS times, each round just after Redis
    dropped every pub/sub connection (none, if one is still being re-made). Then every subscribe
    has returned, every open room is subscribed exactly once and hears its publication, and no
    closed room is subscribed anywhere. Returns the open rooms' inboxes."""
    inboxes: dict[str, asyncio.Queue[bytes]] = {}

    async def open_room(code: str) -> None:
        inboxes[code] = asyncio.Queue()
        await store.subscribe(code, inboxes[code].put_nowait)

    await open_room("CDFGHJ")
    for round_ in range(ROUNDS):
        await kill_pubsub()
        codes = [f"R{round_:02d}X{i}" for i in range(3)]
        await asyncio.gather(*(open_room(code) for code in codes))
        await store.unsubscribe(codes[0])
        del inboxes[codes[0]]
    # Redis announces no re-subscription: ask it until every open room is subscribed.
    deadline = asyncio.get_running_loop().time() + 15
    while [await subscribers(code) for code in inboxes] != [1] * len(inboxes):
        assert asyncio.get_running_loop().time() < deadline, "not every room re-subscribed"
        await asyncio.sleep(0.02)
    for code, inbox in inboxes.items():
        await store.publish(code, b"to " + code.encode())
        assert await asyncio.wait_for(inbox.get(), 5) == b"to " + code.encode()
    assert [await subscribers(f"R{r:02d}X0") for r in range(ROUNDS)] == [0] * ROUNDS
    return inboxes


async def settled(count: Callable[[], Awaitable[int]], expected: int) -> int:
    """A count of Redis's clients once it is `expected`, or after two seconds: Redis notices a
    connection the process closed on one of its next turns, not before it answers the probe."""
    for _ in range(100):
        now = await count()
        if now == expected:
            break
        await asyncio.sleep(0.02)
    return now
