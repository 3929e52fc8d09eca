"""Failover drills on real topologies: kill -9 the primary that holds a room mid-vote.

What Hearth promises (docs/operations.md, "Failover"): with `redis_wait_replicas` 1 an answer is
acknowledged only once a replica holds it, so the promoted replica has every acknowledged
answer; the room's screens see `unavailable`, then `reconnect`; phones come back with their token
and resend what was not acknowledged with the same ballot, and each answer counts once. Rooms on
other primaries see nothing of it.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from redis.exceptions import RedisError
from websockets.exceptions import ConnectionClosed

from server.store.base import STATE
from server.store.batch import NotReplicated
from server.store.redis import RedisStore
from server.store.topology import close
from tests.redis_topologies import (
    RedisClusterSetup,
    SentinelSetup,
    independent_client,
    info_field,
    wait_until,
)
from tests.support import Client, LiveServer
from tests.test_store import make_room, open_activity, who

PHONES = 8
# Healthy replicas on a loaded CI machine can take longer than the default 1 s deadline (WAIT
# gets half of it) to confirm; the drills are about failover, not about that deadline.
REPLICATED_DEADLINE = 3.0


@dataclass
class Room:
    live: LiveServer
    info: dict[str, Any]
    facilitator: Client
    display: Client
    phones: list[Client]
    activity: str = ""
    ballots: list[str] = field(default_factory=list)
    acked: set[int] = field(default_factory=set)
    frames: list[dict[str, Any]] = field(default_factory=list)
    told_to_reconnect: set[int] = field(default_factory=set)  # phones closed with 1012

    @property
    def code(self) -> str:
        return str(self.info["code"])

    @property
    def screens(self) -> list[Client]:
        return [self.facilitator, self.display, *self.phones]

    async def answer(self, i: int, timeout: float = 5.0) -> bool:
        """Phone i answers with its own ballot (the same one every time); True if acked."""
        phone = self.phones[i]
        request = phone.next_id
        phone.next_id += 1
        try:
            await phone.send(
                {
                    "type": "answer",
                    "id": request,
                    "activity": self.activity,
                    "ballot": self.ballots[i],
                    "value": {"kind": "choice", "option": i % 2},
                }
            )
            reply = await phone.expect_where(
                lambda m: m.get("id") == request and m["type"] in ("ack", "error"), timeout
            )
        except (AssertionError, TimeoutError):
            return False
        except ConnectionClosed as closed:  # the store came back while it was in flight:
            assert closed.rcvd is not None and closed.rcvd.code == 1012  # told to reconnect
            self.told_to_reconnect.add(i)
            return False
        if reply["type"] == "ack":
            self.acked.add(i)
            return True
        return False

    async def rejoin(self, i: int) -> None:
        """Phone i comes back with its token on a fresh socket, its old one closed first, as
        the page does (an old socket left open stays open on the server until it stops)."""
        old = self.phones[i]
        await old.close()
        self.phones[i] = await Client.join(self.live, self.info, "participant", token=old.token)


async def open_room(live: LiveServer, info: dict[str, Any]) -> Room:
    facilitator = await Client.join(live, info, "facilitator")
    display = await Client.join(live, info, "display")
    phones = [await Client.join(live, info, "participant") for _ in range(PHONES)]
    room = Room(live, info, facilitator, display, phones)
    room.ballots = [secrets.token_urlsafe(16) for _ in phones]
    poll = {
        "kind": "poll",
        "text": "Which feels closer today?",
        "options": ["A", "B"],
        "result_style": "counts",
    }
    assert (await facilitator.command({"type": "open", "activity": poll}))["type"] == "ack"
    view = await phones[0].until_view(lambda v: v["activity"] is not None)
    room.activity = view["activity"]["id"]
    for phone in phones:
        await phone.until_view(lambda v: v["activity"] is not None)
    return room


def outage_frames(room: Room) -> list[dict[str, Any]]:
    """Every `unavailable` error or `reconnect` any screen of the room has received so far."""
    return [
        m
        for c in room.screens
        for m in c.inbox
        if m["type"] == "reconnect" or (m["type"] == "error" and m["code"] == "unavailable")
    ]


async def drill(live: LiveServer, room: Room, kill: Any, other: Room | None) -> dict[str, float]:
    """Half the phones answer, the primary dies, the rest answer during the failover; then every
    screen must see `unavailable` and `reconnect`, and the phones rejoin and resend."""
    timings: dict[str, float] = {}
    half = PHONES // 2
    for i in range(half):
        assert await room.answer(i), "an answer before the failover must be acknowledged"
    started = time.monotonic()
    kill()
    # Mid-vote: the other half answers while the primary is gone (acked or not, both are fine).
    for i in range(half, PHONES):
        await room.answer(i, timeout=3.0)
    if other is not None:  # the room on another primary carries on, acks and all
        for i in range(PHONES):
            assert await other.answer(i, timeout=3.0), "a room on a live primary must carry on"
    for client in room.screens:
        await client.expect_where(
            lambda m: m["type"] == "error" and m["code"] == "unavailable" and m.get("id") is None,
            3 * room.live.settings.heartbeat_seconds,
        )
    timings["unavailable_s"] = time.monotonic() - started
    return timings


async def reconnect_seen(room: Room, started: float) -> float:
    """Every screen is told to reconnect once the room reads back intact (within a heartbeat of
    the promotion); seconds since the kill."""
    for client in room.screens:
        await client.expect("reconnect", 3 * room.live.settings.heartbeat_seconds)
    return time.monotonic() - started


async def rejoin_and_resend(live: LiveServer, room: Room) -> None:
    await room.facilitator.close()
    await room.display.close()
    room.facilitator = await Client.join(live, room.info, "facilitator")
    room.display = await Client.join(live, room.info, "display")
    for i in range(PHONES):
        await room.rejoin(i)
    room.told_to_reconnect.clear()  # every phone has a fresh socket
    for i in range(PHONES):  # the page resends what was not acknowledged, same ballot
        if i not in room.acked:
            await resend(room, i)
    # An acknowledged answer sent again (a phone that missed its ack) is still counted once.
    await resend(room, 0)


async def resend(room: Room, i: int, attempts: int = 5) -> None:
    """Send phone i's answer until it is acknowledged, as a person taps again after "could not
    do that just now" (the page keeps the ballot). Right after a failover the first write can
    meet a client whose slot map is a moment old, or a replica not yet counted online: it is
    refused (never acknowledged unconfirmed), and the next one goes through."""
    for attempt in range(attempts):
        if i in room.told_to_reconnect:  # as the page does: rejoin with its token, then resend
            room.told_to_reconnect.discard(i)
            await room.rejoin(i)
        if await room.answer(i):
            return
        await asyncio.sleep(0.2 * (attempt + 1))
    raise AssertionError(f"phone {i} could not resend after the failover")


async def counted_once(room: Room) -> None:
    progress = await room.facilitator.expect_where(
        lambda m: m["type"] == "progress" and m["answered"] == PHONES, 10
    )
    assert progress["answered"] == PHONES
    assert (await room.facilitator.command({"type": "reveal"}))["type"] == "ack"
    view = await room.display.until_view(lambda v: v["results"] is not None)
    counts = [c["count"] for c in view["results"]["overall"]["cells"]]
    assert counts == [PHONES // 2, PHONES // 2], counts


# -- a cluster ------------------------------------------------------------------------------------


@pytest.fixture
def own_cluster() -> Iterator[RedisClusterSetup]:
    cluster = RedisClusterSetup().start()  # its own: this test kills one of its primaries
    yield cluster
    cluster.stop()


async def test_cluster_primary_killed_mid_vote(own_cluster: RedisClusterSetup) -> None:
    live = LiveServer.start(
        redis_url=own_cluster.url, redis_wait_replicas=1, redis_timeout_seconds=REPLICATED_DEADLINE
    )
    try:
        # Two rooms on two different primaries. The one that fails is on the primary of slot 0:
        # redis-py's default node, the hardest case for a client refreshing its slot map.
        owner = own_cluster.primary_of_slot(0)
        first = await live.create_room(k=3)
        while own_cluster.primary_of(f"hearth:{{{first['code']}}}:state") is not owner:
            first = await live.create_room(k=3)
        second = await live.create_room(k=3)
        while own_cluster.primary_of(f"hearth:{{{second['code']}}}:state") is owner:
            second = await live.create_room(k=3)
        room, other = await open_room(live, first), await open_room(live, second)
        started = time.monotonic()
        timings = await drill(live, room, owner.kill, other)
        # The replica takes over; the dead node comes back (as systemd would restart it) and
        # rejoins as the new primary's replica, so writes are confirmed by a replica again.
        state_key = f"hearth:{{{first['code']}}}:state"
        wait_until(
            lambda: own_cluster.served_by_other_than(state_key, owner), 30, "a promoted replica"
        )
        timings["promoted_s"] = time.monotonic() - started
        timings["reconnect_s"] = await reconnect_seen(room, started)
        own_cluster.restart(owner)
        timings["replica_back_s"] = time.monotonic() - started
        await rejoin_and_resend(live, room)
        await counted_once(room)
        assert outage_frames(other) == [], "the room on the other primary must see nothing"
        await counted_once(other)
        print("cluster failover timings:", {k: round(v, 1) for k, v in timings.items()})
        for client in (*room.screens, *other.screens):
            await client.close()
    finally:
        live.stop()


# -- Sentinel -------------------------------------------------------------------------------------


@pytest.fixture
def own_sentinel() -> Iterator[SentinelSetup]:
    setup = SentinelSetup().start()
    yield setup
    setup.stop()


async def test_sentinel_primary_killed_mid_vote(own_sentinel: SentinelSetup) -> None:
    live = LiveServer.start(
        redis_url=own_sentinel.url, redis_wait_replicas=1, redis_timeout_seconds=REPLICATED_DEADLINE
    )
    try:
        room = await open_room(live, await live.create_room(k=3))
        old = own_sentinel.primary
        assert old is not None
        started = time.monotonic()
        timings = await drill(live, room, old.kill, None)
        # Every sentinel, not one: a sentinel still naming the old primary when it returns would
        # see it up and sane, and turn the new primary back into its replica (Redis's
        # +convert-to-slave). The three named the empty old node in a CI run that waited on one.
        assert own_sentinel.replica is not None
        promoted = {str(own_sentinel.replica.port)}
        wait_until(lambda: own_sentinel.primaries_named() == promoted, 30, "every sentinel's new primary")
        timings["promoted_s"] = time.monotonic() - started
        timings["reconnect_s"] = await reconnect_seen(room, started)
        own_sentinel.restart_old_primary()  # back empty: a replica (or, failed over to, primary)
        timings["replica_back_s"] = time.monotonic() - started
        await rejoin_and_resend(live, room)
        await counted_once(room)
        print("sentinel failover timings:", {k: round(v, 1) for k, v in timings.items()})
        for client in room.screens:  # as people leave: the server's sockets close cleanly
            await client.close()
    finally:
        live.stop()


async def test_an_answer_is_acknowledged_only_once_a_replica_holds_it(
    redis_sentinel: SentinelSetup,
) -> None:
    """Freeze the replica: the write reaches the primary, the ack does not come; the phone's
    resend of the same ballot after the replica is back is counted once."""
    store = RedisStore(redis_sentinel.url, timeout=REPLICATED_DEADLINE, wait_replicas=1)
    await store.start()
    replica = redis_sentinel.replica
    assert replica is not None
    try:
        code, _ = await make_room(store)
        person = who()
        assert await store.join(code, person, 10, 600) == "ok"
        await open_activity(store, code)
        replica.freeze()
        try:
            with pytest.raises(NotReplicated):
                await store.submit(code, "a1", person, "ballot", ["n", "o:1"], None, 600)
        finally:
            replica.thaw()
        wait_until(
            lambda: info_field(replica.port, "replication", "master_link_status") == "up",
            10,
            "the replica to catch up",
        )
        again = await store.submit(code, "a1", person, "ballot", ["n", "o:1"], None, 600)
        assert (again.status, again.answered) == ("stored", 1)
        assert await store.tally(code, "a1") == {"n": 1, "o:1": 1}
        # And the replica has it: read it there directly.
        direct = await independent_client(f"redis://127.0.0.1:{replica.port}/0")
        try:
            assert await direct.zcard(f"hearth:{{{code}}}:who:a1") == 1
        finally:
            await close(direct)
        await store.erase(code)
    finally:
        await store.stop()


async def test_without_replicas_to_wait_for_nothing_waits(redis_sentinel: SentinelSetup) -> None:
    """redis_wait_replicas 0 (the default): the same frozen replica does not hold up an ack."""
    store = RedisStore(redis_sentinel.url, timeout=1.0, wait_replicas=0)
    await store.start()
    replica = redis_sentinel.replica
    assert replica is not None
    try:
        code, _ = await make_room(store)
        person = who()
        await store.join(code, person, 10, 600)
        await open_activity(store, code)
        replica.freeze()
        try:
            stored = await asyncio.wait_for(
                store.submit(code, "a1", person, "b", ["n"], None, 600), 0.5
            )
        finally:
            replica.thaw()
        assert stored.status == "stored"
        await store.erase(code)
    finally:
        await store.stop()


async def reads_back(store: RedisStore, code: str) -> bool:
    """What the heartbeat does for each room: a read that may fail while the map is stale."""
    try:
        return await store.load(code) is not None
    except RedisError:
        return False


async def test_shard_channel_follows_the_room_to_the_promoted_replica(
    own_cluster: RedisClusterSetup,
) -> None:
    """Two processes' stores: one subscribed to a room on the primary that dies. After the
    promotion its subscription moves to the new primary by itself (redis-py reconciles; our
    reader follows) and it is told to re-read its rooms; the other's commits reach it again."""
    listener = RedisStore(own_cluster.url, timeout=REPLICATED_DEADLINE, wait_replicas=1)
    writer = RedisStore(own_cluster.url, timeout=REPLICATED_DEADLINE, wait_replicas=1)
    await listener.start()
    await writer.start()
    reread = asyncio.Event()
    listener.on_reconnect(reread.set)
    try:
        owner = own_cluster.primary_of_slot(0)
        code, _ = await make_room(writer)
        while own_cluster.primary_of(f"hearth:{{{code}}}:state") is not owner:
            code, _ = await make_room(writer)
        got: asyncio.Queue[bytes] = asyncio.Queue()
        await listener.subscribe(code, got.put_nowait)
        await open_activity(writer, code)
        assert (await asyncio.wait_for(got.get(), 5))[:1] == STATE
        owner.kill()
        state_key = f"hearth:{{{code}}}:state"
        await asyncio.to_thread(
            wait_until, lambda: own_cluster.served_by_other_than(state_key, owner), 30, "promotion"
        )
        await asyncio.to_thread(own_cluster.restart, owner)
        # The listener's heartbeat would read the room here; a read is what refreshes its map.
        for _ in range(100):  # polled, with a deadline: no event says the map is fresh
            if await reads_back(listener, code):
                break
            await asyncio.sleep(0.1)
        await asyncio.wait_for(reread.wait(), 10)  # told: publications may have been missed
        for attempt in range(5):  # the first calls can meet a map a moment old (see resend())
            try:
                await open_activity(writer, code, f"a{attempt + 2}")
                break
            except RedisError:  # refused, never half-done: NotReplicated or a stale connection
                await asyncio.sleep(0.2)
        payload = await asyncio.wait_for(got.get(), 10)
        assert payload[:1] == STATE and b'"version"' in payload
        assert listener.fanout.connections() <= 3  # type: ignore[union-attr]
    finally:
        await listener.stop()
        await writer.stop()


