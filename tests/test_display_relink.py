"""A console that holds the facilitator's credential can always open the projector display, on
both stores: after re-entry (`hearth link --room CODE`, which replaces the facilitator's
credential) the console has no display credential, and the server keeps only a digest of the
old one. The facilitator's credential makes display links; a new display credential is made from
it, the display already up keeps working, and the one before that is retired."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support import Client, LiveServer

POLL = {
    "kind": "poll",
    "text": "What helps most this week?",
    "options": ["Rest", "Talk", "Walk"],
    "result_style": "counts",
}


async def mint(live: LiveServer, body: dict[str, Any], bearer: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
    async with httpx.AsyncClient(base_url=live.base_url) as http:
        return await http.post("/api/tickets", json=body, headers=headers)


async def redeem(live: LiveServer, ticket: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=live.base_url) as http:
        grant = await http.post("/api/tickets/exchange", json={"ticket": ticket})
    assert grant.status_code == 200, grant.text
    body: dict[str, Any] = grant.json()
    return body


async def re_enter(live: LiveServer, code: str) -> str:
    """What `hearth link --room CODE` does; the new facilitator credential."""
    made = await mint(live, {"role": "facilitator", "code": code}, live.settings.host_secret)
    assert made.status_code == 201, made.text
    grant = await redeem(live, made.json()["ticket"])
    assert grant["kind"] == "facilitator"
    return str(grant["credential"])


async def display_link(live: LiveServer, code: str, credential: str) -> dict[str, Any]:
    """A display link made with `credential`, as the console makes it; the grant behind it."""
    made = await mint(live, {"role": "display", "code": code, "credential": credential})
    assert made.status_code == 201, made.text
    url = made.json()["url"]
    assert url.startswith(f"{live.base_url}/display#ticket=")
    assert credential not in url
    grant = await redeem(live, made.json()["ticket"])
    assert grant["kind"] == "display" and grant["code"] == code
    assert grant["credential"] not in url
    return grant


async def display(live: LiveServer, code: str, credential: str) -> Client:
    client = await Client.connect(live.ws_url, role="display", code=code, credential=credential)
    welcome = await client.expect("welcome")
    assert welcome["role"] == "display", welcome
    await client.expect("snapshot")
    return client


async def refused(live: LiveServer, code: str, credential: str) -> None:
    client = await Client.connect(live.ws_url, role="display", code=code, credential=credential)
    assert (await client.expect("error"))["code"] == "unauthorised"
    await client.close()


async def test_the_facilitator_credential_makes_the_room_s_own_display_link(
    live: LiveServer,
) -> None:
    """Any console with the facilitator's credential (a console link's, say) opens the display
    the room already has: nothing is replaced, so the display that is up is untouched."""
    room = await live.create_room(k=3)
    grant = await display_link(live, room["code"], room["facilitator_credential"])
    assert grant["credential"] == room["display_credential"]
    assert grant["credential"] != room["facilitator_credential"]
    await display(live, room["code"], grant["credential"])


async def test_after_re_entry_the_console_opens_a_working_display(live: LiveServer) -> None:
    room = await live.create_room(k=3)
    code = room["code"]
    old_display = await Client.join(live, room, "display")  # the projector, already up
    facilitator = await Client.join(live, room, "facilitator")
    assert (await facilitator.command({"type": "open", "activity": POLL}))["type"] == "ack"
    await old_display.until_view(lambda v: v["activity"] is not None)

    fresh = await re_enter(live, code)
    grant = await display_link(live, code, fresh)
    made = grant["credential"]
    assert made not in (room["display_credential"], room["facilitator_credential"], fresh)

    # the new projector connects with it and is shown the room: the live poll
    projector = await display(live, code, made)
    assert projector.view["activity"]["definition"]["text"] == POLL["text"]
    assert projector.view["room"]["code"] == code
    # a second link (the button pressed again, a display link) opens the same display
    assert (await display_link(live, code, fresh))["credential"] == made

    # the projector that was already up keeps working, and may reconnect with what it holds
    console = await Client.join(live, {**room, "facilitator_credential": fresh}, "facilitator")
    assert (await console.command({"type": "close"}))["type"] == "ack"
    for screen in (old_display, projector):
        await screen.until_view(lambda v: v["activity"]["status"] == "closed")
    await old_display.close()
    again = await display(live, code, room["display_credential"])
    assert again.view["activity"]["status"] == "closed"

    # the store holds digests only, and every key of the room still expires
    doc = await live.acall(live.service.store.load(code))
    assert made.encode() not in doc and fresh.encode() not in doc
    ttls = await live.acall(live.service.store.key_ttls(code))
    assert ttls and all(ttl > 0 for ttl in ttls.values()), ttls


async def test_only_the_facilitator_or_the_current_display_credential_makes_display_links(
    live: LiveServer,
) -> None:
    room = await live.create_room(k=3)
    code = room["code"]
    made = await mint(
        live, {"role": "cofacilitator", "code": code, "credential": room["facilitator_credential"]}
    )
    co = (await redeem(live, made.json()["ticket"]))["credential"]
    fresh = await re_enter(live, code)
    new_display = (await display_link(live, code, fresh))["credential"]

    for role, credential in (
        ("facilitator", new_display),  # a display credential opens no console
        ("cofacilitator", new_display),
        ("display", room["facilitator_credential"]),  # replaced by re-entry
        ("display", room["display_credential"]),  # replaced: still admits its display, no links
        ("display", co),  # a co-facilitator has no display to give
        ("display", "not-a-credential-0123456789"),
        ("display", fresh[:-1]),
    ):
        answer = await mint(live, {"role": role, "code": code, "credential": credential})
        assert answer.status_code == 401, (role, answer.text)
        assert answer.json()["error"] == "unauthorised"
    # the same credential of another room opens nothing here
    other = await live.create_room(k=3)
    wrong_room = await mint(live, {"role": "display", "code": other["code"], "credential": fresh})
    assert wrong_room.status_code == 401
    # the display credential it made still makes display links of its own
    assert (await display_link(live, code, new_display))["credential"] == new_display


@pytest.mark.parametrize("connected", [True, False])
async def test_a_display_credential_is_retired_at_the_next_replacement(
    live: LiveServer, connected: bool
) -> None:
    """Each re-entry followed by a display link replaces the display credential; the one it
    replaces still admits a display, the one before that no longer does."""
    room = await live.create_room(k=3)
    code = room["code"]
    first = await display(live, code, room["display_credential"]) if connected else None
    second = (await display_link(live, code, await re_enter(live, code)))["credential"]
    await display(live, code, room["display_credential"])  # replaced once: still admitted
    third = (await display_link(live, code, await re_enter(live, code)))["credential"]
    assert len({room["display_credential"], second, third}) == 3
    await refused(live, code, room["display_credential"])
    await display(live, code, second)
    await display(live, code, third)
    if first is not None:  # a display still connected with it is not cut off mid-session
        console = await re_enter(live, code)
        facilitator = await Client.join(
            live, {**room, "facilitator_credential": console}, "facilitator"
        )
        assert (await facilitator.command({"type": "open", "activity": POLL}))["type"] == "ack"
        await first.until_view(lambda v: v["activity"] is not None)
