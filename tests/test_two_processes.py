"""Two `hearth serve` processes on one Redis (a single server, a Redis Cluster, or a primary found
through Sentinel) serve one room: facilitator on the first, participants split over both,
everyone sees the same state."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest

from tests.conftest import REDIS_BACKENDS, deadline, redis_url, wait_replicas
from tests.support import Client, ServeProcess


@pytest.fixture(params=REDIS_BACKENDS)
def two_processes(request: pytest.FixtureRequest) -> Iterator[tuple[ServeProcess, ServeProcess]]:
    url = redis_url(request, request.param)
    flags = [
        *("--redis-wait-replicas", str(wait_replicas(request.param))),
        *("--redis-timeout-seconds", str(deadline(request.param))),
    ]
    first = ServeProcess(url, *flags).start(wait=False)
    second = ServeProcess(url, *flags).start(wait=False)
    first.wait_ready()
    second.wait_ready()
    yield first, second
    first.stop()
    second.stop()


async def join(server: ServeProcess, room: dict[str, str], role: str) -> Client:
    credential = {
        "facilitator": room["facilitator_credential"],
        "display": room["display_credential"],
    }.get(role)
    client = await Client.connect(
        server.ws_url, role=role, code=room["code"], credential=credential
    )
    welcome = await client.expect("welcome")
    client.token = welcome.get("token") or credential
    await client.expect("snapshot")
    return client


async def test_one_room_across_two_processes(
    two_processes: tuple[ServeProcess, ServeProcess],
) -> None:
    first, second = two_processes
    room = await first.create_room(k=3)
    facilitator = await join(first, room, "facilitator")
    display = await join(second, room, "display")
    phones = [await join(first if i % 2 else second, room, "participant") for i in range(6)]
    progress = await facilitator.expect_where(
        lambda m: m["type"] == "progress" and m["connected"] == 6
    )
    assert progress["answered"] == 0

    await facilitator.command(
        {
            "type": "open",
            "activity": {
                "kind": "poll",
                "text": "Which feels closest?",
                "options": ["A", "B"],
                "result_style": "counts",
            },
        }
    )
    views = [await c.until_view(lambda v: v["activity"] is not None) for c in (display, *phones)]
    assert len({v["activity"]["id"] for v in views}) == 1
    aid = views[0]["activity"]["id"]
    for i, phone in enumerate(phones):
        ack = await phone.command(
            {
                "type": "answer",
                "activity": aid,
                "ballot": secrets.token_urlsafe(16),
                "value": {"kind": "choice", "option": 0 if i < 3 else 1},
            }
        )
        assert ack["type"] == "ack", ack
    # answers stored through both processes reach the facilitator's process
    await facilitator.expect_where(lambda m: m["type"] == "progress" and m["answered"] == 6)

    await facilitator.command({"type": "reveal"})
    expected = [3, 3]  # counts, each at least k=3
    for client in (display, *phones, facilitator):
        view = await client.until_view(lambda v: v["results"] is not None)
        assert [c["count"] for c in view["results"]["overall"]["cells"]] == expected

    await facilitator.command({"type": "timer", "action": "start", "seconds": 90})
    deadlines = {
        (await c.until_view(lambda v: v["timer"] is not None and v["timer"]["running"]))["timer"][
            "deadline_ms"
        ]
        for c in (display, *phones)
    }
    assert len(deadlines) == 1  # one server-authoritative deadline on every screen

    await facilitator.command({"type": "end"})
    receipt = (await facilitator.expect("ended"))["receipt"]
    assert receipt["remaining"] == 0
    for client in (display, *phones):
        assert (await client.expect("ended"))["reason"] == "ended"


def test_memory_store_refuses_several_workers() -> None:
    server = ServeProcess("", "--workers", "2").start(wait=False)
    assert server.process is not None
    code = server.process.wait(20)
    output = server.stop()
    assert code == 2
    assert "needs --redis-url" in output
