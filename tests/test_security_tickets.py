"""Links never carry a credential: console and display links carry one-time tickets, exchanged
once for the credential in a response body; what the store keeps of a ticket opens nothing."""

from __future__ import annotations

import hashlib
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from server.service import tickets
from server.store.memory import MemoryStore
from tests.support import Client, LiveServer


def ticket_of(url: str) -> str:
    _, _, fragment = url.partition("#")
    assert fragment.startswith("ticket="), url
    return fragment.removeprefix("ticket=")


async def exchange(live: LiveServer, ticket: str, **headers: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=live.base_url) as http:
        return await http.post("/api/tickets/exchange", json={"ticket": ticket}, headers=headers)


async def mint(live: LiveServer, body: dict[str, Any], **headers: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=live.base_url) as http:
        return await http.post("/api/tickets", json=body, headers=headers)


async def test_room_links_carry_single_use_tickets(live: LiveServer) -> None:
    room = await live.create_room()
    secrets_ = (
        room["facilitator_credential"],
        room["display_credential"],
        live.settings.host_secret,
    )
    for name, role in (("console_url", "facilitator"), ("display_url", "display")):
        url = room[name]
        assert not any(s in url for s in secrets_), url
        assert room["code"] not in url.partition("#")[0]
        first = await exchange(live, ticket_of(url))
        assert first.status_code == 200 and first.headers["cache-control"] == "no-store"
        body = first.json()
        assert body == {
            "kind": role,
            "code": room["code"],
            "credential": room[f"{role}_credential"],
        }
        # the credential it gave opens that screen
        client = await Client.connect(
            live.ws_url, role=role, code=body["code"], credential=body["credential"]
        )
        assert (await client.expect("welcome"))["role"] == role
        await client.close()
        # and the link is spent: a second use answers exactly like a made-up ticket
        again = await exchange(live, ticket_of(url))
        made_up = await exchange(live, f"{room['code']}.{'A' * 32}")
        malformed = await exchange(live, "nonsense")
        assert again.status_code == made_up.status_code == malformed.status_code == 404
        assert again.json() == made_up.json() == malformed.json()


async def test_screens_mint_tickets_with_their_own_credential(live: LiveServer) -> None:
    room = await live.create_room()
    ok = await mint(
        live, {"role": "display", "code": room["code"], "credential": room["display_credential"]}
    )
    assert ok.status_code == 201 and ok.headers["cache-control"] == "no-store"
    assert ok.json()["url"].startswith(f"{live.base_url}/display#ticket=")
    grant = (await exchange(live, ok.json()["ticket"])).json()
    assert grant["credential"] == room["display_credential"]
    # a display credential cannot mint a console ticket; nor can a participant's token
    phone = await Client.join(live, room, "participant")
    for body in (
        {"role": "facilitator", "code": room["code"], "credential": room["display_credential"]},
        {"role": "display", "code": room["code"], "credential": phone.token},
        {"role": "display", "code": "ACDEFG", "credential": room["display_credential"]},
        {"role": "host"},
    ):
        assert (await mint(live, body)).status_code == 401, body
    host = await mint(live, {"role": "host"}, Authorization=f"Bearer {live.settings.host_secret}")
    assert host.status_code == 201 and "/host#ticket=" in host.json()["url"]
    grant = (await exchange(live, host.json()["ticket"])).json()
    assert grant == {"kind": "host", "code": None, "credential": live.settings.host_secret}


async def test_a_console_learns_when_a_link_it_made_is_opened(live: LiveServer) -> None:
    """The console asks, with its own credential, whether a link it made is still unused: yes
    until it is opened, no after; asking spends nothing, and nobody else can ask."""
    room, other = await live.create_room(), await live.create_room()
    made = await mint(
        live,
        {"role": "cofacilitator", "code": room["code"], "credential": room["facilitator_credential"]},
    )
    ticket = made.json()["ticket"]
    assert made.json()["ttl"] == live.settings.ticket_ttl_seconds

    async def state(code: str, credential: str, asked: str = ticket) -> httpx.Response:
        async with httpx.AsyncClient(base_url=live.base_url) as http:
            body = {"ticket": asked, "code": code, "credential": credential}
            return await http.post("/api/tickets/state", json=body)

    for _ in range(2):  # asking twice spends nothing
        reply = await state(room["code"], room["facilitator_credential"])
        assert reply.status_code == 200 and reply.json() == {"waiting": True}
    # the display's credential, another room's facilitator, a made-up one: refused alike
    for code, credential in (
        (room["code"], room["display_credential"]),
        (room["code"], other["facilitator_credential"]),
        (other["code"], other["facilitator_credential"]),
    ):
        refused = await state(code, credential)
        if code == other["code"]:  # its own room: but the ticket is not of that room
            assert refused.json() == {"waiting": False}
        else:
            assert refused.status_code == 401 and "waiting" not in refused.json()
    assert (await exchange(live, ticket)).status_code == 200  # the link is opened
    assert (await state(room["code"], room["facilitator_credential"])).json() == {"waiting": False}
    made_up = await state(room["code"], room["facilitator_credential"], f"{room['code']}.{'A' * 32}")
    assert made_up.json() == {"waiting": False}


