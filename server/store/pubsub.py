"""Fan-out between processes: one subscription per active room per process.

On one Redis (or a Sentinel-managed primary) a single pub/sub connection carries every room's
channel (SUBSCRIBE/PUBLISH). On a Redis Cluster each room's channel is a shard channel
(SSUBSCRIBE/SPUBLISH) served by the primary that holds the room's slot, so a publication never
crosses the cluster bus; redis-py's ClusterPubSub keeps one connection per primary that has a
subscribed room, and moves a channel to its new owner after a failover or a slot migration.
Here one reader task per such connection delivers messages to the rooms' handlers, and every
reconnect or move is reported so the heartbeat re-reads the rooms (a publication sent while a
connection was down is lost; the state in the store is not).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.asyncio.cluster import ClusterPubSub, RedisCluster
from redis.exceptions import ConnectionError, RedisError

from server.store.base import Handler
from server.store.connection_io import UNREAD, next_reply

log = logging.getLogger("hearth.store")

POLL_SECONDS = 1.0  # a reader's wait for a message; also how often a moved channel is noticed
SUBSCRIBE_ATTEMPTS = 5  # tries of a change that meets its connection being re-made


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class _Fanout:
    def __init__(self) -> None:
        self.handlers: dict[str, Handler] = {}
        self.reconnected: Callable[[], None] | None = None

    def notify_reconnect(self) -> None:
        if self.reconnected is not None:
            asyncio.get_running_loop().call_soon(self.reconnected)

    def dispatch(self, message: dict[str, Any] | None) -> None:
        if message is None or message.get("type") not in ("message", "smessage"):
            return
        self.deliver(message["channel"], message["data"])

    def dispatch_reply(self, reply: Any) -> None:
        """A reply as Redis sent it: a message is [b"message", channel, data]; anything else
        (a subscription's confirmation, a health check's PONG, an error) is not for a room."""
        if isinstance(reply, list) and len(reply) == 3 and _text(reply[0]) == "message":
            self.deliver(reply[1], reply[2])
        elif isinstance(reply, Exception):  # a SUBSCRIBE refused (an ACL without the channel)
            log.warning("redis pub/sub refused a command (%s)", type(reply).__name__)

    def deliver(self, channel: bytes | str, data: bytes) -> None:
        handler = self.handlers.get(_text(channel))
        if handler is None:
            return
        try:
            handler(data)
        except Exception as exc:  # a bad handler must not stop every room's updates
            # The type only: a traceback or message could quote room state (answers).
            log.warning("pub/sub handler failed: %s", type(exc).__name__)


async def _backoff(delay: float) -> float:
    await asyncio.sleep(delay * (0.5 + secrets.randbelow(1000) / 1000))
    return min(delay * 2, 5.0)


async def _sent(command: Awaitable[Any]) -> bool:
    """Whether a pub/sub command was sent; lost with the connection, it is not (and whatever
    redis-py raised then, a race inside it included, is not the caller's to handle)."""
    try:
        await command
    except Exception:
        return False
    return True


def _key(pubsub: PubSub, channel: str) -> Any:
    encoder = pubsub.encoder  # as redis-py keys its channels: bytes, or text if decoded
    return encoder.decode(encoder.encode(channel))


async def _unsubscribe(connection: Any, send: Callable[[], Awaitable[Any]]) -> None:
    """Send an unsubscribe until it is sent or the connection is down. When a send fails,
    redis-py reconnects, re-subscribing every channel it holds (this one too), before it gives
    up: left there, the ended room would stay subscribed on the new connection."""
    for _ in range(SUBSCRIBE_ATTEMPTS):
        if await _sent(send()) or connection is None or not connection.is_connected:
            return  # sent, or the next connect leaves it out (the caller forgets it)


class _Turns:
    """Who may change a pub/sub connection now. The reader reconnecting (inside get_message)
    and a subscribe sending (redis-py connects first when the connection is down) would each
    open a socket and keep the last one: the other stays open, owned by nothing, until the
    process ends. A subscribe or unsubscribe sent while a reconnect re-subscribes (redis-py
    re-subscribes what it held when the reconnect began) can be undone by it, and a reader whose
    read failed on the socket a subscribe has just replaced closes the new one under it. So a
    connect (with its re-subscribe), a disconnect and a change take turns; the task whose turn
    it is may connect again inside it (redis-py reconnects from inside a failed re-subscribe)."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self._connect = connection.connect
        self._disconnect = connection.disconnect
        self._lock = asyncio.Lock()
        self._holder: asyncio.Task[Any] | None = None
        connection.connect = self.connect
        connection.disconnect = self.disconnect
        connection.hearth_turns = self

    @classmethod
    def of(cls, connection: Any) -> _Turns:
        turns = getattr(connection, "hearth_turns", None)
        return turns if isinstance(turns, _Turns) else cls(connection)

    @contextlib.asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        if self._holder is asyncio.current_task():
            yield
            return
        async with self._lock:
            self._holder = asyncio.current_task()
            try:
                yield
            finally:
                self._holder = None

    async def connect(self) -> None:
        if self.connection.is_connected and self._holder is None:
            return
        async with self.turn():
            if not self.connection.is_connected:  # a caller that waited finds it connected
                await self._connect()

    async def disconnect(self, *args: Any, **kwargs: Any) -> None:
        async with self.turn():
            await self._disconnect(*args, **kwargs)


class PlainFanout(_Fanout):
    """SUBSCRIBE on one connection; redis-py re-subscribes every channel when it reconnects.
    redis-py's PubSub is not safe for two tasks changing it at once (one's reconnect closes
    the socket the other is writing to): subscribes and unsubscribes take turns, and a change
    made while the connection is down is only recorded, for the reader's reconnect to send."""

    def __init__(self, redis: Redis) -> None:
        super().__init__()
        self.pubsub: PubSub = redis.pubsub(ignore_subscribe_messages=True)
        self._reader: asyncio.Task[None] | None = None
        self._has_channels = asyncio.Event()
        self._changing = asyncio.Lock()
        self._watching: object | None = None  # the connection we watch for reconnects

    def start(self) -> None:
        self._reader = asyncio.create_task(self._read_loop(), name="hearth-redis-pubsub")

    async def stop(self) -> None:
        if self._reader:
            self._reader.cancel()
            # Whatever it met last (a reconnect cut short by the cancel), the store stops.
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader
        with contextlib.suppress(RedisError):
            await self.pubsub.aclose()  # type: ignore[no-untyped-call]

    def _connected(self, connection: object) -> None:
        # redis-py calls this after its own on_connect, which re-subscribed every channel.
        self.notify_reconnect()

    async def subscribe(self, channel: str, handler: Handler) -> None:
        self.handlers[channel] = handler
        async with self._changing:
            connection = self.pubsub.connection
            if connection is None:  # the first: connects, and fails if Redis cannot be reached
                await self.pubsub.subscribe(channel)
            elif not (connection.is_connected and await _sent(self.pubsub.subscribe(channel))):
                self.pubsub.channels[_key(self.pubsub, channel)] = None  # for the reconnect
            connection = self.pubsub.connection
            if connection is not None and connection is not self._watching:
                _Turns.of(connection)
                connection.register_connect_callback(self._connected)
                self._watching = connection
        self._has_channels.set()

    async def unsubscribe(self, channel: str) -> None:
        self.handlers.pop(channel, None)
        async with self._changing:
            connection = self.pubsub.connection
            if connection is not None and connection.is_connected:  # down: the reconnect won't
                await _unsubscribe(connection, lambda: self.pubsub.unsubscribe(channel))
            # Forgotten now, not when Redis confirms (the reader does not hand redis-py the
            # confirmation): kept, a process would hold every ended room's code until it
            # reconnects.
            key = _key(self.pubsub, channel)
            self.pubsub.channels.pop(key, None)
            self.pubsub.pending_unsubscribe_channels.discard(key)

    async def _read_loop(self) -> None:
        delay = 0.1
        while True:
            await self._has_channels.wait()
            try:
                connection = self.pubsub.connection
                reply = UNREAD if connection is None else await next_reply(connection, POLL_SECONDS)
                if reply is UNREAD:  # redis-py reads (and connects, and re-subscribes)
                    self.dispatch(await self.pubsub.get_message(timeout=POLL_SECONDS))
                elif reply is None:  # quiet for a while: a PING when one is due
                    await self.pubsub.check_health()  # type: ignore[no-untyped-call]
                else:
                    self.dispatch_reply(reply)
                delay = 0.1
            except Exception as exc:
                # RedisError, OSError, or redis-py reconnecting on a transport uvloop has closed
                # (RuntimeError). Ending the task would end this process's updates from the
                # others for good: log the type only, wait, and read again.
                log.warning("redis pub/sub connection lost (%s); retrying", type(exc).__name__)
                delay = await _backoff(delay)


