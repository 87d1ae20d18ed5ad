"""What the Activity view, the details pane and the automatic retry decide, without Qt.

- `short_label`: a job's state in a word or two, so a table cell never cuts it
  ("Waiting for New Quizzes" -> "New Quizzes…"); the long form goes to the tooltip and
  the details pane (`long_label`).
- `StateFilter` / `category` / `accepts_batch`: the Activity view's state filter (All,
  Running, Waiting, Interrupted, Failed, Saved), for jobs and for batches.
- `context_title`: a context as people say it ("My files", never "user:self").
- `error_class` / `is_transient`: a job store's `error_kind` (a class name) back to its
  class, and whether the problem passes by itself (Canvas down, unreachable, throttling)
  so the app may retry on its own; a refused token or a full disk does not.
- `Backoff`: the automatic retry's waits: 30 s, 60 s, 120 s … at most 10 minutes.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from desktop_app.app.batch_views import BatchState, BatchView
from desktop_app.app.jobs import JobView
from desktop_app.engine.status import JobStatus

_SHORT = {
    JobStatus.CREATING: "Starting",
    JobStatus.QUEUED: "Queued",
    JobStatus.WAITING_FOR_EXTERNAL_TOOL: "New Quizzes…",
    JobStatus.EXPORTING: "Exporting",
    JobStatus.DOWNLOADING: "Downloading",
    JobStatus.VERIFYING: "Verifying",
    JobStatus.INTERRUPTED: "Interrupted",
    JobStatus.DONE: "Saved",
    JobStatus.FAILED: "Failed",
    JobStatus.EXPIRED: "Expired",
    JobStatus.STOPPED: "Stopped",
}

_LONG = {
    JobStatus.CREATING: "Starting the export at Canvas",
    JobStatus.QUEUED: "Queued at Canvas: waiting for a Canvas worker",
    JobStatus.WAITING_FOR_EXTERNAL_TOOL: "Waiting for New Quizzes to export its part",
    JobStatus.EXPORTING: "Canvas is exporting",
    JobStatus.DOWNLOADING: "Downloading the package",
    JobStatus.VERIFYING: "Checking the downloaded package",
    JobStatus.INTERRUPTED: "Interrupted: it can resume where it stood",
    JobStatus.DONE: "Saved",
    JobStatus.FAILED: "Failed",
    JobStatus.EXPIRED: "Expired: Canvas no longer offers the package",
    JobStatus.STOPPED: "Not watched any more: Canvas finishes the export on its own",
}


def short_label(view: JobView) -> str:
    """The state for a table cell: at most about 12 characters. A job done without a
    saved file (Canvas only) is "Ready", not "Saved"."""
    if view.status is JobStatus.DONE and not view.saved_path:
        return "Ready"
    if view.note:
        return "Retrying"
    return _SHORT[view.status]


def long_label(view: JobView) -> str:
    """The state in a sentence, for the tooltip and the details pane."""
    if view.status is JobStatus.DONE and not view.saved_path:
        return "Ready at Canvas (not downloaded)"
    if view.note:
        return f"{_LONG[view.status]}: {view.note}"
    return _LONG[view.status]


class StateFilter(enum.Enum):
    ALL = "All"
    RUNNING = "Running"
    WAITING = "Waiting"
    INTERRUPTED = "Interrupted"
    FAILED = "Failed"
    SAVED = "Saved"

    @property
    def label(self) -> str:
        return self.value


_CATEGORY = {
    JobStatus.CREATING: StateFilter.RUNNING,
    JobStatus.EXPORTING: StateFilter.RUNNING,
    JobStatus.DOWNLOADING: StateFilter.RUNNING,
    JobStatus.VERIFYING: StateFilter.RUNNING,
    JobStatus.QUEUED: StateFilter.WAITING,
    JobStatus.WAITING_FOR_EXTERNAL_TOOL: StateFilter.WAITING,
    JobStatus.INTERRUPTED: StateFilter.INTERRUPTED,
    JobStatus.STOPPED: StateFilter.INTERRUPTED,
    JobStatus.FAILED: StateFilter.FAILED,
    JobStatus.EXPIRED: StateFilter.FAILED,
    JobStatus.DONE: StateFilter.SAVED,
}


def category(view: JobView) -> StateFilter:
    """Which state filter shows this job (besides All)."""
    return _CATEGORY[view.status]


def accepts(view: JobView, state: StateFilter) -> bool:
    return state is StateFilter.ALL or category(view) is state


_BATCH_CATEGORY = {
    BatchState.RUNNING: StateFilter.RUNNING,
    BatchState.PAUSED: StateFilter.WAITING,
    BatchState.SIGN_IN: StateFilter.INTERRUPTED,
    BatchState.FINISHED: StateFilter.SAVED,
}


def accepts_batch(view: BatchView, state: StateFilter) -> bool:
    """Which state filters show a batch's row: its state's, and Failed while any of
    its courses failed."""
    if state is StateFilter.ALL or _BATCH_CATEGORY[view.state] is state:
        return True
    return state is StateFilter.FAILED and view.totals.failed > 0


_KIND_WORDS = {"course": "Course", "group": "Group", "user": "User"}


def context_title(context: str, titles: Mapping[str, str] | None = None) -> str:
    """ "Linear Algebra" when the name is known, "My files" for your own files, else
    "Course 4021" / "Group 7": never "user:self" or "course:4021"."""
    if titles and titles.get(context):
        return titles[context]
    if context in ("user:self", ""):
        return "My files" if context else ""
    kind, _, ident = context.partition(":")
    return f"{_KIND_WORDS.get(kind, kind.capitalize())} {ident}".strip()


# ------------------------------------------------------------------ errors


def _error_classes() -> dict[str, type[BaseException]]:
    from desktop_app.canvas import errors as canvas_errors
    from desktop_app.engine import errors as engine_errors

    found: dict[str, type[BaseException]] = {}
    for module in (canvas_errors, engine_errors):
        for name in dir(module):
            value = getattr(module, name)
            if isinstance(value, type) and issubclass(value, BaseException):
                found[name] = value
    return found


def error_class(kind: str | None) -> type[BaseException] | None:
    """The exception class a job store's `error_kind` names (None if unknown)."""
    return _error_classes().get(kind or "")


