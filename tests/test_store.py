"""One contract suite for every RoomStore: the embedded store and a real redis-server."""

from __future__ import annotations

import asyncio
import re
import secrets
import select

import orjson
import pytest
from redis.crc import key_slot
from redis.exceptions import NoScriptError, RedisClusterException, RedisError, ResponseError

from server.domain.activities import TRACKS
from server.domain.codes import digest, new_join_code
from server.domain.rooms import new_room
from server.store import RoomStore
from server.store.base import (
    NO_SIDES,
    STATE,
    Sides,
    Signals,
    answer_keys,
    channel,
    key,
    person_tags,
    prefix,
    random_score,
    side_tag,
    submit_keys,
)
from server.store.batch import IN_FLIGHT_AT_MOST, KEEP_IDLE
from server.store.calls import MERGE_AT_MOST, Script
from server.store.connection_io import (
    buffered_replies,
    pack_command,
    read_replies,
    replies_at_hand,
)
from server.store.memory import MemoryStore
from server.store.redis import SCRIPTS, RedisStore
from server.transport import eager
from tests.conftest import REDIS_BACKENDS, deadline, redis_url, wait_replicas
from tests.support import eventually, tcp_peers

TTL = 600


def who() -> str:
    return digest(secrets.token_urlsafe(16))


async def make_room(store: RoomStore) -> tuple[str, int]:
    code = new_join_code()
    state = new_room(code, digest("f" * 20), digest("d" * 20), k=3, cap=3)
    assert await store.create(code, state.model_dump_json().encode(), TTL)
    return code, state.version


async def open_activity(store: RoomStore, code: str, activity: str = "a1") -> None:
    doc = orjson.loads(await store.load(code) or b"{}")
    doc["version"] += 1
    assert await store.commit(code, doc["version"] - 1, orjson.dumps(doc), activity, TTL)


async def test_on_committed_runs_once_the_write_is_known_to_have_succeeded(
    store: RoomStore,
) -> None:
    """The screens of a commit are updated from the store's reply as it is read (on Redis,
    before the caller's coroutine resumes: test_a_commit_leaves_in_the_call_with_what_is_pending),
    once, and never for a write that lost (stale version, no such room)."""
    code, version = await make_room(store)
    doc = orjson.loads(await store.load(code) or b"")
    doc["version"] = version + 1
    body = orjson.dumps(doc)
    ran_in: list[asyncio.Task[object] | None] = []

    def committed() -> None:
        ran_in.append(asyncio.current_task())

    assert await store.commit(code, version, body, None, TTL, committed)
    assert len(ran_in) == 1
    assert not await store.commit(code, version, body, None, TTL, committed)  # stale
    assert not await store.commit("ZZZZZZ", 0, body, None, TTL, committed)  # no such room
    assert len(ran_in) == 1


async def test_a_failing_on_committed_fails_the_commit_call_not_the_batch(
    store: RoomStore,
) -> None:
    code, version = await make_room(store)
    doc = orjson.loads(await store.load(code) or b"")
    doc["version"] = version + 1

    def broken() -> None:
        raise LookupError("the caller's own bug")

    results = await asyncio.gather(
        store.commit(code, version, orjson.dumps(doc), None, TTL, broken),
        store.join(code, who(), 3, TTL),  # in the same pipeline on Redis
        return_exceptions=True,
    )
    assert isinstance(results[0], LookupError)
    assert results[1] == "ok"  # the other calls carry on
    assert await store.load(code) == orjson.dumps(doc)  # and the write stands


async def test_create_is_exclusive_and_load_round_trips(store: RoomStore) -> None:
    code, _ = await make_room(store)
    doc = await store.load(code)
    assert doc is not None and orjson.loads(doc)["code"] == code
    assert not await store.create(code, doc, TTL)
    assert await store.load("NOPE99") is None


async def test_commit_is_compare_and_set_and_publishes(store: RoomStore) -> None:
    code, version = await make_room(store)
    received: list[bytes] = []
    got = asyncio.Event()

    def handler(payload: bytes) -> None:
        received.append(payload)
        got.set()

    await store.subscribe(code, handler)
    doc = orjson.loads(await store.load(code) or b"")
    doc["version"] = version + 1
    body = orjson.dumps(doc)
    assert await store.commit(code, version, body, None, TTL)
    assert not await store.commit(code, version, body, None, TTL)  # stale writer loses
    await asyncio.wait_for(got.wait(), 5)
    assert received == [body] and body[:1] == STATE  # the document itself: "{" is its tag
    assert await store.load(code) == body
    await store.unsubscribe(code)
    assert not await store.commit("ZZZZZZ", 0, body, None, TTL)  # no such room


async def test_join_respects_cap_and_membership(store: RoomStore) -> None:
    code, _ = await make_room(store)
    people = [who() for _ in range(4)]
    assert [await store.join(code, p, 3, TTL) for p in people] == ["ok", "ok", "ok", "full"]
    assert await store.join(code, people[0], 3, TTL) == "ok"  # rejoining is not a new person
    assert await store.joined(code) == 3  # what the cap counts, and the console is told
    # on no side, a person has a tag all the same: random, shaped as a side's, never shared
    unsided = [await store.member(code, p) for p in people[:3]]
    assert all(re.fullmatch("[0-9a-f]{16}", str(tag)) for tag in unsided), unsided
    assert len(set(unsided)) == 3
    assert await store.set_side(code, people[1], "tag-of-a-side", TTL)
    assert await store.member(code, people[1]) == "tag-of-a-side"
    assert await store.member(code, people[3]) is None
    await store.leave(code, people[0])
    assert await store.member(code, people[0]) is None
    assert await store.joined(code) == 2
    assert await store.join("NOPE99", people[0], 3, TTL) == "gone"


