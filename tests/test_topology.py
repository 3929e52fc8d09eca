"""Redis URLs: which topology each names, and the mistakes refused before anything connects."""

from __future__ import annotations

import pytest

from server.store import open_store
from server.store.redis import RedisStore
from server.store.topology import parse


def test_one_redis_is_handed_to_redis_py_as_it_is() -> None:
    for url in ("redis://h:6379/0", "rediss://u:p@h:6380/0", "unix:///run/redis.sock"):
        assert parse(url).kind == "single" and parse(url).url == url


def test_a_cluster_url_lists_its_nodes_and_credentials() -> None:
    t = parse("redis+cluster://hearth:s%40cret@10.0.0.5:6379,10.0.0.6:6380,[::1]:6381/?tls=1")
    assert t.kind == "cluster"
    assert t.hosts == (("10.0.0.5", 6379), ("10.0.0.6", 6380), ("::1", 6381))
    assert (t.username, t.password, t.tls) == ("hearth", "s@cret", True)


def test_a_sentinel_url_names_the_monitored_primary() -> None:
    t = parse("redis+sentinel://:pw@s1:26379,s2:26379/hearth?sentinel_password=x")
    assert (t.kind, t.service, t.hosts) == ("sentinel", "hearth", (("s1", 26379), ("s2", 26379)))
    assert (t.username, t.password, t.options) == (None, "pw", {"sentinel_password": "x"})


@pytest.mark.parametrize(
    "url",
    [
        "redis+sentinel://s1:26379/",  # no service name
        "redis+cluster://h1,h2:6379/",  # a host without a port
        "redis+cluster://h1:port/",
        "memcached://h:11211",
    ],
)
def test_malformed_urls_are_refused(url: str) -> None:
    with pytest.raises(ValueError):
        parse(url)


async def test_open_store_takes_every_scheme() -> None:
    for url in ("redis+cluster://127.0.0.1:1/", "redis+sentinel://127.0.0.1:1/hearth"):
        store = open_store(url, timeout=0.1, wait_replicas=1)
        assert isinstance(store, RedisStore) and store.wait_replicas == 1
        await store.stop()  # never started, never connected: closes cleanly
    with pytest.raises(ValueError):
        open_store("memcached://h:11211")
