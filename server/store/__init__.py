"""Room stores, chosen by URL: empty or memory:// for the embedded store, redis:// for Redis."""

from __future__ import annotations

from .base import RoomStore


def open_store(url: str, timeout: float = 1.0) -> RoomStore:
    if not url or url.startswith("memory:"):
        from .memory import MemoryStore

        return MemoryStore()
    if url.startswith(("redis://", "rediss://", "unix://")):
        from .redis import RedisStore

        return RedisStore(url, timeout=timeout)
    raise ValueError("store URL must be empty, memory://, redis://, rediss:// or unix://")


__all__ = ["RoomStore", "open_store"]
