"""Shard pub/sub on a Redis Cluster while its connections drop: rooms open and close on a process
at any moment, also while a connection to a primary is being re-made. Every subscribe returns,
every room open at the end hears its publications, a closed one is subscribed nowhere and
forgotten, and no socket is left behind. redis-py's per-primary PubSub is not safe for a change
and a reconnect at once: a subscribe failed inside it, a reconnect re-subscribed a room that had
just closed, a reconnect inside a failed re-subscribe waited for itself, and a socket stayed open
that nothing owned."""

from __future__ import annotations

from redis.asyncio import Redis

from server.store.base import channel
from server.store.pubsub import ShardedFanout
from server.store.redis import RedisStore
from tests.pubsub_churn import churn_rooms, settled
from tests.redis_topologies import RedisClusterSetup


async def test_rooms_subscribing_while_shard_pubsub_connections_drop(
    redis_cluster: RedisClusterSetup,
) -> None:
    store = RedisStore(redis_cluster.url)
    await store.start()
    primaries = [Redis(host="127.0.0.1", port=n.port) for n in redis_cluster.primaries()]

    async def kill_pubsub() -> None:
        for node in primaries:
            await node.client_kill_filter(_type="pubsub")

    async def subscribers(code: str) -> int:
        """Subscriptions to the room's shard channel on every primary together."""
        counts = [
            await node.execute_command("PUBSUB", "SHARDNUMSUB", channel(code))
            for node in primaries
        ]
        return sum(int(count[1]) for count in counts)

    async def pubsub_clients() -> int:
        return sum([len(await node.client_list(_type="pubsub")) for node in primaries])

    try:
        inboxes = await churn_rooms(store, kill_pubsub, subscribers)
        fanout = store.fanout
        assert isinstance(fanout, ShardedFanout)  # it keeps no code of a room it left
        held = {channel(code).encode() for code in inboxes}
        node_pubsubs = fanout.pubsub.node_pubsub_mapping.values()
        assert set().union(*(p.shard_channels for p in node_pubsubs)) == held
        assert set(fanout.pubsub.shard_channels) == held
        # One connection per primary that holds a subscribed room, and no other.
        assert await pubsub_clients() == fanout.connections() <= len(primaries)
    finally:
        await store.stop()
    left = await settled(pubsub_clients, 0)
    for node in primaries:
        await node.aclose()
    assert left == 0, f"{left} pub/sub connections left open after stop"