async def test_cross_site_pages_cannot_use_the_api(live: LiveServer) -> None:
    room = await live.create_room()
    evil = {"Origin": "https://evil.example"}
    assert (await exchange(live, ticket_of(room["display_url"]), **evil)).status_code == 403
    assert (await mint(live, {"role": "host"}, **evil)).status_code == 403
    async with httpx.AsyncClient(base_url=live.base_url) as http:
        refused = await http.post("/api/forget", headers=evil)
        allowed = await http.post("/api/forget", headers={"Origin": live.base_url})
    assert refused.status_code == 403 and "clear-site-data" not in refused.headers
    assert allowed.status_code == 204 and "storage" in allowed.headers["clear-site-data"]
    # the refused request did not spend the ticket
    same = await exchange(live, ticket_of(room["display_url"]), Origin=live.base_url)
    assert same.status_code == 200


async def test_the_store_never_holds_a_usable_credential(live: LiveServer) -> None:
    room = await live.create_room()
    credentials = [
        room["facilitator_credential"],
        room["display_credential"],
        live.settings.host_secret,
    ]
    await mint(live, {"role": "host"}, Authorization=f"Bearer {live.settings.host_secret}")
    dump = await dump_store(live)
    assert any(":ticket:" in k for k in dump)
    for key, value in dump.items():
        for secret in credentials:
            assert secret.encode() not in value, key
            assert secret.encode()[:12] not in value, key
    # and the ticket's secret half is not there either: only its hash names the key
    for url in (room["console_url"], room["display_url"]):
        secret_half = ticket_of(url).partition(".")[2]
        assert not any(secret_half in k or secret_half.encode() in v for k, v in dump.items())
        digest = hashlib.sha256(("ticket:" + secret_half).encode()).hexdigest()
        assert any(k.endswith(f":ticket:{digest}") for k in dump)
    ttls = await live.acall(live.service.store.key_ttls(room["code"]))
    ticket_ttls = [t for k, t in ttls.items() if ":ticket:" in k]
    assert len(ticket_ttls) == 2
    assert all(0 < t <= live.settings.ticket_ttl_seconds for t in ticket_ttls)


async def dump_store(live: LiveServer) -> dict[str, bytes]:
    store = live.service.store
    if isinstance(store, MemoryStore):
        return {k: repr(v).encode() for k, v in store.keys.values.items()}
    redis = Redis.from_url(live.settings.redis_url)
    try:
        out = {}
        async for k in redis.scan_iter(match="hearth:*"):
            kind = (await redis.type(k)).decode()
            if kind == "string":
                value = await redis.get(k) or b""
            elif kind == "hash":
                value = repr(await redis.hgetall(k)).encode()
            elif kind == "set":
                value = repr(await redis.smembers(k)).encode()
            elif kind == "zset":
                value = repr(await redis.zrange(k, 0, -1, withscores=True)).encode()
            else:
                value = b""
            out[k.decode()] = value
        return out
    finally:
        await redis.aclose()


async def test_tickets_are_erased_with_the_room(live: LiveServer) -> None:
    room = await live.create_room()
    facilitator = await Client.join(live, room, "facilitator")
    await facilitator.command({"type": "end"})
    assert (await exchange(live, ticket_of(room["display_url"]))).status_code == 404


@pytest.mark.parametrize("kind", ["facilitator", "display"])
async def test_redeem_is_single_use_under_a_race(kind: str) -> None:
    store = MemoryStore()
    ticket = await tickets.mint(store, tickets.Grant(kind, "ACDEFG", "c" * 32), 60)  # type: ignore[arg-type]
    results = [await tickets.redeem(store, ticket) for _ in range(3)]
    assert results[0] is not None and results[1:] == [None, None]
    # tampering with the code half finds nothing, and does not spend the real one
    ticket = await tickets.mint(store, tickets.Grant(kind, "ACDEFG", "c" * 32), 60)  # type: ignore[arg-type]
    assert await tickets.redeem(store, "ACDEFH." + ticket.partition(".")[2]) is None
    assert await tickets.redeem(store, "h." + ticket.partition(".")[2]) is None
    assert await tickets.redeem(store, ticket) is not None


async def test_a_sealed_grant_that_was_altered_or_moved_does_not_open() -> None:
    """Someone who can write to the store (not read the link) flips a byte of a sealed grant, or
    copies one grant's value under another ticket's key: neither redeems (AES-GCM's tag covers
    the value and the key it is stored under)."""
    store = MemoryStore()
    grant = tickets.Grant("facilitator", "ACDEFG", "c" * 32)
    first, second = [await tickets.mint(store, grant, 60) for _ in range(2)]
    names = {
        t: next(k for k in store.keys.values if k.endswith(ticket_key_suffix(t)))
        for t in (first, second)
    }
    # moved: the first grant's sealed value under the second ticket's key
    store.keys.values[names[second]] = store.keys.values[names[first]]
    assert await tickets.redeem(store, second) is None
    # altered: one bit of the (otherwise genuine) first grant flipped
    sealed = bytearray(store.keys.values[names[first]])
    sealed[-1] ^= 1
    store.keys.values[names[first]] = bytes(sealed)
    assert await tickets.redeem(store, first) is None
    # and a genuine one still opens, to the credential it sealed
    third = await tickets.mint(store, grant, 60)
    assert await tickets.redeem(store, third) == grant


def ticket_key_suffix(ticket: str) -> str:
    secret_half = ticket.partition(".")[2]
    return ":ticket:" + hashlib.sha256(("ticket:" + secret_half).encode()).hexdigest()
