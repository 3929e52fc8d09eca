"""Promise 2 against someone who can read the whole store (an operator, a backup, a replica).

Phones join one after another and answer in the same order, with sides on and one person alone
on a side. Then the test dumps every key of the room the way an outsider would (Redis: SCAN, TYPE
and each key's contents in its own iteration order; the embedded store: its keyspace in memory)
and tries every way of pairing who with what: by position between any list of people and any list
of answers (the moderation queue in the state document included), and through a side. Each
pairing must do no better than chance.
"""

from __future__ import annotations

import asyncio
import re
import secrets
from typing import Any

import orjson
import pytest
from redis.asyncio import Redis

from server.domain.activities import TRACKS
from server.domain.codes import digest
from server.store.base import prefix

from .support import Client, LiveServer

PHONES = 20
# With 20 distinct answers, pairing two shuffled lists by position gets about one right
# (a Poisson(1) count); 6 or more happens by chance less than once in a thousand runs.
BY_CHANCE = 5


async def dump(live: LiveServer, code: str) -> list[tuple[str, list[str]]]:
    """Every key of the room with its contents, each in the order the store iterates it."""
    store = live.service.store
    if store.kind == "redis":
        redis = Redis.from_url(live.settings.redis_url)
        try:
            out = []
            async for name in redis.scan_iter(match=prefix(code) + "*"):
                kind = (await redis.type(name)).decode()
                if kind == "hash":
                    raw = await redis.hgetall(name)
                    items = [f"{k.decode()}={v.decode()}" for k, v in raw.items()]
                elif kind == "zset":
                    scored = await redis.zrange(name, 0, -1, withscores=True)
                    items = [f"{m.decode()}@{s}" for m, s in scored]
                elif kind == "set":
                    items = [m.decode() for m in await redis.smembers(name)]
                else:
                    items = [(await redis.get(name) or b"").decode(errors="replace")]
                out.append((name.decode(), items))
            return out
        finally:
            await redis.aclose()

    def flatten(value: Any) -> list[str]:
        if hasattr(value, "items"):
            return [f"{k}={v!r}" for k, v in value.items()]
        if isinstance(value, (set, list, tuple)):
            return [repr(v) for v in value]
        return [repr(value)]

    async def read() -> list[tuple[str, list[str]]]:
        keys = store.keys
        return [(name, flatten(keys.get(name))) for name in keys.names(prefix(code) + "*")]

    return await live.acall(read())


def sequences(entries: list[tuple[str, list[str]]]) -> list[list[str]]:
    """Every ordered list an outsider can read: each key's items, and every list inside the
    JSON of each item (the state document holds the moderation queue)."""
    found: list[list[str]] = []

    def walk(value: Any) -> None:
        if isinstance(value, list):
            found.append([orjson.dumps(v).decode() for v in value])
            for v in value:
                walk(v)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)

    for _, items in entries:
        found.append(items)
        for item in items:
            for start in (i for i, ch in enumerate(item) if ch in "{["):
                try:
                    walk(orjson.loads(item[start:].rsplit("@", 1)[0]))
                except orjson.JSONDecodeError:
                    continue
                break
    return found


def position_pairings(seqs: list[list[str]], digests: list[str], texts: list[str]) -> int:
    """The best an outsider does by pairing, position by position, any list that names people
    with any list that holds answers."""
    truth = dict(zip(digests, texts, strict=True))

    def who_in(item: str) -> str | None:
        return next((d for d in digests if d in item), None)

    def what_in(item: str) -> str | None:
        return next((t for t in texts if t in item), None)

    people = [[w for i in s if (w := who_in(i))] for s in seqs]
    answers = [[a for i in s if (a := what_in(i))] for s in seqs]
    people = [p for p in people if len(p) > 1]
    answers = [a for a in answers if len(a) > 1]
    assert people and answers, "the dump should hold both who answered and what"
    best = 0
    for who in people:
        for what in answers:
            right = sum(truth[w] == a for w, a in zip(who, what, strict=False))
            best = max(best, right)
    return best


