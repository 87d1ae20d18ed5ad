"""When to look at an export again: adaptive poll intervals as pure functions.

Canvas runs exports as low-priority background jobs; a `created` export can sit in the
queue for minutes and a big course takes a long while. Polling once a second costs 600
requests per 10 minutes and eats the user's rate-limit budget, so the interval adapts:

* quick at first (`initial`, about 1 s): small exports finish in seconds;
* backing off (x`backoff`) while nothing changes, up to a `ceiling`;
* when completion moves, the observed rate gives an estimate of the time left and the
  next poll is scheduled at a fraction of it: quicker again as the end approaches,
  never quicker than `initial`, never slower than the backoff allows;
* a change of state (queued -> running) pulls the interval back down a step.

One poll is one request (the Progress endpoint; the export itself only when the Progress
changes state or finishes), so a 10-minute export costs about 30 requests
(`simulate_polls` checks this in the unit tests and for the benchmarks).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from desktop_app.canvas.models import ProgressState, WorkflowState


@dataclass(frozen=True)
class PollPolicy:
    initial: float = 1.0
    backoff: float = 1.6
    ceiling: float = 30.0
    eta_fraction: float = 0.5
    """Next poll after this fraction of the estimated time left: halves the gap each time."""

    def __post_init__(self) -> None:
        if not (0 < self.initial <= self.ceiling) or self.backoff <= 1 or not (0 < self.eta_fraction <= 1):
            raise ValueError("poll policy needs 0 < initial <= ceiling, backoff > 1, 0 < eta_fraction <= 1")


@dataclass(frozen=True)
class Observation:
    """What one poll saw: `at` is a monotonic time in seconds."""

    at: float
    state: str
    completion: float | None = None


def next_interval(
    previous_interval: float | None,
    before: Observation | None,
    now: Observation,
    policy: PollPolicy = PollPolicy(),
) -> float:
    """Seconds to wait before the next poll, given the last two observations."""
    if previous_interval is None or before is None:
        return policy.initial
    grown = min(policy.ceiling, max(policy.initial, previous_interval * policy.backoff))
    if (
        now.completion is not None
        and before.completion is not None
        and now.completion > before.completion
        and now.at > before.at
    ):
        rate = (now.completion - before.completion) / (now.at - before.at)  # percent per second
        remaining = max(0.0, 100.0 - now.completion) / rate
        return min(grown, max(policy.initial, remaining * policy.eta_fraction))
    if now.state != before.state:
        return max(policy.initial, min(grown, previous_interval / policy.backoff))
    return grown


def simulate_polls(
    duration: float,
    completion_at: Callable[[float], tuple[str, float]],
    policy: PollPolicy = PollPolicy(),
) -> tuple[int, float]:
    """Count the polls our policy spends on an export that finishes at `duration` seconds.

    `completion_at(t)` returns (state, completion) as Canvas would show them at time t.
    Returns (polls, seconds from completion to the poll that noticed it). Pure: used by
    the unit tests and the polling benchmark.
    """
    t = 0.0
    polls = 0
    interval: float | None = None
    before: Observation | None = None
    while True:
        polls += 1
        if t >= duration:
            return polls, t - duration
        state, completion = completion_at(t)
        now = Observation(t, state, completion)
        interval = next_interval(interval, before, now, policy)
        before = now
        t += interval


_PROGRESS_STATUS = {
    ProgressState.QUEUED: WorkflowState.CREATED,
    ProgressState.RUNNING: WorkflowState.EXPORTING,
    ProgressState.WAITING_FOR_EXTERNAL_TOOL: WorkflowState.WAITING_FOR_EXTERNAL_TOOL,
}


def workflow_from_progress(state: ProgressState) -> WorkflowState | None:
    """The export state a pending Progress implies, None when the Progress is finished
    (then the export itself must be read: it is the source of truth)."""
    return _PROGRESS_STATUS.get(state)