class ShardedFanout(_Fanout):
    """SSUBSCRIBE through redis-py's ClusterPubSub: one connection, and one reader, per primary
    that holds a subscribed room. As on one Redis, a per-primary PubSub is not safe for a
    change and its reader's reconnect at once: they take turns on the connection, and a
    subscribe that met a connection being re-made tries again once it is."""

    def __init__(self, cluster: RedisCluster) -> None:
        super().__init__()
        self.cluster = cluster
        self.pubsub: ClusterPubSub = cluster.pubsub()
        self._readers: dict[str, asyncio.Task[None]] = {}
        self._supervisor: asyncio.Task[None] | None = None
        self._changing = asyncio.Lock()

    def start(self) -> None:
        self._supervisor = asyncio.create_task(self._supervise(), name="hearth-redis-spubsub")

    async def stop(self) -> None:
        tasks = [t for t in (self._supervisor, *self._readers.values()) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        with contextlib.suppress(RedisError):
            await self.pubsub.aclose()

    async def subscribe(self, channel: str, handler: Handler) -> None:
        self.handlers[channel] = handler
        async with self._changing:
            delay = 0.05
            for attempt in range(SUBSCRIBE_ATTEMPTS):
                try:
                    async with self._turn(self._node_pubsub(channel)):
                        await self.pubsub.ssubscribe(channel)
                    break
                except Exception as exc:  # redis-py's own race included (RuntimeError, ...)
                    if attempt == SUBSCRIBE_ATTEMPTS - 1:  # the primary is out of reach
                        raise ConnectionError(
                            f"shard subscribe failed ({type(exc).__name__})"
                        ) from exc
                    delay = await _backoff(delay)
                finally:
                    for node_pubsub in self.pubsub.node_pubsub_mapping.values():
                        if node_pubsub.connection is not None:  # a new primary's, made now
                            _Turns.of(node_pubsub.connection)
        self._ensure_readers(moved=False)

    async def unsubscribe(self, channel: str) -> None:
        self.handlers.pop(channel, None)
        async with self._changing:
            node_pubsub = self._node_pubsub(channel)
            async with self._turn(node_pubsub):
                if node_pubsub is not None:
                    await _unsubscribe(
                        node_pubsub.connection, lambda: self.pubsub.sunsubscribe(channel)
                    )
                # Forgotten now, not when Redis confirms: redis-py forgets a channel only on a
                # confirmation it was waiting for, and a reconnect in between (it clears what
                # it waits for, and subscribes every channel it holds) would subscribe the
                # ended room again, for as long as the process runs.
                pubsub = self.pubsub
                key = _key(pubsub, channel)
                for held in pubsub.node_pubsub_mapping.values():
                    held.shard_channels.pop(key, None)
                    held.pending_unsubscribe_shard_channels.discard(key)
                pubsub.shard_channels.pop(key, None)
                pubsub.pending_unsubscribe_shard_channels.discard(key)
                pubsub._shard_channel_to_node.pop(key, None)
            await self._close_idle()

    def _node_pubsub(self, channel: str) -> PubSub | None:
        """The PubSub of the primary that carries the channel, if one is open."""
        pubsub = self.pubsub
        name = pubsub._shard_channel_to_node.get(_key(self.pubsub, channel))
        if name is None:
            with contextlib.suppress(Exception):  # a slot not covered: redis-py will say so
                node = self.cluster.get_node_from_key(channel)
                name = node.name if node is not None else None
        return pubsub.node_pubsub_mapping.get(name) if name else None

    def _turn(self, node_pubsub: PubSub | None) -> contextlib.AbstractAsyncContextManager[None]:
        if node_pubsub is None or node_pubsub.connection is None:
            return contextlib.nullcontext()
        return _Turns.of(node_pubsub.connection).turn()

    async def _close_idle(self) -> None:
        """Close the connection to a primary that holds no room of this process any more
        (its reader first, so that nothing reads from a connection being closed)."""
        mapping = self.pubsub.node_pubsub_mapping
        for name, node_pubsub in list(mapping.items()):
            if node_pubsub.subscribed:
                continue
            del mapping[name]
            reader = self._readers.pop(name, None)
            if reader is not None:
                reader.cancel()
                await asyncio.gather(reader, return_exceptions=True)
            with contextlib.suppress(Exception):
                await node_pubsub.aclose()  # type: ignore[no-untyped-call]

    def connections(self) -> int:
        """Pub/sub connections held now: one per primary with a subscribed room."""
        return len(self.pubsub.node_pubsub_mapping)

    def _ensure_readers(self, moved: bool) -> None:
        names = set(self.pubsub.node_pubsub_mapping)
        for name, task in list(self._readers.items()):
            if name not in names or task.done():
                task.cancel()
                del self._readers[name]
        for name in names - set(self._readers):
            self._readers[name] = asyncio.create_task(self._read(name), name="hearth-spubsub")
            if moved:  # a channel moved to another primary: what was sent meanwhile is lost
                self.notify_reconnect()

    async def _supervise(self) -> None:
        # redis-py moves channels in the background after it refreshed its slot map; no event
        # reaches us, so look at its per-node connections every POLL_SECONDS.
        while True:
            await asyncio.sleep(POLL_SECONDS)
            self._ensure_readers(moved=True)

    async def _read(self, name: str) -> None:
        delay, failed = 0.1, False
        while True:
            pubsub = self.pubsub.node_pubsub_mapping.get(name)
            if pubsub is None:
                return  # its channels moved elsewhere; that node's reader takes over
            try:
                node = self.cluster.get_node(node_name=name)
                if node is not None:
                    message = await self.pubsub.get_sharded_message(
                        ignore_subscribe_messages=True, timeout=POLL_SECONDS, target_node=node
                    )
                else:  # the node left the slot map; read until its channels are moved
                    message = await pubsub.get_message(True, timeout=POLL_SECONDS)
            except (RedisError, OSError, RuntimeError) as exc:
                if not failed:
                    log.warning("redis shard pub/sub lost (%s); retrying", type(exc).__name__)
                failed = True
                delay = await _backoff(delay)
                continue
            if failed:  # reconnected (and re-subscribed): re-read the rooms
                failed, delay = False, 0.1
                self.notify_reconnect()
            self.dispatch(message)
