"""Processes that die or are stopped under their clients: `hearth serve` subprocesses on one Redis.

Nothing acknowledged is lost and nothing is counted twice: phones resend unacknowledged answers
with the same ballot to whichever process answers, and the tally equals the phones acked.
"""

from __future__ import annotations

import asyncio
import random
import signal
import time
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from tests.phones import Phone, percentile
from tests.support import Client, RedisServer, ServeProcess, eventually

POLL = {"kind": "poll", "text": "What helps most this week?", "options": ["Rest", "Talk", "Walk"]}


@pytest.fixture
async def redis() -> AsyncIterator[tuple[RedisServer, Redis]]:
    server = RedisServer().start()  # the test's own: nothing else shares its keys
    client = Redis.from_url(server.url)
    yield server, client
    await client.aclose()
    server.stop()


async def start_two(redis_url: str) -> tuple[ServeProcess, ServeProcess]:
    first = ServeProcess(redis_url).start(wait=False)
    second = ServeProcess(redis_url).start(wait=False)
    await asyncio.to_thread(first.wait_ready)
    await asyncio.to_thread(second.wait_ready)
    return first, second


async def tally(redis: Redis, code: str, activity: str) -> tuple[int, int, dict[str, int]]:
    """(answers counted, participants in "who", count per option) straight from Redis."""
    raw = await redis.zrange(f"hearth:{{{code}}}:tally:{activity}", 0, -1, withscores=True)
    cells = {k.decode(): int(v) for k, v in raw}
    who = int(await redis.zcard(f"hearth:{{{code}}}:who:{activity}"))
    return cells.get("n", 0), who, cells


async def open_poll(server: ServeProcess, room: dict[str, str]) -> tuple[Client, str]:
    facilitator = await Client.connect(
        server.ws_url,
        role="facilitator",
        code=room["code"],
        credential=room["facilitator_credential"],
    )
    await facilitator.expect("snapshot")
    assert (await facilitator.command({"type": "open", "activity": POLL}))["type"] == "ack"
    view = await facilitator.until_view(lambda v: v["activity"] is not None)
    return facilitator, view["activity"]["id"]


async def test_kill_9_mid_burst_loses_nothing_and_counts_once(
    redis: tuple[RedisServer, Redis],
) -> None:
    redis_server, store = redis
    first, second = await start_two(redis_server.url)
    try:
        room = await first.create_room(k=5)
        facilitator, activity = await open_poll(second, room)
        urls = [first.ws_url, second.ws_url]
        phones = [Phone(urls, room["code"], first=i % 2) for i in range(200)]
        await asyncio.gather(*(p.connect() for p in phones))
        on_first = [p for p in phones if p.url == first.ws_url]
        assert len(on_first) == 100, [p.errors for p in phones if p.errors]

        choices = [random.randrange(3) for _ in phones]

        async def answer(phone: Phone, option: int) -> None:
            await asyncio.sleep(random.uniform(0, 1.0))  # a burst, not one instant
            await phone.answer_until_acked(option, timeout=30)

        burst = [asyncio.create_task(answer(p, c)) for p, c in zip(phones, choices, strict=True)]
        # kill -9 the first process once a few of its phones have their ack, the rest in flight
        await eventually(lambda: sum(p.acked_via == first.ws_url for p in on_first) >= 15, 20)
        assert first.process is not None
        first.process.kill()
        killed_at = time.monotonic()
        await asyncio.wait_for(asyncio.gather(*burst), 30)

        acked = {p.token for p in phones if p.acked_via is not None}
        counted, who, cells = await tally(store, room["code"], activity)
        assert len(acked) == 200
        assert counted == who == len(acked)  # exactly once each
        for option in range(3):
            assert cells.get(f"o:{option}", 0) == choices.count(option)
        # the first process really died mid-burst: some phones had to come back elsewhere
        moved = [p for p in phones if p.back_at is not None]
        assert moved and all(p.acked_via == second.ws_url for p in moved)
        resent = sum(p.sends > 1 for p in phones)
        back = [p.back_at - killed_at for p in moved if p.back_at is not None]
        print(
            f"\nkill -9 mid-burst: {len(moved)} phones came back on the other process, "
            f"{resent} resent their answer; back within p50 {percentile(back, 0.5):.3f} s, "
            f"p95 {percentile(back, 0.95):.3f} s, max {max(back):.3f} s; "
            f"tally {counted} = acked {len(acked)}"
        )
        await facilitator.close()
        await asyncio.gather(*(p.close() for p in phones))
    finally:
        first.stop()
        second.stop()


