"""The one wall clock: milliseconds since the epoch, as every message and stored time carries it.

Deadlines and intervals use `time.monotonic()` where they are measured; this clock is for times
that leave the process (snapshots, timers, pauses, presence, receipts)."""

from __future__ import annotations

import time


def now_ms() -> int:
    return int(time.time() * 1000)
