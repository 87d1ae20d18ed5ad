"""Retry and pacing decisions as small pure functions.

The client asks these functions what to do after each failed attempt; they never sleep,
never touch the network and take their randomness as an argument, so every branch is
unit-tested with a fixed "random" number.

Rules (see canvas-api.md sections 7 and 8):

* Idempotent requests (GET, HEAD) are retried on 5xx, connection errors and timeouts with
  exponential backoff and *full jitter* (a uniformly random delay between 0 and the
  exponential cap), bounded both in attempts and in total time.
* A throttled request (403 "Rate Limit Exceeded", or 429) was not executed by Canvas, so
  it is retried whatever its method, with a longer, *equal-jitter* backoff (at least half
  of the cap) because Canvas's bucket drains slowly (10 units per second by default).
* Anything else that is not idempotent, in particular the POST that creates an export,
  is never retried: a timeout after sending could mean the export exists already.
* When `X-Rate-Limit-Remaining` runs low the client waits a little before its next
  request, long enough for the bucket to drain back above the low-water mark, so it
  slows down before Canvas starts refusing. "Low" counts what is coming: the requests
  already in flight and this one will each cost about the moving average of
  `X-Request-Cost` (`RateBudget`), so several jobs polling at once slow down together
  before the bucket is empty rather than each finding out with a 403.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Callable

Rng = Callable[[], float]
"""A source of floats in [0, 1): `random.Random().random`, or a lambda in tests."""

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD"})

MAX_RETRY_AFTER = 600.0
"""Longest Retry-After honoured (10 minutes). Canvas's bucket drains in about a minute;
a longer demand (a day, say) is a misconfigured proxy or an outage, and waiting for it
silently would look like a hung app. Beyond it the request is given up with a message
that says how long Canvas asked for."""


class Failure(enum.Enum):
    """What went wrong with one attempt, as far as retrying is concerned."""

    SERVER_ERROR = "server_error"  # 5xx
    CONNECT_FAILED = "connect_failed"  # the request never left: DNS, refused, connect timeout
    AMBIGUOUS = "ambiguous"  # sent, then a timeout or a dropped connection: maybe executed
    THROTTLED = "throttled"  # 403 "Rate Limit Exceeded" or 429: Canvas did not run it


@dataclass(frozen=True)
class RetryPolicy:
    """Bounds for retries and pacing. The defaults suit a person waiting at a desktop.

    Tests pass tiny delays; nothing else needs tuning.
    """

    max_attempts: int = 5
    """Attempts in all (first one included) for 5xx and connection failures."""
    base_delay: float = 0.5
    """Cap of the first backoff; doubles per attempt."""
    max_delay: float = 20.0
    """Largest single backoff for 5xx and connection failures."""
    max_total: float = 90.0
    """Give up once the retries of one request would run past this many seconds."""
    throttle_attempts: int = 8
    """Attempts in all when Canvas keeps throttling."""
    throttle_base_delay: float = 2.0
    throttle_max_delay: float = 60.0
    """Also the longest Retry-After we are willing to wait inside one call."""
    max_retry_after: float = MAX_RETRY_AFTER
    """Longer Retry-After demands give up at once (RetryAfterTooLongError); shorter ones
    beyond `throttle_max_delay` are left to the caller (ThrottledError.retry_after)."""
    low_remaining: float = 150.0
    """Pace requests when X-Rate-Limit-Remaining falls below this (Canvas's hwm is 600)."""
    outflow_per_second: float = 10.0
    """How fast Canvas's bucket drains (its default `outflow`)."""
    max_pace_delay: float = 5.0
    """Longest pause before a request because of a low remaining budget."""
    max_in_flight: int = 4
    """Concurrent API requests per client: Canvas charges 50 up-front units per request in flight."""

    def __post_init__(self) -> None:
        if self.max_attempts < 1 or self.throttle_attempts < 1:
            raise ValueError("a retry policy needs at least one attempt")
        if self.max_in_flight < 1:
            raise ValueError("max_in_flight must be at least 1")


def is_idempotent(method: str) -> bool:
    """Only requests that change nothing may be repeated blindly."""
    return method.upper() in IDEMPOTENT_METHODS


def backoff_delay(attempt: int, *, base: float, cap: float, rng: Rng) -> float:
    """Full jitter: uniform in [0, min(cap, base * 2**(attempt-1))]; `attempt` counts from 1.

    Full jitter spreads many clients (or many jobs of one client) apart best.
    """
    ceiling = min(cap, base * (2.0 ** max(0, attempt - 1)))
    return rng() * ceiling


def throttle_delay(attempt: int, policy: RetryPolicy, rng: Rng, retry_after: float | None = None) -> float:
    """Equal jitter (half fixed, half random) so a throttled client always waits a while.

    A server-given Retry-After is honoured as a lower bound.
    """
    ceiling = min(policy.throttle_max_delay, policy.throttle_base_delay * (2.0 ** max(0, attempt - 1)))
    delay = ceiling / 2 + rng() * ceiling / 2
    if retry_after is not None:
        delay = max(delay, retry_after)
    return delay


def retry_delay(
    method: str,
    failure: Failure,
    attempt: int,
    elapsed: float,
    policy: RetryPolicy,
    rng: Rng,
    retry_after: float | None = None,
    remaining: float | None = None,
) -> float | None:
    """How long to wait before trying again, or None to give up.

    `attempt` is the number of attempts made so far (1 after the first failure);
    `elapsed` the seconds since the first attempt started. For a throttled answer,
    `remaining` (its X-Rate-Limit-Remaining) makes the wait at least as long as the
    pacing pause would be, so the bucket has drained when we try again.
    """
    if failure is Failure.THROTTLED:
        if attempt >= policy.throttle_attempts:
            return None
        if retry_after is not None and retry_after > policy.throttle_max_delay:
            return None  # the caller gets ThrottledError(retry_after) and can schedule it
        delay = max(throttle_delay(attempt, policy, rng, retry_after), pace_delay(remaining, policy))
    else:
        if not is_idempotent(method):
            return None
        if attempt >= policy.max_attempts:
            return None
        delay = backoff_delay(attempt, base=policy.base_delay, cap=policy.max_delay, rng=rng)
    if elapsed + delay > policy.max_total:
        return None
    return delay


def pace_delay(remaining: float | None, policy: RetryPolicy, *, in_flight: int = 0, cost: float = 0.0) -> float:
    """Pause before the next request so that the bucket, less what the `in_flight`
    requests and this one will cost (`cost` each), drains back to the low-water mark."""
    if remaining is None:
        return 0.0
    projected = max(remaining, 0.0) - (in_flight + 1) * max(cost, 0.0)
    if projected >= policy.low_remaining:
        return 0.0
    deficit = policy.low_remaining - projected
    return min(policy.max_pace_delay, deficit / policy.outflow_per_second)


COST_SMOOTHING = 0.2
"""Weight of the newest X-Request-Cost in the moving average: a few answers settle it,
one expensive answer does not swing it."""


class RateBudget:
    """What a client knows of its bucket at Canvas: the last X-Rate-Limit-Remaining and
    when it came, the moving average of X-Request-Cost, and the waits since.

    Between answers the bucket drains at `policy.outflow_per_second`: the estimate grows
    with the time since the last answer, or with the waits the client made since (a
    test's sleeps take no time), never beyond the most Canvas ever reported. Times are
    passed in (`now`), so this stays a pure calculation.
    """

    def __init__(self, policy: RetryPolicy) -> None:
        self.policy = policy
        self.remaining: float | None = None
        self.cost = 0.0
        self._seen_at = 0.0
        self._waited = 0.0
        self._most = 0.0

    def observe(self, remaining: float | None, cost: float | None, now: float) -> None:
        """An answer's X-Rate-Limit-Remaining and X-Request-Cost (either may be absent)."""
        if cost is not None and cost >= 0:
            self.cost = cost if self.cost == 0 else self.cost + COST_SMOOTHING * (cost - self.cost)
        if remaining is not None:
            self.remaining, self._seen_at, self._waited = remaining, now, 0.0
            self._most = max(self._most, remaining)

    def waited(self, seconds: float) -> None:
        """The client paused this long (pacing or a retry backoff): the bucket drained."""
        self._waited += max(seconds, 0.0)

    def estimate(self, now: float) -> float | None:
        """Remaining units now, as far as we can tell; None before any answer said."""
        if self.remaining is None:
            return None
        drained = max(now - self._seen_at, self._waited) * self.policy.outflow_per_second
        return min(self.remaining + drained, max(self._most, self.remaining))

    def delay(self, in_flight: int, now: float) -> float:
        """The pause before one more request while `in_flight` others are unanswered."""
        return pace_delay(self.estimate(now), self.policy, in_flight=in_flight, cost=self.cost)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After as seconds: either delta-seconds or an HTTP date. None if absent or junk."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    now = now or datetime.now(timezone.utc)
    return max(0.0, (when - now).total_seconds())


def parse_remaining(value: str | None) -> float | None:
    """X-Rate-Limit-Remaining (and X-Request-Cost) are floats such as `3.14159265359`;
    None if absent or junk."""
    if value is None:
        return None
    try:
        number = float(value.strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None
