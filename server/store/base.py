"""The RoomStore protocol every backend meets, and the key layout they share.

Every key of a room lives under hearth:{CODE}: (the braces are a Redis Cluster hash tag, so one
room's keys sit on one node) and gets an expiry in the same atomic step that writes it.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import hmac
import os
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal, Protocol

import orjson

Handler = Callable[[bytes], None]
SubmitStatus = Literal["stored", "closed", "unknown", "conflict"]
JoinStatus = Literal["ok", "full", "gone"]

# Publications on a room's channel, told apart by their first byte. A committed state is its
# document as stored, a JSON object: COMMIT publishes the bytes it was given, and no copy is made
# to put a tag in front. The others are one tag byte, then the payload.
STATE = b"{"  # the committed state document itself
PROGRESS = b"P"  # counts changed (answers, presence, pauses): facilitators should refresh
ENDED = b"E"  # + receipt JSON: the room was erased


def prefix(code: str) -> str:
    return f"hearth:{{{code}}}:"


def channel(code: str) -> str:
    return f"hearth:{{{code}}}:ch"


def key(code: str, name: str) -> str:
    return prefix(code) + name


def answer_keys(code: str, activity: str) -> tuple[str, str, str]:
    """(who answered, what was answered, counts): stored apart, no key or value joins them."""
    return (
        key(code, f"who:{activity}"),
        key(code, f"ballots:{activity}"),
        key(code, f"tally:{activity}"),
    )


@functools.lru_cache(maxsize=4096)
def submit_keys(code: str, activity: str) -> tuple[str, str, str, str, str, str]:
    """Every key an answer touches: accepting, people, then answer_keys, then the index. Built
    once per activity, not per answer (seven strings joined for each one). Only key names are
    kept (a room code, an activity id); erasing a room clears them all."""
    return (
        key(code, "accepting"),
        key(code, "people"),
        *answer_keys(code, activity),
        key(code, "index"),
    )


class RandomScores:
    """52-bit scores from the OS's CSPRNG, read 4 KiB at a time: who answered is kept in an order
    these scores give, never arrival's. One getrandom() call per answer was a system call each."""

    def __init__(self) -> None:
        self._pool = b""
        self._at = 0

    def next(self) -> int:
        if self._at + 7 > len(self._pool):
            self._pool, self._at = os.urandom(4096), 0
        value = int.from_bytes(self._pool[self._at : self._at + 7], "big") >> 4
        self._at += 7
        return value


random_score = RandomScores().next


def item_id(ballot: str) -> str:
    """A queue id for an open-text answer, derived from the ballot digest (never the token)."""
    return hashlib.sha256(("item:" + ballot).encode()).hexdigest()[:12]


def side_tag(secret: str, side: str) -> str:
    """A side as the store keeps it: readable only by whoever holds `secret` (a phone's token,
    or an answer's ballot secret), so a dump cannot tell who, or which answer, is on which side."""
    return hmac.new(secret.encode(), b"side:" + side.encode(), hashlib.sha256).hexdigest()[:16]


def side_of(tag: str, secret: str, sides: Iterable[str]) -> str:
    """The side behind a tag made with `secret`; "" for none or a tag of another secret."""
    return next((s for s in sides if tag and hmac.compare_digest(side_tag(secret, s), tag)), "")


class PersonTags(dict[str, str]):
    """A phone's side tags (tag -> side), made once per seat, never changed: the Redis store sends
    them with every answer, encoded once (each orjson.dumps call mallocs a 1 KiB buffer)."""

    __slots__ = ("_encoded",)

    def encoded(self) -> bytes:
        try:
            return self._encoded
        except AttributeError:
            self._encoded: bytes = orjson.dumps(self)
            return self._encoded


def person_tags(token: str, sides: Iterable[str]) -> PersonTags:
    """Each side's tag made with a phone's token (tag -> side): what its stored side may be."""
    return PersonTags({side_tag(token, s): s for s in sides})


def unsided_tag() -> str:
    """What a person on no side carries where a side's tag would be: random, shaped as a tag,
    matching no side. An empty one beside the tags of the rest split people, and with them their
    ballots, into those with a side and those without: a person alone on no side was found."""
    return secrets.token_hex(8)


