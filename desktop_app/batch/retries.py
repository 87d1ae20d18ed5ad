"""When a batch tries a course again: at once, then spaced out, then it counts as failed."""

from __future__ import annotations

from collections.abc import Callable


class Retries:
    """When an interrupted job (or a course whose details could not be read) is tried
    again: at once the first time this run sees it (the user just resumed), then
    `rounds` more times, `delay` seconds apart and doubling; after that it counts as
    failed (`exhausted`) and Retry failed is the user's call."""

    def __init__(self, rounds: int, delay: float, clock: Callable[[], float]) -> None:
        self.rounds, self.delay, self._clock = rounds, delay, clock
        self._entries: dict[int, tuple[int, float | None]] = {}  # key -> (rounds used, due at)

    def due(self, key: int) -> bool:
        """May `key` be tried now? Called when it is not running; a call after a try
        that did not succeed schedules the next round."""
        entry = self._entries.get(key)
        if entry is None:
            self._entries[key] = (0, None)
            return True
        used, at = entry
        if at is None:
            if used < self.rounds:
                self._entries[key] = (used + 1, self._clock() + self.delay * 2**used)
            return False
        if self._clock() < at:
            return False
        self._entries[key] = (used, None)
        return True

    def exhausted(self, key: int) -> bool:
        used, at = self._entries.get(key, (0, None))
        return at is None and used >= self.rounds

    def next_time(self) -> float | None:
        """When the next scheduled try is due (None: none scheduled)."""
        return min((at for _, at in self._entries.values() if at is not None), default=None)

    def forget(self, key: int) -> None:
        self._entries.pop(key, None)

    def __contains__(self, key: int) -> bool:
        return key in self._entries
