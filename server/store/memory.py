"""The embedded store: one process, no Redis. It keeps the same keys, expiries and serialised
publications as the Redis store, so bugs show without Redis and one contract suite covers both."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from time import monotonic
from typing import Any

import orjson

from server.store.base import (
    NO_SIDES,
    AnswerWrite,
    Done,
    Erased,
    Handler,
    JoinStatus,
    Sides,
    Signals,
    Submitted,
    answer_keys,
    channel,
    item_id,
    key,
    prefix,
    random_score,
    submit_keys,
    unsided_tag,
)
from server.store.keyspace import Keyspace, SortedMap


def _count(tally: SortedMap, cells: list[str], side: str, by: int) -> None:
    """Move an answer's cells in the tally, and on its side's cells when it is on one."""
    for cell in cells:
        tally.add(cell, by)
        if side and cell != "pass":
            tally.add(f"t:{side}|{cell}", by)


class MemoryStore:
    kind = "memory"
    immediate = True

    def __init__(self) -> None:
        self.keys = Keyspace()
        self._handlers: dict[str, Handler] = {}
        self._sweeper: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._sweeper = asyncio.create_task(self._sweep_loop(), name="hearth-memory-sweeper")

    async def stop(self) -> None:
        if self._sweeper:
            self._sweeper.cancel()

    async def ping(self) -> bool:
        return True

    async def _sweep_loop(self) -> None:
        while True:
            await asyncio.sleep(30)
            self.keys.sweep()

    def _index(self, code: str, *names: str, ttl: int) -> None:
        index = self.keys.ensure(key(code, "index"), set)
        index.update(names)
        self.keys.expire(key(code, "index"), ttl)

    # -- state -------------------------------------------------------------------------------

    async def create(self, code: str, doc: bytes, ttl: int) -> bool:
        state = key(code, "state")
        if self.keys.get(state) is not None:
            return False
        self.keys.put(state, {"v": orjson.loads(doc)["version"], "doc": bytes(doc)}, ttl)
        self._index(code, state, ttl=ttl)
        return True

    async def load(self, code: str) -> bytes | None:
        state = self.keys.get(key(code, "state"))
        return None if state is None else bytes(state["doc"])

    async def commit(
        self,
        code: str,
        expected_version: int,
        doc: bytes,
        accepting: str | None,
        ttl: int,
        on_committed: Callable[[], None] | None = None,
    ) -> bool:
        state_key, accepting_key = key(code, "state"), key(code, "accepting")
        state = self.keys.get(state_key)
        if state is None or state["v"] != expected_version:
            return False
        state["v"], state["doc"] = expected_version + 1, bytes(doc)
        try:  # the screens first (nothing can answer before this returns): what follows is
            if on_committed is not None:  # bookkeeping that changes nothing they are shown
                on_committed()
        finally:
            if accepting is None:
                self.keys.delete(accepting_key)
            else:
                self.keys.put(accepting_key, accepting, ttl)
                self._index(code, accepting_key, ttl=ttl)
            for name in self.keys.get(key(code, "index"), set()):
                self.keys.expire(name, ttl)
            self._index(code, ttl=ttl)
        await self.publish(code, bytes(doc))  # its first byte is its tag (STATE)
        return True

    # -- participants ------------------------------------------------------------------------

    async def join(self, code: str, who: str, cap: int, ttl: int) -> JoinStatus:
        if self.keys.get(key(code, "state")) is None:
            return "gone"
        people_key = key(code, "people")
        people = self.keys.ensure(people_key, SortedMap)
        if who not in people:
            if len(people) >= cap:
                return "full"
            people[who] = unsided_tag()
        self.keys.expire(people_key, ttl)
        self._index(code, people_key, ttl=ttl)
        return "ok"

    def _people(self, code: str) -> SortedMap:
        people: SortedMap = self.keys.get(key(code, "people"), SortedMap())
        return people

    async def member(self, code: str, who: str) -> str | None:
        tag: str | None = self._people(code).get(who)
        return tag

    async def set_side(self, code: str, who: str, tag: str, ttl: int) -> bool:
        people = self._people(code)
        if who not in people:
            return False
        people[who] = tag
        self.keys.expire(key(code, "people"), ttl)
        return True

    async def joined(self, code: str) -> int:
        return len(self._people(code))

    async def leave(self, code: str, who: str) -> None:
        self._people(code).pop(who, None)
        self.keys.get(key(code, "pause"), {}).pop(who, None)
        self.keys.get(key(code, "word"), SortedMap()).pop(who, None)

    # -- answers -----------------------------------------------------------------------------

    async def submit(
        self,
        code: str,
        activity: str,
        who: str,
        ballot: str,
        cells: list[str],
        text: str | None,
        ttl: int,
        sides: Sides = NO_SIDES,
    ) -> Submitted:
        return self._submit(AnswerWrite(code, activity, who, ballot, cells, text, ttl, sides))

    def submit_then(self, answer: AnswerWrite, done: Done) -> None:
        done(self._submit(answer))

    def _submit(self, answer: AnswerWrite) -> Submitted:
        code, activity, who, ballot = answer.code, answer.activity, answer.who, answer.ballot
        cells, text, ttl, sides = answer.cells, answer.text, answer.ttl, answer.sides
        accepting_key, people_key, who_key, ballots_key, tally_key, index_key = submit_keys(
            code, activity
        )
        keys, now = self.keys, monotonic()  # the time read once for the six keys
        if keys.get(accepting_key, now=now) != activity:
            return Submitted("closed")
        people: SortedMap | None = keys.get(people_key, now=now)
        person_tag = people.get(who) if people is not None else None
        if person_tag is None:
            return Submitted("unknown")
        side = sides.person.get(person_tag, "") if person_tag else ""
        answered: SortedMap = keys.ensure(who_key, SortedMap, now)
        ballots: SortedMap = keys.ensure(ballots_key, SortedMap, now)
        tally: SortedMap = keys.ensure(tally_key, SortedMap, now)
        previous = ballots.get(ballot)
        if who in answered:
            if previous is None:
                return Submitted("conflict", len(answered))
            _count(tally, previous["c"], sides.side_of(previous.get("s")), -1)
        else:
            if previous is not None:
                return Submitted("conflict", len(answered))
            answered[who] = random_score()
        value: dict[str, Any] = {"c": list(cells)}
        if text is not None:
            value["t"] = text
        value["s"] = sides.tag(side)  # on no side too: a ballot without one stood out
        # Kept as it is, not as JSON: orjson.dumps takes a 1 KiB buffer from malloc per call, too
        # large for glibc's per-thread cache, and cost 1-3 us an answer on a busy heap.
        ballots[ballot] = value
        _count(tally, cells, side, 1)
        index: set[str] = keys.ensure(index_key, set, now)
        index.update((who_key, ballots_key, tally_key))
        keys.refresh((who_key, ballots_key, tally_key, index_key), ttl, now)
        return Submitted("stored", len(answered))

    async def withdraw(
        self, code: str, activity: str, who: str, ballot: str, ttl: int, sides: Sides = NO_SIDES
    ) -> bool:
        accepting_key, _, who_key, ballots_key, tally_key, _ = submit_keys(code, activity)
        keys = self.keys
        answered: SortedMap | None = keys.get(who_key)
        ballots: SortedMap | None = keys.get(ballots_key)
        if keys.get(accepting_key) != activity or answered is None or ballots is None:
            return False
        if who not in answered or ballot not in ballots:
            return False
        previous = ballots.pop(ballot)
        answered.pop(who)
        side = sides.side_of(previous.get("s"))
        _count(keys.get(tally_key, SortedMap()), previous["c"], side, -1)
        keys.refresh((who_key, ballots_key, tally_key), ttl, monotonic())
        return True

    async def has_answered(self, code: str, activity: str, who: str) -> bool:
        return who in self.keys.get(answer_keys(code, activity)[0], SortedMap())

    async def answered(self, code: str, activity: str) -> int:
        return len(self.keys.get(answer_keys(code, activity)[0], SortedMap()))

    async def tally(self, code: str, activity: str) -> dict[str, int]:
        return dict(self.keys.get(answer_keys(code, activity)[2], SortedMap()).items())

    async def texts(self, code: str, activity: str) -> list[tuple[str, str]]:
        """Written answers in the order of their ballot digests, which is not arrival order."""
        out = []
        for ballot, value in self.keys.get(answer_keys(code, activity)[1], SortedMap()).items():
            text = value.get("t")
            if text:
                out.append((item_id(ballot), text))
        return out

    # -- signals -----------------------------------------------------------------------------

    async def set_pause(self, code: str, who: str, on: bool, ttl: int) -> None:
        pause_key = key(code, "pause")
        if on:
            self.keys.ensure(pause_key, dict)[who] = 0
            self.keys.expire(pause_key, ttl)
            self._index(code, pause_key, ttl=ttl)
        else:
            self.keys.get(pause_key, {}).pop(who, None)

    async def pauses(self, code: str) -> int:
        return len(self.keys.get(key(code, "pause"), {}))

    async def set_word(self, code: str, who: str, on: bool, ttl: int) -> None:
        word_key = key(code, "word")
        if on:
            if self.keys.get(key(code, "state")) is None:
                return  # only while the room exists, like pause
            self.keys.ensure(word_key, SortedMap)[who] = 0
            self.keys.expire(word_key, ttl)
            self._index(code, word_key, ttl=ttl)
        else:
            self.keys.get(word_key, SortedMap()).pop(who, None)

    async def words(self, code: str) -> int:
        return len(self.keys.get(key(code, "word"), SortedMap()))

    async def signals(self, code: str, who: str, activity: str | None = None) -> Signals:
        pause = who in self.keys.get(key(code, "pause"), {})
        word = who in self.keys.get(key(code, "word"), SortedMap())
        answered = activity is not None and await self.has_answered(code, activity, who)
        return Signals(pause, word, answered)

    async def set_presence(self, code: str, field: str, count: int, now_ms: int, ttl: int) -> None:
        presence_key = key(code, "presence")
        if self.keys.get(key(code, "state")) is None:
            return  # only while the room exists: a late write must not bring keys back
        presence = self.keys.ensure(presence_key, dict)
        if count:
            presence[field] = (count, now_ms)
        else:
            presence.pop(field, None)
        self.keys.expire(presence_key, ttl)
        self._index(code, presence_key, ttl=ttl)

    async def connected(self, code: str, since_ms: int, role: str = "p") -> int:
        presence = self.keys.get(key(code, "presence"), {})
        return sum(
            count
            for field, (count, at) in presence.items()
            if field.partition(":")[0] in role and at >= since_ms
        )

    # -- one-time tickets ----------------------------------------------------------------------

    async def put_ticket(self, name: str, value: bytes, ttl: int) -> None:
        self.keys.put(name, bytes(value), ttl)

    async def take_ticket(self, name: str) -> bytes | None:
        found = self.keys.get(name)
        self.keys.delete(name)
        return None if found is None else bytes(found)

    async def ticket_waiting(self, name: str) -> bool:
        return self.keys.get(name) is not None

    # -- erasure -----------------------------------------------------------------------------

    async def erase(self, code: str) -> Erased:
        submit_keys.cache_clear()  # no name of the room is left behind
        deleted = sum(self.keys.delete(n) for n in self.keys.names(prefix(code) + "*"))
        return Erased(deleted=deleted, remaining=len(self.keys.names(prefix(code) + "*")))

    async def key_ttls(self, code: str | None = None) -> dict[str, int]:
        pattern = (prefix(code) if code else "hearth:") + "*"
        return {n: self.keys.ttl(n) for n in self.keys.names(pattern)}

    # -- pub/sub -----------------------------------------------------------------------------

    async def publish(self, code: str, payload: bytes) -> None:
        handler = self._handlers.get(channel(code))
        if handler is not None:
            # Delivered on the next loop turn with a copy, as a network round trip would be.
            asyncio.get_running_loop().call_soon(handler, bytes(payload))

    async def subscribe(self, code: str, handler: Handler) -> None:
        self._handlers[channel(code)] = handler

    async def unsubscribe(self, code: str) -> None:
        self._handlers.pop(channel(code), None)
