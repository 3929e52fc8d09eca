"""The whole loop over real sockets: uvicorn on a free port, the websockets client, every role."""

from __future__ import annotations

import secrets

import pytest

from tests.support import Client, LiveServer

# The socket suite runs on both transports (tests/conftest.py both_paths).
pytestmark = pytest.mark.usefixtures("both_paths")

POLL = {
    "kind": "poll",
    "text": "What helps most this week?",
    "options": ["Honesty", "Patience", "Rest"],
    "result_style": "counts",
}


def ballot() -> str:
    return secrets.token_urlsafe(16)


async def test_whole_session_loop(live: LiveServer) -> None:
    room = await live.create_room(k=3)
    facilitator = await Client.join(live, room, "facilitator")
    display = await Client.join(live, room, "display")
    phones = [await Client.join(live, room, "participant") for _ in range(4)]
    assert all(p.token for p in phones) and len({p.token for p in phones}) == 4
    assert display.view["room"]["code"] == room["code"]
    assert display.view["room"]["qr_svg"].startswith("<svg")
    assert phones[0].view["room"]["qr_svg"] is None

    # A prompt without answers: everyone sees it, nobody can answer it.
    ack = await facilitator.command(
        {"type": "open", "activity": {"kind": "prompt", "text": "Arrive. Breathe."}}
    )
    assert ack["type"] == "ack"
    for client in (display, *phones):
        view = await client.until_view(lambda v: v["activity"] is not None)
        assert view["activity"]["definition"]["text"] == "Arrive. Breathe."
    err = await phones[0].command(
        {
            "type": "answer",
            "activity": display.view["activity"]["id"],
            "ballot": ballot(),
            "value": {"kind": "pass"},
        }
    )
    assert err["type"] == "error" and err["code"] == "closed"

    # A poll: answers, a change of mind, a retried submit counted once, reveal.
    await facilitator.command({"type": "open", "activity": POLL})
    view = await phones[0].until_view(lambda v: v["activity"]["definition"]["kind"] == "poll")
    aid = view["activity"]["id"]
    ballots = [ballot() for _ in phones]
    choices = [0, 0, 0, 1]
    for phone, b, choice in zip(phones, ballots, choices, strict=True):
        ack = await phone.command(
            {
                "type": "answer",
                "activity": aid,
                "ballot": b,
                "value": {"kind": "choice", "option": 2},
            }
        )
        assert ack == {"type": "ack", "id": ack["id"], "detail": "stored"}
        # change of mind, then the same submit retried: still one answer each
        for _ in range(2):
            ack = await phone.command(
                {
                    "type": "answer",
                    "activity": aid,
                    "ballot": b,
                    "value": {"kind": "choice", "option": choice},
                }
            )
            assert ack["type"] == "ack"
    # a second ballot from the same phone is refused
    err = await phones[0].command(
        {
            "type": "answer",
            "activity": aid,
            "ballot": ballot(),
            "value": {"kind": "choice", "option": 1},
        }
    )
    assert err["code"] == "conflict"
    # Presence is written a moment after a socket joins (batched): the counts settle at 4 and 4.
    await facilitator.expect_where(
        lambda m: m["type"] == "progress" and m["answered"] == 4 and m["connected"] == 4
    )
    assert display.view["results"] is None  # nothing before reveal

    await facilitator.command({"type": "reveal"})
    for client in (display, phones[1], facilitator):
        view = await client.until_view(lambda v: v["results"] is not None)
        cells = view["results"]["overall"]["cells"]
        # 3 chose Honesty, 1 Patience: fewer than k, so no count is given (4 - 3 would tell)
        assert [c["count"] for c in cells] == [None, None, None]
        assert all(c["withheld"] for c in cells)
        assert view["results"]["overall"]["answered"] == 4
        assert view["activity"]["status"] == "revealed"
    late = await phones[3].command(
        {
            "type": "answer",
            "activity": aid,
            "ballot": ballots[3],
            "value": {"kind": "choice", "option": 0},
        }
    )
    assert late["code"] == "closed"

    # A timed reflection: start, pause, extend, resume; every screen gets the same deadline.
    await facilitator.command(
        {
            "type": "open",
            "activity": {"kind": "reflection", "text": "Write privately.", "seconds": 120},
        }
    )
    await facilitator.command({"type": "timer", "action": "start"})
    view = await phones[2].until_view(lambda v: v["timer"] is not None and v["timer"]["running"])
    deadline = view["timer"]["deadline_ms"]
    assert (await display.until_view(lambda v: v["timer"] is not None and v["timer"]["running"]))[
        "timer"
    ]["deadline_ms"] == deadline
    await facilitator.command({"type": "timer", "action": "pause"})
    paused = await display.until_view(lambda v: not v["timer"]["running"])
    remaining = paused["timer"]["remaining_ms"]
    assert 110_000 < remaining <= 120_000
    await facilitator.command({"type": "timer", "action": "extend", "seconds": 60})
    extended = await phones[2].until_view(
        lambda v: not v["timer"]["running"] and v["timer"]["remaining_ms"] == remaining + 60_000
    )
    assert extended["timer"]["duration_ms"] == 180_000
    await facilitator.command({"type": "timer", "action": "resume"})
    resumed = await display.until_view(lambda v: v["timer"]["running"])
    assert resumed["timer"]["deadline_ms"] is not None

    # Clear, blank the projector, then end: every socket is told, the facilitator gets a receipt.
    await facilitator.command({"type": "clear"})
    await display.until_view(lambda v: v["activity"] is None)
    await facilitator.command({"type": "screen", "blank": True})
    await display.until_view(lambda v: v["screen"]["blank"])
    ack = await facilitator.command({"type": "end"})
    assert ack["type"] == "ack"
    ended = await facilitator.expect("ended")
    assert ended["receipt"]["remaining"] == 0 and ended["receipt"]["deleted"] > 0
    for client in (display, *phones):
        message = await client.expect("ended")
        assert message["receipt"] is None


