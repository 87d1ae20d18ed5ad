"""Retry and pacing decisions (desktop_app/canvas/retry.py): pure, with injected randomness."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest

from desktop_app.canvas.retry import (
    Failure,
    RateBudget,
    RetryPolicy,
    backoff_delay,
    is_idempotent,
    pace_delay,
    parse_remaining,
    parse_retry_after,
    retry_delay,
    throttle_delay,
)

POLICY = RetryPolicy(
    max_attempts=4,
    base_delay=1.0,
    max_delay=8.0,
    max_total=100.0,
    throttle_attempts=5,
    throttle_base_delay=2.0,
    throttle_max_delay=30.0,
)
HIGH = lambda: 0.999999  # noqa: E731 - the largest "random" value
LOW = lambda: 0.0  # noqa: E731
HALF = lambda: 0.5  # noqa: E731


@pytest.mark.parametrize(
    "method,expected",
    [("GET", True), ("get", True), ("HEAD", True), ("POST", False), ("PUT", False), ("DELETE", False)],
)
def test_only_get_and_head_are_idempotent(method: str, expected: bool) -> None:
    assert is_idempotent(method) is expected


def test_full_jitter_grows_exponentially_and_is_capped() -> None:
    ceilings = [backoff_delay(a, base=1.0, cap=8.0, rng=HIGH) for a in range(1, 7)]
    assert ceilings == pytest.approx([1, 2, 4, 8, 8, 8], rel=1e-5)


def test_full_jitter_spans_zero_to_ceiling() -> None:
    assert backoff_delay(3, base=1.0, cap=8.0, rng=LOW) == 0.0
    assert backoff_delay(3, base=1.0, cap=8.0, rng=HALF) == pytest.approx(2.0)


def test_throttle_delay_waits_at_least_half_the_ceiling() -> None:
    assert throttle_delay(1, POLICY, LOW) == pytest.approx(1.0)  # ceiling 2
    assert throttle_delay(1, POLICY, HIGH) == pytest.approx(2.0, rel=1e-5)
    assert throttle_delay(3, POLICY, LOW) == pytest.approx(4.0)  # ceiling 8
    assert throttle_delay(10, POLICY, LOW) == pytest.approx(15.0)  # capped at 30


def test_throttle_delay_honours_retry_after_as_lower_bound() -> None:
    assert throttle_delay(1, POLICY, LOW, retry_after=12.0) == 12.0
    assert throttle_delay(4, POLICY, HIGH, retry_after=0.5) > 0.5


def test_throttle_backs_off_longer_than_server_errors() -> None:
    for attempt in range(1, 4):
        server = retry_delay("GET", Failure.SERVER_ERROR, attempt, 0, POLICY, HIGH)
        throttled = retry_delay("GET", Failure.THROTTLED, attempt, 0, POLICY, LOW)
        assert server is not None and throttled is not None
        assert throttled >= server


@pytest.mark.parametrize("failure", [Failure.SERVER_ERROR, Failure.CONNECT_FAILED, Failure.AMBIGUOUS])
def test_get_is_retried_until_max_attempts(failure: Failure) -> None:
    delays = [retry_delay("GET", failure, a, 0, POLICY, HALF) for a in range(1, 6)]
    assert [d is not None for d in delays] == [True, True, True, False, False]


@pytest.mark.parametrize("failure", [Failure.SERVER_ERROR, Failure.CONNECT_FAILED, Failure.AMBIGUOUS])
def test_post_is_never_retried_except_when_throttled(failure: Failure) -> None:
    assert retry_delay("POST", failure, 1, 0, POLICY, HALF) is None
    assert retry_delay("POST", Failure.THROTTLED, 1, 0, POLICY, HALF) is not None


def test_throttled_attempts_are_bounded() -> None:
    assert retry_delay("POST", Failure.THROTTLED, 4, 0, POLICY, LOW) is not None
    assert retry_delay("POST", Failure.THROTTLED, 5, 0, POLICY, LOW) is None


def test_total_time_is_bounded() -> None:
    assert retry_delay("GET", Failure.SERVER_ERROR, 1, 99.5, POLICY, HIGH) is None  # 99.5 + ~1 > 100
    assert retry_delay("GET", Failure.SERVER_ERROR, 1, 99.0, POLICY, LOW) == 0.0
    assert retry_delay("GET", Failure.THROTTLED, 1, 99.5, POLICY, LOW) is None  # waits at least 1 s


def test_retry_after_longer_than_we_wait_gives_up_at_once() -> None:
    assert retry_delay("GET", Failure.THROTTLED, 1, 0, POLICY, LOW, retry_after=31.0) is None
    assert retry_delay("GET", Failure.THROTTLED, 1, 0, POLICY, LOW, retry_after=29.0) == 29.0


def test_pace_delay_only_when_budget_runs_low() -> None:
    policy = RetryPolicy(low_remaining=150.0, outflow_per_second=10.0, max_pace_delay=5.0)
    assert pace_delay(None, policy) == 0.0
    assert pace_delay(600.0, policy) == 0.0
    assert pace_delay(150.0, policy) == 0.0
    assert pace_delay(130.0, policy) == pytest.approx(2.0)  # 20 units at 10/s
    assert pace_delay(0.0, policy) == 5.0  # capped
    assert pace_delay(-20.0, policy) == 5.0


def test_parse_retry_after_seconds_and_dates() -> None:
    now = datetime(2025, 1, 1, 12, 0, 0, tzinfo=timezone.utc)
    assert parse_retry_after("7", now) == 7.0
    assert parse_retry_after(" 2.5 ", now) == 2.5
    assert parse_retry_after("-3", now) == 0.0
    assert parse_retry_after(format_datetime(now + timedelta(seconds=30), usegmt=True), now) == pytest.approx(30.0)
    assert parse_retry_after(format_datetime(now - timedelta(seconds=30), usegmt=True), now) == 0.0
    assert parse_retry_after(None, now) is None
    assert parse_retry_after("soon", now) is None


def test_parse_remaining() -> None:
    assert parse_remaining("3.14159265359") == pytest.approx(3.14159265359)
    assert parse_remaining(" 600.0") == 600.0
    assert parse_remaining(None) is None
    assert parse_remaining("lots") is None


def test_policy_refuses_nonsense() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError):
        RetryPolicy(max_in_flight=0)


def test_throttle_wait_covers_the_pacing_pause() -> None:
    policy = RetryPolicy(throttle_base_delay=0.1, low_remaining=150.0, outflow_per_second=10.0, max_pace_delay=5.0)
    assert retry_delay("GET", Failure.THROTTLED, 1, 0, policy, LOW, remaining=0.0) == 5.0
    assert retry_delay("GET", Failure.THROTTLED, 1, 0, policy, LOW, remaining=None) == pytest.approx(0.05)
    assert retry_delay("GET", Failure.SERVER_ERROR, 1, 0, policy, LOW, remaining=0.0) == 0.0


def test_pace_delay_counts_what_the_requests_in_flight_will_cost() -> None:
    policy = RetryPolicy(low_remaining=150.0, outflow_per_second=10.0, max_pace_delay=60.0)
    assert pace_delay(300.0, policy, in_flight=0, cost=20.0) == 0.0  # 280 left after this one
    assert pace_delay(300.0, policy, in_flight=4, cost=20.0) == 0.0  # exactly 200: still enough
    assert pace_delay(300.0, policy, in_flight=7, cost=20.0) == pytest.approx(1.0)  # 140: 10 short
    assert pace_delay(0.0, policy, in_flight=1, cost=30.0) == pytest.approx(21.0)  # 150 + 60 at 10/s


def test_rate_budget_averages_costs_and_drains_with_time_or_waits() -> None:
    policy = RetryPolicy(low_remaining=150.0, outflow_per_second=10.0, max_pace_delay=60.0)
    budget = RateBudget(policy)
    assert budget.estimate(0.0) is None and budget.delay(3, 0.0) == 0.0  # nothing known: no pause
    budget.observe(500.0, 10.0, now=100.0)
    budget.observe(None, 30.0, now=100.0)  # a cost alone moves the average, not the level
    assert budget.cost == pytest.approx(14.0)  # 10 + 0.2 * (30 - 10)
    assert budget.remaining == 500.0
    budget.observe(160.0, None, now=100.0)
    assert budget.delay(0, 100.0) == pytest.approx(0.4)  # 160 - 14 = 146: 4 short at 10/s
    assert budget.delay(2, 100.0) == pytest.approx(3.2)  # three requests' worth: 160 - 42 = 118
    assert budget.estimate(103.0) == pytest.approx(190.0)  # 3 s of drain
    budget.waited(5.0)  # a fake sleep takes no time, but the bucket drained all the same
    assert budget.estimate(100.0) == pytest.approx(210.0) and budget.delay(2, 100.0) == 0.0
    assert budget.estimate(1000.0) == 500.0  # never more than Canvas ever said was left
    budget.observe(20.0, None, now=200.0)  # a new answer starts the drain again
    assert budget.estimate(200.0) == 20.0


def test_parse_remaining_refuses_what_is_not_a_finite_number() -> None:
    assert parse_remaining("nan") is None and parse_remaining("inf") is None