def error_of(view: JobView) -> BaseException | None:
    """The job's error as an exception of its kind (for the error presenter's message
    and hint), or None when it has none."""
    if not view.error:
        return None
    from desktop_app.canvas.errors import CanvasError

    cls = error_class(view.error_kind)
    if cls is not None and issubclass(cls, CanvasError):
        try:
            return cls(view.error)
        except TypeError:  # a subclass with required keywords
            pass
    return CanvasError(view.error)


def is_transient(kind: str | None) -> bool:
    """Canvas had a problem, could not be reached or asked us to slow down: trying again
    later can work without anyone doing anything. Not a refused token (AuthError), not
    a full disk or an unwritable folder (LocalStorageError), not a bug."""
    from desktop_app.canvas.errors import ServerError, ThrottledError, UnreachableError

    cls = error_class(kind)
    return cls is not None and issubclass(cls, (ServerError, UnreachableError, ThrottledError))


def waiting_for_canvas(views: Iterable[JobView], site: str) -> list[JobView]:
    """This site's single exports interrupted by a passing problem: the ones to resume
    once Canvas answers again (a batch's jobs are its runner's to try again)."""
    return [
        v
        for v in views
        if v.site == site and v.batch_id is None and v.status is JobStatus.INTERRUPTED and is_transient(v.error_kind)
    ]


@dataclass(frozen=True)
class Backoff:
    """Waits between attempts: `first`, then doubled each time, at most `cap` seconds."""

    first: float = 30.0
    factor: float = 2.0
    cap: float = 600.0

    def delay(self, failures: int) -> float:
        """The wait before the attempt that follows `failures` unanswered ones."""
        return min(self.cap, self.first * self.factor ** max(0, failures))