async def test_reconnect_keeps_token_and_answer(live: LiveServer) -> None:
    room = await live.create_room(k=3)
    facilitator = await Client.join(live, room, "facilitator")
    phone = await Client.join(live, room, "participant")
    await facilitator.command({"type": "open", "activity": POLL})
    view = await phone.until_view(lambda v: v["activity"] is not None)
    b = ballot()
    await phone.command(
        {
            "type": "answer",
            "activity": view["activity"]["id"],
            "ballot": b,
            "value": {"kind": "choice", "option": 1},
        }
    )
    await phone.close()
    again = await Client.connect(
        live.ws_url, role="participant", code=room["code"], credential=phone.token
    )
    welcome = await again.expect("welcome")
    assert welcome["token"] is None  # the same token is still valid
    snapshot = await again.expect("snapshot")
    assert snapshot["you"]["answered"] is True
    ack = await again.command(
        {
            "type": "answer",
            "activity": view["activity"]["id"],
            "ballot": b,
            "value": {"kind": "choice", "option": 1},
        }
    )
    assert ack["type"] == "ack"
    progress = await facilitator.expect_where(
        lambda m: m["type"] == "progress" and m["connected"] == 1
    )
    assert progress["answered"] == 1


async def test_a_phone_back_with_its_token_is_told_its_own_signals(live: LiveServer) -> None:
    """A tab closed and reopened ("Carry on where I left off") keeps nothing of its own: the
    snapshot tells it the pause and word the room still counts, so the phone shows the truth."""
    room = await live.create_room(k=3)
    facilitator = await Client.join(live, room, "facilitator")
    phone = await Client.join(live, room, "participant")
    await phone.send({"type": "pause", "on": True})
    await phone.send({"type": "word", "on": True})
    await facilitator.expect_where(
        lambda m: m["type"] == "progress" and m["pauses"] == 1 and m["words"] == 1
    )
    await phone.close()
    again = await Client.connect(
        live.ws_url, role="participant", code=room["code"], credential=phone.token
    )
    snapshot = await again.expect("snapshot")
    assert snapshot["you"]["pause"] is True and snapshot["you"]["word"] is True
    newcomer = await Client.connect(live.ws_url, role="participant", code=room["code"])
    fresh = await newcomer.expect("snapshot")
    assert fresh["you"]["pause"] is False and fresh["you"]["word"] is False


@pytest.mark.parametrize("role", ["participant", "display"])
async def test_other_roles_are_refused_facilitator_commands(live: LiveServer, role: str) -> None:
    room = await live.create_room()
    client = await Client.join(live, room, role)
    for command in (
        {"type": "open", "activity": POLL},
        {"type": "reveal"},
        {"type": "end"},
        {"type": "timer", "action": "start", "seconds": 30},
        {"type": "configure", "k": 3},
    ):
        reply = await client.command(command)
        assert reply["type"] == "error" and reply["code"] == "forbidden", reply
    # and the room is untouched
    assert client.view["activity"] is None


async def test_credentials_are_worthless_in_another_room(live: LiveServer) -> None:
    first, second = await live.create_room(), await live.create_room()
    for role, cred in (
        ("facilitator", first["facilitator_credential"]),
        ("display", first["display_credential"]),
    ):
        client = await Client.connect(live.ws_url, role=role, code=second["code"], credential=cred)
        err = await client.expect("error")
        assert err["code"] == "unauthorised"
    phone = await Client.join(live, first, "participant")
    other = await Client.connect(
        live.ws_url, role="participant", code=second["code"], credential=phone.token
    )
    welcome = await other.expect("welcome")
    assert (
        welcome["token"] and welcome["token"] != phone.token
    )  # a stranger there, not the same person


async def test_wrong_code_and_ended_room_answer_alike(live: LiveServer) -> None:
    room = await live.create_room()
    facilitator = await Client.join(live, room, "facilitator")
    await facilitator.command({"type": "end"})
    replies = []
    for code in (room["code"], "ACDEFG"):
        client = await Client.connect(live.ws_url, role="participant", code=code)
        replies.append(await client.expect("error"))
        await client.close()
    assert replies[0] == replies[1]


async def test_credentials_only_in_the_first_message(live: LiveServer) -> None:
    room = await live.create_room()
    for url in (room["join_url"], room["console_url"], room["display_url"]):
        path = url.partition("#")[0]
        assert room["facilitator_credential"] not in path and room["display_credential"] not in path
        assert room["code"] not in path


async def test_one_phone_in_two_tabs_is_one_person_here(live: LiveServer) -> None:
    """Two sockets with one token (a phone's two tabs share its rejoin cookie) count once in
    "here"; another phone counts as another."""
    room = await live.create_room(k=3)
    await Client.join(live, room, "facilitator")
    first = await Client.join(live, room, "participant")
    await Client.join(live, room, "participant")
    twin = await Client.join(live, room, "participant", token=first.token)
    assert twin.token == first.token
    service = live.service

    async def here() -> int:
        await service.watch.write_presence(service.hub.rooms[room["code"]])
        return int(await service.store.connected(room["code"], 0, "p"))

    assert await live.acall(here()) == 2
