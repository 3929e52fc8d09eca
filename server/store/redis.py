"""The production store: Redis, shared by every process. One Redis, a Redis Cluster or a primary
found through Sentinel (topology.py); fan-out in pubsub.py, every Lua script call in batch.py."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from functools import partial
from typing import Any, cast

import orjson
from redis.asyncio import Redis
from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.exceptions import RedisError

from server.store import scripts, topology
from server.store.base import (
    NO_SIDES,
    AnswerWrite,
    Done,
    Erased,
    Handler,
    JoinStatus,
    Sides,
    Signals,
    Submitted,
    answer_keys,
    channel,
    item_id,
    key,
    outcome_of,
    prefix,
    random_score,
    submit_keys,
    unsided_tag,
)
from server.store.batch import Batch, NotReplicated
from server.store.calls import Script, cells_json
from server.store.expiry import ExpiryRefresh
from server.store.pubsub import PlainFanout, ShardedFanout

log = logging.getLogger("hearth.store")

COMMAND_TIMEOUT = 1.0  # seconds: past this a call fails and Redis counts as not answering

CREATE = Script(scripts.CREATE)
COMMIT = Script(scripts.COMMIT)
JOIN = Script(scripts.JOIN)
MEMBER = Script(scripts.MEMBER, writes=False)
SET_SIDE = Script(scripts.SET_SIDE)
LEAVE = Script(scripts.LEAVE)
WITHDRAW = Script(scripts.WITHDRAW)
SUBMIT = Script(scripts.SUBMIT, merges=True)
PRESENCE = Script(scripts.PRESENCE)
PAUSE = Script(scripts.PAUSE)
SIGNALS = Script(scripts.SIGNALS, writes=False)
SCRIPTS = (
    CREATE, COMMIT, JOIN, MEMBER, SET_SIDE, LEAVE, WITHDRAW, SUBMIT, PRESENCE, PAUSE, SIGNALS
)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _bytes(value: bytes | str) -> bytes:
    return value if isinstance(value, bytes) else value.encode()


class RedisStore:
    kind = "redis"
    immediate = False

    def __init__(self, url: str, timeout: float = COMMAND_TIMEOUT, wait_replicas: int = 0) -> None:
        self.url = url
        self.timeout = timeout
        self.topology = topology.parse(url)
        # Every call has a deadline: a Redis that stops answering without closing its sockets
        # (frozen, or a network that drops packets) fails each call within `timeout`, and the
        # connection is dropped, so screens hear of the outage (error frames, /healthz 503) and
        # nothing waits on it.
        self.gate = topology.Gate()  # shut by stop(): no connection is made after it
        self.redis: Redis | RedisCluster = topology.connect(self.topology, timeout, self.gate)
        self.cluster = self.redis if isinstance(self.redis, RedisCluster) else None
        self.wait_replicas = wait_replicas
        # WAIT must answer before the call's own deadline.
        self._batch = Batch(self.redis, wait_replicas, max(1, int(timeout * 500)), SCRIPTS)
        self.fanout: PlainFanout | ShardedFanout = (
            ShardedFanout(self.cluster) if self.cluster else PlainFanout(cast(Redis, self.redis))
        )
        self._publish_tag = "S" if self.cluster else "P"
        self.expiries = ExpiryRefresh()  # when COMMIT refreshes a room's keys

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        if self.cluster is not None:
            try:  # the slot map now, so the first batch can be routed; else on first use
                await self.cluster.initialize()
            except RedisError as exc:
                log.error("redis cluster not reachable at start (%s)", type(exc).__name__)
        self.fanout.start()

    async def stop(self) -> None:
        try:
            await self._batch.drain()
            await self.fanout.stop()
        finally:  # connections left open would keep the event loop from closing
            self.gate.shut()
            try:  # a failure is of one connection: every other one is closed by then
                await topology.close(self.redis)
            except (RedisError, OSError) as exc:
                log.warning("a redis connection did not close cleanly (%s)", type(exc).__name__)
        # Closed sockets finish closing on the next loop turn: give them one.
        await asyncio.sleep(0)

    def on_reconnect(self, callback: Callable[[], None]) -> None:
        """Call back after a pub/sub connection came back or a room's channel moved to another
        node: publications may have been missed, so the rooms are read again."""
        self.fanout.reconnected = callback

    async def ping(self) -> bool:
        """One Redis answers. On a cluster: any primary answers (the rooms on a primary that is
        down are found by their own reads, room by room, not by this)."""
        try:
            if self.cluster is None:
                return bool(await asyncio.wait_for(self.redis.ping(), self.timeout))
            return await asyncio.wait_for(topology.ping_cluster(self.cluster), 2 * self.timeout)
        except (TimeoutError, RedisError, OSError):
            return False

    # -- state -------------------------------------------------------------------------------

    async def create(self, code: str, doc: bytes, ttl: int) -> bool:
        version = orjson.loads(doc)["version"]
        created = await self._batch.call(
            CREATE, [key(code, "state"), key(code, "index")], [version, doc, ttl]
        )
        return bool(created)

    async def load(self, code: str) -> bytes | None:
        doc = await self.redis.hget(key(code, "state"), "doc")
        return None if doc is None else _bytes(doc)

    async def commit(
        self,
        code: str,
        expected_version: int,
        doc: bytes,
        accepting: str | None,
        ttl: int,
        on_committed: Callable[[], None] | None = None,
    ) -> bool:
        expiries = self.expiries
        refresh = expiries.due(code, ttl)
        asked_at = expiries.clock() if refresh else 0.0

        def then(result: Any) -> None:
            if int(result) == 1:
                if on_committed is not None:  # the screens first
                    on_committed()
                if refresh:
                    expiries.done(code, ttl, asked_at)

        keys = [key(code, "state"), key(code, "accepting"), key(code, "index")]
        args = [expected_version, expected_version + 1, doc, accepting or "", ttl, channel(code)]
        args += [self._publish_tag, "1" if refresh else ""]
        return int(await self._batch.call(COMMIT, keys, args, then, now=True)) == 1

    # -- participants ------------------------------------------------------------------------

    async def join(self, code: str, who: str, cap: int, ttl: int) -> JoinStatus:
        keys = [key(code, "state"), key(code, "people"), key(code, "index")]
        status = await self._batch.call(JOIN, keys, [who, cap, ttl, unsided_tag()])
        return _text(status)  # type: ignore[return-value]

    async def member(self, code: str, who: str) -> str | None:
        tag = await self._batch.call(MEMBER, [key(code, "people")], [who])
        return None if tag is None else _text(tag)

    async def set_side(self, code: str, who: str, tag: str, ttl: int) -> bool:
        return bool(await self._batch.call(SET_SIDE, [key(code, "people")], [who, tag, ttl]))

    async def leave(self, code: str, who: str) -> None:
        await self._batch.call(
            LEAVE, [key(code, "people"), key(code, "pause"), key(code, "word")], [who]
        )

    # -- answers -----------------------------------------------------------------------------

    async def submit(
        self,
        code: str,
        activity: str,
        who: str,
        ballot: str,
        cells: list[str],
        text: str | None,
        ttl: int,
        sides: Sides = NO_SIDES,
    ) -> Submitted:
        answer = AnswerWrite(code, activity, who, ballot, cells, text, ttl, sides)
        return await outcome_of(self.submit_then, answer)

    async def withdraw(
        self, code: str, activity: str, who: str, ballot: str, ttl: int, sides: Sides = NO_SIDES
    ) -> bool:
        accepting, _, answered, ballots, tally, _ = submit_keys(code, activity)
        args = [activity, who, ballot, orjson.dumps(sides.ballot), ttl]
        return bool(await self._batch.call(WITHDRAW, [accepting, answered, ballots, tally], args))

    def submit_then(self, answer: AnswerWrite, done: Done) -> None:
        text, sides = answer.text, answer.sides
        keys = list(submit_keys(answer.code, answer.activity))
        args: list[Any] = [
            answer.activity,
            answer.who,
            answer.ballot,
            cells_json(answer.cells),
            text or "",
            answer.ttl,
            random_score(),
            "1" if text is not None else "0",
            sides.person.encoded(),
            orjson.dumps(sides.guessed()),  # the tag of the side the seat believes it is on
        ]
        # (a bound method, not a closure that names itself: that would be a reference cycle,
        # left per answer for the cyclic collector)
        self._batch.call_with(SUBMIT, keys, args, partial(self._stored, keys, args, sides, done))

    def _stored(
        self,
        keys: list[Any],
        args: list[Any],
        sides: Sides,
        done: Done,
        reply: Any,
        again: bool = False,
    ) -> None:
        if isinstance(reply, Exception):
            done(reply)
        elif _text(reply[0]) == "sides" and not again:  # on another side after all: again,
            args[-1] = b"*" + orjson.dumps(sides.ballot)  # with the ballot's tags for every side
            retry = partial(self._stored, keys, args, sides, done, again=True)
            self._batch.call_with(SUBMIT, keys, args, retry)
        else:
            done(Submitted(_text(reply[0]), int(reply[1])))  # type: ignore[arg-type]

    async def has_answered(self, code: str, activity: str, who: str) -> bool:
        who_key = answer_keys(code, activity)[0]
        return await self.redis.zscore(who_key, who) is not None

    async def answered(self, code: str, activity: str) -> int:
        return int(await self.redis.zcard(answer_keys(code, activity)[0]))

    async def tally(self, code: str, activity: str) -> dict[str, int]:
        raw = await self.redis.zrange(answer_keys(code, activity)[2], 0, -1, withscores=True)
        return {_text(cell): int(count) for cell, count in cast(list[tuple[bytes, float]], raw)}

    async def texts(self, code: str, activity: str) -> list[tuple[str, str]]:
        """Written answers in the order of their ballot digests, which is not arrival order."""
        out = []
        members = await self.redis.zrange(answer_keys(code, activity)[1], 0, -1)
        for member in cast(list[bytes], members):
            ballot, _, value = _text(member).partition("|")
            text = orjson.loads(value).get("t")
            if text:
                out.append((item_id(ballot), text))
        return out

    # -- signals -----------------------------------------------------------------------------

    async def set_pause(self, code: str, who: str, on: bool, ttl: int) -> None:
        pause, index = key(code, "pause"), key(code, "index")
        if on:  # only while the room exists, like presence
            await self._batch.call(PAUSE, [key(code, "state"), pause, index], [who, 0, ttl])
        else:
            await self.redis.zrem(pause, who)

    async def pauses(self, code: str) -> int:
        return int(await self.redis.zcard(key(code, "pause")))

    async def set_word(self, code: str, who: str, on: bool, ttl: int) -> None:
        word, index = key(code, "word"), key(code, "index")
        if on:  # only while the room exists, like pause
            await self._batch.call(PAUSE, [key(code, "state"), word, index], [who, 0, ttl])
        else:
            await self.redis.zrem(word, who)

    async def joined(self, code: str) -> int:
        return int(await self.redis.zcard(key(code, "people")))

    async def words(self, code: str) -> int:
        return int(await self.redis.zcard(key(code, "word")))

    async def signals(self, code: str, who: str, activity: str | None = None) -> Signals:
        keys = [key(code, "pause"), key(code, "word")]
        if activity is not None:
            keys.append(answer_keys(code, activity)[0])
        pause, word, answered = await self._batch.call(SIGNALS, keys, [who])
        return Signals(bool(int(pause)), bool(int(word)), bool(int(answered)))

    async def set_presence(self, code: str, field: str, count: int, now_ms: int, ttl: int) -> None:
        await self._batch.call(
            PRESENCE,
            [key(code, "state"), key(code, "presence"), key(code, "index")],
            [field, count, f"{count}:{now_ms}", ttl],
        )

    async def connected(self, code: str, since_ms: int, role: str = "p") -> int:
        total = 0
        for field, value in (await self.redis.hgetall(key(code, "presence"))).items():
            if _text(field).partition(":")[0] not in role:
                continue
            count, _, at = _text(value).partition(":")
            if int(at) >= since_ms:
                total += int(count)
        return total

    # -- one-time tickets ----------------------------------------------------------------------

    async def put_ticket(self, name: str, value: bytes, ttl: int) -> None:
        await self.redis.set(name, value, ex=ttl)

    async def take_ticket(self, name: str) -> bytes | None:
        value = await self.redis.getdel(name)  # read and delete in one step: single use
        return None if value is None else _bytes(value)

    async def ticket_waiting(self, name: str) -> bool:
        return bool(await self.redis.exists(name))

    # -- erasure -----------------------------------------------------------------------------

    def _room_node(self, code: str) -> ClusterNode | None:
        """On a cluster, the primary that holds the room's slot (every key of a room is there)."""
        return None if self.cluster is None else self.cluster.get_node_from_key(prefix(code))

    async def _scan(self, match: str, node: ClusterNode | None = None) -> list[bytes]:
        if self.cluster is None:
            return [k async for k in self.redis.scan_iter(match=match, count=500)]
        target: Any = node if node is not None else RedisCluster.PRIMARIES
        scan = self.cluster.scan_iter(match=match, count=500, target_nodes=target)
        return [k async for k in scan]

    async def erase(self, code: str) -> Erased:
        submit_keys.cache_clear()  # no name of the room is left behind
        self.expiries.forget(code)
        node = self._room_node(code)
        # The state and the open activity first: every script that creates a key checks one of
        # them, so once they are gone nothing of the room is written again, and a key written
        # just before is there for the scan (a key created while SCAN runs may be missed).
        deleted = await self._unlink([key(code, "state"), key(code, "accepting")], node)
        found = await self._scan(prefix(code) + "*", node)
        deleted += await self._unlink(found, node) if found else 0
        remaining = len(await self._scan(prefix(code) + "*", node))
        return Erased(deleted=deleted, remaining=remaining)

    async def _unlink(self, found: list[bytes] | list[str], node: ClusterNode | None) -> int:
        """UNLINK, then (with replicas to wait for) WAIT on the same connection: a replica
        promoted later must not bring back a room that was reported erased."""
        async with self.redis.pipeline(transaction=False) as pipe:
            extra: dict[str, Any] = {"target_nodes": node} if node is not None else {}
            pipe.execute_command("UNLINK", *found, **extra)
            if self.wait_replicas:
                pipe.execute_command("WAIT", self.wait_replicas, self._batch.wait_ms, **extra)
            results = await pipe.execute()
        if self.wait_replicas and int(results[-1]) < self.wait_replicas:
            raise NotReplicated("replicas did not confirm the erasure")
        return int(results[0])

    async def key_ttls(self, code: str | None = None) -> dict[str, int]:
        node = self._room_node(code) if code else None
        found = await self._scan((prefix(code) if code else "hearth:") + "*", node)
        if not found:
            return {}
        async with self.redis.pipeline(transaction=False) as pipe:
            for k in found:
                pipe.ttl(k)
            ttls = await pipe.execute()
        return {_text(k): int(t) for k, t in zip(found, ttls, strict=True) if int(t) != -2}

    # -- pub/sub -----------------------------------------------------------------------------

    async def publish(self, code: str, payload: bytes) -> None:
        if self.cluster is None:
            await self.redis.publish(channel(code), payload)
        else:
            await self.cluster.execute_command(
                "SPUBLISH", channel(code), payload, target_nodes=self._room_node(code)
            )

    async def subscribe(self, code: str, handler: Handler) -> None:
        await self.fanout.subscribe(channel(code), handler)

    async def unsubscribe(self, code: str) -> None:
        await self.fanout.unsubscribe(channel(code))
