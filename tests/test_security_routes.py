"""One rule for every HTTP route: a test walks the app's routes, so a route added later without
the rule fails here. Every POST refuses a foreign Origin; every route that takes a secret slows
down an address that keeps guessing; numbers that enter (k) are bounded and never converted."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.routing import Route

from server.domain.results import MAX_K, MIN_K
from tests.support import LiveServer

LIMIT = 5  # failed attempts per address per minute on this server
# A wrong secret, code or ticket for each route that takes one (any route added later must be
# listed here or in TAKES_NO_SECRET, or the walk below fails).
WRONG: dict[str, dict[str, Any]] = {
    "/api/rooms": {"headers": {"Authorization": "Bearer wrong-secret-0123456789"}},
    "/api/tickets": {
        "headers": {"Authorization": "Bearer wrong-secret-0123456789"},
        "json": {"role": "host"},
    },
    "/api/tickets/exchange": {"json": {"ticket": "not-a-ticket-0123456789"}},
    "/api/tickets/state": {
        "json": {"ticket": "ACDEFG.not-a-ticket-0123456789", "code": "ACDEFG", "credential": "x"}
    },
    "/api/plans/check": {
        "headers": {"Authorization": "Bearer wrong-secret-0123456789"},
        "content": b"title: x\n",
    },
    "/api/summaries/trends": {
        "headers": {"Authorization": "Bearer wrong-secret-0123456789"},
        "json": {"summaries": []},
    },
}
TAKES_NO_SECRET = {"/api/forget"}


@pytest.fixture
def live_strict() -> Iterator[LiveServer]:
    server = LiveServer.start(join_attempts_per_minute=LIMIT)
    yield server
    server.stop()


def post_routes(live: LiveServer) -> set[str]:
    return {
        route.path
        for route in live.app.routes
        if isinstance(route, Route) and route.path.startswith("/api/") and "POST" in route.methods
    }


def test_every_post_route_is_listed() -> None:
    live = LiveServer.start()
    try:
        assert post_routes(live) == set(WRONG) | TAKES_NO_SECRET
    finally:
        live.stop()


async def test_every_post_route_refuses_a_foreign_origin(live_strict: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=live_strict.base_url) as http:
        for path in post_routes(live_strict):
            reply = await http.post(
                path,
                headers={
                    "Origin": "https://elsewhere.example",
                    "Authorization": f"Bearer {live_strict.settings.host_secret}",
                },
                json={},
            )
            assert reply.status_code == 403, (path, reply.status_code)
            assert reply.json()["error"] == "forbidden"


@pytest.mark.parametrize("path", sorted(WRONG))
async def test_every_route_with_a_secret_slows_down_a_guesser(
    live_strict: LiveServer, path: str
) -> None:
    # Each route is tried from its own (forwarded) address: the limit is per address and shared
    # by every route, so guesses spread over routes add up (checked below).
    address = {"X-Forwarded-For": f"198.51.100.{sorted(WRONG).index(path) + 1}"}
    request = WRONG[path]
    async with httpx.AsyncClient(base_url=live_strict.base_url) as http:
        for _ in range(LIMIT):
            reply = await http.post(
                path, **{**request, "headers": {**request.get("headers", {}), **address}}
            )
            assert reply.status_code in (401, 404), (path, reply.status_code, reply.text)
        blocked = await http.post(
            path, **{**request, "headers": {**request.get("headers", {}), **address}}
        )
        assert blocked.status_code == 429 and blocked.json()["error"] == "slow_down"
        # blocked means blocked: even the right secret waits (a guesser cannot probe on)
        right = await http.post(
            "/api/rooms",
            headers={"Authorization": f"Bearer {live_strict.settings.host_secret}", **address},
        )
        assert right.status_code == 429


async def test_guesses_spread_over_routes_add_up(live_strict: LiveServer) -> None:
    address = {"X-Forwarded-For": "198.51.100.200"}
    paths = sorted(WRONG)
    async with httpx.AsyncClient(base_url=live_strict.base_url) as http:
        for i in range(LIMIT):
            request = WRONG[paths[i % len(paths)]]
            reply = await http.post(
                paths[i % len(paths)],
                **{**request, "headers": {**request.get("headers", {}), **address}},
            )
            assert reply.status_code in (401, 404)
        request = WRONG["/api/plans/check"]
        reply = await http.post(
            "/api/plans/check", **{**request, "headers": {**request["headers"], **address}}
        )
        assert reply.status_code == 429


@pytest.mark.parametrize(
    "body",
    [
        b'{"k": 2}',
        b'{"k": 51}',
        b'{"k": 100000}',
        b'{"k": 1099511627776}',
        b'{"k": 1e400}',
        b'{"k": 5.0}',
        b'{"k": "5"}',
        b'{"k": true}',
        b'{"k": 5, "name": "Sam"}',
        b"not json",
    ],
)
async def test_room_creation_refuses_k_out_of_bounds_or_mistyped(
    live: LiveServer, body: bytes
) -> None:
    async with httpx.AsyncClient(base_url=live.base_url) as http:
        reply = await http.post(
            "/api/rooms",
            content=body,
            headers={
                "Authorization": f"Bearer {live.settings.host_secret}",
                "Content-Type": "application/json",
            },
        )
    assert reply.status_code == 400, reply.text
    assert reply.json()["error"] == "invalid" and reply.json()["message"]


@pytest.mark.parametrize("k", [MIN_K, MAX_K])
async def test_room_creation_takes_k_at_its_bounds(live: LiveServer, k: int) -> None:
    room = await live.create_room(k=k)
    state = await live.acall(live.service.load(room["code"]))
    assert state.k == k


async def test_trends_refuse_k_out_of_bounds(live: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=live.base_url) as http:
        for k in ("2", "51", "100000", "-3", "five"):
            reply = await http.post(
                f"/api/summaries/trends?k={k}",
                headers={"Authorization": f"Bearer {live.settings.host_secret}"},
                json={"summaries": [{"format": "hearth-summary"}]},
            )
            assert reply.status_code == 422, (k, reply.text)
            assert reply.json()["errors"][0]["path"] == "k"