@pytest.mark.parametrize("burst", [False, True], ids=["one_by_one", "in_one_burst"])
async def test_a_store_dump_pairs_no_one_with_their_answer(live: LiveServer, burst: bool) -> None:
    """`burst`: every phone sends its answer before any ack comes back, so on Redis they reach
    the store together, as one script call (server/store/calls.py), written in one go."""
    room = await live.create_room(k=3)
    code = room["code"]
    facilitator = await Client.join(live, room, "facilitator")
    await facilitator.command({"type": "configure", "tracks": True})
    phones = []
    for _ in range(PHONES):  # joined one by one, in an order the room can see
        phones.append(await Client.join(live, room, "participant"))
    sides = ["caused"] + ["hurt"] * (PHONES - 1)  # one person alone on a side
    for phone, side in zip(phones, sides, strict=True):
        await phone.send({"type": "track", "track": side})
        await phone.send({"type": "sync"})
        assert (await phone.expect("snapshot"))["you"]["track"] == side
    await facilitator.command(
        {"type": "open", "activity": {"kind": "prompt", "text": "One word?", "open_text": True}}
    )
    view = await phones[-1].until_view(lambda v: v["activity"] is not None)
    aid = view["activity"]["id"]
    texts = [f"note-{secrets.token_hex(4)}" for _ in phones]
    answers = [
        {
            "type": "answer",
            "activity": aid,
            "ballot": secrets.token_urlsafe(16),
            "value": {"kind": "text", "text": text},
        }
        for text in texts
    ]
    pairs = list(zip(phones, answers, strict=True))  # answered in join order
    if burst:
        acks = await asyncio.gather(*(phone.command(answer) for phone, answer in pairs))
    else:
        acks = [await phone.command(answer) for phone, answer in pairs]
    assert all(ack["type"] == "ack" for ack in acks)
    assert (await facilitator.command({"type": "close"}))["type"] == "ack"  # fills the queue

    entries = await dump(live, code)
    flat = "\n".join(item for _, items in entries for item in items)
    digests = [digest(phone.token) for phone in phones]
    assert all(d in flat for d in digests) and all(t in flat for t in texts)

    best = position_pairings(sequences(entries), digests, texts)
    assert best <= BY_CHANCE, f"{best} of {PHONES} paired by position"

    # Sides: nothing that names a person or holds an answer also says which side it is on,
    # so the person alone on a side is not singled out.
    for item in flat.splitlines():
        if any(d in item for d in digests) or any(t in item for t in texts):
            assert not any(side in item for side in TRACKS), item
    for phone in phones:
        await phone.close()
    await facilitator.close()


async def test_a_person_on_no_side_is_not_singled_out(live: LiveServer) -> None:
    """In a group of six, one person never answers the optional side question and one is alone
    on a side. From an outside run: a person on no side had an empty tag in `people`, and their
    ballot no side tag, where everyone else's had one; the one of each paired that person with
    their answer (and through their digest, with their pauses and every other answer). Every
    person and every ballot now carries a tag of the same shape."""
    room = await live.create_room(k=3)
    facilitator = await Client.join(live, room, "facilitator")
    await facilitator.command({"type": "configure", "tracks": True})
    phones = [await Client.join(live, room, "participant") for _ in range(6)]
    sides = [None, "caused", "hurt", "hurt", "hurt", "hurt"]
    for phone, side in zip(phones, sides, strict=True):
        if side is not None:
            await phone.send({"type": "track", "track": side})
    options = ["A", "B", "C", "D", "E", "F"]
    poll = {"kind": "poll", "text": "Which?", "options": options}
    await facilitator.command({"type": "open", "activity": poll})
    view = await phones[0].until_view(lambda v: v["activity"] is not None)
    for i, phone in enumerate(phones):
        message = {
            "type": "answer",
            "activity": view["activity"]["id"],
            "ballot": secrets.token_urlsafe(16),
        }
        for option in (i, (i + 1) % 6):  # an answer, then a change of mind
            value = {"kind": "choice", "option": option}
            assert (await phone.command({**message, "value": value}))["type"] == "ack"

    entries = await dump(live, room["code"])
    lines = [item for name, items in entries if name.endswith(":people") for item in items]
    digests = [digest(phone.token) for phone in phones]
    people = [next(line for line in lines if line.startswith(d)) for d in digests]
    tags = [re.fullmatch(rf"{d}[|=]'?([0-9a-f]*)'?(@.*)?", line) for d, line in zip(digests, people, strict=True)]
    assert {len(tag.group(1)) if tag else None for tag in tags} == {16}, people  # none set apart
    ballots = [item for name, items in entries if ":ballots:" in name for item in items]
    assert len(ballots) == 6, ballots
    shapes = {
        bool(re.search(r"""["']s["']\s*:\s*["'][0-9a-f]{16}["']""", line)) for line in ballots
    }
    assert shapes == {True}, ballots
    # and still counted right: each side's figures, the person on none on none
    tally = await live.acall(live.service.store.tally(room["code"], view["activity"]["id"]))
    per_side = {cell: n for cell, n in tally.items() if cell.startswith("t:") and n}
    hurt = {"n": 4, "o:3": 1, "o:4": 1, "o:5": 1, "o:0": 1}
    assert per_side == {"t:caused|n": 1, "t:caused|o:2": 1, **{f"t:hurt|{c}": n for c, n in hurt.items()}}
    for phone in phones:
        await phone.close()
    await facilitator.close()


def test_pairing_by_position_is_caught() -> None:
    """The checker itself: lists in the same order are caught, a derangement is not."""
    digests = [secrets.token_hex(8) for _ in range(PHONES)]
    texts = [f"note-{i:02}" for i in range(PHONES)]
    people = [f"{d}|" for d in digests]
    in_order = [people, [f'b|{{"t":"{t}"}}' for t in texts]]
    assert position_pairings(in_order, digests, texts) == PHONES
    rotated = [f'b|{{"t":"{t}"}}' for t in texts[1:] + texts[:1]]
    assert position_pairings([people, rotated], digests, texts) == 0
