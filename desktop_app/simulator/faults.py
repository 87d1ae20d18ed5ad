"""Fault knobs the tests turn to make the simulated Canvas misbehave on purpose.

Each knob is a small counter or flag read by the server on the next request(s); all of
them are thread safe because the servers handle requests on many threads.
"""

from __future__ import annotations

import itertools
import json
import threading
from dataclasses import dataclass
from typing import Any, Callable, Literal, Mapping

PageMode = Literal["endless", "cycle", "offsite"]

DROP = object()
"""In `malformed_exports`: remove the field."""


@dataclass(frozen=True)
class RawJson:
    """In `malformed_exports`: this JSON text as is, for what json.dumps cannot write (`1e400`)."""

    text: str


def apply_changes(body: dict[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """`body` with each change made; a dotted key ("attachment.display_name") names a
    field of a nested object, and is skipped when that object is absent."""
    out = dict(body)
    for key, value in changes.items():
        head, dot, rest = key.partition(".")
        if dot:
            if isinstance(out.get(head), dict):
                out[head] = apply_changes(out[head], {rest: value})
        elif value is DROP:
            out.pop(head, None)
        else:
            out[head] = value
    return out


def dumps(payload: Any) -> str:
    """Compact JSON in which each RawJson value stands as its own text."""
    raws: list[str] = []

    def placeholder(value: Any) -> str:
        if not isinstance(value, RawJson):
            raise TypeError(f"{type(value).__name__} is not JSON")
        raws.append(value.text)
        return f"\x00raw{len(raws) - 1}\x00"

    text = json.dumps(payload, separators=(",", ":"), default=placeholder)
    for index, raw in enumerate(raws):
        text = text.replace(json.dumps(f"\x00raw{index}\x00"), raw)
    return text


@dataclass(frozen=True)
class Throttle:
    """One forced throttle: its status, an optional Retry-After value, and an optional
    path fragment it waits for (None: the next API request)."""

    status: int
    retry_after: str | None = None
    path: str | None = None


class Faults:
    def __init__(self, revoke: Callable[[str], None]) -> None:
        self._lock = threading.Lock()
        self._revoke = revoke
        self._drops: list[int] = []  # one entry per download to cut, in bytes of body
        self._errors: list[int] = []  # one status per API request to fail
        self._throttles: list[Throttle] = []
        self._every_nth: tuple[int, int, itertools.cycle[int]] | None = None
        self._api_requests = 0
        self.injected: list[tuple[str, str, int]] = []
        """(method, path, status) of every request a fault answered instead of Canvas."""
        self.page_mode: PageMode | None = None
        self._fail_exports = 0
        self._json_prefix = False
        self.export_changes: Mapping[str, Any] = {}
        self.files_bytes_per_second: float | None = None
        self.new_quizzes_enabled = False
        self.files_ignore_range = False
        self.files_padding = 0
        self.files_corrupt = False
        self.package_size_announced: int | None = None
        self.deleted_courses: set[int] = set()
        self.forbidden_courses: set[int] = set()

    def delete_course(self, course_id: int) -> None:
        """The course is deleted: 404 wherever it is named, gone from every course list
        (as after Canvas's "Delete this course")."""
        with self._lock:
            self.deleted_courses.add(course_id)

    def forbid_course(self, course_id: int) -> None:
        """Everyone loses access to the course: 401 "unauthorized" wherever it is named
        (as when an enrollment or an admin role is removed); it stays in account lists."""
        with self._lock:
            self.forbidden_courses.add(course_id)

    def drop_download_after(self, nbytes: int, times: int = 1) -> None:
        """The files host closes the connection after `nbytes` of the body, `times` times."""
        with self._lock:
            self._drops.extend([nbytes] * times)

    def server_errors(self, count: int, status: int = 503) -> None:
        """The next `count` requests to the Canvas host answer `status` (a 5xx)."""
        with self._lock:
            self._errors.extend([status] * count)

    def every_nth_error(self, n: int, statuses: tuple[int, ...] = (502, 503), first: int | None = None) -> None:
        """From now on, every `n`th API request (the `first`th, then every `n` after it)
        is answered by a failing proxy in front of Canvas, the statuses taken in turn:
        Canvas never sees those requests."""
        if n < 1 or (first is not None and first < 1):
            raise ValueError("n and first must be at least 1")
        with self._lock:
            self._api_requests = 0
            self._every_nth = (n, first or n, itertools.cycle(statuses))

    def throttle(
        self, count: int, status: int = 403, *, retry_after: float | None = None, path: str | None = None
    ) -> None:
        """The next `count` API requests (only those whose path contains `path`, when
        given) are throttled: 403 "Rate Limit Exceeded" (what Canvas sends) or 429 (what
        a proxy might send), with a `Retry-After` header when `retry_after` is given."""
        if status not in (403, 429):
            raise ValueError("throttle status must be 403 or 429")
        after = None if retry_after is None else f"{retry_after:g}"
        with self._lock:
            self._throttles.extend([Throttle(status, after, path)] * count)

    def hostile_pages(self, mode: PageMode | None) -> None:
        """Lists misbehave: "endless" gives every page a new `rel="next"` forever, "cycle"
        points the last page's `rel="next"` back to the first page, "offsite" to another
        origin (the files host, as a misconfigured proxy might); None switches it off."""
        self.page_mode = mode

    def fail_next_export(self, count: int = 1) -> None:
        """The next created export(s) end `failed` (Progress `failed` too)."""
        with self._lock:
            self._fail_exports += count

    def slow_files(self, bytes_per_second: float | None) -> None:
        """Limit the files host's sending rate; None switches it off."""
        self.files_bytes_per_second = bytes_per_second or None

    def ignore_range(self, enabled: bool) -> None:
        """The files host answers every request 200 with the whole body, `Range` or not."""
        self.files_ignore_range = enabled

    def pad_files(self, nbytes: int) -> None:
        """The files host sends `nbytes` of junk after each body (more than announced)."""
        self.files_padding = max(0, nbytes)

    def corrupt_files(self, enabled: bool) -> None:
        """The files host flips one byte in the middle of every body (a damaged package)."""
        self.files_corrupt = enabled

    def announce_size(self, size: int | None) -> None:
        """Exports' `attachment.size` says `size` (0: "unknown", as some Canvases send);
        None tells the truth again."""
        self.package_size_announced = size

    def new_quizzes(self, enabled: bool) -> None:
        """Course Common Cartridge exports that include quizzes pass through
        `waiting_for_external_tool`, as with the New Quizzes CC feature on."""
        self.new_quizzes_enabled = enabled

    def revoke_token(self, token: str) -> None:
        """Later requests with this token get 401 "Revoked access token."."""
        self._revoke(token)

    def json_prefix(self, enabled: bool) -> None:
        """Prefix JSON bodies with `while(1);`, as old Canvas did for some requests."""
        self._json_prefix = enabled

    def malformed_exports(self, changes: Mapping[str, Any]) -> None:
        """Every export the API sends (list, show, create) gets these changes, as a
        buggy Canvas or proxy might: {"workflow_state": DROP, "id": RawJson("1e400"),
        "attachment.display_name": "\\ud800.zip"}. An empty mapping switches it off."""
        self.export_changes = dict(changes)

    def clear(self) -> None:
        """Switch every knob off (revoked tokens stay revoked)."""
        with self._lock:
            self._drops.clear()
            self._errors.clear()
            self._throttles.clear()
            self._every_nth = None
            self._fail_exports = 0
            self._json_prefix = False
            self.deleted_courses.clear()
            self.forbidden_courses.clear()
        self.export_changes = {}
        self.page_mode = None
        self.files_bytes_per_second = None
        self.new_quizzes_enabled = False
        self.files_ignore_range = False
        self.files_padding = 0
        self.files_corrupt = False
        self.package_size_announced = None

    # --- consumed by the server --------------------------------------------------
    def _pop(self, queue: list[int]) -> int | None:
        with self._lock:
            return queue.pop(0) if queue else None

    def take_drop(self) -> int | None:
        return self._pop(self._drops)

    def take_error(self) -> int | None:
        return self._pop(self._errors)

    def take_throttle(self, path: str) -> Throttle | None:
        with self._lock:
            for index, throttle in enumerate(self._throttles):
                if throttle.path is None or throttle.path in path:
                    return self._throttles.pop(index)
            return None

    def take_nth_error(self) -> int | None:
        """Counts an API request; the proxy's status when it is one of every `n`th."""
        with self._lock:
            if self._every_nth is None:
                return None
            self._api_requests += 1
            n, first, statuses = self._every_nth
            if self._api_requests >= first and (self._api_requests - first) % n == 0:
                return next(statuses)
            return None

    def record_injected(self, method: str, path: str, status: int) -> None:
        with self._lock:
            self.injected.append((method, path, status))

    def take_export_failure(self) -> bool:
        with self._lock:
            if self._fail_exports:
                self._fail_exports -= 1
                return True
            return False

    @property
    def prefix_json(self) -> bool:
        return self._json_prefix