async def test_submit_counts_each_participant_once(store: RoomStore) -> None:
    code, _ = await make_room(store)
    alice, bob, stranger = who(), who(), who()
    for p in (alice, bob):
        await store.join(code, p, 10, TTL)
    assert (await store.submit(code, "a1", alice, "b1", ["n", "o:0"], None, TTL)).status == "closed"
    await open_activity(store, code)
    first = await store.submit(code, "a1", alice, "b1", ["n", "o:0"], None, TTL)
    assert (first.status, first.answered) == ("stored", 1)
    # retried and changed: the same ballot replaces, never adds
    assert (await store.submit(code, "a1", alice, "b1", ["n", "o:0"], None, TTL)).answered == 1
    assert (await store.submit(code, "a1", alice, "b1", ["n", "o:1"], None, TTL)).status == "stored"
    # a second ballot from someone who answered, or a known ballot from someone else: conflict
    assert (
        await store.submit(code, "a1", alice, "b2", ["n", "o:2"], None, TTL)
    ).status == "conflict"
    assert (await store.submit(code, "a1", bob, "b1", ["n", "o:2"], None, TTL)).status == "conflict"
    assert (await store.submit(code, "a1", stranger, "b3", ["n"], None, TTL)).status == "unknown"
    assert (await store.submit(code, "a1", bob, "b4", ["n", "o:1"], None, TTL)).answered == 2
    assert await store.tally(code, "a1") == {"n": 2, "o:0": 0, "o:1": 2}
    assert await store.answered(code, "a1") == 2
    assert await store.has_answered(code, "a1", alice)
    assert not await store.has_answered(code, "a1", stranger)
    # a phone rejoining reads it with its signals, in one call
    assert (await store.signals(code, alice, "a1")).answered
    assert not (await store.signals(code, stranger, "a1")).answered
    assert not (await store.signals(code, alice)).answered  # nothing live: not asked


async def one_on_a_side(store: RoomStore) -> tuple[str, str, str, str]:
    """A room with an activity open and one person on the side "caused": (code, their token,
    its digest, a ballot secret)."""
    code, _ = await make_room(store)
    token, ballot_secret = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    who = digest(token)
    await store.join(code, who, 10, TTL)
    await store.set_side(code, who, side_tag(token, "caused"), TTL)
    await open_activity(store, code)
    return code, token, who, ballot_secret


async def test_withdraw_takes_back_one_answer_while_answers_are_open(store: RoomStore) -> None:
    """A phone that leaves takes its answer to the open activity with it (found by its ballot):
    joining again, it would otherwise be counted twice. Nothing else moves."""
    code, token, p, ballot_secret = await one_on_a_side(store)
    sides = Sides(person_tags(token, TRACKS), ballot_secret, TRACKS)
    other = who()
    await store.join(code, other, 10, TTL)
    await store.submit(code, "a1", p, "b", ["n", "v:4"], "mine", TTL, sides)
    await store.submit(code, "a1", other, "c", ["n", "v:2"], "theirs", TTL)
    assert not await store.withdraw(code, "a1", p, "unknown", TTL, sides)
    assert not await store.withdraw(code, "a2", p, "b", TTL, sides)  # not the open activity
    assert await store.answered(code, "a1") == 2
    assert await store.withdraw(code, "a1", p, "b", TTL, sides)
    counts = {cell: n for cell, n in (await store.tally(code, "a1")).items() if n}
    assert counts == {"n": 1, "v:2": 1}  # and off the side it was counted on
    assert await store.answered(code, "a1") == 1
    assert not await store.has_answered(code, "a1", p)
    assert [text for _, text in await store.texts(code, "a1")] == ["theirs"]
    assert not await store.withdraw(code, "a1", p, "b", TTL, sides)  # once only
    # someone who joins again is a new person, and counts once
    again = who()
    await store.join(code, again, 10, TTL)
    assert (await store.submit(code, "a1", again, "d", ["n", "v:4"], None, TTL)).answered == 2
    # once answers are closed, what was given stays
    doc = orjson.loads(await store.load(code) or b"{}")
    doc["version"] += 1
    assert await store.commit(code, doc["version"] - 1, orjson.dumps(doc), None, TTL)
    assert not await store.withdraw(code, "a1", again, "d", TTL)
    assert await store.answered(code, "a1") == 2


async def test_tracks_add_split_cells(store: RoomStore) -> None:
    code, token, p, ballot_secret = await one_on_a_side(store)
    sides = Sides(person_tags(token, TRACKS), ballot_secret, TRACKS)
    await store.submit(code, "a1", p, "b", ["n", "v:4"], None, TTL, sides)
    assert await store.tally(code, "a1") == {"n": 1, "v:4": 1, "t:caused|n": 1, "t:caused|v:4": 1}
    # a change of mind after changing sides takes the old answer off the side it was counted on
    await store.set_side(code, p, side_tag(token, "hurt"), TTL)
    await store.submit(code, "a1", p, "b", ["n", "v:2"], None, TTL, sides)
    tally = {cell: n for cell, n in (await store.tally(code, "a1")).items() if n}
    assert tally == {"n": 1, "v:2": 1, "t:hurt|n": 1, "t:hurt|v:2": 1}
    # without the token and ballot secret the store cannot say who, or which answer, is on a side
    assert await store.member(code, p) not in TRACKS


