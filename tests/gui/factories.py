"""Realistic sample data for the selection tree, history and context picker tests.

Plain functions returning the app's own frozen dataclasses (no mocks): the same shapes
the Canvas client delivers. Also used by tests/benchmarks and the screenshot script.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

from desktop_app.canvas.models import (
    Attachment,
    ContentExport,
    ContentItem,
    Course,
    Group,
    SelectKey,
    WorkflowState,
)

ROOT_FOLDER_ID = 1

_TOPICS = [
    "Lecture notes",
    "Lab handouts",
    "Readings",
    "Problem sets",
    "Slides",
    "Exams",
    "Solutions",
    "Images",
    "Datasets",
    "Syllabus",
    "Recordings",
    "Templates",
]
_EXT = [".pdf", ".docx", ".pptx", ".png", ".csv", ".mp4", ".txt", ".xlsx"]


def file_tree(n_folders: int, n_files: int, *, seed: int = 7, depth: int = 3) -> list[ContentItem]:
    """A Canvas-like course file tree: root "course files", ``n_folders`` below it.

    Folders nest up to ``depth`` levels; files are spread over all folders (and the
    root). Returns folders first, then files, like two API listings concatenated.
    """
    rng = random.Random(seed)
    items = [ContentItem(SelectKey.FOLDERS, ROOT_FOLDER_ID, "course files", None)]
    folder_ids = [ROOT_FOLDER_ID]
    level_of = {ROOT_FOLDER_ID: 0}
    for i in range(n_folders):
        fid = 100 + i
        candidates = [f for f in folder_ids if level_of[f] < depth]
        parent = rng.choice(candidates[: max(1, len(candidates))])
        level_of[fid] = level_of[parent] + 1
        items.append(ContentItem(SelectKey.FOLDERS, fid, f"{rng.choice(_TOPICS)} {i + 1:04d}", parent))
        folder_ids.append(fid)
    for j in range(n_files):
        folder = rng.choice(folder_ids)
        name = f"week{rng.randint(1, 15):02d}-{rng.choice(_TOPICS).lower().replace(' ', '-')}-{j}{rng.choice(_EXT)}"
        items.append(ContentItem(SelectKey.FILES, 100_000 + j, name, folder, rng.randint(2_000, 80_000_000)))
    return items


def small_files() -> list[ContentItem]:
    """A hand-made tree with known ids:

    course files (1)
      Lectures (10)
        Week 1 (11): intro.pdf (1001), syllabus.pdf (1002)
        Week 2 (12): loops.pdf (1003)
      Empty (13)
      readme.txt (1004)
    """
    F, X = SelectKey.FOLDERS, SelectKey.FILES
    return [
        ContentItem(F, 1, "course files", None),
        ContentItem(F, 10, "Lectures", 1),
        ContentItem(F, 11, "Week 1", 10),
        ContentItem(F, 12, "Week 2", 10),
        ContentItem(F, 13, "Empty", 1),
        ContentItem(X, 1001, "intro.pdf", 11, 120_000),
        ContentItem(X, 1002, "syllabus.pdf", 11, 48_000),
        ContentItem(X, 1003, "loops.pdf", 12, 2_400_000),
        ContentItem(X, 1004, "readme.txt", 1, 900),
    ]


def small_modules() -> list[ContentItem]:
    """Module 501 "Week 1" (items 601, 602), module 502 "Week 2" (item 603), module 503 (empty)."""
    M, ITEM = SelectKey.MODULES, SelectKey.MODULE_ITEMS
    return [
        ContentItem(M, 501, "Week 1: Getting started", None),
        ContentItem(M, 502, "Week 2: Control flow", None),
        ContentItem(M, 503, "Week 3: (coming soon)", None),
        ContentItem(ITEM, 601, "Welcome page", 501),
        ContentItem(ITEM, 602, "Intro quiz", 501),
        ContentItem(ITEM, 603, "Loops lecture", 502),
    ]


def flat(key: SelectKey, titles: list[str], first_id: int) -> list[ContentItem]:
    return [ContentItem(key, first_id + i, title) for i, title in enumerate(titles)]


def course_content() -> dict[SelectKey, list[ContentItem]]:
    """Every branch of a small, realistic course, keyed by branch."""
    return {
        SelectKey.FILES: small_files(),
        SelectKey.MODULES: small_modules(),
        SelectKey.PAGES: flat(SelectKey.PAGES, ["Course overview", "Office hours", "Grading policy"], 701),
        SelectKey.ASSIGNMENTS: flat(SelectKey.ASSIGNMENTS, ["Essay 1", "Lab report", "Final project"], 801),
        SelectKey.QUIZZES: flat(SelectKey.QUIZZES, ["Quiz 1: Basics", "Quiz 2: Loops"], 901),
        SelectKey.ANNOUNCEMENTS: flat(SelectKey.ANNOUNCEMENTS, ["Welcome!", "Exam room change"], 1101),
        SelectKey.DISCUSSION_TOPICS: flat(SelectKey.DISCUSSION_TOPICS, ["Introduce yourself", "Project ideas"], 1201),
        SelectKey.CALENDAR_EVENTS: flat(SelectKey.CALENDAR_EVENTS, ["Midterm exam", "Guest lecture"], 1301),
        SelectKey.RUBRICS: flat(SelectKey.RUBRICS, ["Essay rubric"], 1401),
    }


NOW = datetime(2025, 3, 20, 12, 0, tzinfo=timezone.utc)


def export(
    export_id: int,
    *,
    state: WorkflowState = WorkflowState.EXPORTED,
    export_type: str = "common_cartridge",
    age: timedelta = timedelta(days=1),
    size: int | None = 5_000_000,
    user_id: int | None = 42,
    now: datetime = NOW,
) -> ContentExport:
    """A ContentExport as the client would parse it (attachment only when exported)."""
    attachment = None
    if state is WorkflowState.EXPORTED and size is not None:
        ext = {"common_cartridge": "imscc", "qti": "zip", "zip": "zip"}.get(export_type, "zip")
        attachment = Attachment(
            export_id * 10, f"export-{export_id}.{ext}", size, f"https://canvas.example/files/{export_id * 10}/download"
        )
    running = state.is_running
    return ContentExport(
        id=export_id,
        export_type=export_type,
        workflow_state=state,
        created_at=now - age,
        user_id=user_id,
        course_id=12,
        attachment=attachment,
        progress_url=f"https://canvas.example/api/v1/progress/{export_id + 5000}"
        if running or state is WorkflowState.EXPORTED
        else None,
    )


def many_exports(n: int, *, seed: int = 3, now: datetime = NOW) -> list[ContentExport]:
    """``n`` exports, newest first (like Canvas), of mixed types, states, sizes and ages."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        export_id = 10_000 + n - i
        age = timedelta(minutes=i * 37 + rng.randint(0, 30))
        if i < 3:
            state = WorkflowState.EXPORTING
        elif age > timedelta(days=30):
            state = rng.choice([WorkflowState.EXPIRED, WorkflowState.EXPIRED, WorkflowState.FAILED])
        else:
            state = rng.choice([WorkflowState.EXPORTED] * 6 + [WorkflowState.FAILED])
        out.append(
            export(
                export_id,
                state=state,
                export_type=rng.choice(["common_cartridge", "zip", "qti", "zip"]),
                age=age,
                size=rng.randint(10_000, 3_000_000_000),
                user_id=rng.choice([42, 43, 44, None]),
                now=now,
            )
        )
    return out


def courses() -> list[Course]:
    return [
        Course(12, "Introduction to Programming", "CS 101", "Fall 2025", "available", True),
        Course(13, "Data Structures", "CS 201", "Fall 2025", "available", True),
        Course(14, "Academic Writing", "ENG 110", "Spring 2026", "available", False),
        Course(15, "Linear Algebra", "MATH 221", "Spring 2026", "available", False),
        Course(16, "Sandbox: Jane Doe", "SANDBOX-JD", None, "unpublished", True),
        Course(17, "Organic Chemistry I", "CHEM 231", "Fall 2024", "completed", False),
    ]


def groups() -> list[Group]:
    return [
        Group(301, "Project team Alpha", "Introduction to Programming"),
        Group(302, "Study group: proofs", "Linear Algebra"),
    ]
