"""The facts of one export or job, for the details pane (no Qt).

From whatever is known: the job as the tracker sees it (`JobView`), its job store row
(`Job`: the selection, SHA-256, timestamps) and Canvas's record (`ContentExport`: who
made it, the package's size). The pane shows `rows` as label/value pairs and, for a
failed or interrupted job, the whole error with what to do.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from desktop_app.app.activity import context_title, error_of, long_label
from desktop_app.engine.status import JobStatus
from desktop_app.sizes import human_size

if TYPE_CHECKING:
    from desktop_app.app.jobs import JobView
    from desktop_app.canvas.models import ContentExport, SelectKey
    from desktop_app.engine.store import Job

NameOf = Callable[[str, int], "str | None"]
"""(select key, id) -> the item's title, when the tree has it."""

TYPE_LABELS = {
    "common_cartridge": "Common Cartridge",
    "qti": "QTI",
    "zip": "Zip",
    "quizzes2": "New Quizzes",
    "user_data": "User data",
}

_KEY_LABELS = {
    "folders": ("folder", "folders"),
    "files": ("file", "files"),
    "modules": ("module", "modules"),
    "module_items": ("module item", "module items"),
    "pages": ("page", "pages"),
    "assignments": ("assignment", "assignments"),
    "quizzes": ("quiz", "quizzes"),
    "announcements": ("announcement", "announcements"),
    "discussion_topics": ("discussion", "discussions"),
    "calendar_events": ("calendar event", "calendar events"),
    "rubrics": ("rubric", "rubrics"),
}

NAMES_SHOWN = 5
"""A kind's first few names are listed; the rest are counted ("and 12 more")."""


@dataclass(frozen=True)
class Details:
    title: str
    rows: list[tuple[str, str]] = field(default_factory=list)
    problem: str = ""
    """The error in full (failed, interrupted, expired), "" otherwise."""
    error: BaseException | None = None
    """The error as an exception of its kind, for the presenter's hint."""


def type_label(export_type: str | None) -> str:
    if not export_type:
        return ""
    return TYPE_LABELS.get(export_type, export_type.replace("_", " ").capitalize())


def selection_lines(selection: Mapping[SelectKey, list[int]], name_of: NameOf | None = None) -> list[str]:
    """ "3 pages: Syllabus, Week 1, Week 2" per kind; "Everything" when nothing was ticked."""
    if not selection:
        return ["Everything"]
    lines = []
    for key, ids in selection.items():
        one, many = _KEY_LABELS.get(key, (key.replace("_", " "), key.replace("_", " ")))
        count = len(ids)
        line = f"{count} {one if count == 1 else many}"
        names = [n for n in (name_of(key, i) for i in ids) if n] if name_of is not None else []
        if names:
            shown = names[:NAMES_SHOWN]
            rest = count - len(shown)
            line += ": " + ", ".join(shown) + (f" and {rest} more" if rest > 0 else "")
        lines.append(line)
    return lines


def _when(value: datetime | None) -> str:
    return f"{value.astimezone():%Y-%m-%d %H:%M:%S}" if value is not None else ""


def describe_job(
    view: JobView | None,
    job: Job | None = None,
    export: ContentExport | None = None,
    *,
    titles: Mapping[str, str] | None = None,
    user_names: Mapping[int, str] | None = None,
    name_of: NameOf | None = None,
) -> Details:
    """Everything known about one export or job, as label/value rows."""
    context = (view.context if view is not None and view.context else None) or (job.context if job else "")
    export_type = (
        (export.export_type if export is not None else None)
        or (view.export_type if view else None)
        or (job.export_type if job else None)
    )
    export_id = (
        (export.id if export is not None else None)
        or (view.export_id if view else None)
        or (job.export_id if job else None)
    )
    what = context_title(context, titles) if context else ""
    title = " · ".join(p for p in (what, type_label(export_type), f"export {export_id}" if export_id else "") if p)
    rows: list[tuple[str, str]] = []

    def add(label: str, value: object) -> None:
        if value not in (None, ""):
            rows.append((label, str(value)))

    add("Context", what)
    add("Type", type_label(export_type))
    if view is not None:
        add(
            "State",
            long_label(view) + (f" ({view.progress:.0f}%)" if view.progress is not None and view.is_watching else ""),
        )
    elif export is not None:
        add("State", export.workflow_state.label)
    if job is not None:
        rows.append(("Selected", "\n".join(selection_lines(job.selection, name_of))))
    add("Export id", export_id)
    if export is not None and export.user_id is not None:
        add("By", (user_names or {}).get(export.user_id, f"User {export.user_id}"))
    elif job is not None or view is not None:
        add("By", "You (this app)")
    add(
        "Created",
        _when(
            (export.created_at if export is not None else None)
            or (job.export_created_at if job else None)
            or (view.created_at if view else None)
        ),
    )
    if job is not None:
        add("Job started", _when(job.created_at))
        add("Finished", _when(job.finished_at))
    updated = (view.updated_at if view is not None else None) or (job.updated_at if job else None)
    add("Updated", _when(updated))
    size = (
        (export.attachment.size if export is not None and export.attachment is not None else None)
        or (job.size if job else None)
        or (view.bytes_total if view else None)
    )
    if size is not None:
        add("Size", f"{human_size(size)} ({size:,} bytes)")
    if view is not None and view.is_transferring and view.bytes_total:
        add("Downloaded", f"{human_size(view.bytes_done)} of {human_size(view.bytes_total)}")
    add("SHA-256", job.sha256 if job else None)
    saved = (view.saved_path if view is not None else None) or (str(job.saved_path) if job and job.saved_path else None)
    add("Saved file", saved)
    if job is not None and job.dest_dir is not None and not saved:
        add("Saves to", str(job.dest_dir))
    if job is not None:
        add("Job", job.id)
    elif view is not None:
        add("Job", view.job_id)
    problem, error = "", None
    if view is not None and view.error and view.status is not JobStatus.DONE:
        problem, error = view.error, error_of(view)
    elif job is not None and job.last_error:
        problem = job.last_error
    return Details(title or "Export", rows, problem, error)