async def test_who_and_what_are_stored_apart(store: RoomStore) -> None:
    """No key, field or value of the answers side holds anything that names who answered."""
    code, _ = await make_room(store)
    people = [who() for _ in range(5)]
    ballots = [secrets.token_hex(32) for _ in people]
    await open_activity(store, code)
    for p, b in zip(people, ballots, strict=True):
        await store.join(code, p, 10, TTL)
        await store.submit(code, "a1", p, b, ["n"], f"text from {b[:6]}", TTL)
    who_key, ballots_key, tally_key = answer_keys(code, "a1")
    what = repr(await store.texts(code, "a1")) + repr(await store.tally(code, "a1"))
    what += ballots_key + tally_key
    for p in people:
        assert p not in what and p[:16] not in what
    texts = await store.texts(code, "a1")
    assert sorted(t for _, t in texts) == sorted(f"text from {b[:6]}" for b in ballots)
    for b in ballots:
        assert b not in who_key


async def pause_scores(store: RoomStore, code: str) -> list[float]:
    name = key(code, "pause")
    if isinstance(store, MemoryStore):
        return [float(at) for at in store.keys.get(name, {}).values()]
    assert isinstance(store, RedisStore)
    return [score for _, score in await store.redis.zrange(name, 0, -1, withscores=True)]


async def test_pauses_and_presence(store: RoomStore) -> None:
    code, _ = await make_room(store)
    a, b = who(), who()
    await store.set_pause(code, a, True, TTL)
    await store.set_pause(code, b, True, TTL)
    await store.set_pause(code, b, True, TTL)  # asked twice (a rejoin resends it): one person
    assert await store.pauses(code) == 2
    await store.set_pause(code, b, False, TTL)
    assert await store.pauses(code) == 1
    # No time is kept: a request counts until taken back, and a dump cannot date it.
    assert await pause_scores(store, code) == [0.0]
    await store.set_presence(code, "p:1", 3, 10_000, TTL)
    await store.set_presence(code, "p:2", 4, 20_000, TTL)
    assert await store.connected(code, 0) == 7
    assert await store.connected(code, 15_000) == 4  # a silent process stops counting
    await store.set_presence(code, "p:2", 0, 21_000, TTL)
    assert await store.connected(code, 0) == 3


async def test_a_participants_own_signals_are_read_back_in_one_call(store: RoomStore) -> None:
    """A phone that rejoins after its tab was closed shows the pause and word it still has on."""
    code, _ = await make_room(store)
    a, b = who(), who()
    assert await store.signals(code, a) == Signals(pause=False, word=False)
    await store.set_pause(code, a, True, TTL)
    await store.set_word(code, b, True, TTL)
    assert await store.signals(code, a) == Signals(pause=True, word=False)
    assert await store.signals(code, b) == Signals(pause=False, word=True)
    await store.set_word(code, a, True, TTL)
    await store.set_pause(code, a, False, TTL)
    assert await store.signals(code, a) == Signals(pause=False, word=True)
    await store.leave(code, b)
    assert await store.signals(code, b) == Signals(pause=False, word=False)
    assert await store.signals("ZZZZZZ", a) == Signals(pause=False, word=False)


async def test_answers_sent_together_are_judged_in_turn_as_if_each_came_alone(
    store: RoomStore,
) -> None:
    """On Redis the answers to one activity that leave in one pipeline go as one script call;
    each must still be judged as if it came alone: a phone's second answer in the same burst is
    a change of mind, a ballot taken earlier in the burst is a conflict, a person on a side
    without the ballot's tags is asked for them, and the counts end exact."""
    code, token, carol, ballot_secret = await one_on_a_side(store)
    alice, bob, stranger = who(), who(), who()
    for p in (alice, bob):
        await store.join(code, p, 10, TTL)
    carol_sides = Sides(person_tags(token, TRACKS), ballot_secret, TRACKS)  # guessed: no side
    burst = [
        (alice, "b1", ["n", "o:0"], None, NO_SIDES),
        (alice, "b1", ["n", "o:1"], "changed", NO_SIDES),  # a change of mind in the same call
        (alice, "b2", ["n", "o:2"], None, NO_SIDES),  # a second ballot: conflict
        (bob, "b1", ["n", "o:2"], None, NO_SIDES),  # someone else's ballot: conflict
        (stranger, "b9", ["n"], None, NO_SIDES),  # not in the room
        (bob, "b3", ["n", "o:2"], None, NO_SIDES),
        (carol, "b4", ["n", "o:1"], None, carol_sides),  # on a side, guessed not: asked, again
        (alice, "b1", ["n", "o:0"], None, NO_SIDES),  # and back
    ]
    results = await asyncio.gather(
        *(store.submit(code, "a1", p, b, c, t, TTL, s) for p, b, c, t, s in burst)
    )
    statuses = [r.status for r in results]
    assert statuses == [
        "stored", "stored", "conflict", "conflict", "unknown", "stored", "stored", "stored"
    ]  # fmt: skip
    # (carol's is sent again with the ballot's tags, so on Redis it may be counted last)
    answered = [r.answered for r in results if r.status == "stored"]
    assert answered[:2] == [1, 1] and max(answered) == 3
    tally = {cell: n for cell, n in (await store.tally(code, "a1")).items() if n}
    assert tally == {"n": 3, "o:0": 1, "o:1": 1, "o:2": 1, "t:caused|n": 1, "t:caused|o:1": 1}
    assert await store.answered(code, "a1") == 3
    assert await store.texts(code, "a1") == []  # alice's text went with the answer it was in
    if isinstance(store, RedisStore):  # one entry per ballot stored, nothing left of the rest
        assert await store.redis.zcard(answer_keys(code, "a1")[1]) == 3


