"""deploy/redis.conf and its ACL: Hearth works through the restricted user, nothing reaches the
disk, and what an operator or an intruder with the app's password must not do is refused."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis
from redis.exceptions import AuthenticationError, ResponseError

from server.service import tickets
from server.store.redis import RedisStore
from tests.deploy_support import ACL_TEMPLATE, REPO, HardenedRedis, connect, whole_session
from tests.support import LiveServer

REFUSED = re.compile(
    r"no permissions|DEBUG command not allowed|can't access|can't run this command"
)


@pytest.fixture
def hardened(tmp_path: Path) -> Iterator[HardenedRedis]:
    server = HardenedRedis(tmp_path).start()
    yield server
    server.stop()


@pytest.fixture
async def app_client(hardened: HardenedRedis) -> AsyncIterator[Redis]:
    client = Redis.from_url(hardened.url(), decode_responses=True)
    yield client
    await client.aclose()


async def test_a_whole_session_through_the_acl_user_leaves_nothing(
    hardened: HardenedRedis, app_client: Redis
) -> None:
    live = LiveServer.start(redis_url=hardened.url())
    try:
        async with httpx.AsyncClient(base_url=live.base_url) as http:
            health = await http.get("/healthz")
        assert health.status_code == 200 and health.json()["ready"] is True
        room = await live.create_room(k=3)
        receipt = await whole_session(lambda role, _: connect(live.ws_url, room, role))
    finally:
        live.stop()
    assert receipt["deleted"] > 0 and receipt["remaining"] == 0
    assert [k async for k in app_client.scan_iter(match="*")] == []
    log = hardened.stop()
    # No RDB or AOF, not even at shutdown: the data directory stays empty.
    assert list(hardened.data_dir.iterdir()) == []
    assert "DB saved on disk" not in log and "Saving" not in log


async def test_a_slow_script_call_leaves_its_arguments_nowhere(tmp_path: Path) -> None:
    """Redis's slow log keeps the arguments of commands that ran long, and an answer's script
    call names the phone's token digest beside its ballot: deploy/redis.conf keeps none. An
    operator (a user the ACL allows everything, added for this test) finds an empty log after a
    call that took far longer than the default threshold of 10 ms."""
    server = HardenedRedis(tmp_path)
    with server.acl.open("a") as acl:
        acl.write("user operator on >operator-password ~* &* +@all\n")
    server.start()
    app = Redis.from_url(server.url())
    operator = Redis.from_url(server.url("operator", "operator-password"))
    try:
        slow = "local x = 0 for i = 1, 20000000 do x = x + i end return ARGV[1]"
        assert await app.eval(slow, 0, "who-digest|ballot") == b"who-digest|ballot"
        assert await operator.slowlog_len() == 0
        assert await operator.slowlog_get() == []
    finally:
        await app.aclose()
        await operator.aclose()
        server.stop()


@pytest.mark.parametrize(
    "command",
    [
        ("CONFIG", "GET", "*"),
        ("CONFIG", "SET", "save", "60 1"),
        ("KEYS", "*"),
        ("FLUSHALL",),
        ("FLUSHDB",),
        ("DEBUG", "SLEEP", "0"),
        ("MONITOR",),
        ("SAVE",),
        ("BGSAVE",),
        ("BGREWRITEAOF",),
        ("SHUTDOWN", "NOSAVE"),
        ("MODULE", "LIST"),
        ("ACL", "LIST"),
        ("CLIENT", "LIST"),
        ("INFO",),
        ("REPLICAOF", "127.0.0.1", "1"),
        ("MIGRATE", "127.0.0.1", "1", "hearth:x", "0", "100"),
        ("SET", "elsewhere:x", "1"),
        ("GET", "elsewhere:x"),
        ("PUBLISH", "elsewhere", "hello"),
        ("EVAL", "return redis.call('SET', 'elsewhere:x', '1')", "0"),
        ("EVAL", "return redis.call('FLUSHALL')", "0"),
        ("SCRIPT", "FLUSH"),  # SCRIPT LOAD is allowed (a node that lost the scripts), no more
        ("SCRIPT", "KILL"),
    ],
    ids=lambda c: " ".join(c[:2]),
)
async def test_the_app_user_is_refused(
    hardened: HardenedRedis, app_client: Redis, command: tuple[str, ...]
) -> None:
    with pytest.raises(ResponseError) as refused:
        await app_client.execute_command(*command)
    # NOPERM from the ACL, or refused outright by the config (DEBUG), or inside a script.
    assert REFUSED.search(str(refused.value)), refused.value
    # The same connection still does what Hearth needs, and Redis is still up.
    assert await app_client.set("hearth:{ABCDEF}:probe", "1", ex=5)
    assert await app_client.ping()


async def test_the_default_user_and_wrong_passwords_get_nothing(hardened: HardenedRedis) -> None:
    for url in (
        f"redis://127.0.0.1:{hardened.port}/0",
        hardened.url(user="default", password=""),
        hardened.url(password="not-the-password"),
    ):
        client = Redis.from_url(url)
        with pytest.raises((AuthenticationError, ResponseError)):
            await client.get("hearth:x")
        await client.aclose()


async def test_the_acl_template_refuses_to_start_until_rendered(tmp_path: Path) -> None:
    server = HardenedRedis(tmp_path)
    server.acl = ACL_TEMPLATE  # the placeholder as committed: not a password anyone can use
    with pytest.raises(RuntimeError, match="password hash"):
        server.start()


async def test_one_time_links_work_through_the_acl_user(hardened: HardenedRedis) -> None:
    store = RedisStore(hardened.url())
    await store.start()
    try:
        ticket = await tickets.mint(store, tickets.Grant("host", None, "a-host-secret"), 60)
        grant = await tickets.redeem(store, ticket)
        assert grant is not None and grant.credential == "a-host-secret"
        assert await tickets.redeem(store, ticket) is None  # spent
    finally:
        await store.stop()


async def test_the_app_user_may_load_the_scripts(app_client: Redis) -> None:
    """After a restart or a failover the Batch loads every script at once (server/store/batch.py):
    the ACL must let it, or the loading fails (a warning) and a burst may run out of order."""
    sha = await app_client.script_load("return 1")
    assert len(sha) == 40


def test_the_acl_allows_every_command_the_lua_scripts_call() -> None:
    """A script calling a command the ACL lacks fails only at run time, inside Redis: catch it here."""
    called = set()
    for source in (REPO / "server").rglob("*.py"):
        called |= {c.lower() for c in re.findall(r"\bcall\('([A-Za-z]+)'", source.read_text())}
    allowed = set(re.findall(r" \+([a-z|]+)", ACL_TEMPLATE.read_text()))
    assert called and called <= allowed, called - allowed
