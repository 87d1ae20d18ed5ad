"""What a batch runner tells the front ends, beside its jobs' own events."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BatchChanged:
    """Rows of a batch changed without a job event saying so (skipped, could not start,
    a SIS id resolved), or the batch's own state changed (`positions` empty)."""

    batch_id: int
    positions: tuple[int, ...] = ()
