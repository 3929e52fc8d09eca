"""A deadline for one await, on a loop the caller knows.

`asyncio.timeout` looks the running loop up three times (to make itself, to find the task, to
schedule its timer), and on Python 3.11 each lookup is a getpid() system call: three per join,
around the first message. This does the same with the loop it is given.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

T = TypeVar("T")


async def within(loop: asyncio.AbstractEventLoop, seconds: float, awaited: Awaitable[T]) -> T:
    """`awaited`'s result, or TimeoutError once `seconds` have passed (it is cancelled then).
    A cancellation from elsewhere stays a cancellation, as with asyncio.timeout."""
    task = asyncio.current_task(loop)  # given the loop: no lookup
    assert task is not None, "within() runs in a task"
    expired = False

    def expire() -> None:
        nonlocal expired
        expired = True
        task.cancel()

    timer = loop.call_later(seconds, expire)
    try:
        return await awaited
    except asyncio.CancelledError:
        if expired and task.uncancel() == 0:
            raise TimeoutError from None
        raise
    finally:
        timer.cancel()
