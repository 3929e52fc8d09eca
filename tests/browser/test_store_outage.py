"""A Redis that freezes mid-session, as the console and a phone show it: the console says the
server cannot reach its session store, and once Redis is back (the server has every screen
reconnect) the console's banner and the phone's spoken line say so no longer; the answer sent
meanwhile is kept, and its status line said why it waited. From an outside run, where the banner stayed for the rest of the session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.browser.harness import Harness
from tests.support import QUICK_BEAT, LiveServer, RedisServer

UNAVAILABLE = "The server cannot reach its session store; retrying."
# a phone is told what becomes of what it sends, with no word for the store
PHONE_UNAVAILABLE = (
    "The server is having trouble for a moment. What you send waits on this phone and goes once "
    "it is back."
)

WAITING = (
    "Not sent yet: the server is having trouble for a moment. Your answer waits on this phone "
    "and goes by itself once it is back."
)


@pytest.fixture(scope="module")
def redis() -> Iterator[RedisServer]:
    server = RedisServer().start()
    yield server
    server.thaw()
    server.stop()


@pytest.fixture(scope="module")
def server(redis: RedisServer) -> Iterator[LiveServer]:
    live = LiveServer.start(redis_url=redis.url, heartbeat_seconds=QUICK_BEAT)
    yield live
    live.stop()


def test_the_outage_word_leaves_when_the_store_is_back(
    harness: Harness, redis: RedisServer
) -> None:
    # while Redis is frozen, the browser logs the WebSocket the server closes to reconnect
    harness.allow_console.append(r"WebSocket")
    console = harness.facilitator(k=3)
    phone = harness.phone(harness.code(console))
    harness.open_activity(console, "poll", "Which helps?", **{"Options, one per line": "A\nB"})
    redis.freeze()
    try:
        phone.get_by_role("button", name="A", exact=True).click()
        expect(console.locator("#feedback")).to_have_text(UNAVAILABLE)
        expect(phone.locator("#announce")).to_have_text(PHONE_UNAVAILABLE)
        # and where the person looks, under the answer (it said only "Sending…" for 20 s)
        expect(phone.locator(".answer-status")).to_have_text(WAITING)
    finally:
        redis.thaw()
    expect(console.locator("#feedback")).to_have_text("")
    expect(phone.locator("#announce")).to_have_text("")
    expect(phone.locator(".answer-status")).to_contain_text("stored")
    expect(console.locator("#count-answered")).to_have_text("1")
