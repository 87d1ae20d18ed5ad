"""A concurrency limit that can change while tasks hold it or wait for it.

`asyncio.Semaphore` cannot be resized: its counter is the only state, so raising the
limit would mean calling `release()` for slots nobody took, and lowering it has no
sound way at all. The user changes "Exports at once" in Settings while jobs run, so the
engine needs a limit it can change live:

- raising it lets waiting tasks in at once (oldest first);
- lowering it never interrupts a task that holds a slot: the tasks already in finish,
  and no new one starts until fewer than the new limit are in.

Single-threaded, like the rest of the engine: call everything on the engine's loop.
"""

from __future__ import annotations

import asyncio
from collections import deque
from types import TracebackType

DEFAULT_MAX_CONCURRENT = 3
"""Exports per Canvas site created (and downloaded) at the same time unless told
otherwise: the engine's default (`EngineConfig`, so the command line) and Settings'
"Exports at once" default in the app, one number."""


class ResizableLimiter:
    """Like `asyncio.Semaphore(limit)` (``async with limiter:``), plus `set_limit()`.

    Fair: slots go to waiters in the order they asked, and a newcomer never overtakes
    a waiter (a freed slot is handed to the first waiter directly).
    """

    def __init__(self, limit: int) -> None:
        self._limit = _checked(limit)
        self._held = 0
        self._waiters: deque[asyncio.Future[None]] = deque()

    @property
    def limit(self) -> int:
        return self._limit

    @property
    def in_use(self) -> int:
        """Slots held right now (may exceed `limit` for a while after lowering it)."""
        return self._held

    @property
    def waiting(self) -> int:
        return sum(1 for w in self._waiters if not w.done())

    def locked(self) -> bool:
        """True when `acquire()` would wait."""
        return self._held >= self._limit or self.waiting > 0

    def set_limit(self, limit: int) -> None:
        """Change the limit now; see the module docstring for what happens to tasks."""
        self._limit = _checked(limit)
        self._wake()

    async def acquire(self) -> None:
        if not self.locked():
            self._held += 1
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                # The slot was handed over just as we were cancelled: give it back.
                self.release()
            else:
                self._forget(waiter)
            raise

    def release(self) -> None:
        if self._held <= 0:
            raise ValueError("ResizableLimiter released more often than acquired")
        self._held -= 1
        self._wake()

    def _wake(self) -> None:
        """Hand free slots to the oldest waiters (the slot is counted as theirs now)."""
        while self._waiters and self._held < self._limit:
            waiter = self._waiters.popleft()
            if waiter.done():  # cancelled while waiting
                continue
            self._held += 1
            waiter.set_result(None)

    def _forget(self, waiter: asyncio.Future[None]) -> None:
        try:
            self._waiters.remove(waiter)
        except ValueError:
            pass

    async def __aenter__(self) -> None:
        await self.acquire()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()

    def __repr__(self) -> str:
        return f"<ResizableLimiter {self._held}/{self._limit} held, {self.waiting} waiting>"


def _checked(limit: int) -> int:
    limit = int(limit)
    if limit < 1:
        raise ValueError(f"a limit must be at least 1, not {limit}")
    return limit