async def two_people_and_an_open_activity(store: RoomStore) -> tuple[str, str, str]:
    """A room, two people in it and activity a1 open: (code, one, the other)."""
    code, _ = await make_room(store)
    alice, bob = who(), who()
    for p in (alice, bob):
        await store.join(code, p, 10, TTL)
    await open_activity(store, code)
    return code, alice, bob


async def answer_close_answer(store: RoomStore, code: str, first: str, second: str) -> None:
    """One burst: an answer, the commit that closes the activity, an answer. The first is
    stored and the second refused, as sent."""
    doc = orjson.loads(await store.load(code) or b"")
    doc["version"] += 1
    before, close, after = await asyncio.gather(
        store.submit(code, "a1", first, "b1", ["n"], None, TTL),
        store.commit(code, doc["version"] - 1, orjson.dumps(doc), None, TTL),
        store.submit(code, "a1", second, "b2", ["n"], None, TTL),
    )
    assert (before.status, close, after.status) == ("stored", True, "closed")


async def test_a_commit_between_answers_sent_together_stays_between_them(
    store: RoomStore,
) -> None:
    """An answer sent after the activity closed, in the same burst, is refused: merging the
    answers of one pipeline must not carry it across the commit that closed the activity."""
    code, _ = await make_room(store)
    alice, bob, carol = who(), who(), who()
    for p in (alice, bob, carol):
        await store.join(code, p, 10, TTL)
    await open_activity(store, code)
    # Not the node's first answer: this test is about the merging alone (a node without the
    # scripts is test_a_node_that_lost_its_scripts_gets_them_all_back_at_once).
    await store.submit(code, "a1", carol, "b0", ["n"], None, TTL)
    await answer_close_answer(store, code, alice, bob)
    assert await store.tally(code, "a1") == {"n": 2}


async def test_every_key_has_a_ttl_and_erase_leaves_none(store: RoomStore) -> None:
    code, _ = await make_room(store)
    p = who()
    await store.join(code, p, 10, TTL)
    await open_activity(store, code)
    await store.submit(code, "a1", p, "b", ["n", "o:1"], "x", TTL)
    await store.set_pause(code, p, True, TTL)
    await store.set_presence(code, "p:proc", 1, 1, TTL)
    ttls = await store.key_ttls(code)
    assert {key(code, n) for n in ("state", "people", "accepting", "pause", "presence")} <= set(
        ttls
    )
    assert all(0 < t <= TTL for t in ttls.values()), ttls
    other, _ = await make_room(store)
    erased = await store.erase(code)
    assert erased.deleted == len(ttls) and erased.remaining == 0
    assert await store.key_ttls(code) == {}
    assert await store.load(other) is not None  # only that room
    assert submit_keys.cache_info().currsize == 0  # not even the names of its keys stay


async def commit_unchanged(store: RoomStore, code: str) -> None:
    doc = orjson.loads(await store.load(code) or b"")
    doc["version"] += 1
    assert await store.commit(code, doc["version"] - 1, orjson.dumps(doc), None, TTL)


async def test_commit_refreshes_every_key_of_the_room(store: RoomStore) -> None:
    """When due: on Redis with the room's first commit in this process, then once ttl / 60
    seconds have passed (server/store/expiry.py); the embedded store with every commit."""
    now = [1_000.0]
    if isinstance(store, RedisStore):
        store.expiries.clock = lambda: now[0]
    code, _ = await make_room(store)
    p = who()
    await store.join(code, p, 10, 5)  # a short TTL, then a commit with a long one
    await open_activity(store, code)
    assert all(t > 5 for t in (await store.key_ttls(code)).values())
    await store.submit(code, "a1", p, "b", ["n"], None, 5)  # the answer's keys: 5 s
    now[0] += TTL / 60 - 1
    await commit_unchanged(store, code)
    short = [k for k, t in (await store.key_ttls(code)).items() if t <= 5]
    # not yet on Redis: the answer's who, ballots and tally (the index is refreshed every time)
    assert len(short) == (3 if isinstance(store, RedisStore) else 0), short
    now[0] += 1
    await commit_unchanged(store, code)
    ttls = await store.key_ttls(code)
    assert all(t > 5 for t in ttls.values()), ttls


async def test_answer_keys_keep_their_expiry_through_changes_of_mind(store: RoomStore) -> None:
    """On Redis an answer's keys get their expiry when the activity's first answer makes them
    (COMMIT refreshes them after): no later answer may make one anew without it. One voter's
    ballot set holds one entry, which a change of mind replaces; the same answer again moves
    nothing; the counts stay exact."""
    code, _ = await make_room(store)
    p = who()
    await store.join(code, p, 10, TTL)
    await open_activity(store, code)
    for cells in (["n", "o:1"], ["n", "o:2"], ["n", "o:2"], ["pass"], ["n", "o:1"]):
        assert (await store.submit(code, "a1", p, "b", cells, None, TTL)).answered == 1
        ttls = await store.key_ttls(code)
        assert set(answer_keys(code, "a1")) <= set(ttls)
        assert all(0 < t <= TTL for t in ttls.values()), ttls
    tally = {cell: n for cell, n in (await store.tally(code, "a1")).items() if n}
    assert tally == {"n": 1, "o:1": 1}
    assert (await store.tally(code, "a1")).get("pass") == 0  # counted, then taken back


