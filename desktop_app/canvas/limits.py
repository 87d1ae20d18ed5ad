"""Bounds on what the client accepts from Canvas's API, whatever Canvas (or a proxy, or
an attacker on the path) sends.

Each bound is a named constant with the reason for its value; `ApiLimits` carries them
into a `CanvasClient`, so a test can shrink one without waiting or sending gigabytes.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_API_BODY = 32 * 1024 * 1024
"""Largest decoded API body accepted (32 MiB). A page of 100 exports or files is well
under 1 MiB; a gzip body that decodes to gigabytes is refused here instead of filling
memory."""

API_REQUEST_DEADLINE = 120.0
"""Seconds one API request may take from sending to its last byte. httpx's read timeout
(60 s) is per read, so a server trickling a byte now and then would hold a request
forever; a list page normally arrives in well under 10 s."""

MAX_PAGES = 2000
"""Most pages one list may have: 200,000 rows at 100 per page, far above any real course,
yet a list that never ends is given up after a few minutes of requests at most (2000
pages took about 2.5 minutes against the simulated Canvas, with the client's pacing)."""


@dataclass(frozen=True)
class ApiLimits:
    """The bounds above for one client; tests pass small values."""

    max_body: int = MAX_API_BODY
    request_deadline: float = API_REQUEST_DEADLINE
    max_pages: int = MAX_PAGES

    def __post_init__(self) -> None:
        if self.max_body < 1 or self.request_deadline <= 0 or self.max_pages < 1:
            raise ValueError("API limits must be positive")
