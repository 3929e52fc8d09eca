"""Redis that restarts (keeping nothing, by design) or cannot be reached: screens are told, nothing
empty or partial is shown as real, the server never crash-loops, and service resumes by itself."""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import websockets
from redis.asyncio import Redis
from redis.exceptions import ConnectionError, ResponseError

from server.domain.codes import digest
from server.domain.rooms import new_room
from server.store import pubsub as pubsub_module
from server.store.base import channel
from server.store.connection_io import UNREAD, next_reply
from server.store.pubsub import PlainFanout
from server.store.redis import RedisStore
from tests.proxy import Proxy
from tests.pubsub_churn import churn_rooms, settled
from tests.support import QUICK_BEAT, Client, LiveServer, RedisServer, ServeProcess

POLL = {"kind": "poll", "text": "What helps most this week?", "options": ["Rest", "Talk", "Walk"]}
ONE_BEAT = QUICK_BEAT + 1.0  # "within one heartbeat", with a second for the machine


def restart(redis: RedisServer) -> None:
    """Stop and start redis-server on the same port: it comes back empty (it keeps nothing)."""
    redis.stop()
    redis.start()


async def everything_until(client: Client, kind: str, timeout: float) -> list[dict[str, Any]]:
    """Every message up to and including the first of `kind`."""
    seen = list(client.inbox)
    client.inbox.clear()
    while not seen or seen[-1]["type"] != kind:
        seen.append(await client.receive(timeout))
    return seen


async def test_pubsub_resubscribes_every_room_after_a_restart(own_redis: RedisServer) -> None:
    store = RedisStore(own_redis.url)
    await store.start()
    try:
        inboxes: dict[str, asyncio.Queue[bytes]] = {
            c: asyncio.Queue() for c in ("CDFGHJ", "JKMNPQ")
        }
        for code, inbox in inboxes.items():
            await store.subscribe(code, inbox.put_nowait)
        back = asyncio.Event()
        store.on_reconnect(back.set)
        await store.publish("CDFGHJ", b"before")
        assert await asyncio.wait_for(inboxes["CDFGHJ"].get(), 5) == b"before"

        restart(own_redis)
        await asyncio.wait_for(back.wait(), 10)  # the listener reconnected and re-subscribed
        for code, inbox in inboxes.items():
            await store.publish(code, b"after " + code.encode())
            assert await asyncio.wait_for(inbox.get(), 5) == b"after " + code.encode()
    finally:
        await store.stop()


