"""Fan-out: one store subscription per room per process, however many sockets; gone when empty."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
import pytest
from redis.asyncio import Redis

from server.domain.rooms import RoomState
from server.store.base import STATE, channel
from server.wire import protocol as p
from tests.support import Client, LiveServer, eventually


@pytest.mark.parametrize("live", ["redis"], indirect=True)
async def test_one_subscription_per_room_not_per_socket(live: LiveServer) -> None:
    room = await live.create_room()
    redis = Redis.from_url(live.settings.redis_url)
    try:
        facilitator = await Client.join(live, room, "facilitator")
        phones = [await Client.join(live, room, "participant") for _ in range(12)]
        display = await Client.join(live, room, "display")
        [(_, subscribers)] = await redis.pubsub_numsub(channel(room["code"]))
        assert subscribers == 1
        for client in (facilitator, display, *phones):
            await client.close()
        # the last socket leaving unsubscribes the process
        hub = live.service.hub
        await eventually(lambda: room["code"] not in hub.rooms)
        # the room leaves the hub first, then its UNSUBSCRIBE reaches Redis: wait for that
        deadline = asyncio.get_running_loop().time() + 5
        while True:
            [(_, subscribers)] = await redis.pubsub_numsub(channel(room["code"]))
            if subscribers == 0 or asyncio.get_running_loop().time() > deadline:
                break
            await asyncio.sleep(0.05)
        assert subscribers == 0
    finally:
        await redis.aclose()


async def test_each_update_is_encoded_once_per_role(
    live: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    room = await live.create_room()
    facilitator = await Client.join(live, room, "facilitator")
    display = await Client.join(live, room, "display")
    phones = [await Client.join(live, room, "participant") for _ in range(8)]
    encoded: list[str] = []
    original = p.update_json

    def counting(version: int, base: int, now: int, changes: dict[str, Any]) -> str:
        encoded.append(original(version, base, now, changes))
        return encoded[-1]

    monkeypatch.setattr(p, "update_json", counting)
    await facilitator.command({"type": "open", "activity": {"kind": "prompt", "text": "Hello"}})
    for client in (display, *phones):
        await client.until_view(lambda v: v["activity"] is not None)
    assert len(encoded) == 3  # facilitator, display, participant: not one per socket


async def test_a_heartbeat_while_a_room_loads_does_not_end_it(
    live: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first socket of a room in this process subscribes and loads it; a heartbeat that runs
    meanwhile sees a channel with no state yet. It must leave that to the load, not call the room
    lost (a heartbeat racing the rejoin after a Redis outage ended a live room this way)."""
    room = await live.create_room(k=3)
    store, watch, hub = live.service.store, live.service.watch, live.service.hub
    load = store.load
    beats: list[bool] = []

    async def load_with_a_beat_inside(code: str) -> bytes | None:
        doc: bytes | None = await load(code)
        if code in hub.rooms and not beats:  # the attach's load: a beat runs before it returns
            beats.append(True)
            await watch.beat_all()
        return doc

    monkeypatch.setattr(store, "load", load_with_a_beat_inside)
    phone = await Client.join(live, room, "participant")
    assert beats, "the heartbeat ran inside the attach"
    assert not hub.rooms[room["code"]].ended
    facilitator = await Client.join(live, room, "facilitator")
    poll = {"kind": "poll", "text": "What helps?", "options": ["Rest", "Talk"]}
    assert (await facilitator.command({"type": "open", "activity": poll}))["type"] == "ack"
    view = await phone.until_view(lambda v: v["activity"] is not None)
    assert view["activity"]["definition"]["text"] == "What helps?"
    assert not any(m["type"] == "ended" for m in phone.inbox)


@pytest.mark.parametrize("detail", ["", "stored", 'a "quoted" détail\n'])
def test_an_ack_written_by_hand_is_the_models_own(detail: str) -> None:
    for request_id in (0, 7, 2**31):
        expected = p.Ack(id=request_id, detail=detail).model_dump_json()
        assert p.ack_json(request_id, detail) == expected


