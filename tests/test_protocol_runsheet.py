"""A run-sheet larger than one frame (docs/protocol.md "Large run-sheets"): every socket keeps the
16 KiB frame limit; a console sends a larger plan in parts, the room keeps it whole, a step moves
without it, and what cannot be kept is refused with a clear error on a socket that stays open."""

from __future__ import annotations

import json
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed

from server.wire.commands import MAX_RUNSHEET_BYTES
from tests.large_plans import (
    ENVELOPE,
    checked,
    in_arabic,
    send_in_parts,
    slices,
    three_languages,
    wire_bytes,
)
from tests.support import Client, LiveServer

pytestmark = pytest.mark.usefixtures("both_paths")

def big_plan(target: int) -> dict[str, Any]:
    """Three languages, as many long steps as fit under `target` bytes on the wire."""
    plan = three_languages()
    words = {"text": "Words. " * 285, "facilitator_notes": "Notes. " * 285}
    step = {"activity": {"kind": "prompt", **words, "translations": {
        "es": {"text": "Palabras. " * 200, "facilitator_notes": "Notas. " * 285},
        "ar": in_arabic(words),
    }}}  # the longest a prompt's fields may be, in three languages
    while wire_bytes(checked({**plan, "items": [*plan["items"], step]})) < target:
        plan["items"].append(step)
    return plan


async def test_a_three_language_plan_is_kept_in_parts(live: LiveServer) -> None:
    room = await live.create_room(k=3)
    console = await Client.join(live, room, "facilitator")
    limit = live.settings.max_message_bytes
    plan = checked(three_languages())
    whole = {"type": "runsheet", "plan": plan, "index": 0}
    assert wire_bytes({**whole, "id": 1}) > limit  # one frame cannot carry it

    ack = await send_in_parts(console, {"plan": plan, "index": 0}, limit)
    assert ack["type"] == "ack", ack
    view = await console.until_view(lambda v: v["runsheet"] is not None)
    assert view["runsheet"]["plan"] == plan and view["runsheet"]["index"] == 0
    # A step alone moves the room's plan on without sending it again.
    assert (await console.command({"type": "runsheet", "index": 1}))["type"] == "ack"
    view = await console.until_view(lambda v: v["runsheet"]["index"] == 1)
    assert view["runsheet"]["plan"]["languages"] == ["en", "es", "ar"]
    # A console that comes back (or a second device) finds all of it.
    again = await Client.join(live, room, "facilitator")
    assert again.view["runsheet"] == {"plan": plan, "index": 1}
    # The frame limit still holds for the console itself: one frame past it closes (1009).
    await console.ws.send(json.dumps({**whole, "id": 7}, ensure_ascii=False))
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            await console.receive()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009


async def test_the_welcome_says_the_frame_limit(live: LiveServer) -> None:
    room = await live.create_room(k=3)
    phone = await Client.connect(live.ws_url, role="participant", code=room["code"])
    assert (await phone.expect("welcome"))["max_bytes"] == live.settings.max_message_bytes == 16384


async def test_parts_out_of_order_or_too_many_bytes_are_refused_clearly(live: LiveServer) -> None:
    room = await live.create_room(k=3)
    console = await Client.join(live, room, "facilitator")
    limit = live.settings.max_message_bytes
    body = {"plan": checked(three_languages()), "index": 0}
    assert len(slices(json.dumps(body, ensure_ascii=False), limit - ENVELOPE)) == 2
    reply = await send_in_parts(console, body, limit, order=[1])
    assert reply["type"] == "error" and reply["code"] == "out_of_order", reply
    # Sent again from its first part, it is kept.
    assert (await send_in_parts(console, body, limit))["type"] == "ack"

    too_big = big_plan(MAX_RUNSHEET_BYTES + 24 * 1024)  # past it by a step or more
    reply = await send_in_parts(console, {"plan": checked(too_big), "index": 0}, limit)
    assert reply["type"] == "error" and reply["code"] == "too_large", reply
    assert reply["message"] == "This plan is too large for the room to keep: more than 256 KiB."
    # The socket stays open, and the room still has the plan it kept before.
    assert (await console.command({"type": "runsheet", "index": 2}))["type"] == "ack"
    view = await console.until_view(lambda v: v["runsheet"]["index"] == 2)
    assert view["runsheet"]["plan"]["title"] == "Two kinds of work"


async def test_a_run_sheet_near_the_limit_reaches_every_console(live: LiveServer) -> None:
    """The outgoing side: the view that carries a ~250 KiB run-sheet reaches both consoles, and
    neither is dropped as a slow reader (the send buffer allows 64 x 4 KiB)."""
    room = await live.create_room(k=3)
    console = await Client.join(live, room, "facilitator")
    other = await Client.join(live, room, "facilitator")
    plan = checked(big_plan(MAX_RUNSHEET_BYTES - 8192))
    ack = await send_in_parts(console, {"plan": plan, "index": 0}, live.settings.max_message_bytes)
    assert ack["type"] == "ack", ack
    for screen in (console, other):
        view = await screen.until_view(lambda v: v["runsheet"] is not None)
        assert view["runsheet"]["plan"] == plan
    await console.command({"type": "open", "activity": {"kind": "prompt", "text": "Still here?"}})
    for screen in (console, other):
        await screen.until_view(lambda v: v["activity"] is not None)
        await screen.send({"type": "ping", "t": 2.0})
        assert (await screen.expect("pong"))["t"] == 2.0


async def test_only_facilitators_send_parts(live: LiveServer) -> None:
    room = await live.create_room(k=3)
    phone = await Client.join(live, room, "participant")
    display = await Client.join(live, room, "display")
    part = {"type": "runsheet_part", "part": 0, "parts": 2, "text": '{"plan":'}
    for screen in (phone, display):
        reply = await screen.command(part)
        assert reply["type"] == "error" and reply["code"] == "forbidden", reply
