from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from server.store import RoomStore
from server.store.memory import MemoryStore
from server.store.redis import RedisStore
from tests import support
from tests.redis_topologies import RedisClusterSetup, SentinelSetup
from tests.support import QUICK_BEAT, LiveServer, RedisServer

# Every backend the contract suite, the socket tests and the erasure test run on. The cluster
# (3 primaries + 3 replicas) and Sentinel (1 primary, 1 replica, 3 sentinels) are started once per
# session, on loopback, and only when a test asks for them.
BACKENDS = ["memory", "redis", "cluster", "sentinel"]
REDIS_BACKENDS = ["redis", "cluster", "sentinel"]


# The inner loop: `./deploy/dev test -m fast` runs the unit, protocol and embedded-store tests
# (no Redis, no browser, no subprocess drills); `./deploy/dev test` runs everything.
SLOW_MODULES = {
    "test_bench", "test_deploy", "test_failover", "test_faults", "test_fuzz", "test_launch",
    "test_multihost", "test_redis_conf", "test_redis_topologies_conf", "test_resilience_process",
    "test_resilience_redis", "test_resilience_slow", "test_slow_readers", "test_two_processes",
    "test_wheel", "test_cli_link", "test_logs", "test_source",
}  # fmt: skip
REDIS_FIXTURES = {"redis_server", "redis_cluster", "redis_sentinel", "own_cluster", "own_sentinel"}


def is_fast(item: pytest.Item) -> bool:
    if "tests/browser/" in item.nodeid or item.module is None:  # type: ignore[attr-defined]
        return False
    if item.module.__name__.rpartition(".")[2] in SLOW_MODULES:  # type: ignore[attr-defined]
        return False
    if REDIS_FIXTURES & set(getattr(item, "fixturenames", ())):
        return False
    params = getattr(getattr(item, "callspec", None), "params", {})
    return not any(value in REDIS_BACKENDS for value in params.values())


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if is_fast(item):
            item.add_marker(pytest.mark.fast)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_cluster() -> Iterator[RedisClusterSetup]:
    cluster = RedisClusterSetup().start()
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def redis_sentinel() -> Iterator[SentinelSetup]:
    setup = SentinelSetup().start()
    yield setup
    setup.stop()


def redis_url(request: pytest.FixtureRequest, backend: str) -> str:
    """The URL of a session-wide Redis of that kind ('' for the embedded store)."""
    fixture = {"redis": "redis_server", "cluster": "redis_cluster", "sentinel": "redis_sentinel"}
    if backend == "memory":
        return ""
    url: str = request.getfixturevalue(fixture[backend]).url
    return url


def wait_replicas(backend: str) -> int:
    """What docs/operations.md recommends: each write on a replica before its ack, where there
    are replicas."""
    return 1 if backend in ("cluster", "sentinel") else 0


def deadline(backend: str) -> float:
    """Replicas on a loaded CI machine may take longer than the default 1 s deadline (WAIT gets
    half of it) to confirm; tests of other things than that deadline give them 3 s."""
    return 3.0 if wait_replicas(backend) else 1.0


@pytest.fixture(params=BACKENDS)
async def store(request: pytest.FixtureRequest) -> AsyncIterator[RoomStore]:
    backend: RoomStore
    if request.param == "memory":
        backend = MemoryStore()
    else:
        url = redis_url(request, request.param)
        backend = RedisStore(
            url, timeout=deadline(request.param), wait_replicas=wait_replicas(request.param)
        )
    await backend.start()
    yield backend
    await backend.stop()


@pytest.fixture(params=["memory", "redis"])  # a test may ask for "cluster" or "sentinel" too
def live(request: pytest.FixtureRequest) -> Iterator[LiveServer]:
    url = redis_url(request, request.param)
    server = LiveServer.start(
        redis_url=url,
        redis_wait_replicas=wait_replicas(request.param),
        redis_timeout_seconds=deadline(request.param),
    )
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
    server = LiveServer.start(redis_url=own_redis.url, heartbeat_seconds=QUICK_BEAT)
    yield server
    server.stop()


@pytest.fixture(params=["fast", "asgi"])
def both_paths(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The socket suite on both transports: the fast path (server/transport/fast.py, how `hearth
    serve` runs) and the ASGI path (uvicorn's own protocol; server/transport/asgi.py). A module opts
    in with `pytestmark = pytest.mark.usefixtures("both_paths")`, before its `live` server."""
    if request.param == "asgi":
        fast = support.uvicorn_options
        monkeypatch.setattr(
            support, "uvicorn_options", lambda s: {**fast(s), "ws": "websockets-sansio"}
        )
    return str(request.param)
