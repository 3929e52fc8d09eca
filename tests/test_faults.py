"""Faults between Hearth and Redis that do not close anything: a Redis that freezes (SIGSTOP), a
slow link (a delay line on loopback), connections cut mid-command. Each says what every screen
sees and when, and that nothing acknowledged is lost. (A process killed under its phones:
tests/test_resilience_process.py; Redis restarted or unreachable: tests/test_resilience_redis.py.)
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import websockets
from redis.asyncio import Redis

from tests.proxy import Proxy
from tests.support import QUICK_BEAT, Client, LiveServer, RedisServer

POLL = {"kind": "poll", "text": "What helps most this week?", "options": ["Rest", "Talk", "Walk"]}
ONE_BEAT = QUICK_BEAT + 1.0  # "within one heartbeat", with a second for the machine
# Every store call has a one-second deadline; an error frame, or /healthz, is due well within
# two (the test allows three for a loaded machine). Without deadlines they wait for as long as
# Redis stays silent, which these tests outlast.
DEADLINE = 3.0


@dataclass
class Room:
    live: LiveServer
    code: str
    aid: str
    facilitator: Client
    display: Client
    phones: list[Client]

    @property
    def screens(self) -> list[Client]:
        return [self.facilitator, self.display, *self.phones]


def answer(aid: str, ballot: str, option: int = 0) -> dict[str, Any]:
    return {
        "type": "answer",
        "activity": aid,
        "ballot": ballot,
        "value": {"kind": "choice", "option": option},
    }


async def open_room(live: LiveServer, phones: int) -> Room:
    room = await live.create_room(k=3)
    facilitator = await Client.join(live, room, "facilitator")
    display = await Client.join(live, room, "display")
    people = [await Client.join(live, room, "participant") for _ in range(phones)]
    await facilitator.command({"type": "open", "activity": POLL})
    view = await people[-1].until_view(lambda v: v["activity"] is not None)
    return Room(live, room["code"], view["activity"]["id"], facilitator, display, people)


async def counted(redis_url: str, code: str, aid: str) -> tuple[int, int]:
    """(answers in the tally, people in "who") read straight from Redis."""
    redis = Redis.from_url(redis_url)
    try:
        n = await redis.zscore(f"hearth:{{{code}}}:tally:{aid}", "n")
        who = await redis.zcard(f"hearth:{{{code}}}:who:{aid}")
        return int(n or 0), int(who)
    finally:
        await redis.aclose()


async def told_unavailable(client: Client, timeout: float) -> None:
    await client.expect_where(
        lambda m: m["type"] == "error" and m["code"] == "unavailable" and m["id"] is None,
        timeout,
    )


async def rejoin(room: Room) -> Room:
    """Every screen was told to reconnect: come back with the same credentials."""
    live, code = room.live, room.code
    creds = {"code": code}
    facilitator = await Client.join(
        live, {**creds, "facilitator_credential": room.facilitator.token}, "facilitator"
    )
    display = await Client.join(
        live, {**creds, "display_credential": room.display.token}, "display"
    )
    phones = [
        await Client.join(live, creds, "participant", token=phone.token) for phone in room.phones
    ]
    for old in room.screens:
        await old.close()
    return Room(live, code, room.aid, facilitator, display, phones)


async def test_a_frozen_redis_is_an_outage_within_a_second_then_recovers(
    own_redis: RedisServer, live_on_own_redis: LiveServer
) -> None:
    room = await open_room(live_on_own_redis, phones=3)
    ballots = [secrets.token_urlsafe(16) for _ in room.phones]
    assert (await room.phones[0].command(answer(room.aid, ballots[0])))["type"] == "ack"

    own_redis.freeze()
    try:
        # a write is answered `unavailable` at once, not after the freeze
        refused = await asyncio.wait_for(
            room.phones[1].command(answer(room.aid, ballots[1])), DEADLINE
        )
        assert refused["type"] == "error" and refused["code"] == "unavailable"
        # a facilitator's command too, saying first that it was not done (an outside tester
        # read the red line left beside Close answers as if the answers had closed)
        closing = await asyncio.wait_for(room.facilitator.command({"type": "close"}), DEADLINE)
        assert closing["code"] == "unavailable", closing
        assert closing["message"].startswith("Not done:"), closing
        # /healthz says 503 within its own timeout
        async with httpx.AsyncClient(base_url=room.live.base_url, timeout=DEADLINE) as http:
            health = await http.get("/healthz")
        assert health.status_code == 503 and health.json()["ready"] is False
        # a new phone trying to join is told to try later, at once
        stranger = await Client.connect(room.live.ws_url, role="participant", code=room.code)
        frame = await stranger.expect("error", DEADLINE)
        assert frame["code"] == "unavailable"
        # every screen hears of it within one heartbeat, and keeps its socket
        for client in room.screens:
            await told_unavailable(client, ONE_BEAT)
    finally:
        own_redis.thaw()

    # back with the room intact: every screen reconnects for a fresh snapshot
    for client in room.screens:
        await client.expect("reconnect", ONE_BEAT)
    room = await rejoin(room)
    assert room.phones[0].view["activity"]["id"] == room.aid
    for phone, ballot in zip(room.phones[1:], ballots[1:], strict=True):
        assert (await phone.command(answer(room.aid, ballot)))["type"] == "ack"
    assert await counted(own_redis.url, room.code, room.aid) == (3, 3)  # none lost, none twice


@pytest.fixture
async def slow_link() -> AsyncIterator[tuple[RedisServer, Proxy, LiveServer]]:
    redis = RedisServer().start()
    proxy = await Proxy(redis.port).start()  # the only road from the server to Redis
    # (started from a thread: the proxy it reaches Redis through runs on this test's loop; the
    # default heartbeat, as its store checks cross the slowed link too)
    live = await asyncio.to_thread(LiveServer.start, redis_url=f"redis://127.0.0.1:{proxy.port}/0")
    yield redis, proxy, live
    await asyncio.to_thread(live.stop)
    await proxy.stop()
    redis.stop()


async def test_a_slow_redis_under_the_deadline_loses_nothing_and_over_it_is_an_outage(
    slow_link: tuple[RedisServer, Proxy, LiveServer],
) -> None:
    redis, proxy, live = slow_link
    room = await open_room(live, phones=10)
    ballots = [secrets.token_urlsafe(16) for _ in room.phones]

    proxy.delay = 0.15  # 0.3 s for each round trip: slow, but inside the deadline
    replies = await asyncio.gather(
        *(phone.command(answer(room.aid, b)) for phone, b in zip(room.phones, ballots, strict=True))
    )
    assert [r["type"] for r in replies] == ["ack"] * len(room.phones)
    assert await counted(redis.url, room.code, room.aid) == (10, 10)
    for client in room.screens:
        assert not any(m["type"] == "error" for m in client.inbox)

    proxy.delay = 2.0  # past the deadline: as good as gone
    refused = await asyncio.wait_for(
        room.phones[0].command(answer(room.aid, ballots[0], option=1)), DEADLINE
    )
    assert refused["type"] == "error" and refused["code"] == "unavailable"
    one_beat = live.settings.heartbeat_seconds + 1.0  # the default beat: see the fixture
    for client in room.screens:
        await told_unavailable(client, one_beat)

    proxy.delay = 0.0
    for client in room.screens:
        await client.expect("reconnect", one_beat + 2 * proxy_delay_tail())
    room = await rejoin(room)
    ack = await room.phones[0].command(answer(room.aid, ballots[0], option=1))
    assert ack["type"] == "ack"  # the change of mind, sent again, replaced the first answer
    assert await counted(redis.url, room.code, room.aid) == (10, 10)


def proxy_delay_tail() -> float:
    """Replies already in the delay line when it is shortened still take the old delay."""
    return 2.0


async def test_connections_cut_mid_command_count_every_answer_once(
    slow_link: tuple[RedisServer, Proxy, LiveServer],
) -> None:
    redis, proxy, live = slow_link
    room = await open_room(live, phones=20)
    ballots = [secrets.token_urlsafe(16) for _ in room.phones]
    proxy.delay = 0.05  # so the burst is still on the wire when the cut comes
    sent = [
        asyncio.create_task(phone.command(answer(room.aid, b)))
        for phone, b in zip(room.phones, ballots, strict=True)
    ]
    await asyncio.sleep(0)  # let every answer leave; the cut is the fault under test
    cut = proxy.cut()
    assert cut >= 1
    replies = await asyncio.gather(*sent)
    assert {r["type"] for r in replies} <= {"ack", "error"}
    acked = {i for i, r in enumerate(replies) if r["type"] == "ack"}
    for reply in replies:
        if reply["type"] == "error":
            assert reply["code"] == "unavailable", reply
    proxy.delay = 0.0
    # the phones that heard no ack send the same ballot again until it is acknowledged, as the
    # phone page does (rejoining first if the server asked every screen to reconnect)
    for i, (phone, ballot) in enumerate(zip(room.phones, ballots, strict=True)):
        if i not in acked:
            await resend_until_acked(room, phone, ballot)
    assert await counted(redis.url, room.code, room.aid) == (20, 20)  # each exactly once


async def resend_until_acked(room: Room, phone: Client, ballot: str) -> None:
    for _ in range(20):
        try:
            reply = await phone.command(answer(room.aid, ballot))
        except websockets.ConnectionClosed:
            phone = await Client.join(
                room.live, {"code": room.code}, "participant", token=phone.token
            )
            continue
        if reply["type"] == "ack":
            return
        assert reply["code"] == "unavailable", reply
    raise AssertionError("the answer was never acknowledged after the cut")