async def test_pubsub_reader_outlives_any_failure_and_the_store_still_stops(
    own_redis: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """redis-py reconnecting over a transport uvloop has closed raises RuntimeError (seen when a
    Sentinel primary was killed), and a race inside redis-py can raise anything. The reader must
    go on reading whatever it met (else this process no longer hears the others' commits), and
    stop() must close every connection (else the event loop cannot close, and the server's
    shutdown fails)."""
    store = RedisStore(own_redis.url)
    await store.start()
    fanout = store.fanout
    assert isinstance(fanout, PlainFanout)
    failure: list[Exception] = []
    failed = asyncio.Event()

    async def failing(connection: Any, wait_seconds: float) -> Any:
        if failure:
            failed.set()
            raise failure.pop()
        return await next_reply(connection, wait_seconds)

    try:
        inbox: asyncio.Queue[bytes] = asyncio.Queue()
        await store.subscribe("CDFGHJ", inbox.put_nowait)
        monkeypatch.setattr(pubsub_module, "next_reply", failing)
        for odd in (RuntimeError("the handler is closed"), AttributeError("writelines")):
            failed.clear()
            failure.append(odd)
            await asyncio.wait_for(failed.wait(), 5)  # the reader's next read met it
            said = b"after " + type(odd).__name__.encode()
            await store.publish("CDFGHJ", said)
            assert await asyncio.wait_for(inbox.get(), 5) == said
        assert fanout._reader is not None and not fanout._reader.done()
    finally:
        await store.stop()
    async with Redis.from_url(own_redis.url) as probe:
        clients = await probe.client_list()
    assert len(clients) == 1, clients  # the probe alone: the store closed all of its own


async def test_a_subscriber_reads_straight_from_its_connection(own_redis: RedisServer) -> None:
    """next_reply, the pub/sub reader's short way: a message as Redis sent it, None when quiet,
    and a connection Redis closed is disconnected (redis-py's own read connects it again)."""
    client = Redis.from_url(own_redis.url)
    pubsub = client.pubsub()
    try:
        await pubsub.subscribe("hearth:{CDFGHJ}:ch")
        connection = pubsub.connection
        assert connection is not None
        assert await next_reply(connection, 1) == [b"subscribe", b"hearth:{CDFGHJ}:ch", 1]
        assert await next_reply(connection, 0.05) is None  # nothing more said
        await client.publish("hearth:{CDFGHJ}:ch", b"one")
        await client.publish("hearth:{CDFGHJ}:ch", b"two")
        assert await next_reply(connection, 1) == [b"message", b"hearth:{CDFGHJ}:ch", b"one"]
        assert await next_reply(connection, 1) == [b"message", b"hearth:{CDFGHJ}:ch", b"two"]
        await client.client_kill_filter(_type="pubsub")
        with pytest.raises(ConnectionError):
            await next_reply(connection, 1)
        assert not connection.is_connected
        assert await next_reply(connection, 1) is UNREAD
        # redis-py's read connects again and re-subscribes; then the short way reads on.
        assert (await pubsub.get_message(timeout=1))["type"] == "subscribe"  # type: ignore[index]
        await client.publish("hearth:{CDFGHJ}:ch", b"three")
        assert await next_reply(connection, 1) == [b"message", b"hearth:{CDFGHJ}:ch", b"three"]
    finally:
        await pubsub.aclose()  # type: ignore[no-untyped-call]
        await client.aclose()


async def test_a_reply_read_straight_reaches_its_room_and_a_refusal_is_logged(
    own_redis: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    client = Redis.from_url(own_redis.url)
    fanout = PlainFanout(client)
    heard: list[bytes] = []
    fanout.handlers["hearth:{CDFGHJ}:ch"] = heard.append
    fanout.dispatch_reply([b"message", b"hearth:{CDFGHJ}:ch", b"doc"])
    fanout.dispatch_reply([b"message", b"hearth:{OTHERS}:ch", b"not ours"])
    fanout.dispatch_reply([b"subscribe", b"hearth:{CDFGHJ}:ch", 1])
    fanout.dispatch_reply([b"pong", b""])
    assert heard == [b"doc"]
    fanout.dispatch_reply(ResponseError("NOPERM this user has no permissions to the channel"))
    assert [r.getMessage() for r in caplog.records if r.name == "hearth.store"] == [
        "redis pub/sub refused a command (ResponseError)"  # the type only, never the text
    ]
    await client.aclose()


async def test_rooms_subscribing_while_the_pubsub_connection_drops(own_redis: RedisServer) -> None:
    """Rooms open and close on a process at any moment, also while its pub/sub connection is
    being re-made: every subscribe returns, every room open at the end hears its publications,
    a closed one does not, and no socket is left behind (two tasks reconnecting one redis-py
    connection each opened a socket, and one of them stayed open, owned by nothing)."""
    store = RedisStore(own_redis.url)
    await store.start()
    probe = Redis.from_url(own_redis.url)

    async def subscribers(code: str) -> int:
        ((_, count),) = await probe.pubsub_numsub(channel(code))
        return int(count)

    try:
        inboxes = await churn_rooms(
            store, lambda: probe.client_kill_filter(_type="pubsub"), subscribers
        )
        # A room that opens and closes on a settled connection.
        await store.subscribe("LASTRM", lambda data: None)
        await store.unsubscribe("LASTRM")
        fanout = store.fanout
        assert isinstance(fanout, PlainFanout)  # it keeps no code of a room it left
        assert not fanout.pubsub.pending_unsubscribe_channels
        assert set(fanout.pubsub.channels) == {channel(code).encode() for code in inboxes}
        assert len(await probe.client_list(_type="pubsub")) == 1
    finally:
        await store.stop()

    async def clients() -> int:
        return len(await probe.client_list())

    left = await settled(clients, 1)  # the probe alone
    await probe.aclose()
    assert left == 1, f"{left - 1} connections left open after stop"


async def test_restart_ends_the_session_as_lost_on_every_screen(
    own_redis: RedisServer, live_on_own_redis: LiveServer
) -> None:
    live = live_on_own_redis
    room = await live.create_room(k=3)
    facilitator = await Client.join(live, room, "facilitator")
    display = await Client.join(live, room, "display")
    phones = [await Client.join(live, room, "participant") for _ in range(3)]
    await facilitator.command({"type": "open", "activity": POLL})
    aid = (await phones[0].until_view(lambda v: v["activity"] is not None))["activity"]["id"]
    for phone in phones:
        reply = await phone.command(
            {
                "type": "answer",
                "activity": aid,
                "ballot": secrets.token_urlsafe(16),
                "value": {"kind": "choice", "option": 0},
            }
        )
        assert reply["type"] == "ack"
    await facilitator.expect_where(lambda m: m["type"] == "progress" and m["answered"] == 3)

    for client in (facilitator, display, *phones):
        client.inbox.clear()  # what came before the restart is not what is judged here
    restart(own_redis)
    # A reveal now would read an empty tally: it must never be acknowledged or shown as results.
    await facilitator.send({"type": "reveal", "id": 77})
    with contextlib.suppress(websockets.ConnectionClosed):  # (it may be told "lost" first)
        await phones[1].send({"type": "pause", "on": True})  # makes the console recount

    for client in (facilitator, display, *phones):
        seen = await everything_until(client, "ended", ONE_BEAT)
        assert seen[-1]["reason"] == "lost", seen[-1]
        for message in seen:
            assert not (message["type"] == "ack" and message["id"] == 77)
            assert not (message["type"] == "update" and message["changes"].get("results"))
            assert not (message["type"] == "progress" and message["answered"] < 3), message
    assert await live.acall(live.service.store.key_ttls()) == {}  # nothing was written back


async def test_a_reused_code_is_never_taken_for_the_old_room(
    own_redis: RedisServer, live_on_own_redis: LiveServer
) -> None:
    live = live_on_own_redis
    room = await live.create_room(k=3)
    display = await Client.join(live, room, "display")
    phone = await Client.join(live, room, "participant")
    epoch = display.view["room"]["epoch"]
    restart(own_redis)
    assert (await display.expect("ended", ONE_BEAT))["reason"] == "lost"

    # Another session now gets the same code (after the restart, the code is free again).
    other = new_room(room["code"], digest("f" * 24), digest("d" * 24), k=7, cap=300)
    other.version = 40
    store = RedisStore(own_redis.url)
    try:
        assert await store.create(room["code"], other.model_dump_json().encode(), 600)
    finally:
        await store.stop()
    # The phone comes back with its token and the epoch it knew: told the room is lost, not
    # joined to a stranger's session.
    again = await Client.connect(
        live.ws_url, role="participant", code=room["code"], credential=phone.token, epoch=epoch
    )
    ended = await again.expect("ended")
    assert ended["reason"] == "lost"
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await again.receive(5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4404


@pytest.mark.parametrize("live", ["memory"], indirect=True)
async def test_a_publication_from_another_epoch_ends_the_room_at_once(live: LiveServer) -> None:
    room = await live.create_room(k=3)
    display = await Client.join(live, room, "display")
    store = live.service.store
    other = new_room(room["code"], digest("f" * 24), digest("d" * 24), k=7, cap=300)
    other.version = 40

    async def replace_room() -> None:
        await store.erase(room["code"])
        await store.create(room["code"], other.model_dump_json().encode(), 600)
        newer = other.model_copy(update={"version": 41})
        await store.commit(room["code"], 40, newer.model_dump_json().encode(), None, 600)

    await live.acall(replace_room())
    beat = live.settings.heartbeat_seconds
    seen = await everything_until(display, "ended", beat / 2)  # not the heartbeat
    assert seen[-1]["reason"] == "lost"
    assert all(m["type"] != "update" for m in seen)  # k=7 was never shown as this room's


async def test_redis_down_at_start_then_back(own_redis: RedisServer) -> None:
    own_redis.stop()
    server = ServeProcess(own_redis.url).start(wait=False)
    try:
        async with httpx.AsyncClient(base_url=server.base_url) as http:
            for _ in range(400):  # the process serves (livez) although Redis is down
                try:
                    if (await http.get("/livez")).status_code == 200:
                        break
                except httpx.HTTPError:
                    await asyncio.sleep(0.05)
            health = await http.get("/healthz")
            assert health.status_code == 503 and health.json()["ready"] is False
            created = await http.post(
                "/api/rooms", headers={"Authorization": f"Bearer {server.host_secret}"}
            )
            assert created.status_code == 503 and created.json()["error"] == "unavailable"
            # a screen gets an error frame and "try again later", not a dropped socket
            ws = await websockets.connect(server.ws_url, origin=server.base_url)
            await ws.send(json.dumps({"type": "hello", "role": "participant", "code": "CDFGHJ"}))
            frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
            assert frame["type"] == "error" and frame["code"] == "unavailable"
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), 5)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1013

            own_redis.start()  # same port
            for _ in range(200):
                if (await http.get("/healthz")).status_code == 200:
                    break
                await asyncio.sleep(0.05)
            room = await server.create_room(k=3)
            client = await Client.connect(
                server.ws_url,
                role="display",
                code=room["code"],
                credential=room["display_credential"],
            )
            assert (await client.expect("snapshot"))["view"]["room"]["code"] == room["code"]
            await client.close()
        assert server.process is not None and server.process.poll() is None  # never exited
    finally:
        output = server.stop()
    assert "not reachable" in output or "not answering" in output  # a clear line in the log
    assert "Traceback" not in output, output


@pytest.fixture
async def outage() -> AsyncIterator[tuple[RedisServer, Proxy]]:
    redis = RedisServer().start()
    proxy = await Proxy(redis.port).start()  # the only road from one server to Redis
    yield redis, proxy
    await proxy.stop()
    redis.stop()


async def test_redis_unreachable_mid_session_then_back(
    outage: tuple[RedisServer, Proxy],
) -> None:
    redis, proxy = outage
    # (started from a thread: the proxy it reaches Redis through runs on this test's loop)
    cut_off = await asyncio.to_thread(
        LiveServer.start,
        redis_url=f"redis://127.0.0.1:{proxy.port}/0",
        heartbeat_seconds=QUICK_BEAT,
    )
    # a second process that keeps its Redis
    other = LiveServer.start(redis_url=redis.url, heartbeat_seconds=QUICK_BEAT)
    try:
        room = await other.create_room(k=3)
        facilitator = await Client.join(other, room, "facilitator")
        display = await Client.join(cut_off, room, "display")
        phone = await Client.join(cut_off, room, "participant")
        await facilitator.command({"type": "open", "activity": POLL})
        aid = (await phone.until_view(lambda v: v["activity"] is not None))["activity"]["id"]

        proxy.hold = True
        proxy.cut()
        # within one heartbeat both screens are told; the socket stays open
        for client in (display, phone):
            told = await client.expect_where(
                lambda m: m["type"] == "error" and m["code"] == "unavailable", ONE_BEAT
            )
            assert told["id"] is None
        ballot = secrets.token_urlsafe(16)
        answer = {
            "type": "answer",
            "activity": aid,
            "ballot": ballot,
            "value": {"kind": "choice", "option": 2},
        }
        refused = await phone.command(answer)
        assert refused["type"] == "error" and refused["code"] == "unavailable"
        async with httpx.AsyncClient(base_url=cut_off.base_url) as http:
            assert (await http.get("/healthz")).status_code == 503

        proxy.hold = False  # Redis is reachable again, with everything still in it
        for client in (display, phone):
            await client.expect("reconnect", 10)  # come back for a fresh snapshot
        display = await Client.join(cut_off, room, "display")
        phone_again = await Client.join(cut_off, room, "participant", token=phone.token)
        assert phone_again.token == phone.token
        ack = await phone_again.command(answer)
        assert ack["type"] == "ack"
        # updates published by the other process reach this one again
        await facilitator.command({"type": "screen", "blank": True})
        await display.until_view(lambda v: v["screen"]["blank"])
        await facilitator.expect_where(lambda m: m["type"] == "progress" and m["answered"] == 1)
        assert not any(m["type"] == "ended" for m in display.inbox + phone_again.inbox)
    finally:
        cut_off.stop()
        other.stop()
