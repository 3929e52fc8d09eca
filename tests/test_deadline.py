"""The first message's deadline: server/transport/deadline.py, and a socket that never says hello."""

from __future__ import annotations

import asyncio

import pytest
from websockets.exceptions import ConnectionClosed

from server.transport import endpoint
from server.transport.deadline import within
from server.wire.close_codes import CLOSE_HELLO_TIMEOUT
from tests.support import Client, LiveServer


async def test_within_gives_the_result_in_time_and_times_out_after() -> None:
    loop = asyncio.get_running_loop()
    assert await within(loop, 1.0, asyncio.sleep(0, result="said")) == "said"
    never: asyncio.Future[None] = loop.create_future()
    with pytest.raises(TimeoutError):
        await within(loop, 0.05, never)
    assert never.cancelled()  # what was awaited is let go
    task = asyncio.current_task()
    assert task is not None and task.cancelling() == 0  # nothing left pending on the task


async def test_a_cancellation_from_elsewhere_stays_a_cancellation() -> None:
    loop = asyncio.get_running_loop()
    started = asyncio.Event()

    async def waits() -> None:
        started.set()
        await within(loop, 10.0, loop.create_future())

    waiting = asyncio.ensure_future(waits())
    await started.wait()
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting


@pytest.mark.parametrize("live", ["memory"], indirect=True)
async def test_a_socket_that_never_says_hello_is_told_and_closed(
    live: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(endpoint, "HELLO_TIMEOUT", 0.3)
    silent = await Client.connect(live.ws_url)
    told = await silent.receive()
    assert told["type"] == "error" and told["code"] == "timeout"
    with pytest.raises(ConnectionClosed) as closed:
        await silent.receive()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == CLOSE_HELLO_TIMEOUT
    # one that says hello in time is not affected
    room = await live.create_room()
    phone = await Client.join(live, room, "participant")
    await phone.send({"type": "ping", "t": 2})
    assert (await phone.expect("pong"))["t"] == 2
