from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from server.store import RoomStore
from server.store.memory import MemoryStore
from server.store.redis import RedisStore
from tests.support import LiveServer, RedisServer


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer().start()
    yield server
    server.stop()


@pytest.fixture(params=["memory", "redis"])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[RoomStore]:
    backend: RoomStore
    if request.param == "memory":
        backend = MemoryStore()
    else:
        backend = RedisStore(request.getfixturevalue("redis_server").url)
    await backend.start()
    yield backend
    await backend.stop()


@pytest.fixture(params=["memory", "redis"])
def live(request: pytest.FixtureRequest) -> Iterator[LiveServer]:
    redis_url = request.getfixturevalue("redis_server").url if request.param == "redis" else ""
    server = LiveServer.start(redis_url=redis_url)
    yield server
    server.stop()


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    """A redis-server of the test's own, which it may restart or freeze: never the shared one."""
    server = RedisServer().start()
    yield server
    server.stop()


@pytest.fixture
def live_on_own_redis(own_redis: RedisServer) -> Iterator[LiveServer]:
    server = LiveServer.start(redis_url=own_redis.url)
    yield server
    server.stop()
