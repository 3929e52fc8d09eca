"""The production store: Redis, shared by every process. One pub/sub connection per process."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Callable
from typing import Any, cast

import orjson
from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.client import PubSub
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff
from redis.exceptions import ConnectionError, NoScriptError, RedisError

from . import scripts
from .base import (
    NO_SIDES,
    Erased,
    Handler,
    JoinStatus,
    Sides,
    Submitted,
    answer_keys,
    channel,
    item_id,
    key,
    prefix,
)

log = logging.getLogger("hearth.store")

COMMAND_TIMEOUT = 1.0  # seconds: past this a call fails and Redis counts as not answering

Call = tuple[Any, list[Any], list[Any], "asyncio.Future[Any]"]


class Batch:
    """Script calls made in the same loop turn go to Redis as one pipeline: one round trip on
    one pooled connection for a burst of answers or joins, instead of one each."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self.pending: list[Call] = []
        self._tasks: set[asyncio.Task[None]] = set()  # flushes in flight, kept from the GC
        self.loaded: set[Any] = set()

    def call(self, script: Any, keys: list[Any], args: list[Any]) -> asyncio.Future[Any]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        if not self.pending:
            loop.call_soon(self._flush)
        self.pending.append((script, keys, args, future))
        return future

    def _flush(self) -> None:
        batch, self.pending = self.pending, []
        task = asyncio.create_task(self._send(batch))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send(self, batch: list[Call]) -> None:
        try:
            for script in {call[0] for call in batch} - self.loaded:
                await self.redis.script_load(script.script)  # once, not a NOSCRIPT per call
                self.loaded.add(script)
            async with self.redis.pipeline(transaction=False) as pipe:
                for script, keys, args, _ in batch:
                    pipe.evalsha(script.sha, len(keys), *keys, *args)
                results = await pipe.execute(raise_on_error=False)
        except Exception as exc:
            for *_, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        for (script, keys, args, future), result in zip(batch, results, strict=True):
            if isinstance(result, NoScriptError):  # Redis lost its scripts (restarted): reload
                try:
                    result = await script(keys=keys, args=args)
                except Exception as exc:
                    result = exc
            if future.done():
                continue
            if isinstance(result, Exception):
                future.set_exception(result)
            else:
                future.set_result(result)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _bytes(value: bytes | str) -> bytes:
    return value if isinstance(value, bytes) else value.encode()