class Sides:
    """What submit needs to count an answer per side without the store learning sides: the
    person's tags (tag -> side, made with their token) and the ballot's (side -> tag, made with
    the answer's ballot secret, "" for no side). Every ballot carries one, as every person does,
    so a dump cannot tell the answers of people on a side from the rest. Each tag is an HMAC,
    made when first needed: the one for the side the caller guesses the person is on (the
    seat's), and the others only to read a stored ballot's tag that is not that one."""

    __slots__ = ("_made", "_names", "_secret", "guess", "person")

    def __init__(
        self,
        person: PersonTags | None = None,
        ballot_secret: str = "",
        names: Iterable[str] = (),
        guess: str = "",
    ) -> None:
        self.person = PersonTags() if person is None else person
        self._secret = ballot_secret
        self._names = ("", *names)
        self._made: dict[str, str] = {}
        # The caller's guess at the person's side (a wrong one costs the Redis store a second
        # try, never a miscount).
        self.guess = guess

    def tag(self, side: str) -> str:
        """This ballot's tag for a side ("" for none)."""
        made = self._made.get(side)
        if made is None:
            made = self._made[side] = side_tag(self._secret, side)
        return made

    @property
    def ballot(self) -> dict[str, str]:
        """Every side's tag, no side's included."""
        return {s: self.tag(s) for s in self._names}

    def guessed(self) -> dict[str, str]:
        return {self.guess: self.tag(self.guess)}

    def side_of(self, tag: str | None) -> str:
        """The side a stored ballot was counted on ("" for none, or a tag of another secret)."""
        if not tag:
            return ""
        if tag == self.tag(self.guess):
            return self.guess
        return next((s for s, mine in self.ballot.items() if mine == tag), "")


NO_SIDES = Sides()


# Made once per answer: not frozen (a frozen dataclass sets each field through
# object.__setattr__, 0.36 us for this one and 0.95 us for AnswerWrite against 0.13 and 0.21).
@dataclass(slots=True)
class Submitted:
    status: SubmitStatus
    answered: int = 0


@dataclass(slots=True)
class AnswerWrite:
    """One answer as a store's `submit` takes it."""

    code: str
    activity: str
    who: str
    ballot: str  # the ballot secret's digest
    cells: list[str]
    text: str | None
    ttl: int
    sides: Sides


# What `submit_then` hands its outcome to: the stored answer's status, or the store's error.
Done = Callable[["Submitted | Exception"], None]


async def outcome_of(
    submit_then: Callable[[AnswerWrite, Done], None], answer: AnswerWrite
) -> Submitted:
    """A store's `submit_then`, awaited."""
    future: asyncio.Future[Submitted] = asyncio.get_running_loop().create_future()

    def done(outcome: Submitted | Exception) -> None:
        if future.done():
            return
        if isinstance(outcome, Exception):
            future.set_exception(outcome)
        else:
            future.set_result(outcome)

    submit_then(answer, done)
    return await future


@dataclass(frozen=True)
class Signals:
    """One participant's own signals, as the room counts them, and whether their answer to the
    live activity is stored (when one was asked about)."""

    pause: bool
    word: bool
    answered: bool = False


NO_SIGNALS = Signals(pause=False, word=False)


@dataclass(frozen=True)
class Erased:
    deleted: int
    remaining: int


