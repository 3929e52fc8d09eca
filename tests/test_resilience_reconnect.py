"""Phones whose connection drops mid-flight (through a proxy that loses replies, drops requests and
cuts every connection): they come back with their token to a fresh snapshot, resend what was not
acknowledged with the same ballot, and every answer is counted exactly once."""

from __future__ import annotations

import asyncio
import random
import secrets
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.phones import Phone
from tests.proxy import Proxy
from tests.support import Client, LiveServer

POLL = {
    "kind": "poll",
    "text": "What helps most this week?",
    "options": ["Rest", "Talk", "Walk"],
    "result_style": "counts",
}


@pytest.fixture
async def proxy(live: LiveServer) -> AsyncIterator[Proxy]:
    front = await Proxy(live.settings.port).start()
    yield front
    await front.stop()


async def phone_via(proxy: Proxy, room: dict[str, Any], token: str | None = None) -> Client:
    client = await Client.connect(
        proxy.ws_url, role="participant", code=room["code"], credential=token
    )
    welcome = await client.expect("welcome")
    client.token = welcome["token"] or token
    await client.expect("snapshot")
    return client


def answer(activity: str, ballot: str, option: int, request_id: int) -> dict[str, Any]:
    return {
        "type": "answer",
        "id": request_id,
        "activity": activity,
        "ballot": ballot,
        "value": {"kind": "choice", "option": option},
    }


async def test_cut_mid_flight_then_resend_counts_once(live: LiveServer, proxy: Proxy) -> None:
    room = await live.create_room(k=4)
    facilitator = await Client.join(live, room, "facilitator")  # direct, never cut
    phones = [await phone_via(proxy, room) for _ in range(4)]
    await facilitator.command({"type": "open", "activity": POLL})
    aid = (await phones[0].until_view(lambda v: v["activity"] is not None))["activity"]["id"]
    ballots = [secrets.token_urlsafe(16) for _ in phones]

    # phone 0: an ordinary answer, acknowledged
    assert (await phones[0].command(answer(aid, ballots[0], 0, 0)))["type"] == "ack"
    # phones 1 and 2: stored, but the acks are lost on the way back
    proxy.mute = True
    await phones[1].send(answer(aid, ballots[1], 1, 50))  # (changes its mind below)
    await phones[2].send(answer(aid, ballots[2], 0, 50))
    await facilitator.expect_where(lambda m: m["type"] == "progress" and m["answered"] == 3)
    # then every connection is cut; phone 3 answers while offline (nothing reached the server)
    assert proxy.cut() == 4
    for phone in phones:
        await phone.ws.wait_closed()
    proxy.mute = False

    # while they are away the room changes: their snapshots must show it
    await facilitator.command({"type": "configure", "k": 3})

    back = [await phone_via(proxy, room, token=phone.token) for phone in phones]
    for phone, again in zip(phones, back, strict=True):
        assert again.token == phone.token  # same participant, no new token
        assert again.view["room"]["k"] == 3  # a fresh snapshot, not the view from before
    snapshots_answered = []
    for again in back:
        await again.send({"type": "sync"})
        snapshot = await again.expect("snapshot")
        snapshots_answered.append(snapshot["you"]["answered"])
    assert snapshots_answered == [True, True, True, False]

    # resend everything not acknowledged, same ballots (phone 1 with its changed mind)
    for again, ballot, option in zip(back[1:], ballots[1:], (0, 0, 0), strict=True):
        ack = await again.command(answer(aid, ballot, option, 0))
        assert ack == {"type": "ack", "id": ack["id"], "detail": "stored"}
    progress = await facilitator.expect_where(
        lambda m: m["type"] == "progress" and m["answered"] == 4 and m["connected"] == 4
    )
    assert progress["answered"] == 4
    tally = await live.acall(live.service.store.tally(room["code"], aid))
    assert tally == {"n": 4, "o:0": 4, "o:1": 0}  # phone 1's first choice replaced, not added

    await facilitator.command({"type": "reveal"})
    view = await back[3].until_view(lambda v: v["results"] is not None)
    assert [c["count"] for c in view["results"]["overall"]["cells"]] == [4, 0, 0]


async def test_burst_under_repeated_cuts_counts_each_phone_once(
    live: LiveServer, proxy: Proxy
) -> None:
    room = await live.create_room(k=3)
    facilitator = await Client.join(live, room, "facilitator")
    await facilitator.command({"type": "open", "activity": POLL})
    aid = (await facilitator.until_view(lambda v: v["activity"] is not None))["activity"]["id"]
    phones = [Phone([proxy.ws_url], room["code"]) for _ in range(40)]
    await asyncio.gather(*(p.connect() for p in phones))
    choices = [random.randrange(3) for _ in phones]

    async def cutter() -> int:
        cuts = 0
        while not all(p.acked_via for p in phones) and cuts < 10:
            await asyncio.sleep(random.uniform(0.02, 0.06))
            cuts += bool(proxy.cut())
        return cuts

    async def answer(phone: Phone, option: int) -> None:
        await asyncio.sleep(random.uniform(0, 0.4))  # a burst spread over the cuts
        await phone.answer_until_acked(option)

    cutting = asyncio.create_task(cutter())
    await asyncio.wait_for(
        asyncio.gather(*(answer(p, c) for p, c in zip(phones, choices, strict=True))), 20
    )
    cuts = await cutting
    tally = await live.acall(live.service.store.tally(room["code"], aid))
    assert tally.get("n") == 40
    for option in range(3):
        assert tally.get(f"o:{option}", 0) == choices.count(option)
    assert cuts >= 1 and any(p.back_at for p in phones)  # the cuts really hit phones mid-flight
    await asyncio.gather(*(p.close() for p in phones))
