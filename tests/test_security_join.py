"""Join-code guessing: failed attempts are limited per client address, held in memory only as
keyed hashes, forgotten within a minute; a wrong code answers exactly like an ended or expired
room."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from server.domain.codes import CODE_ALPHABET
from server.http.auth import AttemptLimiter
from tests.support import Client, LiveServer

# The socket suite runs on both transports (tests/conftest.py both_paths).
pytestmark = pytest.mark.usefixtures("both_paths")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_limiter_blocks_after_the_limit_and_forgets() -> None:
    clock = Clock()
    limiter = AttemptLimiter(3, window=60.0, clock=clock)
    for _ in range(3):
        assert not limiter.blocked("203.0.113.7")
        limiter.failed("203.0.113.7")
    assert limiter.blocked("203.0.113.7")
    assert not limiter.blocked("203.0.113.8")  # per address
    clock.now += 59
    assert limiter.blocked("203.0.113.7")
    clock.now += 1
    assert not limiter.blocked("203.0.113.7")  # forgotten after the window
    assert len(limiter) == 0  # and gone from memory, not just ignored


def test_limiter_keeps_no_address_and_stays_bounded() -> None:
    limiter = AttemptLimiter(3, window=60.0, max_entries=100, clock=Clock())
    for i in range(1000):
        limiter.failed(f"198.51.100.{i % 250}:{i}")
    assert len(limiter) <= 100
    held = repr(vars(limiter))
    assert "198.51.100" not in held
    other = AttemptLimiter(3, clock=Clock())
    other.failed("198.51.100.1")
    limiter.failed("198.51.100.1")
    # keyed per process: the same address is not recognisable across processes or restarts
    assert set(other._entries).isdisjoint(limiter._entries)


async def reply_to(live: LiveServer, **hello: Any) -> tuple[dict[str, Any], int | None]:
    client = await Client.connect(live.ws_url, **hello)
    first = json.loads(await client.ws.recv())
    try:
        await client.ws.recv()
    except ConnectionClosed as exc:
        return first, exc.rcvd.code if exc.rcvd else None
    raise AssertionError("the socket should have been closed")


def unused_code(*taken: str) -> str:
    code = CODE_ALPHABET[:6]
    assert code not in taken
    return code


async def test_wrong_code_answers_like_ended_and_expired(live: LiveServer) -> None:
    ended, expired, running = [await live.create_room() for _ in range(3)]
    facilitator = await Client.join(live, ended, "facilitator")
    assert (await facilitator.command({"type": "end"}))["type"] == "ack"
    # expiry is the store dropping the room's keys: do exactly that
    erased = await live.acall(live.service.store.erase(expired["code"]))
    assert erased.deleted > 0
    replies = []
    for code in (
        unused_code(ended["code"], expired["code"], running["code"]),
        ended["code"],
        expired["code"],
        "??",
        "ABC",
    ):
        for role, credential in (("participant", None), ("display", "x" * 32)):
            replies.append(await reply_to(live, role=role, code=code, credential=credential))
    assert all(r == replies[0] for r in replies), replies
    assert replies[0][0]["code"] == "no_room" and replies[0][1] == 4404
    # and the running room still takes people
    assert (await Client.join(live, running, "participant")).token


async def test_guessing_is_throttled_per_address_then_forgotten() -> None:
    live = LiveServer.start(join_attempts_per_minute=5)
    try:
        room = await live.create_room()
        phone = await Client.join(live, room, "participant")
        for _ in range(5):
            reply, code = await reply_to(live, role="participant", code=unused_code(room["code"]))
            assert (reply["code"], code) == ("no_room", 4404)
        # now even the right code is refused from this address: guessing learns nothing
        reply, code = await reply_to(live, role="participant", code=room["code"])
        assert (reply["code"], code) == ("slow_down", 4429)
        async with httpx.AsyncClient(base_url=live.base_url) as http:
            response = await http.post("/api/tickets/exchange", json={"ticket": "h." + "x" * 32})
        assert response.status_code == 429
        # people already in the room are not affected
        await phone.send({"type": "ping", "t": 3.0})
        assert (await phone.expect("pong"))["t"] == 3.0
        # the limiter holds a keyed hash per address, never the address itself
        attempts = live.app.state.attempts
        assert len(attempts) == 1 and "127.0.0.1" not in repr(vars(attempts))
        # a minute later it is forgotten (move the limiter's clock rather than wait)
        start = attempts.clock()
        attempts.clock = lambda: start + 61
        assert (await Client.join(live, room, "participant")).token
        assert len(attempts) == 0
    finally:
        live.stop()


async def test_wrong_credentials_and_host_secrets_count_too() -> None:
    live = LiveServer.start(join_attempts_per_minute=3)
    try:
        room = await live.create_room()
        async with httpx.AsyncClient(base_url=live.base_url) as http:
            for _ in range(2):
                bad = await http.post("/api/rooms", headers={"Authorization": "Bearer wrong"})
                assert bad.status_code == 401
            reply, _ = await reply_to(
                live, role="facilitator", code=room["code"], credential="y" * 32
            )
            assert reply["code"] == "unauthorised"
            limited = await http.post(
                "/api/rooms", headers={"Authorization": f"Bearer {live.settings.host_secret}"}
            )
            assert limited.status_code == 429
    finally:
        live.stop()