async def test_a_connection_that_fails_to_close_leaves_no_other_open(
    redis_sentinel: SentinelSetup,
) -> None:
    """After a failover a socket to the old primary can fail to close; redis-py raises that
    after closing the rest of its pool. The connections to the sentinels must close too, or
    the server's event loop cannot close (uvloop: EBUSY) and their sockets stay open."""
    store = RedisStore(redis_sentinel.url, timeout=REPLICATED_DEADLINE)
    await store.start()
    try:
        await stop_with_a_failing_close(store)
    finally:
        await topology_close_quietly(store)


async def stop_with_a_failing_close(store: RedisStore) -> None:
    await make_room(store)  # connects: to the sentinels to find the primary, then to it
    pool = store.redis.connection_pool
    sentinels = pool.sentinel_manager.sentinels  # type: ignore[attr-defined]
    to_sentinels = [
        c for s in sentinels for c in s.connection_pool._available_connections if c.is_connected
    ]
    assert to_sentinels, "the store should have asked a sentinel for the primary"
    held = [*pool._available_connections, *pool._in_use_connections]  # the batch keeps some
    primary = next(c for c in held if c.is_connected)
    close_cleanly = primary.disconnect

    async def fails_to_close(*args: Any, **kwargs: Any) -> None:
        await close_cleanly(*args, **kwargs)
        raise TimeoutError("Timed out closing the connection")  # as redis-py reports one

    primary.disconnect = fails_to_close  # type: ignore[method-assign]
    await store.stop()
    assert not [c for c in to_sentinels if c.is_connected]


async def topology_close_quietly(store: RedisStore) -> None:
    """Whatever the test met, nothing it opened outlives it (a later test would see it)."""
    with contextlib.suppress(Exception):
        await close(store.redis)