async def test_a_ticket_is_taken_once(store: RoomStore) -> None:
    code, _ = await make_room(store)
    for name in (key(code, "ticket:abc"), "hearth:ticket:abc"):  # a room's, and a host's
        await store.put_ticket(name, b"sealed", 60)
        assert await store.ticket_waiting(name) and await store.ticket_waiting(name)  # not taken
        assert await store.take_ticket(name) == b"sealed"
        assert await store.take_ticket(name) is None  # spent
        assert not await store.ticket_waiting(name)
    assert await store.take_ticket("hearth:ticket:never") is None


async def test_every_key_and_the_channel_of_a_room_share_one_cluster_slot(
    store: RoomStore,
) -> None:
    """What lets a room live on one cluster primary and its scripts touch one slot only: every
    key a session writes, and the room's channel, hash to the room's slot."""
    code, _ = await make_room(store)
    p = who()
    await store.join(code, p, 10, TTL)
    await store.set_side(code, p, "tag", TTL)
    await open_activity(store, code)
    await store.submit(code, "a1", p, "b", ["n"], "x", TTL)
    await store.set_pause(code, p, True, TTL)
    await store.set_presence(code, "proc", 1, 1, TTL)
    await store.put_ticket(key(code, "ticket:t"), b"x", TTL)
    names = [*await store.key_ttls(code), channel(code)]
    assert len(names) >= 9
    assert {key_slot(n.encode()) for n in names} == {key_slot(prefix(code).encode())}


async def test_a_wrong_guess_of_no_side_still_counts_each_side(store: RoomStore) -> None:
    """Only the tag of the side the caller guesses is sent (each is an HMAC); a wrong guess (a
    side chosen on another socket) must still be counted on that side, and a change of mind must
    still take the old answer off the side it was on."""
    code, token, who, ballot_secret = await one_on_a_side(store)
    guess = Sides(person_tags(token, TRACKS), ballot_secret, TRACKS)  # guessed: no side
    assert (await store.submit(code, "a1", who, "b", ["n", "v:4"], None, TTL, guess)).status == (
        "stored"
    )
    assert await store.tally(code, "a1") == {"n": 1, "v:4": 1, "t:caused|n": 1, "t:caused|v:4": 1}
    await store.set_side(code, who, "", TTL)  # off every side; the old answer was on one
    await store.submit(code, "a1", who, "b", ["n", "v:2"], None, TTL, guess)
    tally = {cell: n for cell, n in (await store.tally(code, "a1")).items() if n}
    assert tally == {"n": 1, "v:2": 1}


def test_random_scores_are_52_bits_from_the_pool_and_never_repeat() -> None:
    scores = [random_score() for _ in range(3000)]  # past one 4 KiB read of the pool
    assert all(0 <= s < 2**52 for s in scores)
    assert len(set(scores)) == len(scores)
    assert max(scores) >= 2**51  # every bit is used


@pytest.mark.parametrize("store", ["redis"], indirect=True)
async def test_a_pipelines_replies_come_in_order_with_each_calls_error_in_place(
    store: RoomStore,
) -> None:
    """Replies already received are taken from the hiredis parser without a read per reply
    (what makes a burst of answers cheap); a call's own error stays in its place."""
    assert isinstance(store, RedisStore)
    pool = store.redis.connection_pool
    conn = await pool.get_connection()  # type: ignore[no-untyped-call]
    try:
        assert buffered_replies(conn) is not None  # the fast path is the one in use
        commands = [("PING",), ("EVALSHA", "0" * 40, 0), ("ECHO", "x" * 100_000), ("PING",)]
        await conn.send_packed_command(conn.pack_commands(commands))
        replies = await read_replies(conn, len(commands))
    finally:
        await pool.release(conn)
    assert replies[0] in (b"PONG", "PONG", True)
    assert isinstance(replies[1], NoScriptError)
    assert replies[2] == b"x" * 100_000 and replies[3] in (b"PONG", "PONG", True)


@pytest.mark.parametrize("store", ["redis"], indirect=True)
async def test_overlapping_calls_hold_no_more_connections_than_pipelines_in_flight(
    store: RoomStore,
) -> None:
    """Calls made turn after turn (a slow Redis, a burst) do not each take a connection of the
    pool that every other call shares: at most IN_FLIGHT_AT_MOST pipelines are out, each on a
    connection the Batch keeps."""
    assert isinstance(store, RedisStore)
    code, _ = await make_room(store)
    pool = store.redis.connection_pool
    taken: list[object] = []
    get_connection = pool.get_connection

    async def counted_get_connection(*args: object, **kwargs: object) -> object:
        conn = await get_connection(*args, **kwargs)
        taken.append(conn)
        return conn

    pool.get_connection = counted_get_connection  # type: ignore[method-assign]
    people = [who() for _ in range(12)]

    async def join_in_turn(turn: int, person: str) -> str:
        for _ in range(turn):  # one call per loop turn: uncapped, each its own pipeline
            await asyncio.sleep(0)
        return await store.join(code, person, 20, TTL)

    results = await asyncio.gather(*(join_in_turn(i, p) for i, p in enumerate(people)))
    assert results == ["ok"] * len(people)
    assert len(set(map(id, taken))) <= IN_FLIGHT_AT_MOST, len(taken)
    assert len(store._batch._idle) <= KEEP_IDLE
    assert len(pool._in_use_connections) <= KEEP_IDLE  # type: ignore[attr-defined]


