"""A CSV of courses to export: a `course_id` column of Canvas ids or SIS ids.

The format admins already have (Instructure's own bulk-export example reads it): one
row per course, `course_id` holding `4021` or `sis_course_id:BIO-2026FA-0042`; every
other column is kept and copied into the batch's report, so a report can carry the
department or the archive box number it came with.

Every bad row is found before anything starts, with its line number, so a typo on line
412 does not surface an hour into a term's export. Bounded: a file larger than
`MAX_CSV_BYTES` or with more than `MAX_CSV_ROWS` courses is refused whole.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from desktop_app.batch.model import BatchTarget
from desktop_app.canvas.models import SIS_COURSE_PREFIX, Context

COURSE_ID_COLUMN = "course_id"
MAX_CSV_BYTES = 16 * 1024 * 1024
MAX_CSV_ROWS = 100_000
_QUOTED = re.compile('"[^"]*"')
MAX_PROBLEMS_SHOWN = 50
"""Problems beyond this many are summed up in one line: a wrong file has thousands."""


@dataclass(frozen=True)
class CsvCourses:
    """What a CSV holds: the courses to export, the extra columns, and the problems
    (each `line N: ...`); a batch starts only when `problems` is empty."""

    targets: list[BatchTarget] = field(default_factory=list)
    extra_columns: tuple[str, ...] = ()
    problems: list[str] = field(default_factory=list)


def read_course_csv(path: Path) -> CsvCourses:
    """Read a course CSV (UTF-8, with or without a BOM; comma, semicolon or tab)."""
    try:
        with path.open("rb") as f:
            data = f.read(MAX_CSV_BYTES + 1)
    except OSError as err:
        return CsvCourses(problems=[f"cannot be read ({err.strerror or err})"])
    if len(data) > MAX_CSV_BYTES:
        return CsvCourses(problems=[f"larger than {MAX_CSV_BYTES // (1024 * 1024)} MiB; split it"])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        return CsvCourses(problems=[f"line {line}: not UTF-8 text; save the file as CSV UTF-8"])
    return parse_course_csv(text)


def parse_course_csv(text: str) -> CsvCourses:
    """The rules of `read_course_csv`, on text (see the module)."""
    first = _QUOTED.sub("", text.split("\n", 1)[0])  # "Dept, Faculty" is one column name
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        return CsvCourses(problems=["line 1: the file is empty; it needs a course_id column"])
    except csv.Error as err:
        return CsvCourses(problems=[f"line 1: {err}"])
    names = [h.strip() for h in header]
    lowered = [h.lower() for h in names]
    if COURSE_ID_COLUMN not in lowered:
        shown = ", ".join(n for n in names if n) or "none"
        return CsvCourses(problems=[f"line 1: no course_id column (the columns are: {shown})"])
    id_at = lowered.index(COURSE_ID_COLUMN)
    extra = [(i, n) for i, n in enumerate(names) if i != id_at and n]
    targets: list[BatchTarget] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    ended = reader.line_num  # the last line read so far: a row starts on the next one
    try:
        for row in reader:
            line, ended = ended + 1, reader.line_num
            if not any(cell.strip() for cell in row):
                continue  # blank lines are no courses
            if len(targets) >= MAX_CSV_ROWS:
                return CsvCourses(problems=[f"line {line}: more than {MAX_CSV_ROWS:,} courses; split the file"])
            value = row[id_at].strip() if id_at < len(row) else ""
            target, problem = _target(value, {n: (row[i] if i < len(row) else "") for i, n in extra})
            if problem is None and target.reference in seen:
                problem = f"'{value}' is already on line {seen[target.reference]}"
            if problem is not None:
                problems.append(f"line {line}: {problem}")
                continue
            seen[target.reference] = line
            targets.append(target)
    except csv.Error as err:
        why = 'a quoted field never ends (a closing " is missing)' if "end of data" in str(err) else str(err)
        problems.append(f"line {ended + 1}: {why}")
    if not targets and not problems:
        problems.append("the file lists no courses")
    if len(problems) > MAX_PROBLEMS_SHOWN:
        more = len(problems) - MAX_PROBLEMS_SHOWN
        problems = problems[:MAX_PROBLEMS_SHOWN] + [f"… and {more:,} more problems"]
    return CsvCourses(targets=targets, extra_columns=tuple(n for _, n in extra), problems=problems)


def _target(value: str, extra: dict[str, str]) -> tuple[BatchTarget, str | None]:
    empty = BatchTarget(course_id=None)
    if not value:
        return empty, "the course_id is empty"
    if value.isdigit():
        return BatchTarget(course_id=int(value), extra=extra), None
    if value.lower().startswith(SIS_COURSE_PREFIX):
        try:
            sis = Context.parse(f"course:{value}").sis_id
        except ValueError as err:
            return empty, str(err)
        return BatchTarget(course_id=None, sis_course_id=sis, extra=extra), None
    shown = value if len(value) <= 60 else value[:57] + "…"
    return empty, f"'{shown}' is not a course id: use a Canvas id (4021) or sis_course_id:YOUR-SIS-ID"
