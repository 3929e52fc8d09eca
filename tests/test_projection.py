"""What the projector is sent, over real sockets on both stores: nothing at all while blank,
only the content note until the facilitator shows the text, and the page of released answers
the facilitator chose (or a pace at which pages turn by themselves)."""

from __future__ import annotations

import json
import secrets
from typing import Any

from tests.support import Client, LiveServer


def record(client: Client) -> list[str]:
    """Every raw frame this client receives from now on."""
    frames: list[str] = []
    original = client.ws.recv

    async def recv(*args: Any, **kwargs: Any) -> Any:
        text = await original(*args, **kwargs)
        frames.append(text)
        return text

    client.ws.recv = recv
    return frames


def poll(text: str, **extra: Any) -> dict[str, Any]:
    return {"kind": "poll", "text": text, "options": ["Rest", "Talk"], **extra}


async def test_blank_sends_the_display_no_content(live: LiveServer) -> None:
    room = await live.create_room(k=3)
    facilitator = await Client.join(live, room, "facilitator")
    display = await Client.join(live, room, "display")
    first, second = (f"secret-{secrets.token_hex(6)}" for _ in range(2))
    await facilitator.command({"type": "open", "activity": poll(first)})
    await facilitator.command({"type": "timer", "action": "start", "seconds": 60})
    await display.until_view(lambda v: v["activity"] is not None and v["timer"] is not None)

    frames = record(display)
    assert (await facilitator.command({"type": "screen", "blank": True}))["type"] == "ack"
    view = await display.until_view(lambda v: v["screen"]["blank"])
    assert view["activity"] is None and view["timer"] is None
    assert view["results"] is None and view["texts"] == [] and view["trend"] is None
    assert view["screen"] == {
        "blank": True,
        "note_guard": False,
        "page": 0,
        "turn_seconds": None,
        "turn_from_ms": None,
    }
    # what opens while blank never reaches the display; the console sees it all along
    await facilitator.command({"type": "open", "activity": poll(second)})
    await facilitator.until_view(lambda v: v["activity"]["definition"]["text"] == second)
    await facilitator.command({"type": "configure", "locked": True})  # a marker after the open
    await display.until_view(lambda v: v["room"]["locked"])
    assert not any(first in f or second in f for f in frames)
    assert display.view["activity"] is None

    await facilitator.command({"type": "screen", "blank": False})
    back = await display.until_view(lambda v: not v["screen"]["blank"])
    assert back["activity"]["definition"]["text"] == second


async def test_a_content_note_stands_in_front_of_the_text_on_the_display(
    live: LiveServer,
) -> None:
    room = await live.create_room(k=3)
    facilitator = await Client.join(live, room, "facilitator")
    display = await Client.join(live, room, "display")
    phone = await Client.join(live, room, "participant")
    frames = record(display)
    secret = f"secret-{secrets.token_hex(6)}"
    note = "Asks about the night it came out."
    await facilitator.command(
        {"type": "open", "activity": poll(secret, title=f"title-{secret}", content_note=note)}
    )
    shown = await display.until_view(lambda v: v["activity"] is not None)
    assert shown["activity"]["definition"] == {"kind": "poll", "content_note": note}
    assert shown["screen"]["note_guard"] is True
    # phones get the whole activity: they show the note first and the text after Continue
    on_phone = await phone.until_view(lambda v: v["activity"] is not None)
    assert on_phone["activity"]["definition"]["text"] == secret
    assert (await facilitator.until_view(lambda v: v["screen"]["note_guard"]))["activity"]
    assert not any(secret in f for f in frames)

    assert (await facilitator.command({"type": "show_text", "shown": True}))["type"] == "ack"
    uncovered = await display.until_view(lambda v: not v["screen"]["note_guard"])
    assert uncovered["activity"]["definition"]["text"] == secret
    assert uncovered["activity"]["definition"]["options"] == ["Rest", "Talk"]
    await facilitator.command({"type": "show_text", "shown": False})
    again = await display.until_view(lambda v: v["screen"]["note_guard"])
    assert "text" not in again["activity"]["definition"]

    # the next activity starts behind its own note again; no note, nothing to show first
    await facilitator.command({"type": "open", "activity": poll("plain")})
    plain = await display.until_view(lambda v: v["activity"]["definition"].get("text") == "plain")
    assert plain["screen"]["note_guard"] is False
    refused = await phone.command({"type": "show_text", "shown": True})
    assert refused["code"] == "forbidden"


async def test_pages_of_released_answers(live: LiveServer) -> None:
    room = await live.create_room(k=3)
    facilitator = await Client.join(live, room, "facilitator")
    display = await Client.join(live, room, "display")
    phone = await Client.join(live, room, "participant")
    await facilitator.command(
        {"type": "open", "activity": {"kind": "prompt", "text": "?", "open_text": True}}
    )
    await display.until_view(lambda v: v["activity"] is not None)
    assert (await facilitator.command({"type": "pages", "page": 2}))["type"] == "ack"
    view = await display.until_view(lambda v: v["screen"]["page"] == 2)
    assert view["screen"]["turn_seconds"] is None and view["screen"]["turn_from_ms"] is None
    ack = await facilitator.command({"type": "pages", "page": 1, "turn_seconds": 12})
    assert ack["type"] == "ack"
    turning = await display.until_view(lambda v: v["screen"]["turn_seconds"] == 12)
    assert turning["screen"]["page"] == 1 and turning["screen"]["turn_from_ms"] > 0
    assert phone.view["screen"] is None  # phones show every released answer, no pages
    for bad in ({"page": -1}, {"page": 1, "turn_seconds": 2}, {"page": "1"}):
        refused = await facilitator.command({"type": "pages", **bad})
        assert refused["code"] == "invalid", json.dumps(bad)
    await facilitator.command({"type": "clear"})
    refused = await facilitator.command({"type": "pages", "page": 0})
    assert refused["code"] == "no_activity"