@pytest.mark.parametrize("store", ["redis", "sentinel"], indirect=True)
async def test_a_pipeline_leaves_on_a_kept_connection_in_the_turn_it_is_flushed(
    store: RoomStore,
) -> None:
    """With a connection kept from the last pipeline, a flush writes at once (a task would
    write a turn later) and a task only reads the replies; a kept connection that Redis
    closed meanwhile is found on the read, and the pipeline is sent again on a new one."""
    assert isinstance(store, RedisStore)
    code, _ = await make_room(store)
    assert await store.join(code, who(), 20, TTL) == "ok"  # leaves a connection kept
    batch = store._batch
    kept = len(batch._idle)
    assert kept >= 1

    joining = asyncio.ensure_future(store.join(code, who(), 20, TTL))
    await asyncio.sleep(0)  # the join's call is made, its flush is due this turn
    assert batch.pending
    batch._flush()
    assert not batch.pending
    if batch.in_flight:  # written: a task reads the replies on the connection it holds
        assert len(batch._idle) == kept - 1
    else:  # written, and Redis answered within the write (on this core): settled at once
        assert len(batch._idle) == kept
    assert await joining == "ok"
    assert len(batch._idle) == kept

    # Redis closes every kept connection (a restart, a timeout): the next pipeline is written
    # on one of them, fails on the read, and is sent again.
    for conn in batch._idle:
        await store.redis.execute_command("CLIENT", "KILL", "ID", await _client_id(conn))
    person = who()
    assert await store.join(code, person, 20, TTL) == "ok"
    assert re.fullmatch("[0-9a-f]{16}", str(await store.member(code, person)))


@pytest.mark.parametrize("store", ["redis", "sentinel"], indirect=True)
async def test_a_commit_leaves_in_the_call_with_what_is_pending(store: RoomStore) -> None:
    """The screens wait for a commit: it is written when made, with the calls pending in the
    same turn (in their order), not at the turn's end; and when Redis has answered within the
    write, the screens were told before commit() returned to its caller."""
    assert isinstance(store, RedisStore)
    code, version = await make_room(store)
    assert await store.join(code, who(), 20, TTL) == "ok"  # leaves a connection kept
    doc = orjson.loads(await store.load(code) or b"{}")
    doc["version"] = version + 1
    batch = store._batch
    joining = asyncio.ensure_future(store.join(code, who(), 20, TTL))
    await asyncio.sleep(0)  # the join's call is made; the turn's flush has not run
    assert batch.pending
    told: list[str] = []
    committed: list[bool] = []

    async def commit() -> None:
        screens = lambda: told.append("screens")  # noqa: E731
        committed.append(await store.commit(code, version, orjson.dumps(doc), "a1", TTL, screens))

    rest = eager.start(commit())  # commit() runs now, in this turn, up to its first wait
    assert not batch.pending  # the join went with it, ahead of it
    if rest is None:  # answered within the write (Redis on this core): settled already
        assert told == ["screens"]
    else:
        await rest
    assert committed == [True]
    assert await joining == "ok"
    assert told == ["screens"]
    assert orjson.loads(await store.load(code) or b"{}")["version"] == version + 1


@pytest.mark.parametrize("store", ["redis", "cluster"], indirect=True)
async def test_calls_of_a_merging_script_go_as_one_call_per_keys_and_each_gets_its_reply(
    store: RoomStore,
) -> None:
    """What makes a burst of answers cheap for redis-server: the calls of a merging script to the
    same keys in one pipeline run as one script call (at most MERGE_AT_MOST each), and each call
    still gets its own reply, or the merged call's error."""
    assert isinstance(store, RedisStore)
    echo = Script("local r = {} for i = 1, #ARGV do r[i] = ARGV[i] end return r", merges=True)
    failing = Script("return redis.error_reply('broken ' .. #ARGV)", merges=True)
    a, b = key("ROOMAA", "x"), key("ROOMBB", "x")  # two rooms: two merged calls
    await asyncio.gather(*(store._batch.call(echo, [a], [0]) for _ in range(2)))  # cached
    before = await evalsha_calls(store)
    count = MERGE_AT_MOST + 50
    calls = [store._batch.call(echo, [a if i % 2 else b], [i]) for i in range(2 * count)]
    replies = await asyncio.gather(*calls)
    assert replies == [str(i).encode() for i in range(2 * count)]
    assert await evalsha_calls(store) - before == 4  # per room: MERGE_AT_MOST, then the other 50

    results = await asyncio.gather(
        *(store._batch.call(failing, [a], [i]) for i in range(3)), return_exceptions=True
    )
    assert all(isinstance(r, ResponseError) and "broken" in str(r) for r in results), results


