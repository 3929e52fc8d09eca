"""Each socket's own rate limit."""

from __future__ import annotations

import time


class RateLimit:
    """A token bucket per socket: bursts pass, a sustained flood is throttled then closed."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, float(burst)
        self.tokens, self.at = float(burst), time.monotonic()

    def take(self) -> float:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        self.tokens -= 1
        return self.tokens  # below 0: throttled; below -burst: flooding

    def give_back(self) -> None:
        """Undo the last take(): its message went on to a path that takes its own."""
        self.tokens += 1
