"""Room stores, chosen by URL: empty or memory:// for the embedded store; redis://, rediss:// or
unix:// for one Redis, redis+cluster:// for a Redis Cluster, redis+sentinel:// for Sentinel."""

from __future__ import annotations

from server.store.base import RoomStore

REDIS_SCHEMES = ("redis://", "rediss://", "unix://", "redis+cluster://", "redis+sentinel://")


def open_store(url: str, timeout: float = 1.0, wait_replicas: int = 0) -> RoomStore:
    if not url or url.startswith("memory:"):
        from server.store.memory import MemoryStore

        return MemoryStore()
    if url.startswith(REDIS_SCHEMES):
        from server.store.redis import RedisStore

        return RedisStore(url, timeout=timeout, wait_replicas=wait_replicas)
    raise ValueError("store URL must be empty, memory:// or one of " + ", ".join(REDIS_SCHEMES))


__all__ = ["RoomStore", "open_store"]