class RoomStore(Protocol):
    kind: str
    # Its calls finish without waiting on I/O (the embedded store): a phone's message can then be
    # handled at once, without a task (server/transport/eager.py). redis-py's deadlines are bound
    # to a task, so a store over the network says False.
    immediate: bool

    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    async def ping(self) -> bool: ...

    async def create(self, code: str, doc: bytes, ttl: int) -> bool:
        """Write a new room's state unless the code is taken."""

    async def load(self, code: str) -> bytes | None: ...

    async def commit(
        self,
        code: str,
        expected_version: int,
        doc: bytes,
        accepting: str | None,
        ttl: int,
        on_committed: Callable[[], None] | None = None,
    ) -> bool:
        """Replace the state if its version is still expected_version (the doc carries the
        next one), refresh every key's expiry (the Redis store: when server/store/expiry.py says
        it is due), then publish the doc (STATE). False on a conflict.
        `on_committed` runs once the write is known to have succeeded, as soon as it is (on
        Redis: from the reply as it is read), before this returns True."""

    async def join(self, code: str, who: str, cap: int, ttl: int) -> JoinStatus: ...
    async def member(self, code: str, who: str) -> str | None:
        """The participant's side tag ("" for none), or None if the room does not know them."""

    async def set_side(self, code: str, who: str, tag: str, ttl: int) -> bool: ...
    async def leave(self, code: str, who: str) -> None: ...
    async def joined(self, code: str) -> int:
        """People who joined and have not left (connected or not): what the cap counts."""

    async def withdraw(
        self, code: str, activity: str, who: str, ballot: str, ttl: int, sides: Sides = NO_SIDES
    ) -> bool:
        """Take back the answer stored under `ballot` by `who`, atomically, if `activity` is
        still accepting answers and both are there: "who" loses them and the tally its cells
        (on its side's too, found through `sides`). True if an answer was taken back."""

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
        """Store one answer atomically, if `activity` is accepting answers. A new ballot from
        a participant who has not answered adds them to "who"; the same ballot again replaces
        its answer; any other combination is a conflict. With a side (found through `sides`)
        the tally also counts the answer's cells for that side."""

    def submit_then(self, answer: AnswerWrite, done: Done) -> None:
        """`submit`, with its outcome (or the store's error) handed to `done` rather than
        awaited: at once on the embedded store, from the reply as it is read on Redis. An answer
        is the message a server handles most; this way it needs no coroutine and no task
        (server/transport/endpoint.py, `Session._answer_at_once`)."""

    async def has_answered(self, code: str, activity: str, who: str) -> bool: ...
    async def answered(self, code: str, activity: str) -> int: ...
    async def tally(self, code: str, activity: str) -> dict[str, int]: ...
    async def texts(self, code: str, activity: str) -> list[tuple[str, str]]: ...

    async def set_pause(self, code: str, who: str, on: bool, ttl: int) -> None: ...
    async def pauses(self, code: str) -> int: ...
    async def set_word(self, code: str, who: str, on: bool, ttl: int) -> None:
        """'A word afterwards': kept until taken back, Leave or the end."""

    async def words(self, code: str) -> int: ...
    async def signals(self, code: str, who: str, activity: str | None = None) -> Signals:
        """Whether this participant's pause and word-afterwards signals are on and, given an
        activity, whether they answered it: one read (a phone rejoining)."""

    async def set_presence(self, code: str, field: str, count: int, now_ms: int, ttl: int) -> None:
        """How many sockets of one kind one process holds: field is "<role>:<process>"
        (p: phones, f: facilitator consoles, c: co-facilitator consoles, d: displays)."""

    async def connected(self, code: str, since_ms: int, role: str = "p") -> int:
        """The sum of the counts of these roles (letters, e.g. "fc") written since since_ms."""

    async def put_ticket(self, name: str, value: bytes, ttl: int) -> None:
        """Keep a one-time ticket (server/service/tickets.py) under `name` for `ttl` seconds."""

    async def take_ticket(self, name: str) -> bytes | None:
        """Read and delete a ticket in one step: two pages racing for one ticket cannot both
        win. None if it is unknown, spent or expired."""

    async def ticket_waiting(self, name: str) -> bool:
        """Whether a ticket is still there to be taken; reads it, takes nothing."""

    async def erase(self, code: str) -> Erased:
        """Unlink every key of the room, then scan to prove none is left."""

    async def publish(self, code: str, payload: bytes) -> None: ...
    async def subscribe(self, code: str, handler: Handler) -> None: ...
    async def unsubscribe(self, code: str) -> None: ...

    async def key_ttls(self, code: str | None = None) -> dict[str, int]:
        """Every key (of one room, or of all rooms) with its remaining TTL in seconds; -1 for
        a key without one. For tests and the erasure receipt."""
