"""server/transport/eager.py: a coroutine stepped at once, carried on by a task only if it waits."""

from __future__ import annotations

import asyncio

import pytest

from server.transport import eager


async def test_a_coroutine_that_never_waits_runs_at_once_without_a_task() -> None:
    done: list[str] = []

    async def handle() -> None:
        done.append("handled")

    assert eager.start(handle()) is None
    assert done == ["handled"]  # before the caller's turn of the loop ends


async def test_a_coroutine_that_waits_is_carried_on_with_each_result_and_failure() -> None:
    loop = asyncio.get_running_loop()
    first, second = loop.create_future(), loop.create_future()
    seen: list[object] = []

    async def handle() -> None:
        seen.append("started")
        seen.append(await first)
        await asyncio.sleep(0)  # a bare yield
        try:
            await second
        except ValueError as exc:
            seen.append(str(exc))
        seen.append(asyncio.current_task() is not None)  # a task from the first wait on

    task = eager.start(handle())
    assert task is not None and seen == ["started"]
    first.set_result(42)
    second.set_exception(ValueError("from the store"))
    await task
    assert seen == ["started", 42, "from the store", True]


async def test_cancelling_the_task_cancels_the_coroutine_where_it_waits() -> None:
    loop = asyncio.get_running_loop()
    never = loop.create_future()
    cleaned: list[bool] = []

    async def handle() -> None:
        try:
            await never
        finally:
            cleaned.append(True)

    task = eager.start(handle())
    assert task is not None
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert cleaned == [True] and never.cancelled()


async def test_an_exception_before_the_first_wait_reaches_the_caller() -> None:
    async def handle() -> None:
        raise RuntimeError("bug")

    with pytest.raises(RuntimeError, match="bug"):
        eager.start(handle())
