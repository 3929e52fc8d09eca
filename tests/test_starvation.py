"""No silent loss under overload: a server starved of CPU (SIGSTOP/SIGCONT cycles, so it runs a
fraction of the time, as on a core shared with busier work) while 2,000 phones receive pushes.

Every phone ends with exactly the view a fresh phone gets, at the same version: each one either
received every update or was told (a version gap it repaired with `sync`, a 4409 close, a
`reconnect`) and resynchronised from a snapshot. On Redis, two processes share the room, the
phones' process is the starved one, and Redis's pub/sub buffer for a subscriber is made small so
that it drops the starved process's subscription mid-burst: the publications lost with it must be
caught up, not skipped.
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
from collections.abc import Iterator

import pytest
from redis.asyncio import Redis

from tests.crowd import Crowd
from tests.support import Client, RedisServer, ServeProcess

PHONES = 2_000
PUSHES = 30
PACE = 0.05
FLAGS = [
    "--max-participants", "5000", "--max-sockets-per-room", "5000",
    "--join-attempts-per-minute", "100000", "--log-level", "warning",
]  # fmt: skip
# A subscriber 16 kB behind for a second, or 32 kB (a few publications) at once, is disconnected.
SMALL_PUBSUB_BUFFER = ["--client-output-buffer-limit", "pubsub 32kb 16kb 1"]
DISCONNECTIONS = "client_output_buffer_limit_disconnections"  # Redis 7.0 and later
STOPPED, RUNNING = 0.12, 0.04  # the starved process gets a quarter of the time, in slices


def drained(server: ServeProcess) -> list[str]:
    """Read the server's output as it comes (a full pipe would block its logging)."""
    lines: list[str] = []
    stream = server.process.stdout if server.process else None

    def read() -> None:
        for line in iter(stream.readline, b""):  # type: ignore[union-attr]
            lines.append(line.decode(errors="replace"))

    if stream is not None:
        threading.Thread(target=read, daemon=True).start()
    return lines


class Starver:
    """SIGSTOP/SIGCONT cycles on one process, from a thread, until stopped."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.done = threading.Event()
        self.cycles = 0
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            while not self.done.is_set():
                os.kill(self.pid, signal.SIGSTOP)
                self.done.wait(STOPPED)
                os.kill(self.pid, signal.SIGCONT)
                self.cycles += 1
                self.done.wait(RUNNING)
        finally:
            os.kill(self.pid, signal.SIGCONT)

    def __enter__(self) -> Starver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.done.set()
        self.thread.join()


@pytest.fixture(params=["memory", "redis"])
def servers(request: pytest.FixtureRequest) -> Iterator[list[ServeProcess]]:
    """memory: one process. redis: two on one Redis; the facilitator's first, phones' second."""
    redis = RedisServer(extra=SMALL_PUBSUB_BUFFER).start() if request.param == "redis" else None
    url = redis.url if redis else ""
    started = [ServeProcess(url, *FLAGS).start(wait=False) for _ in range(2 if redis else 1)]
    for server in started:
        server.wait_ready()
        server.output = drained(server)  # type: ignore[attr-defined]
    yield started
    for server in started:
        server.stop()
    if redis is not None:
        redis.stop()


def poll(n: int) -> dict[str, object]:
    options = [
        f"Option {i} of push {n}: " + "a longer label to make each update weigh" for i in range(4)
    ]
    return {"kind": "poll", "text": f"Push {n}: what helps most this week?", "options": options}


async def test_a_starved_server_loses_no_update(servers: list[ServeProcess]) -> None:
    first = servers[0]
    room = await first.create_room()
    facilitator = await Client.connect(
        first.ws_url,
        role="facilitator",
        code=room["code"],
        credential=room["facilitator_credential"],
    )
    await facilitator.expect("snapshot")
    crowd, fresh = Crowd(), Crowd()
    try:
        await starve_and_check(servers, facilitator, room, crowd, fresh)
    finally:
        crowd.close()
        fresh.close()
        await facilitator.close()


async def starve_and_check(
    servers: list[ServeProcess],
    facilitator: Client,
    room: dict[str, str],
    crowd: Crowd,
    fresh: Crowd,
) -> None:
    phones_at = servers[-1]
    await crowd.join(phones_at.port, room["code"], PHONES)
    assert len(crowd.phones) == PHONES
    started = time.monotonic()
    assert phones_at.process is not None
    url = servers[0].redis_url
    redis = Redis.from_url(url) if url else None
    dropped = 0
    with Starver(phones_at.process.pid) as starver:
        for n in range(0, PUSHES, 3):  # three commands in flight at a time, over many cycles
            ids = list(range(n + 1, n + 4))
            for i in ids:
                await facilitator.send({"type": "open", "activity": poll(i - 1), "id": i})
            for i in ids:
                reply = await facilitator.expect_where(lambda m, i=i: m.get("id") == i, 30)
                assert reply["type"] == "ack", reply
            await asyncio.sleep(PACE)  # paced, so the pushes span many stop/continue cycles
            if redis is not None and n % 9 == 3:
                # What Redis does to a subscriber that fell too far behind: drop it. What was
                # published to it meanwhile is gone; its process must catch up from the state.
                dropped += int(await redis.client_kill_filter(_type="pubsub"))
    pushing = time.monotonic() - started
    live = await facilitator.until_view(lambda v: f"Push {PUSHES - 1}:" in str(v["activity"]))
    # Every phone must reach the facilitator's version (the last push changed what phones see)
    await crowd.wait_for_version(facilitator.version, timeout=30)
    # and show what a phone joining now is shown, which is the facilitator's activity.
    await fresh.join(phones_at.port, room["code"], 1)
    reference = fresh.phones[0]
    assert reference.version == facilitator.version
    assert reference.view["activity"]["id"] == live["activity"]["id"]
    recovered = time.monotonic() - started - pushing
    wrong = [p for p in crowd.phones if p.view != reference.view or p.version != reference.version]
    totals = crowd.totals()
    print(
        f"\n{len(servers)} process(es): {PUSHES} pushes in {pushing:.2f} s under "
        f"{starver.cycles} stop/continue cycles; every phone current {recovered:.2f} s later; "
        f"{totals}"
    )
    assert not wrong, f"{len(wrong)} phones ended with another view"
    if redis is not None:
        stats = await redis.info("stats")
        await redis.aclose()
        print(
            f"pub/sub connections dropped: {dropped} by the test, and by Redis for their size:",
            stats.get(DISCONNECTIONS, "not counted"),
        )
        assert dropped >= 2
