"""When a commit refreshes the expiry of every key of a room (the Redis store).

Every key of a room expires `ttl` seconds after it was last used. A key gets its expiry when it
is written (COMMIT's state, open activity and index with every commit), and COMMIT also refreshes
every key the room's index lists, so that keys not written for a while (the people, a past
activity's tally) live as long as the room. That loop (SMEMBERS, then one EXPIRE per key) was
more than half of COMMIT's time in redis-server (11 of 20 us warm; about 50 us with the caches
cold after a fan-out), and every push to the phones waits for COMMIT. So a process runs it with
its first commit to the room and then at most once every `ttl / 60` seconds (a minute at most):
after the room's last commit every key lives at least ttl - ttl / 60 seconds (3 h 59 min of the
default 4 h), and none more than ttl.
"""

from __future__ import annotations

import time
from collections.abc import Callable

REFRESH_AT_MOST_EVERY = 60.0  # seconds; less for a short ttl (ttl / 60)
KEPT_AT_MOST = 10_000  # rooms remembered per process; one forgotten is refreshed again at once


class ExpiryRefresh:
    """The last time this process refreshed each room's keys, and with what ttl."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._last: dict[str, tuple[float, int]] = {}

    def due(self, code: str, ttl: int) -> bool:
        last = self._last.get(code)
        if last is None or last[1] != ttl:
            return True
        return self.clock() - last[0] >= min(REFRESH_AT_MOST_EVERY, ttl / 60)

    def done(self, code: str, ttl: int, at: float) -> None:
        """The room's keys were refreshed by a commit asked for at `at` (by `clock`)."""
        if len(self._last) >= KEPT_AT_MOST and code not in self._last:
            now = self.clock()
            self._last = {
                c: last for c, last in self._last.items() if now - last[0] < REFRESH_AT_MOST_EVERY
            }
            if len(self._last) >= KEPT_AT_MOST:  # that many rooms in a minute: start afresh
                self._last.clear()
        self._last[code] = (at, ttl)

    def forget(self, code: str) -> None:
        self._last.pop(code, None)
