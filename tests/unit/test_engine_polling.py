"""The adaptive poll policy: cheap on long exports, quick on short ones."""

from __future__ import annotations

import pytest

from desktop_app.canvas.models import ProgressState, WorkflowState
from desktop_app.engine.polling import (
    Observation,
    PollPolicy,
    next_interval,
    simulate_polls,
    workflow_from_progress,
)


def test_first_poll_is_quick() -> None:
    assert next_interval(None, None, Observation(0, "queued", 0)) == 1.0


def test_backs_off_to_ceiling_while_nothing_changes() -> None:
    policy = PollPolicy(initial=1, backoff=2, ceiling=30)
    interval, before, t = None, None, 0.0
    seen = []
    for _ in range(12):
        now = Observation(t, "queued", 0.0)
        interval = next_interval(interval, before, now, policy)
        seen.append(interval)
        before, t = now, t + interval
    assert seen[:6] == [1, 2, 4, 8, 16, 30]
    assert max(seen) == 30 and seen[-1] == 30


def test_quicker_again_when_completion_moves_near_the_end() -> None:
    policy = PollPolicy(initial=1, backoff=2, ceiling=30)
    # 30 s apart, completion 80 -> 95: 5 % left at 0.5 %/s = 10 s left -> poll in 5 s
    interval = next_interval(30, Observation(0, "running", 80), Observation(30, "running", 95), policy)
    assert interval == pytest.approx(5.0)


def test_progress_far_from_done_does_not_speed_up() -> None:
    policy = PollPolicy(initial=1, backoff=2, ceiling=30)
    interval = next_interval(30, Observation(0, "running", 1), Observation(30, "running", 2), policy)
    assert interval == 30


def test_state_change_steps_down() -> None:
    policy = PollPolicy(initial=1, backoff=2, ceiling=30)
    assert next_interval(30, Observation(0, "queued", 0), Observation(30, "running", 0), policy) == 15


@pytest.mark.parametrize(
    "curve",
    [
        lambda t: ("running", t / 6),  # steady 10 minutes
        lambda t: ("queued", 0.0) if t < 540 else ("running", (t - 540) / 0.6),  # long queue
        lambda t: ("running", 0.0),  # zip of unknown sizes: 0 % until done
        lambda t: ("running", (t // 60) * 10),  # jumps every minute
        lambda t: ("running", min(99.0, t)),  # 99 % after 99 s, then stuck
    ],
)
def test_ten_minute_export_costs_at_most_40_polls(curve) -> None:
    polls, lag = simulate_polls(600, curve)
    assert polls <= 40
    assert lag <= PollPolicy().ceiling


def test_a_one_second_loop_would_cost_600() -> None:
    """The yardstick the budget is measured against (and proof simulate_polls counts)."""
    polls, _ = simulate_polls(600, lambda t: ("running", 0.0), PollPolicy(initial=1, backoff=1.0001, ceiling=1))
    assert polls >= 600


def test_short_export_noticed_quickly() -> None:
    polls, lag = simulate_polls(3, lambda t: ("running", t * 33))
    assert lag <= 1.5 and polls <= 5


def test_labels() -> None:
    assert WorkflowState.CREATED.label == "Queued at Canvas"
    assert WorkflowState.WAITING_FOR_EXTERNAL_TOOL.label == "Waiting for New Quizzes"
    assert workflow_from_progress(ProgressState.QUEUED) is WorkflowState.CREATED
    assert workflow_from_progress(ProgressState.WAITING_FOR_EXTERNAL_TOOL) is WorkflowState.WAITING_FOR_EXTERNAL_TOOL
    assert workflow_from_progress(ProgressState.COMPLETED) is None


def test_policy_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        PollPolicy(initial=0)
    with pytest.raises(ValueError):
        PollPolicy(backoff=1)
