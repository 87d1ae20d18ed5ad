"""ResizableLimiter: a concurrency limit the Settings dialog can change while jobs run."""

from __future__ import annotations

import asyncio

import pytest

from desktop_app.engine.limits import ResizableLimiter


async def settle() -> None:
    """Let every ready task run (a few loop turns; no wall-clock waiting)."""
    for _ in range(20):
        await asyncio.sleep(0)


class Worker:
    """A task that takes a slot and holds it until told to leave."""

    def __init__(self, limiter: ResizableLimiter, name: str, log: list[str]) -> None:
        self.leave = asyncio.Event()
        self.task = asyncio.ensure_future(self._run(limiter, name, log))

    async def _run(self, limiter: ResizableLimiter, name: str, log: list[str]) -> None:
        async with limiter:
            log.append(name)
            await self.leave.wait()


def test_behaves_like_a_semaphore() -> None:
    async def go() -> None:
        limiter, log = ResizableLimiter(2), []
        workers = [Worker(limiter, n, log) for n in "abc"]
        await settle()
        assert log == ["a", "b"] and limiter.in_use == 2 and limiter.waiting == 1
        workers[0].leave.set()
        await settle()
        assert log == ["a", "b", "c"] and limiter.in_use == 2
        for w in workers:
            w.leave.set()
        await asyncio.gather(*(w.task for w in workers))
        assert limiter.in_use == 0 and not limiter.locked()

    asyncio.run(go())


def test_raising_the_limit_lets_waiters_in_at_once_oldest_first() -> None:
    async def go() -> None:
        limiter, log = ResizableLimiter(1), []
        workers = [Worker(limiter, n, log) for n in "abcd"]
        await settle()
        assert log == ["a"]
        limiter.set_limit(3)
        await settle()
        assert log == ["a", "b", "c"] and limiter.waiting == 1
        for w in workers:
            w.leave.set()
        await asyncio.gather(*(w.task for w in workers))
        assert log == ["a", "b", "c", "d"]

    asyncio.run(go())


def test_lowering_the_limit_keeps_running_tasks_and_holds_new_ones_back() -> None:
    async def go() -> None:
        limiter, log = ResizableLimiter(3), []
        workers = [Worker(limiter, n, log) for n in "abc"]
        await settle()
        limiter.set_limit(1)
        late = Worker(limiter, "late", log)
        await settle()
        assert log == ["a", "b", "c"] and limiter.in_use == 3  # nobody is interrupted
        workers[0].leave.set()
        workers[1].leave.set()
        await settle()
        assert "late" not in log  # one still in: already at the new limit
        workers[2].leave.set()
        await settle()
        assert log[-1] == "late" and limiter.in_use == 1
        late.leave.set()
        await late.task

    asyncio.run(go())


def test_a_cancelled_waiter_takes_no_slot() -> None:
    async def go() -> None:
        limiter, log = ResizableLimiter(1), []
        first, second, third = (Worker(limiter, n, log) for n in ("first", "second", "third"))
        await settle()
        second.task.cancel()
        await settle()
        first.leave.set()
        await settle()
        assert log == ["first", "third"] and limiter.in_use == 1
        third.leave.set()
        await third.task
        assert limiter.in_use == 0

    asyncio.run(go())


def test_a_slot_handed_over_to_a_task_cancelled_meanwhile_is_given_back() -> None:
    async def go() -> None:
        limiter = ResizableLimiter(1)
        await limiter.acquire()
        second = asyncio.ensure_future(limiter.acquire())
        third = asyncio.ensure_future(limiter.acquire())
        await settle()
        assert limiter.waiting == 2
        limiter.release()  # the slot is handed to `second`...
        second.cancel()  # ...which is cancelled before it could run
        await settle()
        assert second.cancelled() and third.done() and limiter.in_use == 1
        limiter.release()
        assert limiter.in_use == 0

    asyncio.run(go())


def test_limits_below_one_are_refused() -> None:
    with pytest.raises(ValueError):
        ResizableLimiter(0)
    limiter = ResizableLimiter(2)
    with pytest.raises(ValueError):
        limiter.set_limit(0)
    assert limiter.limit == 2
    with pytest.raises(ValueError):
        limiter.release()
