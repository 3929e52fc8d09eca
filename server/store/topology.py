"""Which Redis, from the URL: one server (redis://, rediss://, unix://), a Redis Cluster
(redis+cluster://host:port,host:port/) or a primary found through Sentinel
(redis+sentinel://host:port,host:port/service-name). The clients are redis-py's own: the cluster
client routes every command by its key's slot, the Sentinel pool asks the sentinels where the
primary is on every new connection."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar
from urllib.parse import parse_qs, unquote, urlsplit

from redis._parsers.commands import AsyncCommandsParser
from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.asyncio.connection import AbstractConnection, Connection, SSLConnection
from redis.asyncio.retry import Retry
from redis.asyncio.sentinel import (
    Sentinel,
    SentinelManagedConnection,
    SentinelManagedSSLConnection,
)
from redis.backoff import ExponentialWithJitterBackoff, NoBackoff
from redis.exceptions import ConnectionError, RedisError

Linked = TypeVar("Linked", bound=AbstractConnection)
Kind = Literal["single", "cluster", "sentinel"]
SCHEMES = ("redis://", "rediss://", "unix://", "redis+cluster://", "redis+sentinel://")


@dataclass(frozen=True)
class Topology:
    kind: Kind
    url: str  # for a single server: the URL itself, handed to redis-py
    hosts: tuple[tuple[str, int], ...] = ()
    service: str = ""  # Sentinel: the name the sentinels monitor
    username: str | None = None
    password: str | None = None
    tls: bool = False
    options: dict[str, str] = field(default_factory=dict)


def parse(url: str) -> Topology:
    if url.startswith(("redis://", "rediss://", "unix://")):
        return Topology("single", url)
    if not url.startswith(("redis+cluster://", "redis+sentinel://")):
        raise ValueError("a Redis URL starts with " + ", ".join(SCHEMES))
    parts = urlsplit(url)
    userinfo, _, hostlist = parts.netloc.rpartition("@")
    username, _, password = userinfo.partition(":")
    hosts = []
    for item in hostlist.split(","):
        host, _, port = item.strip().rpartition(":")
        if not host or not port.isdigit():
            raise ValueError("every host in a cluster or Sentinel URL needs host:port")
        hosts.append((host.strip("[]"), int(port)))
    options = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    kind: Kind = "cluster" if parts.scheme == "redis+cluster" else "sentinel"
    service = unquote(parts.path.strip("/"))
    if kind == "sentinel" and not service:
        raise ValueError("a Sentinel URL names the monitored primary: redis+sentinel://.../NAME")
    return Topology(
        kind,
        url,
        tuple(hosts),
        service,
        unquote(username) or None,
        unquote(password) if userinfo else None,
        options.pop("tls", "") in ("1", "true", "yes"),
        options,
    )


class _CommandTable(AsyncCommandsParser):
    """redis-py reads the command table (COMMAND) from its default node on every refresh of the
    slot map, and its default node is the primary of slot 0 in CLUSTER SLOTS, which still names
    a primary that died until its replica is promoted. Reading the table from a dead node fails
    the refresh, and with it every call to the rest of the cluster until the failover ends. The
    table does not change while a cluster runs: read it once."""

    async def initialize(self, node: ClusterNode | None = None) -> None:
        if self.commands:
            return
        await super().initialize(node)


class StoreStopped(RedisError):
    """A call on a store that has stopped. Not a ConnectionError: redis-py would retry it (with
    backoff, for each sentinel in turn) as if Redis might come back."""


class Gate:
    """Shut when the store stops. redis-py connects again whenever a closed client is used, so
    a call made after the stop (a timer or a session winding down) would open a socket that
    nothing closes any more: the server's event loop could then not close (uvloop: EBUSY).
    Through a shut gate no connection connects: the call fails at once instead."""

    def __init__(self) -> None:
        self.is_shut = False

    def shut(self) -> None:
        self.is_shut = True

    def guard(self, base: type[Linked]) -> type[Linked]:
        """`base`, connecting only while the gate is open. Every path to a new socket (a
        command, a pipeline, pub/sub, Sentinel's connect_to) goes through
        connect_check_health."""
        gate = self

        class Gated(base):  # type: ignore[valid-type,misc]
            async def connect_check_health(self, *args: Any, **kwargs: Any) -> None:
                if gate.is_shut and not self.is_connected:
                    raise StoreStopped("the session store has stopped")
                await super().connect_check_health(*args, **kwargs)

        Gated.__name__ = Gated.__qualname__ = f"Gated{base.__name__}"
        return Gated


def _retry() -> Retry:
    # A refused or reset connection is retried briefly; a timeout is not (the command may have
    # run: a retry could apply it twice, and it would only wait longer).
    return Retry(ExponentialWithJitterBackoff(base=0.02, cap=0.25), 3, (ConnectionError,))


def connect(topology: Topology, timeout: float, gate: Gate) -> Redis | RedisCluster:
    """A client for the topology; every call on it has a deadline of `timeout` seconds, and
    none connects once `gate` is shut."""
    common: dict[str, Any] = {
        "socket_connect_timeout": timeout,
        "socket_timeout": timeout,
        "health_check_interval": 15,
    }
    if topology.kind == "single":
        # A burst (a room of 300 joining at once) waits a little for a free connection instead
        # of failing at redis-py's default cap.
        pool = BlockingConnectionPool.from_url(
            topology.url, max_connections=64, timeout=2 * timeout, retry=_retry(), **common
        )
        pool.connection_class = gate.guard(pool.connection_class)  # the URL's: TCP, TLS, unix
        return Redis.from_pool(pool)  # owns the pool: aclose() closes it
    auth: dict[str, Any] = {"username": topology.username, "password": topology.password}
    if topology.kind == "cluster":
        cluster = RedisCluster(
            startup_nodes=[ClusterNode(host, port) for host, port in topology.hosts],
            require_full_coverage=False,  # rooms on the other primaries carry on
            max_connections=64,  # per node
            # No retries at the cluster level: redis-py retries a failed pipeline by closing the
            # whole client, which would fail the calls in flight to every other primary too. A
            # call to a primary that is down fails at once; the slot map is refreshed on the
            # next call, and the heartbeat and the phones' resends do the retrying.
            retry=Retry(NoBackoff(), 0),
            ssl=topology.tls,
            **auth,
            **common,
        )
        cluster.commands_parser = _CommandTable()
        # Every node, found now or later, is made from these: the startup nodes were already.
        guarded = gate.guard(SSLConnection if topology.tls else Connection)
        cluster.connection_kwargs["connection_class"] = guarded
        for node in cluster.nodes_manager.startup_nodes.values():
            node.connection_class = guarded
        return cluster
    sentinel = Sentinel(  # type: ignore[no-untyped-call]
        list(topology.hosts),
        sentinel_kwargs={
            "socket_timeout": timeout,
            "socket_connect_timeout": timeout,
            "username": topology.options.get("sentinel_username"),
            "password": topology.options.get("sentinel_password"),
        },
        ssl=topology.tls,
        retry=_retry(),
        **auth,
        **common,
    )
    for asked in sentinel.sentinels:  # asked where the primary is before each new connection
        asked.connection_pool.connection_class = gate.guard(asked.connection_pool.connection_class)
    managed = SentinelManagedSSLConnection if topology.tls else SentinelManagedConnection
    primary: Redis = sentinel.master_for(
        topology.service, redis_class=Redis, connection_class=gate.guard(managed)
    )
    return primary


async def close(client: Redis | RedisCluster) -> None:
    """Close the client and, for Sentinel, its connections to the sentinels. Each is closed even
    when another fails to close cleanly (redis-py raises the first failure of a pool's
    disconnects, e.g. a socket to a primary that died mid-failover, after trying them all);
    the first failure is raised once everything has been tried."""
    sentinel = getattr(getattr(client, "connection_pool", None), "sentinel_manager", None)
    closing = [client.aclose()]
    if isinstance(sentinel, Sentinel):
        closing.append(sentinel.aclose())
    outcomes = await asyncio.gather(*closing, return_exceptions=True)
    failure = next((o for o in outcomes if isinstance(o, BaseException)), None)
    if failure is not None:
        raise failure


async def ping_cluster(cluster: RedisCluster) -> bool:
    """Any primary answers PING; one that does not has the slot map read again on next use."""
    if not cluster.get_primaries():
        await cluster.initialize()
    primaries = cluster.get_primaries()
    answers = await asyncio.gather(
        *(cluster.execute_command("PING", target_nodes=node) for node in primaries),
        return_exceptions=True,
    )
    if not all(a is True for a in answers):
        cluster._initialize = True  # refresh the slot map on the next call
    return any(a is True for a in answers)
