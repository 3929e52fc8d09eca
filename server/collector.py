"""Python's cyclic garbage collector, tuned for a server that holds many long-lived objects.

Nearly everything a message allocates is freed by reference counting the moment it is done; the
cyclic collector only finds cycles. With Python's default (a young-generation pass every 700
allocations) a busy server ran it a few thousand times a second, and its passes over older
generations walk every connection's objects: 3.6% of an answer's CPU under `perf` with 1,000
phones answering (docs/performance.md). What was built at start (modules, the app, catalogues,
the library) is frozen out of the collector's reach, and the young generation is passed over
every `young_objects` allocations instead.
"""

from __future__ import annotations

import gc

# Older generations are passed over every 10 young passes, as by default: cycles that outlive a
# young pass (a closed socket's objects) are still freed within a few million allocations.
OLDER_PASSES = 10


def tune_collector(young_objects: int) -> None:
    """Freeze what exists now and collect the young generation every `young_objects`
    allocations; 0 leaves the collector as Python set it."""
    if young_objects <= 0:
        return
    gc.collect()  # what start-up left as garbage goes now, not into the frozen set
    gc.freeze()
    gc.set_threshold(young_objects, OLDER_PASSES, OLDER_PASSES)