async def test_sigterm_says_reconnect_finishes_acks_and_exits_cleanly(
    redis: tuple[RedisServer, Redis],
) -> None:
    redis_server, store = redis
    first, second = await start_two(redis_server.url)
    try:
        room = await first.create_room(k=5)
        facilitator, activity = await open_poll(second, room)
        display = await Client.connect(
            first.ws_url, role="display", code=room["code"], credential=room["display_credential"]
        )
        await display.expect("snapshot")
        phones = [Phone([first.ws_url, second.ws_url], room["code"]) for _ in range(30)]
        await asyncio.gather(*(p.connect() for p in phones))
        assert all(p.url == first.ws_url for p in phones)

        # Hold Redis writes so answers are really in flight (awaiting their store write)
        # when SIGTERM arrives; the drain must wait for them and write their acks.
        await store.execute_command("CLIENT", "PAUSE", "700", "WRITE")
        answering = [asyncio.create_task(p.answer_until_acked(i % 3)) for i, p in enumerate(phones)]
        for _ in range(1000):  # until the server's writes are waiting on the paused Redis
            in_flight = int((await store.info("clients"))["blocked_clients"])
            if in_flight >= 10:
                break
            await asyncio.sleep(0.005)
        assert first.process is not None
        first.process.send_signal(signal.SIGTERM)
        stopped_at = time.monotonic()
        told = await display.expect("reconnect", timeout=5)
        assert told["type"] == "reconnect"
        code = await asyncio.to_thread(first.process.wait, 10)
        took = time.monotonic() - stopped_at
        assert code == 0
        assert took < 10
        # every answer acked by the stopping process is stored
        acked_there = [p for p in phones if p.acked_via == first.ws_url]
        counted, _, _ = await tally(store, room["code"], activity)
        assert counted >= len(acked_there)
        assert len(acked_there) >= 5  # answers held in flight at SIGTERM still got their ack
        for phone in acked_there:  # told to reconnect (before or after its ack), then closed
            rest = [m["type"] for m in await phone.drain_until_closed()]
            assert phone.told_reconnect or "reconnect" in rest

        await asyncio.wait_for(asyncio.gather(*answering), 20)
        counted, who, _ = await tally(store, room["code"], activity)
        assert counted == who == 30  # the rest were resent elsewhere, each counted once
        still_open = [p for p in phones if p.acked_via == second.ws_url]
        assert all(p.told_reconnect for p in still_open)  # a message, not just a dropped socket
        print(
            f"\nSIGTERM: exit 0 after {took:.2f} s; {in_flight} writes held in flight, "
            f"{len(acked_there)} answers acked before "
            f"exit, {len(still_open)} resent to the other process"
        )
        await facilitator.close()
        await asyncio.gather(*(p.close() for p in phones))
    finally:
        output = first.stop()
        second.stop()
    assert "Traceback" not in output, output


async def test_a_killed_process_stops_counting_within_seconds(
    redis: tuple[RedisServer, Redis],
) -> None:
    """The console's "here" count: the phones of a process killed with -9 come back on the
    other process, and the dead process's count stops counting within about five seconds."""
    redis_server, _ = redis
    first, second = await start_two(redis_server.url)
    try:
        room = await first.create_room(k=5)
        facilitator, _ = await open_poll(second, room)
        urls = [first.ws_url, second.ws_url]
        phones = [Phone(urls, room["code"], first=i % 2) for i in range(20)]
        await asyncio.gather(*(p.connect() for p in phones))
        await facilitator.expect_where(lambda m: m["type"] == "progress" and m["connected"] == 20)
        assert first.process is not None
        first.process.kill()
        killed_at = time.monotonic()
        orphans = [p for p in phones if p.url == first.ws_url]
        for phone in orphans:  # as the phone page does: the next address, same token
            phone.index += 1
        await asyncio.gather(*(p.connect() for p in orphans))
        assert all(p.url == second.ws_url for p in phones)
        facilitator.inbox.clear()
        right_at = None
        while True:  # progress comes at least once a second; judge the first after 6 s
            message = await facilitator.expect("progress", 5)
            now = time.monotonic() - killed_at
            if message["connected"] == 20 and right_at is None:
                right_at = now
            elif message["connected"] != 20:
                right_at = None
            if now >= 6.0:
                break
        assert message["connected"] == 20, message  # not 30: the dead process's 10 are gone
        assert right_at is not None
        print(f"\nkill -9: the console counted 20 here again {right_at:.1f} s after the kill")
        await facilitator.close()
        await asyncio.gather(*(p.close() for p in phones))
    finally:
        first.stop()
        second.stop()