@pytest.mark.parametrize("store", ["redis", "cluster"], indirect=True)
async def test_calls_made_while_pipelines_are_out_leave_together_when_one_returns(
    store: RoomStore,
) -> None:
    """Under load the bursts grow, not the number of pipelines: while IN_FLIGHT_AT_MOST
    pipelines are out, the calls made in later turns of the loop wait, then leave as one
    pipeline (one script call per keys) when one comes back, each with its own reply."""
    assert isinstance(store, RedisStore)
    busy = Script("for i = 1, tonumber(ARGV[1]) do end return 1")  # holds Redis a few ms
    echo = Script("local r = {} for i = 1, #ARGV do r[i] = ARGV[i] end return r", merges=True)
    room = key("ROOMAA", "x")
    await asyncio.gather(store._batch.call(busy, [room], [1]), store._batch.call(echo, [room], [0]))
    before = await evalsha_calls(store)
    calls = []
    for _ in range(IN_FLIGHT_AT_MOST):  # each sent at once, in its own pipeline
        calls.append(store._batch.call(busy, [room], [3_000_000]))
        await asyncio.sleep(0)
    turns = 10
    for turn in range(turns):  # uncapped, each turn's call would have been a pipeline of its own
        calls.append(store._batch.call(echo, [room], [turn]))
        await asyncio.sleep(0)
    replies = await asyncio.gather(*calls)
    assert replies == [1] * IN_FLIGHT_AT_MOST + [str(turn).encode() for turn in range(turns)]
    assert await evalsha_calls(store) - before == IN_FLIGHT_AT_MOST + 1


@pytest.mark.parametrize("store", ["redis", "cluster"], indirect=True)
async def test_a_reply_taken_as_a_call_reaches_it_and_a_failing_handler_stops_no_other(
    store: RoomStore,
) -> None:
    """`call_with` (how an answer on Redis gets its reply without a future): each handler gets
    its call's reply, or its error as an exception; one that fails (a bug) is logged, and the
    other calls of the same pipeline still get theirs."""
    assert isinstance(store, RedisStore)
    echo = Script("local r = {} for i = 1, #ARGV do r[i] = ARGV[i] end return r", merges=True)
    failing = Script("return redis.error_reply('broken')")
    room = key("ROOMAA", "x")
    got: list[object] = []
    finished = asyncio.Event()

    def broken(_reply: object) -> None:
        raise RuntimeError("a handler's bug")

    def keep(reply: object) -> None:
        got.append(reply)
        if len(got) == 3:
            finished.set()

    store._batch.call_with(echo, [room], ["one"], keep)
    store._batch.call_with(echo, [room], ["two"], broken)
    store._batch.call_with(failing, [room], [], keep)
    store._batch.call_with(echo, [room], ["three"], keep)
    await asyncio.wait_for(finished.wait(), 5)
    assert got[0] == b"one" and got[2] == b"three"
    assert isinstance(got[1], ResponseError) and "broken" in str(got[1])


async def evalsha_calls(store: RedisStore) -> int:
    """Script calls Redis has run (every primary of a cluster), from INFO commandstats."""
    nodes = store.cluster.get_primaries() if store.cluster else [None]
    total = 0
    for node in nodes:
        extra = {"target_nodes": node} if node is not None else {}
        stats = await store.redis.execute_command("INFO", "commandstats", **extra)
        if isinstance(stats, dict) and node is not None:  # redis-py merges a cluster's
            stats = next(iter(stats.values())) if "cmdstat_ping" not in stats else stats
        total += int(stats.get("cmdstat_evalsha", {}).get("calls", 0))
    return total


@pytest.mark.parametrize("store", ["redis", "sentinel", "cluster"], indirect=True)
async def test_a_node_that_lost_its_scripts_gets_them_all_back_at_once(store: RoomStore) -> None:
    """A restart or a failover leaves Redis without Hearth's scripts. The first NOSCRIPT loads
    every one of them, not only those of that pipeline: a node holding some and not others would
    answer a later burst in part, its refused calls sent again after the rest had run, and an
    answer sent before the commit that closed its activity would come after it."""
    assert isinstance(store, RedisStore)
    code, alice, bob = await two_people_and_an_open_activity(store)
    await store.redis.script_flush()
    await open_activity(store, code)  # a pipeline of one commit meets the empty cache
    assert await store.redis.script_exists(*(script.sha for script in SCRIPTS)) == [True] * len(
        SCRIPTS
    )
    await answer_close_answer(store, code, alice, bob)


@pytest.mark.parametrize("store", ["redis", "sentinel"], indirect=True)
async def test_a_pipeline_that_waits_to_be_written_keeps_the_calls_after_it_behind(
    store: RoomStore,
) -> None:
    """A kept connection quiet past its health check sends a PING before its pipeline. The
    calls made meanwhile must not leave on another connection and reach Redis first: an answer
    made after the commit that closed its activity would be counted (a quiet room, the
    facilitator closing a poll as a late answer comes in)."""
    assert isinstance(store, RedisStore)
    code, alice, bob = await two_people_and_an_open_activity(store)
    batch = store._batch
    spare = await store.redis.connection_pool.get_connection()  # type: ignore[no-untyped-call]
    batch._idle.insert(0, spare)  # a second kept connection, ready to write at once
    batch._idle[-1].next_health_check = -1  # the one used next is due a PING first
    await answer_close_answer(store, code, alice, bob)
    assert batch.unwritten == 0 and batch.in_flight == 0


@pytest.mark.parametrize("store", ["redis", "sentinel"], indirect=True)
async def test_a_busy_kept_connection_is_not_sent_a_ping_before_its_pipelines(
    store: RoomStore,
) -> None:
    """Replies read straight from the parser count as hearing from Redis, as redis-py's own
    reads do: a connection in use is not due a health check's PING ahead of its next write."""
    assert isinstance(store, RedisStore)
    code, _ = await make_room(store)
    await store.join(code, who(), 10, TTL)
    kept = store._batch._idle[-1]
    interval = kept.health_check_interval
    assert interval > 1
    now = asyncio.get_running_loop().time
    kept.next_health_check = now() + 0.5  # not due yet, but soon
    assert await store.member(code, who()) is None  # a pipeline on that connection
    assert store._batch._idle[-1] is kept
    assert kept.next_health_check > now() + interval - 1