def test_an_update_written_by_hand_is_the_models_own() -> None:
    changes = {
        "activity": {"id": "a3", "definition": {"text": 'Ça va ? 🌿 "q"\n\u2028', "seconds": 90}},
        "results": {"overall": {"answered": 7, "share": 0.4285714285714286, "cells": [None, 3]}},
        "texts": [],
        "timer": None,
        "screen": {"blank": False},
    }
    for version, base, now in ((2, 1, 1_764_000_000_000), (9, 0, 0)):
        expected = p.Update(version=version, base=base, now=now, changes=changes)
        assert p.update_json(version, base, now, changes) == expected.model_dump_json()


async def test_a_snapshot_is_the_models_own_and_its_view_is_encoded_once(
    live: LiveServer,
) -> None:
    """The snapshot's envelope is written by hand around a view encoded once per change: it must
    say exactly what p.Snapshot would, for every role, and a phone's own facts stay its own."""
    from server.service.role_views import build_view
    from server.wire import views as vm

    room = await live.create_room()
    lead = await Client.join(live, room, "facilitator")
    await lead.command({"type": "open", "activity": {"kind": "prompt", "text": 'Ça va ? 🌿 "q"'}})
    await Client.join(live, room, "participant")
    await Client.join(live, room, "display")
    hub, code = live.service.hub, room["code"]
    you = vm.You(answered=True, track="hurt")

    async def compare() -> None:  # on the server's loop, where the hub lives
        channel_ = hub.rooms[code]
        for role, mine in (("participant", you), ("display", None), ("facilitator", None)):
            text = hub.snapshot(code, role, mine)
            assert text is not None
            sent = p.Snapshot.model_validate_json(text)  # a valid message of the protocol
            view = build_view(channel_.state, role, hub.join_url(code), hub.qr_svg(code))
            version = channel_.role_version[role]
            assert sent == p.Snapshot(version=version, now=sent.now, view=view, you=mine)

    await live.acall(compare())
    encoded = hub.rooms[code].view_texts["participant"]
    for _ in range(5):  # joining sockets reuse it: not encoded again until the view changes
        await Client.join(live, room, "participant")
    assert hub.rooms[code].view_texts["participant"] is encoded
    await lead.command({"type": "close"})
    await Client.join(live, room, "participant")
    assert hub.rooms[code].view_texts["participant"] is not encoded


@pytest.mark.parametrize("live", ["redis"], indirect=True)
async def test_a_process_does_not_parse_its_own_commits_echo(
    live: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every commit is published, and comes back to the process that wrote it, often before the
    write's own reply: that process already has the state, so the echo is not parsed again (it
    was on the way to the first phone). Another process's document still is."""
    room = await live.create_room()
    facilitator = await Client.join(live, room, "facilitator")
    display = await Client.join(live, room, "display")
    watch = live.service.watch
    echoes: list[bytes] = []  # appended on the server's loop, read here: no event crosses loops
    on_publication = watch._on_publication

    def seen(code: str, payload: bytes) -> None:
        on_publication(code, payload)
        if payload[:1] == STATE:
            echoes.append(payload)

    parsed: list[bytes] = []
    validate = RoomState.model_validate_json

    def parsing(data: Any, **kwargs: Any) -> RoomState:
        parsed.append(data if isinstance(data, bytes) else str(data).encode())
        return validate(data, **kwargs)

    monkeypatch.setattr(watch, "_on_publication", seen)  # the subscription looks it up per call
    monkeypatch.setattr(RoomState, "model_validate_json", parsing)
    await facilitator.command({"type": "open", "activity": {"kind": "prompt", "text": "Hello"}})
    await display.until_view(lambda v: v["activity"] is not None)
    await eventually(lambda: len(echoes) == 1)
    assert echoes[0] not in parsed
    # a document this process did not write (another process's commit) is parsed, and shown
    other = orjson.loads(echoes[0])
    other["version"] += 1
    other["live"]["activity"]["text"] = "Hello again"
    await live.acall(live.service.store.publish(room["code"], orjson.dumps(other)))
    await display.until_view(lambda v: v["activity"]["definition"]["text"] == "Hello again")
    assert len(echoes) == 2 and echoes[1] in parsed
