"""The WebSocket endpoint under abuse: foreign origins, oversized frames, compression, floods,
too many sockets, unknown fields. Each abuse ends only the abuser; the room carries on."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
import websockets
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.support import Client, LiveServer

# The socket suite runs on the fast path and on the ASGI path (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("both_paths")


async def still_works(live: LiveServer, room: dict[str, Any], *clients: Client) -> None:
    """Every bystander still gets answers, and the server still takes new sockets."""
    for client in clients:
        if client.view["room"].get("cap") is not None:  # the facilitator: commands still run
            assert (await client.command({"type": "configure", "k": 4}))["type"] == "ack"
        await client.send({"type": "ping", "t": 1.0})
        assert (await client.expect("pong"))["t"] == 1.0
    newcomer = await Client.join(live, room, "participant")
    await newcomer.close()


async def closed_with(client: Client) -> tuple[int | None, list[dict[str, Any]]]:
    """Read until the server closes; return its close code and what it sent first."""
    received = []
    try:
        while True:
            received.append(json.loads(await asyncio.wait_for(client.ws.recv(), 30)))
    except ConnectionClosed as exc:
        return (exc.rcvd.code if exc.rcvd else None), received


@pytest.fixture(scope="module")
def server() -> Any:
    live = LiveServer.start(allowed_origins="https://console.example.org")
    yield live
    live.stop()


@pytest.mark.parametrize(
    "origin", ["http://evil.example", "null", "http://127.0.0.1:1", "https://127.0.0.1"]
)
async def test_foreign_origin_is_refused_at_the_handshake(server: LiveServer, origin: str) -> None:
    with pytest.raises(InvalidStatus) as refused:
        await websockets.connect(server.ws_url, origin=origin)  # type: ignore[arg-type]
    assert refused.value.response.status_code == 403


async def test_missing_origin_is_refused_at_the_handshake(server: LiveServer) -> None:
    with pytest.raises(InvalidStatus) as refused:
        await websockets.connect(server.ws_url)  # websockets sends no Origin unless asked
    assert refused.value.response.status_code == 403


async def test_same_and_allowed_origins_are_accepted(server: LiveServer) -> None:
    room = await server.create_room()
    for origin in (server.base_url, "https://console.example.org"):
        client = await Client.connect(
            server.ws_url,
            origin=origin,
            role="display",
            code=room["code"],
            credential=room["display_credential"],
        )
        assert (await client.expect("welcome"))["role"] == "display"
        await client.close()


async def test_per_message_deflate_is_not_negotiated(server: LiveServer) -> None:
    ws = await websockets.connect(server.ws_url, origin=server.base_url, compression="deflate")  # type: ignore[arg-type]
    try:
        assert "permessage-deflate" in ws.request.headers["Sec-WebSocket-Extensions"]
        assert "Sec-WebSocket-Extensions" not in ws.response.headers
    finally:
        await ws.close()


async def test_oversized_message_is_closed_with_1009(server: LiveServer) -> None:
    room = await server.create_room()
    facilitator = await Client.join(server, room, "facilitator")
    phone = await Client.join(server, room, "participant")
    abuser = await Client.join(server, room, "participant")
    limit = server.settings.max_message_bytes
    assert limit == 16 * 1024
    await abuser.ws.send(json.dumps({"type": "ping", "t": 1, "pad": "x" * limit}))
    code, _ = await closed_with(abuser)
    assert code == 1009
    # just under the limit is read (and refused for its unknown field, not for its size)
    await phone.send({"type": "ping", "t": 1, "pad": "x" * (limit - 100)})
    assert (await phone.expect("error"))["code"] == "invalid"
    await still_works(server, room, facilitator, phone)


async def test_unknown_fields_are_rejected_by_name(server: LiveServer) -> None:
    room = await server.create_room()
    facilitator = await Client.join(server, room, "facilitator")
    phone = await Client.join(server, room, "participant")
    await phone.send({"type": "ping", "t": 1, "is_admin": True})
    err = await phone.expect("error")
    assert err["code"] == "invalid" and "is_admin" in err["message"], err
    reply = await facilitator.command(
        {"type": "open", "activity": {"kind": "prompt", "text": "Hi"}, "sneaky": 1}
    )
    assert reply["type"] == "error" and "sneaky" in reply["message"], reply
    reply = await facilitator.command(
        {"type": "open", "activity": {"kind": "prompt", "text": "Hi", "script": "<x>"}}
    )
    assert reply["type"] == "error" and "script" in reply["message"], reply
    for bad in ("not json", "[]", '{"type": "nope"}', '{"no": "type"}', "\x00" * 10):
        await phone.ws.send(bad)
        err = await phone.expect("error")
        assert err["code"] == "invalid", (bad, err)
    await phone.ws.send(b"\xff\xfe binary garbage")
    assert (await phone.expect("error"))["code"] == "invalid"
    # a hello with an unknown field never joins, and is told why
    stranger = await Client.connect(
        server.ws_url, role="participant", code=room["code"], admin=True
    )
    code, received = await closed_with(stranger)
    assert code == 4400 and "admin" in received[0]["message"]
    await still_works(server, room, facilitator, phone)


@pytest.mark.parametrize("kind", ["ping", "answer"])
async def test_a_flood_is_throttled_then_closed_with_1008(kind: str) -> None:
    """Pings, and answers (which the fast path handles without a coroutine, its own way to the
    same rate limit): the burst passes, the rest is dropped with slow_down naming the request,
    then the socket is closed."""
    live = LiveServer.start(rate_per_second=1.0, rate_burst=5)
    try:
        room = await live.create_room()
        facilitator = await Client.join(live, room, "facilitator")
        phone = await Client.join(live, room, "participant")
        abuser = await Client.join(live, room, "participant")
        poll = {"kind": "poll", "text": "Q?", "options": ["a", "b"]}
        assert (await facilitator.command({"type": "open", "activity": poll}))["type"] == "ack"
        view = await abuser.until_view(lambda v: v["activity"] is not None)
        message: dict[str, Any] = {"type": "ping", "t": 0.0}
        passed = "pong"
        if kind == "answer":
            value = {"kind": "choice", "option": 0}
            message = {"type": "answer", "activity": view["activity"]["id"], "value": value}
            message["ballot"], passed = "b" * 22, "ack"
        # Send until the server hangs up: however slowly a loaded machine reads them, the bucket
        # refills at one a second, so a flood this size always runs it dry.
        for i in range(5000):
            try:
                await abuser.send({**message, "id": i} if kind == "answer" else message)
            except ConnectionClosed:
                break
        code, received = await closed_with(abuser)
        received = [m for m in received if m["type"] not in ("update", "progress", "snapshot")]
        kinds = [m["type"] for m in received]
        assert passed in kinds, kinds  # the burst passes
        slowed = [m for m in received if m["type"] == "error"]
        assert slowed and all(m["code"] == "slow_down" for m in slowed), kinds
        assert kinds.index(passed) < kinds.index("error")
        if kind == "answer":  # each dropped answer is named, so a phone knows to send it again
            assert all(isinstance(m.get("id"), int) for m in slowed), slowed[:3]
        assert code == 1008
        await still_works(live, room, facilitator, phone)
    finally:
        live.stop()


async def test_a_dropped_request_is_named_in_its_slow_down_error() -> None:
    """A console that sends faster than the limit is told which request was dropped (its id),
    so it stops waiting for that ack; the requests that passed are acknowledged."""
    live = LiveServer.start(rate_per_second=1.0, rate_burst=3)
    try:
        room = await live.create_room()
        facilitator = await Client.join(live, room, "facilitator")
        ids = list(range(100, 106))
        for request_id in ids:  # six at once against a bucket of three
            await facilitator.send({"type": "clear", "id": request_id})
        replies = [
            await facilitator.expect_where(lambda m, i=i: m.get("id") == i) for i in ids
        ]
        kinds = [(r["type"], r.get("code")) for r in replies]
        assert ("ack", None) in kinds and ("error", "slow_down") in kinds, kinds
    finally:
        live.stop()


async def test_sockets_per_room_are_capped() -> None:
    live = LiveServer.start(max_sockets_per_room=3)
    try:
        room = await live.create_room()
        facilitator = await Client.join(live, room, "facilitator")
        display = await Client.join(live, room, "display")
        phone = await Client.join(live, room, "participant")
        extra = await Client.connect(
            live.ws_url, role="display", code=room["code"], credential=room["display_credential"]
        )
        code, received = await closed_with(extra)
        assert code == 4429 and received[-1]["code"] == "room_full", received
        for client in (facilitator, display, phone):
            await client.send({"type": "ping", "t": 2.0})
            assert (await client.expect("pong"))["t"] == 2.0
        # another room is not affected by this one's cap
        other = await live.create_room()
        assert (await Client.join(live, other, "display")).view["room"]["code"] == other["code"]
        # and a seat freed is a seat again
        await phone.close()
        again = await Client.join(live, room, "display")
        assert again.view["room"]["code"] == room["code"]
    finally:
        live.stop()


async def test_participants_cannot_pose_as_facilitator(server: LiveServer) -> None:
    room = await server.create_room()
    phone = await Client.join(server, room, "participant")
    for role in ("facilitator", "display"):
        impostor = await Client.connect(
            server.ws_url, role=role, code=room["code"], credential=phone.token
        )
        code, received = await closed_with(impostor)
        assert code == 4401 and received[0]["code"] == "unauthorised"
    reply = await phone.command({"type": "end"})
    assert reply["code"] == "forbidden"
    await still_works(server, room, phone)


async def test_a_message_that_looks_like_an_answer_costs_one_token_of_the_rate_limit() -> None:
    """The fast path takes an answer's token before validating it; one that turns out not to
    be a valid answer goes on to the coroutine path with its token given back, so it is told
    what is wrong (not slow_down) and costs one token, like every other message."""
    live = LiveServer.start(rate_per_second=0.01, rate_burst=4)
    try:
        room = await live.create_room()
        phone = await Client.join(live, room, "participant")
        for request_id in range(4):  # the whole burst, each "answer" missing its fields
            await phone.send({"type": "answer", "id": request_id, "activity": "x"})
        codes = [(await phone.expect("error"))["code"] for _ in range(4)]
        assert codes == ["invalid"] * 4, codes
    finally:
        live.stop()