class RedisStore:
    kind = "redis"

    def __init__(self, url: str, timeout: float = COMMAND_TIMEOUT) -> None:
        self.url = url
        self.timeout = timeout
        # Every call has a deadline: a Redis that stops answering without closing its sockets
        # (frozen, or a network that drops packets) fails each call within `timeout`, and the
        # connection is dropped, so screens hear of the outage (error frames, /healthz 503) and
        # nothing waits on it. A refused or reset connection is retried briefly; a timeout is
        # not (the command may have run: a retry could apply it twice, and it would only wait
        # longer). A burst (a room of 300 joining at once) waits a little for a free connection
        # instead of failing at redis-py's default cap.
        pool = BlockingConnectionPool.from_url(
            url,
            max_connections=64,
            timeout=2 * timeout,
            socket_connect_timeout=timeout,
            socket_timeout=timeout,
            health_check_interval=15,
            retry=Retry(
                ExponentialWithJitterBackoff(base=0.02, cap=0.25), 3, (ConnectionError,)
            ),
        )
        self.redis: Redis = Redis.from_pool(pool)  # owns the pool: aclose() closes it
        self._create = self.redis.register_script(scripts.CREATE)
        self._commit = self.redis.register_script(scripts.COMMIT)
        self._join = self.redis.register_script(scripts.JOIN)
        self._member = self.redis.register_script(scripts.MEMBER)
        self._set_side = self.redis.register_script(scripts.SET_SIDE)
        self._leave = self.redis.register_script(scripts.LEAVE)
        self._submit = self.redis.register_script(scripts.SUBMIT)
        self._presence = self.redis.register_script(scripts.PRESENCE)
        self._batch = Batch(self.redis)
        self._pause = self.redis.register_script(scripts.PAUSE)
        self._handlers: dict[str, Handler] = {}
        self._pubsub: PubSub | None = None
        self._reader: asyncio.Task[None] | None = None
        self._has_channels = asyncio.Event()
        self._reconnected: Callable[[], None] | None = None
        self._watching: object | None = None  # the pub/sub connection we watch for reconnects

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        self._pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
        self._reader = asyncio.create_task(self._read_loop(), name="hearth-redis-pubsub")

    async def stop(self) -> None:
        if self._reader:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, RedisError):
                await self._reader
        if self._pubsub is not None:
            with contextlib.suppress(RedisError):
                await self._pubsub.aclose()  # type: ignore[no-untyped-call]
        await self.redis.aclose()

    def on_reconnect(self, callback: Callable[[], None]) -> None:
        """Call back after the pub/sub connection came back (its channels re-subscribed)."""
        self._reconnected = callback

    def _pubsub_connected(self, connection: object) -> None:
        # redis-py calls this after its own on_connect, which re-subscribed every channel.
        if self._reconnected is not None:
            asyncio.get_running_loop().call_soon(self._reconnected)

    async def ping(self) -> bool:
        try:
            return bool(await asyncio.wait_for(self.redis.ping(), self.timeout))
        except (TimeoutError, RedisError, OSError):
            return False

    # -- state -------------------------------------------------------------------------------

    async def create(self, code: str, doc: bytes, ttl: int) -> bool:
        version = orjson.loads(doc)["version"]
        created = await self._create(
            keys=[key(code, "state"), key(code, "index")], args=[version, doc, ttl]
        )
        return bool(created)

    async def load(self, code: str) -> bytes | None:
        doc = await self.redis.hget(key(code, "state"), "doc")
        return None if doc is None else _bytes(doc)

    async def commit(
        self, code: str, expected_version: int, doc: bytes, accepting: str | None, ttl: int
    ) -> bool:
        result = await self._commit(
            keys=[key(code, "state"), key(code, "accepting"), key(code, "index")],
            args=[expected_version, doc, accepting or "", ttl, channel(code)],
        )
        return int(result) == 1

    # -- participants ------------------------------------------------------------------------

    async def join(self, code: str, who: str, cap: int, ttl: int) -> JoinStatus:
        status = await self._batch.call(
            self._join,
            [key(code, "state"), key(code, "people"), key(code, "index")],
            [who, cap, ttl],
        )
        return _text(status)  # type: ignore[return-value]

    async def member(self, code: str, who: str) -> str | None:
        tag = await self._member(keys=[key(code, "people")], args=[who])
        return None if tag is None else _text(tag)

    async def set_side(self, code: str, who: str, tag: str, ttl: int) -> bool:
        return bool(await self._set_side(keys=[key(code, "people")], args=[who, tag, ttl]))

    async def leave(self, code: str, who: str) -> None:
        await self._leave(
            keys=[key(code, "people"), key(code, "pause"), key(code, "word")], args=[who]
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
        who_key, ballots_key, tally_key = answer_keys(code, activity)
        status, answered = await self._batch.call(
            self._submit,
            [
                key(code, "accepting"),
                key(code, "people"),
                who_key,
                ballots_key,
                tally_key,
                key(code, "index"),
            ],
            [
                activity,
                who,
                ballot,
                orjson.dumps(cells),
                text or "",
                ttl,
                secrets.randbits(52),
                "1" if text is not None else "0",
                orjson.dumps(sides.person),
                orjson.dumps(sides.ballot),
            ],
        )
        return Submitted(_text(status), int(answered))  # type: ignore[arg-type]

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

    async def set_pause(self, code: str, who: str, on: bool, now_ms: int, ttl: int) -> None:
        pause, index = key(code, "pause"), key(code, "index")
        if on:  # only while the room exists, like presence
            await self._pause(keys=[key(code, "state"), pause, index], args=[who, now_ms, ttl])
        else:
            await self.redis.zrem(pause, who)

    async def pauses(self, code: str, since_ms: int) -> int:
        return int(await self.redis.zcount(key(code, "pause"), since_ms, "+inf"))

    async def set_word(self, code: str, who: str, on: bool, ttl: int) -> None:
        word, index = key(code, "word"), key(code, "index")
        if on:  # only while the room exists, like pause
            await self._pause(keys=[key(code, "state"), word, index], args=[who, 0, ttl])
        else:
            await self.redis.zrem(word, who)

    async def words(self, code: str) -> int:
        return int(await self.redis.zcard(key(code, "word")))

    async def set_presence(
        self, code: str, field: str, count: int, now_ms: int, ttl: int
    ) -> None:
        await self._presence(
            keys=[key(code, "state"), key(code, "presence"), key(code, "index")],
            args=[field, count, f"{count}:{now_ms}", ttl],
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

    # -- erasure -----------------------------------------------------------------------------

    async def _scan(self, match: str) -> list[bytes]:
        return [k async for k in self.redis.scan_iter(match=match, count=500)]

    async def erase(self, code: str) -> Erased:
        found = await self._scan(prefix(code) + "*")
        deleted = int(await self.redis.unlink(*found)) if found else 0
        remaining = len(await self._scan(prefix(code) + "*"))
        return Erased(deleted=deleted, remaining=remaining)

    async def key_ttls(self, code: str | None = None) -> dict[str, int]:
        found = await self._scan((prefix(code) if code else "hearth:") + "*")
        if not found:
            return {}
        async with self.redis.pipeline(transaction=False) as pipe:
            for k in found:
                pipe.ttl(k)
            ttls = await pipe.execute()
        return {_text(k): int(t) for k, t in zip(found, ttls, strict=True) if int(t) != -2}

    # -- pub/sub -----------------------------------------------------------------------------

    async def publish(self, code: str, payload: bytes) -> None:
        await self.redis.publish(channel(code), payload)

    async def subscribe(self, code: str, handler: Handler) -> None:
        assert self._pubsub is not None, "start() the store first"
        self._handlers[channel(code)] = handler
        await self._pubsub.subscribe(channel(code))
        connection = self._pubsub.connection
        if connection is not None and connection is not self._watching:
            connection.register_connect_callback(self._pubsub_connected)
            self._watching = connection
        self._has_channels.set()

    async def unsubscribe(self, code: str) -> None:
        self._handlers.pop(channel(code), None)
        if self._pubsub is not None:
            with contextlib.suppress(RedisError):
                await self._pubsub.unsubscribe(channel(code))

    async def _read_loop(self) -> None:
        assert self._pubsub is not None
        delay = 0.1
        while True:
            await self._has_channels.wait()
            try:
                message = await self._pubsub.get_message(timeout=1.0)
                delay = 0.1
            except (RedisError, OSError) as exc:
                log.warning("redis pub/sub connection lost (%s); retrying", type(exc).__name__)
                await asyncio.sleep(delay * (0.5 + secrets.randbelow(1000) / 1000))
                delay = min(delay * 2, 5.0)
                continue
            if message is None or message.get("type") != "message":
                continue
            handler = self._handlers.get(_text(message["channel"]))
            if handler is not None:
                try:
                    handler(message["data"])
                except Exception as exc:  # a bad handler must not stop every room's updates
                    # The type only: a traceback or message could quote room state (answers).
                    log.warning("pub/sub handler failed: %s", type(exc).__name__)

    @staticmethod
    def now_ms() -> int:
        return int(time.time() * 1000)
