"""`report.csv` and `SHA256SUMS` in the batch folder: written as the batch runs.

The report is what an admin keeps with the archive and what a script reads: one row per
course with its export, file, size, SHA-256, times and, for a failure, the reason; the
input CSV's extra columns come along. `SHA256SUMS` lists every saved package in the
format `sha256sum -c SHA256SUMS` checks from the batch folder, so the archive can be
verified years later without this app.

Both are rewritten whole (a few hundred KB for thousands of courses) into a temporary
file and renamed over the old one, so a reader (or a `kill -9`) never sees half a
report; the temporary file is created exclusively and never through a symlink.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator, Sequence
from datetime import datetime, timezone
from pathlib import Path

from desktop_app.app.batch_views import BatchRowView
from desktop_app.batch.model import Batch, BatchItem
from desktop_app.batch.rows import item_rows, package_job, shown_path
from desktop_app.canvas.text import printable
from desktop_app.engine.ownership import process_exists
from desktop_app.engine.store import Job

REPORT_NAME = "report.csv"
SUMS_NAME = "SHA256SUMS"
COLUMNS = (
    "course_id",
    "sis_course_id",
    "course_code",
    "name",
    "term",
    "export_id",
    "state",
    "file",
    "size",
    "sha256",
    "started_at",
    "finished_at",
    "error",
)


def report_rows(batch: Batch, items: Sequence[BatchItem], jobs: dict[int, Job]) -> list[list[str]]:
    """The report's rows (header first), from the batch's items and jobs: each course's
    state, file and reason are its row's in the views (`rows.row_view`)."""
    extra = [c for c in batch.extra_columns if c not in COLUMNS]
    rows = [[*COLUMNS, *extra]]
    for item, row, package in _rows(batch, items, jobs):
        job = jobs.get(item.job_id) if item.job_id is not None else None
        target = item.target
        rows.append(
            [
                _text(target.course_id),
                _cell(target.sis_course_id or ""),
                _cell(target.course_code),
                _cell(target.name),
                _cell(target.term),
                _text(row.export_id),
                row.status.value,
                _file_cell(shown_path(Path(row.file), batch.options.folder)) if row.file else "",
                _text(row.size if package else None),
                (package.sha256 or "") if package else "",
                _time(job.created_at if job else None),
                _time(package.finished_at if package else None),
                _cell(row.reason or ""),
                *(_cell(target.extra.get(c, "")) for c in extra),
            ]
        )
    return rows


def sums_lines(batch: Batch, items: Sequence[BatchItem], jobs: dict[int, Job]) -> list[str]:
    """`SHA256SUMS` lines (`<hex>  <path>`), GNU's escaping for names with `\\` or a
    newline: the file of every row that names one (as the report and the views do)."""
    lines = []
    listed: set[int] = set()  # a package two rows share (one course named twice) is listed once
    for _item, _row, package in _rows(batch, items, jobs):
        if package is None or package.id in listed or package.sha256 is None or package.saved_path is None:
            continue
        listed.add(package.id)
        name = shown_path(package.saved_path, batch.options.folder)
        if "\\" in name or "\n" in name or "\r" in name:
            escaped = name.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")
            lines.append(f"\\{package.sha256}  {escaped}")
        else:
            lines.append(f"{package.sha256}  {name}")
    return lines


def _rows(
    batch: Batch, items: Sequence[BatchItem], jobs: dict[int, Job]
) -> Iterator[tuple[BatchItem, BatchRowView, Job | None]]:
    """Each item with its row and, when the row names a file, the job that saved it."""
    for item, row in zip(items, item_rows(list(items), jobs, batch.state), strict=True):
        yield item, row, package_job(item, jobs) if row.file else None


def write_report(batch: Batch, items: Sequence[BatchItem], jobs: dict[int, Job]) -> Path:
    """Write both files into the batch folder (created if needed); the report's path."""
    folder = batch.options.folder
    folder.mkdir(parents=True, exist_ok=True)
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(report_rows(batch, items, jobs))
    _replace(folder / REPORT_NAME, out.getvalue().encode("utf-8"))
    sums = sums_lines(batch, items, jobs)
    _replace(folder / SUMS_NAME, "".join(line + "\n" for line in sums).encode("utf-8"))
    return folder / REPORT_NAME


def _replace(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    _remove_stale_temporaries(path)
    fd = os.open(tmp, flags, 0o644)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _remove_stale_temporaries(path: Path) -> None:
    """Temporary files a killed writer left (`.report.csv.<pid>.tmp`, its process gone),
    and ours of an earlier run of this process id."""
    for stale in path.parent.glob(f".{path.name}.*.tmp"):
        pid = stale.name.removeprefix(f".{path.name}.").removesuffix(".tmp")
        if pid.isdigit() and (int(pid) == os.getpid() or not process_exists(int(pid))):
            stale.unlink(missing_ok=True)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(text: str) -> str:
    """A text cell a spreadsheet will not run and a terminal will not obey: course names,
    SIS ids and CSV columns come from other people, and `=HYPERLINK(…)` or `@SUM(…)` in a
    course name would be a formula when the report is opened in Excel or LibreOffice.
    Such a cell starts with an apostrophe, which spreadsheets hide and scripts can strip
    (OWASP's advice). Control characters (escape sequences for `cat report.csv`) and
    bidi controls (a row that reads as another course's) are dropped; newlines stay,
    quoted as CSV does."""
    text = printable(text)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _file_cell(path: str) -> str:
    """A saved file's path, never a formula and still a path: a folder named after a
    term like "-2026/27" is written `./-2026-27/…`, which a script can open as it is."""
    return "./" + path if path.startswith(_FORMULA_START) else path


def _text(value: int | None) -> str:
    return "" if value is None else str(value)


def _time(value: datetime | None) -> str:
    """UTC, to the second: what a spreadsheet and a script both read."""
    return value.astimezone(timezone.utc).isoformat(timespec="seconds") if value is not None else ""
