"""Sample data for the bulk export's widgets (issue #14): courses over terms with SIS ids
and teachers, accounts with sub-accounts, and batches in every state.

Plain functions returning the app's own frozen dataclasses, like `factories.py`; used by
the GUI tests, tests/benchmarks/bench_batch_view.py and the screenshot script.
"""

from __future__ import annotations

import random
from datetime import datetime, timezone
from pathlib import Path

from desktop_app.app.batch_views import BatchRowView, BatchState, BatchTotals, BatchView, RowStatus
from desktop_app.canvas.models import Account, Course, Term

SITE = "https://canvas.school.edu"
FALL = Term(61, "Fall 2026", "2026FA")
SPRING = Term(62, "Spring 2027", "2027SP")

_SUBJECTS = [
    ("BIO", "Cell Biology"),
    ("CHEM", "Organic Chemistry"),
    ("CS", "Data Structures"),
    ("ECON", "Principles of Microeconomics"),
    ("ENG", "Academic Writing"),
    ("HIST", "Modern European History"),
    ("MATH", "Linear Algebra"),
    ("PHYS", "Electricity and Magnetism"),
    ("PSY", "Introduction to Psychology"),
    ("SOC", "Research Methods"),
]
_TEACHERS = ["Ada Lovelace", "Grace Hopper", "Alan Turing", "Katherine Johnson", "Edsger Dijkstra", "Barbara Liskov"]
_REASONS = [
    "You may not export this course (Canvas answered 403).",
    "Canvas says the export failed. Try again later.",
    "The course was deleted in Canvas.",
]


def term_courses(n: int, terms: tuple[Term, ...] = (FALL, SPRING), *, seed: int = 5) -> list[Course]:
    """`n` courses spread over `terms`, with codes, SIS ids (`BIO-2026FA-0042`) and teachers."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        term = terms[i % len(terms)]
        subject, title = _SUBJECTS[i % len(_SUBJECTS)]
        number = 100 + (i * 7) % 400
        out.append(
            Course(
                id=5000 + i,
                name=f"{title} {'I' * (1 + i // len(_SUBJECTS) % 3)}",
                course_code=f"{subject} {number}",
                term=term.name,
                workflow_state="available",
                is_teacher=True,
                sis_course_id=f"{subject}-{term.sis_term_id}-{i:04d}",
                term_id=term.id,
                account_id=2 + i % 3,
                teachers=tuple(rng.sample(_TEACHERS, 1 + i % 2)),
            )
        )
    return out


def accounts() -> list[Account]:
    """A root account, two sub-accounts and one below those, in Canvas's (unsorted) order."""
    return [
        Account(1, "State University", None, 1),
        Account(3, "College of Engineering", 1, 1),
        Account(2, "College of Arts and Sciences", 1, 1),
        Account(4, "Department of Biology", 2, 1),
    ]


def batch_rows(
    n: int, *, batch_id: int = 7, folder: Path = Path("/exports/Fall 2026"), seed: int = 11
) -> list[BatchRowView]:
    """`n` rows in mixed states: mostly saved, some running with progress, waiting,
    skipped, paused and failed with reasons, in that rough order (as a batch runs)."""
    rng = random.Random(seed)
    rows = []
    for position, course in enumerate(term_courses(n, (FALL,), seed=seed)):
        share = position / max(1, n)
        if share < 0.55:
            status = RowStatus.SKIPPED if position % 17 == 3 else RowStatus.SAVED
        elif position % 13 == 5:
            status = RowStatus.FAILED
        elif share < 0.7:
            status = RowStatus.DOWNLOADING if position % 2 else RowStatus.AT_CANVAS
        elif position % 11 == 0:
            status = RowStatus.PAUSED
        else:
            status = RowStatus.WAITING
        size = rng.randint(2_000_000, 900_000_000) if status in (RowStatus.SAVED, RowStatus.SKIPPED) else None
        code = course.course_code.replace(" ", "-").lower()
        file = str(folder / course.course_code / f"{code}-export.imscc") if size else None
        rows.append(
            BatchRowView(
                batch_id=batch_id,
                position=position,
                course_id=course.id,
                sis_course_id=course.sis_course_id,
                course_code=course.course_code,
                name=course.name,
                term=course.term or "",
                status=status,
                progress=float(rng.randint(3, 97)) if status in (RowStatus.AT_CANVAS, RowStatus.DOWNLOADING) else None,
                size=size,
                file=file,
                reason=(
                    rng.choice(_REASONS)
                    if status is RowStatus.FAILED
                    else "A package saved 2 days ago is recent enough."
                    if status is RowStatus.SKIPPED
                    else None
                ),
                job_id=1000 + position if status is not RowStatus.WAITING else None,
                export_id=9000 + position if status is not RowStatus.WAITING else None,
            )
        )
    return rows


def batch_view(
    rows: list[BatchRowView],
    *,
    state: BatchState = BatchState.RUNNING,
    folder: Path = Path("/exports/Fall 2026"),
    eta_seconds: float | None = 372.0,
    running_elsewhere: bool = False,
) -> BatchView:
    return BatchView(
        batch_id=rows[0].batch_id if rows else 7,
        name="Fall 2026 Common Cartridge 2026-12-06",
        site=SITE,
        export_type="common_cartridge",
        folder=folder,
        state=state,
        totals=BatchTotals.of(rows),
        created_at=datetime(2026, 12, 6, 18, 0, tzinfo=timezone.utc),
        eta_seconds=eta_seconds,
        running_elsewhere=running_elsewhere,
    )
