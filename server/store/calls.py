"""What a Batch sends: a Lua script and its calls, how the calls of a merging script travel
as one (server/store/batch.py sends them; server/store/scripts.py SUBMIT is one that merges), and
an answer's cells encoded for SUBMIT."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson


@dataclass(frozen=True)
class Script:
    source: str
    writes: bool = True
    # Calls of a merging script to the same keys that leave in one pipeline go as one call: its
    # args one call's after another, its reply a list of one reply per call (server/store/
    # scripts.py SUBMIT). A lone call goes the same way, as a list of one.
    merges: bool = False
    sha: str = field(init=False)  # made once: hashing the source per call was 2% of an answer

    def __post_init__(self) -> None:
        object.__setattr__(self, "sha", hashlib.sha1(self.source.encode()).hexdigest())


log = logging.getLogger("hearth.store")

# An answer's cells as JSON, encoded once per distinct set: each orjson.dumps call mallocs a
# 1 KiB buffer (too large for glibc's per-thread cache), a cost per answer on a busy heap.
# Only cells that say nothing of their own (options, scale points, "pass") are kept: a word
# cloud's words are what someone wrote, and nothing of a session may outlive it in memory.
CELLS_JSON: dict[tuple[str, ...], bytes] = {}
CELLS_JSON_KEPT = 1024


def cells_json(cells: list[str]) -> bytes:
    kept = tuple(cells)
    encoded = CELLS_JSON.get(kept)
    if encoded is None:
        encoded = orjson.dumps(cells)
        if len(CELLS_JSON) < CELLS_JSON_KEPT and not any(c.startswith("w:") for c in cells):
            CELLS_JSON[kept] = encoded
    return encoded


class Outcome:
    """In a future's place, for a caller that takes a call's reply (or its error) as a call the
    moment it is read, rather than awaiting it: no future to make and no waiter to resume a turn
    later (an answer on Redis, server/store/redis.py `submit_then`)."""

    __slots__ = ("handle", "settled")

    def __init__(self, handle: Callable[[Any], None]) -> None:
        self.handle = handle
        self.settled = False

    def done(self) -> bool:
        return self.settled

    def set_result(self, result: Any) -> None:
        self.settled = True
        try:
            self.handle(result)
        except Exception as exc:  # the caller's bug: the other calls of the pipeline go on
            log.warning("handling a reply failed (%s)", type(exc).__name__)

    set_exception = set_result  # the handler tells an error from a reply


# A call's script, keys, args, its future (or Outcome), and what to run with its reply the moment
# it is read (before the future's waiter resumes, a turn of the loop later). A merged call
# carries, in the future's place, the Parts it was made of.
Then = Callable[[Any], None]
Call = tuple[Script, list[Any], list[Any], "asyncio.Future[Any] | Outcome | Parts", Then | None]


class Parts(list[tuple["asyncio.Future[Any] | Outcome", Then | None]]):
    """The futures (and thens) of the calls a merged call was made of, in order."""


MERGE_AT_MOST = 200  # calls in one merged call: Lua's unpack() takes a few thousand values


def settle(future: asyncio.Future[Any] | Outcome, then: Then | None, result: Any) -> None:
    """A call's future gets its reply (after `then`) or its error."""
    if future.done():
        return
    if isinstance(result, Exception):
        future.set_exception(result)
        return
    if then is not None:
        try:
            then(result)
        except Exception as exc:  # the caller's own failure, raised where it waits
            future.set_exception(exc)
            return
    future.set_result(result)


def hand_out(call: Call, reply: Any) -> None:
    """A call's reply (or error) to its future, or to each of the calls it was merged from."""
    *_, target, then = call
    if not isinstance(target, Parts):
        settle(target, then, reply)
    elif isinstance(reply, Exception):  # the merged call failed: each of its calls did
        for future, part_then in target:
            settle(future, part_then, reply)
    else:
        for (future, part_then), part_reply in zip(target, reply, strict=True):
            settle(future, part_then, part_reply)


def merged(calls: list[Call]) -> list[Call]:
    """The calls as they go to Redis: each merging script's calls to the same keys as one call,
    in the place of the first (at most MERGE_AT_MOST each). Any other call ends the groups
    before it, so a write that answers depend on (a commit that closes the activity) stays
    between the calls sent before it and those sent after."""
    out: list[Call] = []
    groups: dict[tuple[Any, ...], tuple[list[Any], Parts]] = {}  # (script, keys) -> its args, parts
    for call in calls:
        script, keys, args, future, then = call
        if not script.merges:
            groups.clear()
            out.append(call)
            continue
        name = (script.sha, *keys)
        group = groups.get(name)
        if group is not None and len(group[1]) < MERGE_AT_MOST:
            group[0].extend(args)
            group[1].append((future, then))  # type: ignore[arg-type]
            continue
        group = groups[name] = list(args), Parts([(future, then)])  # type: ignore[list-item]
        out.append((script, keys, group[0], group[1], None))
    return out
