"""Every key written during a session has a TTL, sampled after every step; after the end, a SCAN
finds none of the room's keys."""

from __future__ import annotations

import secrets
from typing import Any

import pytest

from server.store.topology import close
from tests.conftest import BACKENDS
from tests.redis_topologies import independent_client, scan_everywhere
from tests.support import Client, LiveServer


async def key_ttls(live: LiveServer, code: str) -> dict[str, int]:
    if live.settings.redis_url:
        # A client of our own (not the server's store), scanning every node of the topology.
        redis = await independent_client(live.settings.redis_url)
        try:
            found = [k async for k in scan_everywhere(redis, f"hearth:{{{code}}}:*")]
            return {k.decode(): int(await redis.ttl(k)) for k in found}
        finally:
            await close(redis)
    result: dict[str, int] = await live.acall(live.service.store.key_ttls(code))
    return result


@pytest.mark.parametrize("live", BACKENDS, indirect=True)
async def test_no_key_without_ttl_and_nothing_left_after_end(live: LiveServer) -> None:
    room = await live.create_room(k=3)
    code = room["code"]
    samples: list[dict[str, int]] = []

    async def sample() -> None:
        ttls = await key_ttls(live, code)
        assert ttls, "the room should have keys while it runs"
        missing = {k: t for k, t in ttls.items() if t < 0}
        assert not missing, f"keys without a TTL: {missing}"
        assert all(t <= live.settings.room_ttl_seconds for t in ttls.values())
        samples.append(ttls)

    facilitator = await Client.join(live, room, "facilitator")
    await sample()
    phones = [await Client.join(live, room, "participant") for _ in range(4)]
    await facilitator.expect_where(lambda m: m["type"] == "progress" and m["connected"] == 4)
    await sample()
    steps: list[dict[str, Any]] = [
        {"type": "configure", "tracks": True},
        {"type": "open", "activity": {"kind": "scale", "text": "How steady do you feel?"}},
    ]
    for step in steps:
        assert (await facilitator.command(step))["type"] == "ack"
        await sample()
    view = await phones[0].until_view(lambda v: v["activity"] is not None)
    for i, phone in enumerate(phones):
        await phone.send({"type": "track", "track": "hurt"})
        await phone.send({"type": "pause", "on": True})
        ack = await phone.command(
            {
                "type": "answer",
                "activity": view["activity"]["id"],
                "ballot": secrets.token_urlsafe(16),
                "value": {"kind": "scale", "value": 1 + i % 5},
            }
        )
        assert ack["type"] == "ack"
        await sample()
    for step in (
        {"type": "reveal"},
        {"type": "open", "activity": {"kind": "prompt", "text": "One word?", "open_text": True}},
    ):
        assert (await facilitator.command(step))["type"] == "ack"
        await sample()
    view = await phones[0].until_view(lambda v: v["activity"]["definition"]["kind"] == "prompt")
    await phones[0].command(
        {
            "type": "answer",
            "activity": view["activity"]["id"],
            "ballot": secrets.token_urlsafe(16),
            "value": {"kind": "text", "text": "tired"},
        }
    )
    # a phone that leaves takes its answer back (WITHDRAW, with LEAVE): the keys it writes to
    # keep their expiry too
    aid, ballot = view["activity"]["id"], secrets.token_urlsafe(16)
    text = {"kind": "text", "text": "gone"}
    await phones[1].command({"type": "answer", "activity": aid, "ballot": ballot, "value": text})
    await facilitator.expect_where(lambda m: m["type"] == "progress" and m["answered"] == 2)
    await phones[1].send({"type": "leave", "activity": aid, "ballot": ballot})
    await facilitator.expect_where(lambda m: m["type"] == "progress" and m["answered"] == 1)
    await sample()
    await facilitator.command({"type": "close"})
    await sample()
    written = set().union(*samples)
    assert any(":who:" in k for k in written) and any(":ballots:" in k for k in written)
    assert any(k.endswith(":pause") for k in written) and any(
        k.endswith(":presence") for k in written
    )

    ack = await facilitator.command({"type": "end"})
    assert ack["type"] == "ack"
    ended = await facilitator.expect("ended")
    assert ended["receipt"]["remaining"] == 0
    assert ended["receipt"]["deleted"] >= len(samples[-1])
    assert await key_ttls(live, code) == {}