async def _client_id(conn: object) -> int:
    """The Redis client id of one pooled connection (asked on that connection)."""
    await conn.send_command("CLIENT", "ID")  # type: ignore[attr-defined]
    return int(await conn.read_response())  # type: ignore[attr-defined]


@pytest.mark.parametrize("store", ["redis"], indirect=True)
async def test_what_a_word_answer_says_outlives_it_in_no_cache(store: RoomStore) -> None:
    """The Redis store encodes an answer's cells once per distinct set and keeps the encoding;
    a word cloud's words are what someone wrote, so they must not be among what it keeps once
    the session is erased (an option's number says nothing of anyone)."""
    from server.store import calls

    code, _ = await make_room(store)
    p = who()
    await store.join(code, p, 10, TTL)
    await open_activity(store, code)
    word = "w:" + secrets.token_hex(6)
    await store.submit(code, "a1", p, "b1", ["n", word], None, TTL)
    assert (await store.tally(code, "a1"))[word] == 1  # stored, and erased with the room
    await store.submit(code, "a1", p, "b1", ["n", "o:1"], None, TTL)  # a change of mind
    assert (await store.tally(code, "a1")) == {"n": 1, word: 0, "o:1": 1}
    kept = [cell for cells in calls.CELLS_JSON for cell in cells]
    assert "o:1" in kept  # the encoding of an option's cells is kept
    assert word not in kept
    assert not any(word.encode() in encoded for encoded in calls.CELLS_JSON.values())
    assert person_tags("t", TRACKS).encoded() == orjson.dumps(dict(person_tags("t", TRACKS)))


def _write_and_wait(conn: object, commands: list[tuple[object, ...]]) -> None:
    """Write a pipeline as the Batch does (in this turn), then wait without letting the loop run
    (it would move the bytes into the connection's stream) until Redis's replies are in the
    socket, as when redis-server runs within the write on the same core."""
    transport = conn._writer.transport  # type: ignore[attr-defined]
    transport.write(b"".join(pack_command(c) for c in commands))
    ready, _, _ = select.select([transport.get_extra_info("socket").fileno()], [], [], 5.0)
    assert ready


@pytest.mark.parametrize("store", ["redis"], indirect=True)
async def test_replies_that_came_with_the_write_are_read_at_once_and_the_rest_in_order(
    store: RoomStore,
) -> None:
    """When Redis replies within the write (on the same core), the replies are taken from the
    socket in the same turn (connection_io.replies_at_hand); a reply not there yet, or bytes
    the connection's stream holds already, are left to read_replies, in order, and the
    connection goes on working through redis-py's own reads."""
    assert isinstance(store, RedisStore)
    pool = store.redis.connection_pool
    conn = await pool.get_connection()  # type: ignore[no-untyped-call]
    try:
        _write_and_wait(conn, [("PING",), ("ECHO", "a")])
        assert replies_at_hand(conn, 2) in ([True, b"a"], [b"PONG", b"a"])
        # the second reply comes 0.3 s later: the first is taken now, the rest read in order
        empty = key("NOSUCH", secrets.token_hex(4))
        _write_and_wait(conn, [("ECHO", "b"), ("BLPOP", empty, "0.3"), ("ECHO", "c")])
        got = replies_at_hand(conn, 3)
        assert got == [b"b"]
        assert await read_replies(conn, 3, got) == [b"b", None, b"c"]
        # bytes the loop moved into the stream come first: nothing is taken around them
        _write_and_wait(conn, [("ECHO", "d")])
        await eventually(lambda: bool(conn._reader._buffer))  # type: ignore[attr-defined]
        assert replies_at_hand(conn, 1) == []
        assert await read_replies(conn, 1) == [b"d"]
        await conn.send_command("ECHO", "e")
        assert await conn.read_response() == b"e"
    finally:
        await pool.release(conn)


@pytest.mark.parametrize("backend", REDIS_BACKENDS)
async def test_a_stopped_store_opens_no_connection(
    request: pytest.FixtureRequest, backend: str
) -> None:
    """redis-py connects again whenever a closed client is used. A call that comes after the
    store stopped (a timer, a session winding down as the server shuts) must fail at once, not
    open a socket that nothing closes any more: the server's event loop could not close."""
    before = tcp_peers()
    store = RedisStore(
        redis_url(request, backend), timeout=deadline(backend), wait_replicas=wait_replicas(backend)
    )
    await store.start()
    code, _version = await make_room(store)
    await store.subscribe(code, lambda _payload: None)
    assert tcp_peers() - before, "a running store holds connections"
    await store.stop()
    await eventually(lambda: not tcp_peers() - before)
    late = {
        "a read": lambda: store.load(code),
        "a script call": lambda: store.join(code, who(), 3, TTL),
        "a publication": lambda: store.publish(code, b"late"),
        "a subscription": lambda: store.subscribe(code, lambda _payload: None),
        "a ping": lambda: store.redis.ping(),
    }
    for what, call in late.items():
        with pytest.raises((RedisError, RedisClusterException)):  # the cluster client's own
            await call()
            raise AssertionError(f"{what} after the stop went through")
    assert not tcp_peers() - before, "a call after the stop opened a connection"
