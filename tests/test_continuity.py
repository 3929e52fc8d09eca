"""Nobody loses their place, over the real protocol on both stores: a facilitator comes back into
a running room (and a console left open elsewhere is shut out), a room without a facilitator
ends by itself and is erased, a co-facilitator sees and helps but cannot end, an interrupted
activity comes back with its answers and timer, and the distress signals reach facilitators."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import websockets

from server.domain.interruptions import CHECKIN_TITLE, FEELINGS
from server.wire.close_codes import REASON_REPLACED
from tests.support import QUICK_BEAT, Client, LiveServer

POLL = {
    "kind": "poll",
    "text": "What helps most this week?",
    "options": ["Rest", "Talk", "Walk"],
    "result_style": "counts",
}


def answer(aid: str, option: int = 0, ballot: str | None = None) -> dict[str, Any]:
    return {
        "type": "answer",
        "activity": aid,
        "ballot": ballot or secrets.token_urlsafe(16),
        "value": {"kind": "choice", "option": option},
    }


async def exchange(live: LiveServer, body: dict[str, Any], bearer: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
    async with httpx.AsyncClient(base_url=live.base_url) as http:
        made = await http.post("/api/tickets", json=body, headers=headers)
        assert made.status_code == 201, made.text
        ticket = made.json()["ticket"]
        grant = await http.post("/api/tickets/exchange", json={"ticket": ticket})
        assert grant.status_code == 200
        return grant.json()


async def live_poll(live: LiveServer, room: dict[str, Any]) -> tuple[Client, list[Client], str]:
    facilitator = await Client.join(live, room, "facilitator")
    phones = [await Client.join(live, room, "participant") for _ in range(3)]
    await facilitator.command({"type": "open", "activity": POLL})
    aid = (await phones[0].until_view(lambda v: v["activity"] is not None))["activity"]["id"]
    for phone in phones:
        assert (await phone.command(answer(aid)))["type"] == "ack"
    return facilitator, phones, aid


async def test_the_host_gets_back_into_a_running_room_and_the_old_console_is_shut_out(
    live: LiveServer,
) -> None:
    room = await live.create_room(k=3)
    facilitator, phones, aid = await live_poll(live, room)
    plan = {"title": "Week 3", "items": [{"activity": POLL}]}
    assert (await facilitator.command({"type": "runsheet", "plan": plan, "index": 0}))[
        "type"
    ] == "ack"

    # `hearth link --room CODE` does this: the host secret, the room's code, nothing else.
    grant = await exchange(
        live, {"role": "facilitator", "code": room["code"]}, live.settings.host_secret
    )
    assert grant["kind"] == "facilitator" and grant["code"] == room["code"]
    assert grant["credential"] != room["facilitator_credential"]

    # the console left open elsewhere is told and closed; its credential no longer works
    refused = await facilitator.expect("error")
    assert refused["code"] == "unauthorised"
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await facilitator.receive(5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401
    # a console asleep when it happened (a laptop's lid shut) comes back with the replaced
    # credential: refused, with the reason that makes it say it was signed out
    stale = await Client.connect(
        live.ws_url,
        role="facilitator",
        code=room["code"],
        credential=room["facilitator_credential"],
    )
    said = await stale.expect("error")
    assert said["code"] == "unauthorised" and "opened somewhere else" in said["message"]
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await stale.receive(5)
    assert closed.value.rcvd is not None
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (4401, REASON_REPLACED)
    # a credential that never was this room's is only not valid
    stranger = await Client.connect(
        live.ws_url, role="facilitator", code=room["code"], credential=secrets.token_urlsafe(32)
    )
    assert "not valid" in (await stranger.expect("error"))["message"]
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await stranger.receive(5)
    assert closed.value.rcvd is not None and closed.value.rcvd.reason == ""

    # the new console finds the room as it was: the live poll, its answers, the run-sheet
    back = await Client.join(
        live, {**room, "facilitator_credential": grant["credential"]}, "facilitator"
    )
    assert back.view["activity"]["id"] == aid and back.view["activity"]["status"] == "open"
    assert back.view["runsheet"]["plan"]["title"] == "Week 3"
    assert back.view["runsheet"]["index"] == 0
    await back.expect_where(lambda m: m["type"] == "progress" and m["answered"] == 3)
    assert (await back.command({"type": "reveal"}))["type"] == "ack"
    results = (await phones[0].until_view(lambda v: v["results"] is not None))["results"]
    assert results["overall"]["cells"][0]["count"] == 3


async def test_re_entry_needs_the_host_secret(live: LiveServer) -> None:
    room = await live.create_room(k=3)
    async with httpx.AsyncClient(base_url=live.base_url) as http:
        wrong = await http.post(
            "/api/tickets",
            json={"role": "facilitator", "code": room["code"]},
            headers={"Authorization": "Bearer not-the-host-secret-0123"},
        )
        assert wrong.status_code == 401
        unknown = await http.post(
            "/api/tickets",
            json={"role": "facilitator", "code": "ACDEFG"},
            headers={"Authorization": f"Bearer {live.settings.host_secret}"},
        )
        assert unknown.status_code == 404
    # the room's credential still works: nothing was replaced
    console = await Client.join(live, room, "facilitator")
    assert console.view["room"]["code"] == room["code"]


@pytest.fixture(params=["memory", "redis"])
def live_grace(request: pytest.FixtureRequest) -> Iterator[LiveServer]:
    redis_url = request.getfixturevalue("redis_server").url if request.param == "redis" else ""
    server = LiveServer.start(
        redis_url=redis_url,
        facilitator_away_seconds=1.0,
        facilitator_grace_seconds=2.0,
        heartbeat_seconds=QUICK_BEAT,
    )
    yield server
    server.stop()


async def test_a_room_without_its_facilitator_says_so_then_ends_and_is_erased(
    live_grace: LiveServer,
) -> None:
    live = live_grace
    room = await live.create_room(k=3)
    facilitator, phones, _ = await live_poll(live, room)
    display = await Client.join(live, room, "display")
    await facilitator.close()
    # within seconds every screen says the facilitator is reconnecting
    for screen in (display, phones[0]):
        await screen.until_view(lambda v: v["room"]["facilitator_away"], timeout=10)
    # a facilitator who comes back in time clears it
    again = await Client.join(live, room, "facilitator")
    await display.until_view(lambda v: not v["room"]["facilitator_away"], timeout=10)
    await again.close()
    await display.until_view(lambda v: v["room"]["facilitator_away"], timeout=10)
    # ... and one who does not: after the grace time the room ends, erased, and says why
    for screen in (display, *phones):
        ended = await screen.expect("ended", timeout=15)
        assert ended["reason"] == "abandoned"
    assert await live.acall(live.service.store.key_ttls(room["code"])) == {}


async def test_a_co_facilitators_console_keeps_the_room_led(live_grace: LiveServer) -> None:
    """As the guide says: while a co-facilitator's console is open, the room is led: nobody is
    told the facilitator is away and nothing ends by itself (away 1 s, grace 2 s here); once
    it closes too, the screens are told."""
    live = live_grace
    room = await live.create_room(k=3)
    facilitator, phones, _ = await live_poll(live, room)
    body = {"role": "cofacilitator", "code": room["code"]}
    grant = await exchange(live, {**body, "credential": room["facilitator_credential"]})
    co = await Client.connect(
        live.ws_url, role="cofacilitator", code=room["code"], credential=grant["credential"]
    )
    assert (await co.expect("welcome"))["role"] == "cofacilitator"
    await facilitator.close()
    # past the away time and the grace time together: still led, still running
    with pytest.raises((TimeoutError, AssertionError)):  # no such view came in 4 s
        await phones[0].until_view(lambda v: v["room"]["facilitator_away"], timeout=4)
    assert await live.acall(live.service.load(room["code"]))
    await co.close()
    await phones[0].until_view(lambda v: v["room"]["facilitator_away"], timeout=10)


async def test_a_co_facilitator_sees_and_helps_but_cannot_end(live: LiveServer) -> None:
    room = await live.create_room(k=3)
    facilitator, phones, aid = await live_poll(live, room)
    assert (await facilitator.command({"type": "support", "text": "Helpline: 0800 000"}))[
        "type"
    ] == "ack"
    # only the facilitator's credential makes the link
    async with httpx.AsyncClient(base_url=live.base_url) as http:
        refused = await http.post(
            "/api/tickets",
            json={
                "role": "cofacilitator",
                "code": room["code"],
                "credential": room["display_credential"],
            },
        )
        assert refused.status_code == 401
    grant = await exchange(
        live,
        {
            "role": "cofacilitator",
            "code": room["code"],
            "credential": room["facilitator_credential"],
        },
    )
    assert grant["kind"] == "cofacilitator"
    co = await Client.connect(
        live.ws_url, role="cofacilitator", code=room["code"], credential=grant["credential"]
    )
    assert (await co.expect("welcome"))["role"] == "cofacilitator"
    snapshot = await co.expect("snapshot")
    assert snapshot["view"]["queue"] == [] and snapshot["view"]["support_card"]
    await co.expect_where(lambda m: m["type"] == "progress" and m["answered"] == 3)
    await facilitator.expect_where(lambda m: m["type"] == "progress" and m["cofacilitators"] == 1)
    # a phone's signals reach both consoles
    await phones[0].send({"type": "word", "on": True})
    for console in (facilitator, co):
        await console.expect_where(lambda m: m["type"] == "progress" and m["words"] == 1)
    # it may push grounding and bring the poll back; not end, change k or open activities
    assert (await co.command({"type": "grounding_now"}))["type"] == "ack"
    await phones[1].until_view(lambda v: v["activity"]["definition"]["kind"] == "grounding")
    assert (await co.command({"type": "resume"}))["type"] == "ack"
    await phones[1].until_view(lambda v: v["activity"]["id"] == aid)
    for forbidden in (
        {"type": "end"},
        {"type": "configure", "k": 3},
        {"type": "open", "activity": POLL},
        {"type": "screen", "blank": True},
        {"type": "runsheet", "plan": None, "index": -1},  # the run-sheet is the facilitator's
        {"type": "runsheet_part", "part": 0, "parts": 2, "text": "{"},
    ):
        reply = await co.command(forbidden)
        assert reply["type"] == "error" and reply["code"] == "forbidden", (forbidden, reply)
    assert await live.acall(live.service.load(room["code"]))  # still running
    # a new co-facilitator link replaces the last: the first co-facilitator is shut out
    await exchange(
        live,
        {
            "role": "cofacilitator",
            "code": room["code"],
            "credential": room["facilitator_credential"],
        },
    )
    assert (await co.expect("error"))["code"] == "unauthorised"


async def test_an_interrupted_activity_comes_back_with_its_answers_and_timer(
    live: LiveServer,
) -> None:
    room = await live.create_room(k=3)
    facilitator = await Client.join(live, room, "facilitator")
    phones = [await Client.join(live, room, "participant") for _ in range(3)]
    reflection = {"kind": "reflection", "text": "Write privately.", "seconds": 300, "share": True}
    await facilitator.command({"type": "open", "activity": reflection})
    aid = (await phones[0].until_view(lambda v: v["activity"] is not None))["activity"]["id"]
    await facilitator.command({"type": "timer", "action": "start"})
    view = await phones[0].until_view(lambda v: v["timer"] and v["timer"]["running"])
    deadline = view["timer"]["deadline_ms"]
    ballots = [secrets.token_urlsafe(16) for _ in phones]
    for phone, ballot in zip(phones[:2], ballots[:2], strict=True):
        reply = await phone.command(
            {
                "type": "answer",
                "activity": aid,
                "ballot": ballot,
                "value": {"kind": "text", "text": "kept"},
            }
        )
        assert reply["type"] == "ack"

    checkin = {"kind": "checkin", "text": "How are you right now?"}
    await facilitator.command({"type": "open", "activity": checkin, "interrupt": True})
    view = await facilitator.until_view(lambda v: v["set_aside"] is not None)
    assert view["set_aside"]["id"] == aid
    cid = view["activity"]["id"]
    assert (await phones[0].command({**answer(cid), "value": {"kind": "choice", "option": 1}}))[
        "type"
    ] == "ack"
    # the set-aside activity takes no answers meanwhile
    late = await phones[2].command(
        {
            "type": "answer",
            "activity": aid,
            "ballot": ballots[2],
            "value": {"kind": "text", "text": "x"},
        }
    )
    assert late["type"] == "error" and late["code"] == "closed"

    assert (await facilitator.command({"type": "resume"}))["type"] == "ack"
    view = await phones[2].until_view(lambda v: v["activity"] and v["activity"]["id"] == aid)
    assert view["activity"]["status"] == "open" and view["timer"]["running"]
    # the timer went on from where it was paused: its end moved by the pause, no more
    assert view["timer"]["deadline_ms"] >= deadline
    assert view["timer"]["duration_ms"] == 300_000
    await facilitator.expect_where(lambda m: m["type"] == "progress" and m["answered"] == 2)
    reply = await phones[2].command(
        {
            "type": "answer",
            "activity": aid,
            "ballot": ballots[2],
            "value": {"kind": "text", "text": "kept"},
        }
    )
    assert reply["type"] == "ack"
    await facilitator.expect_where(lambda m: m["type"] == "progress" and m["answered"] == 3)
    assert (await facilitator.command({"type": "resume"}))["code"] == "nothing_set_aside"


async def test_grounding_now_and_the_signals(live: LiveServer) -> None:
    room = await live.create_room(k=3)
    facilitator = await Client.join(live, room, "facilitator")
    phone = await Client.join(live, room, "participant")
    assert (await facilitator.command({"type": "grounding_now"}))["type"] == "ack"
    view = await phone.until_view(lambda v: v["activity"] is not None)
    definition = view["activity"]["definition"]
    assert definition["kind"] == "grounding" and view["timer"]["running"]
    assert "three things you can see" in definition["text"]  # a way that needs no breath
    assert (await facilitator.command({"type": "support", "text": "Call 0800 000 000"}))[
        "type"
    ] == "ack"
    assert (await phone.until_view(lambda v: v["support_card"]))["support_card"] == {
        "text": "Call 0800 000 000",
        "lang": None,
        "translations": {},
    }
    display = await Client.join(live, room, "display")
    assert display.view["support_card"] is None  # the room's screen does not show it
    await phone.send({"type": "word", "on": True})
    await facilitator.expect_where(lambda m: m["type"] == "progress" and m["words"] == 1)
    await phone.send({"type": "word", "on": False})  # taken back
    await facilitator.expect_where(lambda m: m["type"] == "progress" and m["words"] == 0)
    await phone.send({"type": "word", "on": True})
    await facilitator.expect_where(lambda m: m["type"] == "progress" and m["words"] == 1)
    await phone.send({"type": "leave"})  # leaving takes it back too
    await facilitator.expect_where(lambda m: m["type"] == "progress" and m["words"] == 0)


async def test_an_interruption_is_in_the_language_of_the_console_that_asked(
    live: LiveServer,
) -> None:
    """A French console's Quick check-in is French first (what the room keeps of it, and the
    summary, read as the facilitator does), and every phone still finds its own language."""
    room = await live.create_room(k=3)
    facilitator = await Client.join(live, room, "facilitator")
    phone = await Client.join(live, room, "participant")
    command = {"type": "checkin_now", "lang": "fr"}
    assert (await facilitator.command(command))["type"] == "ack"
    view = await phone.until_view(lambda v: v["activity"] is not None)
    definition = view["activity"]["definition"]
    french = FEELINGS[0].in_language("fr")
    assert definition["lang"] == "fr" and definition["options"][0] == french
    assert definition["title"] == CHECKIN_TITLE.in_language("fr")
    assert definition["translations"]["en"]["options"][0] == "Steady"
    assert "fr" not in definition["translations"]
    assert (await facilitator.command({"type": "grounding_now", "lang": "ar"}))["type"] == "ack"
    view = await phone.until_view(lambda v: v["activity"]["definition"]["kind"] == "grounding")
    assert view["activity"]["definition"]["lang"] == "ar"
    assert view["activity"]["definition"]["translations"]["en"]["title"] == "Grounding"


async def test_the_consoles_count_the_display(live: LiveServer) -> None:
    """The console says whether the projector's page is there: a display that dropped is
    counted out, so the bar never shows one that is gone."""
    room = await live.create_room()
    facilitator = await Client.join(live, room, "facilitator")
    display = await Client.join(live, room, "display")
    await facilitator.expect_where(lambda m: m["type"] == "progress" and m["displays"] == 1)
    await display.close()
    await facilitator.expect_where(lambda m: m["type"] == "progress" and m["displays"] == 0)
    await facilitator.close()


async def test_a_phone_that_leaves_and_joins_again_counts_once(live: LiveServer) -> None:
    """Leave forgets the phone, so joining again makes a new person: the answer to the open
    activity leaves with it (its ballot finds it), and the room counts the phone once, as the
    console's 'here' does. Answers to activities already closed stay."""
    room = await live.create_room(k=3)
    facilitator, phones, aid = await live_poll(live, room)
    ballot = secrets.token_urlsafe(16)
    leaving = await Client.join(live, room, "participant")
    assert (await leaving.command(answer(aid, 2, ballot)))["type"] == "ack"
    await facilitator.expect_where(lambda m: m["type"] == "progress" and m["answered"] == 4)
    await leaving.send({"type": "leave", "activity": aid, "ballot": ballot})
    await facilitator.expect_where(lambda m: m["type"] == "progress" and m["answered"] == 3)
    back, again = await Client.join(live, room, "participant"), secrets.token_urlsafe(16)
    assert (await back.command(answer(aid, 2, again)))["type"] == "ack"
    await facilitator.expect_where(lambda m: m["type"] == "progress" and m["answered"] == 4)
    assert (await facilitator.command({"type": "close"}))["type"] == "ack"
    assert (await facilitator.command({"type": "reveal"}))["type"] == "ack"
    shown = await phones[0].until_view(lambda v: v["results"] is not None)
    assert shown["results"]["overall"]["answered"] == 4  # not 5: the one that came back, once
    # a leave after answers closed takes nothing back
    await back.send({"type": "leave", "activity": aid, "ballot": again})
    await facilitator.expect_where(lambda m: m["type"] == "progress" and m["joined"] == 3)
    seen = await phones[1].until_view(lambda v: v["results"] is not None)
    assert seen["results"]["overall"]["answered"] == 4
