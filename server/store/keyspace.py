"""The embedded store's key space: keys that expire, and maps kept in the order of their keys
(what Redis's sorted sets give the Redis store)."""

from __future__ import annotations

import fnmatch
from bisect import bisect_left
from collections.abc import Iterator
from time import monotonic
from typing import Any


class SortedMap:
    """A map that keeps, and iterates, its entries in the order of their keys, never in the
    order they were written: the people of a room and the ballots of an activity are keyed by
    digests, so nothing in memory pairs who arrived when with what they answered."""

    def __init__(self) -> None:
        self._keys: list[str] = []
        self._values: list[Any] = []

    def _find(self, name: str) -> int:
        keys = self._keys
        at = bisect_left(keys, name)
        return at if at < len(keys) and keys[at] == name else -1

    def get(self, name: str, default: Any = None) -> Any:
        keys = self._keys
        at = bisect_left(keys, name)
        return self._values[at] if at < len(keys) and keys[at] == name else default

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._find(name) >= 0

    def __setitem__(self, name: str, value: Any) -> None:
        keys = self._keys
        at = bisect_left(keys, name)
        if at < len(keys) and keys[at] == name:
            self._values[at] = value
        else:
            keys.insert(at, name)
            self._values.insert(at, value)

    def __getitem__(self, name: str) -> Any:
        at = self._find(name)
        if at < 0:
            raise KeyError(name)
        return self._values[at]

    def add(self, name: str, by: int) -> None:
        """Add `by` to a count (0 if absent): one search, not a get and a set."""
        keys = self._keys
        at = bisect_left(keys, name)
        if at < len(keys) and keys[at] == name:
            self._values[at] += by
        else:
            keys.insert(at, name)
            self._values.insert(at, by)

    def pop(self, name: str, default: Any = None) -> Any:
        at = self._find(name)
        if at < 0:
            return default
        del self._keys[at]
        return self._values.pop(at)

    def __len__(self) -> int:
        return len(self._keys)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._keys))

    def items(self) -> list[tuple[str, Any]]:
        return list(zip(self._keys, self._values, strict=True))

    def values(self) -> list[Any]:
        return list(self._values)


class Keyspace:
    """Keys with expiry, checked lazily on access and swept in the background."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self.expires: dict[str, float] = {}

    def _alive(self, name: str, now: float | None = None) -> bool:
        deadline = self.expires.get(name)
        if deadline is not None and deadline <= (monotonic() if now is None else now):
            self.values.pop(name, None)
            self.expires.pop(name, None)
        return name in self.values

    def get(self, name: str, default: Any = None, now: float | None = None) -> Any:
        return self.values[name] if self._alive(name, now) else default

    def ensure(self, name: str, factory: type, now: float | None = None) -> Any:
        """The key's value, made with `factory` if it is missing or expired. `now`: the time
        read once for several keys (an answer touches six)."""
        if not self._alive(name, now):
            self.values[name] = factory()
        return self.values[name]

    def put(self, name: str, value: Any, ttl: int) -> None:
        self.values[name] = value
        self.expire(name, ttl)

    def expire(self, name: str, ttl: int) -> None:
        if self._alive(name):
            self.expires[name] = monotonic() + ttl

    def refresh(self, names: tuple[str, ...], ttl: int, now: float | None = None) -> None:
        """Give keys that were just read or written (so alive) a new expiry, all at once."""
        deadline = (monotonic() if now is None else now) + ttl
        for name in names:
            if name in self.values:
                self.expires[name] = deadline

    def delete(self, name: str) -> int:
        existed = self._alive(name)
        self.values.pop(name, None)
        self.expires.pop(name, None)
        return int(existed)

    def names(self, pattern: str) -> list[str]:
        return [n for n in list(self.values) if self._alive(n) and fnmatch.fnmatchcase(n, pattern)]

    def ttl(self, name: str) -> int:
        if not self._alive(name):
            return -2
        deadline = self.expires.get(name)
        return -1 if deadline is None else max(0, round(deadline - monotonic()))

    def sweep(self) -> None:
        for name in list(self.expires):
            self._alive(name)
