"""Start a coroutine at once, in the caller's turn of the loop, and make a task only if it waits.

A message from a phone is handled by a coroutine, because the store is asynchronous; with the
embedded store, though, an answer never waits for anything, and a task per message (created,
scheduled, stepped, collected) was a tenth of an answer's cost. `start` steps the coroutine
right away, as Python 3.12's eager tasks do: when it finishes without waiting (the embedded
store), no task is made; when it waits (Redis), a task carries it on from where it waits.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any


def start(
    coro: Coroutine[Any, Any, None], loop: asyncio.AbstractEventLoop | None = None
) -> asyncio.Task[None] | None:
    """Run `coro` until it first waits; None if it finished, else the task (on `loop`, or the
    running loop) that carries it on. An exception it raises before waiting propagates to the
    caller, as a call's would."""
    try:
        waiting = coro.send(None)
    except StopIteration:
        return None
    if waiting is not None:  # as a task's step does with the future it was handed
        waiting._asyncio_future_blocking = False
    return (loop or asyncio.get_running_loop()).create_task(_carry_on(coro, waiting))


async def _carry_on(coro: Coroutine[Any, Any, None], waiting: Any) -> None:
    """Wait for what `coro` waits on, then step it again, until it returns.

    `coro` is suspended inside an `await` of `waiting` (an asyncio future, or None for a bare
    yield such as sleep(0)). Once the future is done, `coro` is resumed with send(None), and the
    future's own `__await__` hands it the result or raises the future's exception in it: the
    outcome is read by `coro`, not here. Only a cancellation of this task itself (while the
    future is not cancelled) is thrown into `coro`.
    """
    while True:
        cancelled: BaseException | None = None
        try:
            if waiting is None:
                await asyncio.sleep(0)
            else:
                await waiting
        except asyncio.CancelledError as exc:
            if waiting is None or not waiting.cancelled():
                cancelled = exc
        except Exception:  # the future's failure is raised inside coro, below
            pass
        try:
            waiting = coro.send(None) if cancelled is None else coro.throw(cancelled)
        except StopIteration:
            return
        if waiting is not None:
            waiting._asyncio_future_blocking = False
