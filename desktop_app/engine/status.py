"""Where a job stands (`JobStatus`): the one engine name the window needs to be drawn.

In a module of its own, apart from the events (events.py, which re-exports it), so the
desktop app can build its first frame without creating the events' frozen dataclasses
(a few milliseconds at launch): the window imports the events when the first one
arrives, after the background thread has started.
"""

from __future__ import annotations

import enum


class JobStatus(str, enum.Enum):
    """Where a job stands. A `str` enum so it stores and prints as plain text."""

    CREATING = "creating"  # recorded locally; the POST is about to go or has gone
    QUEUED = "queued"  # Canvas state `created`: waiting for a Canvas worker
    WAITING_FOR_EXTERNAL_TOOL = "waiting_for_external_tool"  # New Quizzes is exporting its part
    EXPORTING = "exporting"
    DOWNLOADING = "downloading"
    VERIFYING = "verifying"
    INTERRUPTED = "interrupted"  # an error stopped it (token, network, disk): resumable
    DONE = "done"
    FAILED = "failed"  # Canvas says failed, or the package is invalid
    EXPIRED = "expired"  # exported, but Canvas no longer offers the package
    STOPPED = "stopped"  # the user stopped watching; the export goes on at Canvas

    @property
    def is_terminal(self) -> bool:
        """Terminal jobs are not picked up by `resume_unfinished`."""
        return self in _TERMINAL

    @property
    def label(self) -> str:
        return _LABELS[self]


class Goal(str, enum.Enum):
    """How far a job goes. A `str` enum so it stores as plain text."""

    CREATED = "created"  # stop once Canvas has the export (CLI `create` without --wait)
    EXPORTED = "exported"  # wait until Canvas finished it, save nothing
    SAVED = "saved"  # the whole way: a verified package on disk


_TERMINAL = frozenset({JobStatus.DONE, JobStatus.FAILED, JobStatus.EXPIRED, JobStatus.STOPPED})
_LABELS = {
    JobStatus.CREATING: "Starting export",
    JobStatus.QUEUED: "Queued at Canvas",
    JobStatus.WAITING_FOR_EXTERNAL_TOOL: "Waiting for New Quizzes",
    JobStatus.EXPORTING: "Exporting",
    JobStatus.DOWNLOADING: "Downloading",
    JobStatus.VERIFYING: "Verifying package",
    JobStatus.INTERRUPTED: "Interrupted (can resume)",
    JobStatus.DONE: "Saved",
    JobStatus.FAILED: "Failed",
    JobStatus.EXPIRED: "Expired",
    JobStatus.STOPPED: "Stopped",
}
