"""Who is calling, and may they call again: tokens, the leaky-bucket throttle, and the
files host's signed URLs.

The throttle follows Canvas's RequestThrottle (canvas-api.md §7): one bucket per token,
an up-front cost reserved while a request is in flight, a leak per second, and "full" at
the high-water mark. Signed URLs imitate S3 presigned GETs: an HMAC over file id and
expiry, so the files host can check them without any shared session.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Callable

TEACHER_TOKEN = "1~SimTeacherAdaLovelace0000000000000000000000000000000000000000"
STUDENT_TOKEN = "1~SimStudentAlanTuring00000000000000000000000000000000000000000"
ADMIN_TOKEN = "1~SimAdminGraceHopper000000000000000000000000000000000000000000"
"""The root account's admin: sees and may export every course of the account tree."""
EXPIRED_TOKEN = "1~SimExpiredToken000000000000000000000000000000000000000000000000"
"""A token that answers "Expired access token." (a personal token past its expiry date)."""
EXPIRED_AT = "2026-01-31T23:59:59Z"


@dataclass(frozen=True)
class TokenCheck:
    """Outcome of reading credentials: a user id, or the reason there is none."""

    user_id: int | None
    problem: str | None = None  # None | "missing" | "invalid" | "expired" | "revoked"


class TokenTable:
    def __init__(self, tokens: dict[str, int]) -> None:
        self._tokens = dict(tokens)
        self._revoked: set[str] = set()
        self._lock = threading.Lock()

    def revoke(self, token: str) -> None:
        with self._lock:
            self._revoked.add(token)

    def issue(self, user_id: int) -> str:
        """A fresh token for `user_id`, valid at once (Canvas's "+ New Access Token")."""
        token = f"1~{secrets.token_hex(32)}"  # Canvas's shape: "<shard>~<64 characters>"
        with self._lock:
            self._tokens[token] = user_id
        return token

    def check(self, authorization: str | None, query_token: str | None) -> TokenCheck:
        """Canvas reads `Authorization: Bearer` (scheme exactly `Bearer`), else `access_token`."""
        token = query_token
        if authorization is not None:
            scheme, _, value = authorization.partition(" ")
            token = value.strip() if scheme == "Bearer" else None
            if token is None:
                return TokenCheck(None, "invalid")
        if not token:
            return TokenCheck(None, "missing")
        with self._lock:
            if token in self._revoked:
                return TokenCheck(None, "revoked")
        if token == EXPIRED_TOKEN:
            return TokenCheck(None, "expired")
        with self._lock:
            user_id = self._tokens.get(token)
        return TokenCheck(user_id, None if user_id is not None else "invalid")


@dataclass(frozen=True)
class ThrottleSettings:
    """Canvas's defaults (request_throttle.* settings). `request_cost` stands in for the
    CPU + DB seconds a real request costs: a number, or a (low, high) range from which
    each request's cost is drawn uniformly, by a random stream seeded with `seed`, so
    costs vary as a real Canvas's do and a test still sees the same sequence."""

    hwm: float = 600.0
    outflow: float = 10.0
    up_front_cost: float = 50.0
    request_cost: float | tuple[float, float] = 1.0
    seed: int = 1815


class LeakyBucket:
    """One bucket per client identifier; thread safe."""

    def __init__(self, settings: ThrottleSettings, clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self._clock = clock
        self._levels: dict[str, tuple[float, float]] = {}  # id -> (level, last update)
        self._lock = threading.Lock()
        self._rng = random.Random(settings.seed)

    def _cost(self) -> float:
        cost = self.settings.request_cost
        if isinstance(cost, tuple):
            return round(self._rng.uniform(*cost), 3)
        return cost

    def _drain(self, ident: str) -> float:
        level, then = self._levels.get(ident, (0.0, self._clock()))
        now = self._clock()
        level = max(0.0, level - (now - then) * self.settings.outflow)
        self._levels[ident] = (level, now)
        return level

    def reserve(self, ident: str) -> bool:
        """Start a request: False when the bucket is full (answer 403 Rate Limit Exceeded)."""
        with self._lock:
            level = self._drain(ident)
            if level >= self.settings.hwm:
                return False
            self._levels[ident] = (level + self.settings.up_front_cost, self._clock())
            return True

    def finish(self, ident: str) -> tuple[float, float]:
        """End a request: refund the up-front cost, charge the real one.
        Returns (cost, remaining) for X-Request-Cost / X-Rate-Limit-Remaining."""
        with self._lock:
            cost = self._cost()
            level = max(0.0, self._drain(ident) - self.settings.up_front_cost + cost)
            self._levels[ident] = (level, self._clock())
            return cost, self.settings.hwm - level


class UrlSigner:
    """Short-lived signatures for the files host: HMAC-SHA256(file id, expiry)."""

    def __init__(self, secret: bytes, ttl: float, clock: Callable[[], float] = time.time) -> None:
        self._secret = secret
        self.ttl = ttl
        self._clock = clock

    def sign(self, file_id: int, ttl: float | None = None) -> tuple[int, str]:
        expires = int(self._clock() + (self.ttl if ttl is None else ttl))
        return expires, self._mac(file_id, expires)

    def _mac(self, file_id: int, expires: int) -> str:
        return hmac.new(self._secret, f"{file_id}:{expires}".encode(), hashlib.sha256).hexdigest()

    def verify(self, file_id: int, expires: str | None, signature: str | None) -> str | None:
        """None when valid, else S3's error code ("AccessDenied" / "ExpiredToken")."""
        if not expires or not signature or not expires.isdigit():
            return "AccessDenied"
        if not hmac.compare_digest(self._mac(file_id, int(expires)), signature):
            return "SignatureDoesNotMatch"
        if int(expires) < self._clock():
            return "ExpiredToken"
        return None
