"""Deterministic sample data for the simulated Canvas.

Everything is derived from one seed, so two simulators built with the same seed hold the
same ids, names, sizes and file bytes (tests compare SHA-256 sums across runs). Ids of
different object kinds live in disjoint ranges (folders 3001+, files 5001+, pages 401+,
...) so a client that sends a quiz id as a page id selects nothing instead of something
by accident, as it would on a real Canvas.
"""

from __future__ import annotations

import itertools
import random
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Iterator

Ctx = tuple[str, int]
"""An owning context: ("course", 101), ("group", 201) or ("user", 1001)."""

BIG_FILE_SIZE = 5 * 1024 * 1024 + 12_345
ROOT_ACCOUNT_ID = 1
BULK_COURSE_IDS = 100_001
"""Generated courses (`bulk_courses=N`) are 100001.., their root folders 300001.. and
their one file each 500001..: ranges of their own, whatever N is."""
_BULK_FOLDER_IDS, _BULK_FILE_IDS = 300_001, 500_001
_EPOCH = datetime(2026, 8, 3, 14, 0, tzinfo=timezone.utc)


def iso(moment: datetime) -> str:
    """Canvas dates: ISO 8601 UTC with a Z and no fraction."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def slugify(text: str) -> str:
    """Rails' `to_url` as Canvas uses it for page urls and package names."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


@dataclass(frozen=True)
class User:
    id: int
    name: str
    login_id: str

    @property
    def sortable_name(self) -> str:
        first, _, last = self.name.rpartition(" ")
        return f"{last}, {first}" if first else self.name


@dataclass(frozen=True)
class Term:
    id: int
    name: str
    start_at: str | None
    end_at: str | None
    sis_term_id: str | None = None


@dataclass(frozen=True)
class Account:
    """The root account (no parent) or a sub-account."""

    id: int
    name: str
    parent_id: int | None
    sis_account_id: str | None = None


@dataclass(frozen=True)
class Course:
    id: int
    name: str
    course_code: str
    term: Term
    roles: dict[int, str]  # user id -> "teacher" | "ta" | "designer" | "student"
    account_id: int = ROOT_ACCOUNT_ID
    sis_course_id: str | None = None
    workflow_state: str = "available"  # "claimed" (unpublished) | "available" | "completed"

    @property
    def slug(self) -> str:
        return slugify(self.name)[:200]


@dataclass(frozen=True)
class Group:
    id: int
    name: str
    course_id: int
    members: frozenset[int]


@dataclass(frozen=True)
class Folder:
    id: int
    context: Ctx
    name: str
    full_name: str
    parent_id: int | None
    position: int
    hidden: bool = False


@dataclass(frozen=True)
class File:
    id: int
    context: Ctx
    folder_id: int
    display_name: str
    content_type: str
    size: int
    uuid: str
    created_at: str
    hidden: bool = False


@dataclass(frozen=True)
class Content:
    """A page, assignment, classic quiz, discussion topic, calendar event or rubric.

    `kind` is the Canvas table name (`wiki_pages`, `assignments`, ...), which is also the
    collection name `select` uses after Canvas's key aliasing.
    """

    kind: str
    id: int
    course_id: int
    title: str
    created_at: str
    published: bool = True
    slug: str = ""
    is_announcement: bool = False
    when: str | None = None  # due_at / posted_at / start_at
    points: float | None = None
    questions: tuple[tuple[str, tuple[str, ...], int], ...] = ()  # quizzes: (text, answers, correct)

    @property
    def asset_string(self) -> str:
        return ASSET_PREFIX[self.kind] + f"_{self.id}"


@dataclass(frozen=True)
class ModuleItem:
    id: int
    module_id: int
    position: int
    type: str  # SubHeader | Page | Assignment | Quiz | Discussion | File | ExternalUrl
    title: str
    content_id: int | None = None  # page/assignment/quiz/topic/file id
    external_url: str | None = None


@dataclass(frozen=True)
class Module:
    id: int
    course_id: int
    name: str
    position: int
    item_ids: tuple[int, ...]


ASSET_PREFIX = {
    "wiki_pages": "wiki_page",
    "assignments": "assignment",
    "quizzes": "quizzes:quiz",
    "discussion_topics": "discussion_topic",
    "calendar_events": "calendar_event",
    "rubrics": "rubric",
    "attachments": "attachment",
    "folders": "folder",
    "context_modules": "context_module",
    "content_tags": "content_tag",
}
"""Canvas's asset-string prefix per collection (`asset_string_prefix`)."""

ITEM_KIND = {
    "Page": "wiki_pages",
    "Assignment": "assignments",
    "Quiz": "quizzes",
    "Discussion": "discussion_topics",
    "File": "attachments",
}
"""Which collection a module item's `content_id` points into."""

_TYPES = {
    "pdf": "application/pdf",
    "txt": "text/plain",
    "csv": "text/csv",
    "png": "image/png",
    "jpg": "image/jpeg",
    "mp4": "video/mp4",
    "py": "text/x-python",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_HEADERS = {
    "pdf": b"%PDF-1.4\n",
    "png": b"\x89PNG\r\n\x1a\n",
    "jpg": b"\xff\xd8\xff\xe0",
    "docx": b"PK\x03\x04",
    "pptx": b"PK\x03\x04",
    "xlsx": b"PK\x03\x04",
    "mp4": b"\x00\x00\x00\x18ftypmp42",
}
_TEXT = {"txt", "csv", "py"}

_TOPICS = [
    "The Analytical Engine",
    "Bernoulli Numbers",
    "Jacquard Looms",
    "Punched Cards",
    "Difference Engines",
    "Boolean Logic",
    "Turing Machines",
    "Binary Arithmetic",
    "Algorithms and Loops",
    "Memory and the Store",
    "Compilers",
    "Computing and Society",
]
_UNITS = ["Origins", "Mechanical Computation", "Logic and Proof", "Modern Machines"]
_PAGES = [
    "Welcome to CS 101",
    "Course Policies",
    "How to Submit Work",
    "Office Hours and Help",
    "Reading Guide: Menabrea's Sketch",
    "Note G Explained",
    "Glossary",
    "Study Tips for Exams",
    "Project Showcase",
    "Accessibility Resources",
    "Week 1: The Analytical Engine",
    "Final Exam Review (draft)",
]
_ASSIGNMENTS = [
    "Problem Set 1: Number Systems",
    "Problem Set 2: Punched Card Programs",
    "Problem Set 3: Logic Gates",
    "Problem Set 4: Loops on the Engine",
    "Problem Set 5: Tracing Note G",
    "Essay: Poetical Science",
    "Project Proposal",
    "Project Milestone",
    "Final Project",
    "Peer Review",
]
_QUIZZES = ["Quiz 1: Number Systems", "Quiz 2: Mechanical Computation", "Quiz 3: Boolean Logic", "Midterm Exam"]
_DISCUSSIONS = [
    "Introduce Yourself",
    "Was the Analytical Engine a Computer?",
    "Machines and Creativity",
    "Project Ideas",
    "Questions about Note G",
]
_ANNOUNCEMENTS = [
    "Welcome to the Course!",
    "Office Hours Moved to Thursday",
    "Midterm Logistics",
    "Final Project Deadline Extended",
]
_EVENTS = [
    "Orientation Session",
    "Guest Lecture: History of Computing",
    "Midterm Exam",
    "Lab: Building a Difference Engine",
    "Project Presentations",
    "Review Session",
    "Museum Visit",
    "Final Exam",
]
_RUBRICS = ["Essay Rubric", "Project Rubric", "Participation Rubric"]

_ACCOUNTS = [
    Account(ROOT_ACCOUNT_ID, "Babbage University", None),
    Account(2, "College of Sciences", ROOT_ACCOUNT_ID, "SCI"),
    Account(3, "Biology", 2, "BIO"),
    Account(4, "Computer Science", 2, "CS"),
    Account(5, "Mathematics", 2, "MATH"),
    Account(6, "College of Humanities", ROOT_ACCOUNT_ID, "HUM"),
    Account(7, "History", 6, "HIST"),
    Account(8, "Philosophy", 6, "PHIL"),
]
_TERMS = [
    Term(1, "Default Term", None, None),
    Term(10, "Spring 2026", "2026-01-12T05:00:00Z", "2026-05-08T04:00:00Z", "2026SP"),
    Term(11, "Fall 2026", "2026-08-24T04:00:00Z", "2026-12-18T05:00:00Z", "2026FA"),
    Term(12, "Spring 2027", "2027-01-11T05:00:00Z", "2027-05-07T04:00:00Z", "2027SP"),
]
_DEPARTMENTS = [
    (3, "BIO", ["Cell Biology", "Genetics", "Ecology", "Microbiology"]),
    (4, "CS", ["Data Structures", "Operating Systems", "Compilers", "Databases"]),
    (5, "MATH", ["Linear Algebra", "Calculus II", "Probability", "Number Theory"]),
    (7, "HIST", ["Medieval Europe", "The Industrial Revolution", "World History"]),
    (8, "PHIL", ["Logic", "Ethics", "Philosophy of Mind"]),
    (2, "SCI", ["Science Writing", "Research Methods"]),
]
"""(account id, SIS prefix and course code prefix, subjects) of the generated courses."""
_TEACHERS = [
    "Charles Babbage",
    "Grace Brewster",
    "John von Neumann",
    "Kathleen Booth",
    "Claude Shannon",
    "Hedy Lamarr",
    "Konrad Zuse",
    "Margaret Hamilton",
    "Edsger Dijkstra",
    "Barbara Liskov",
    "Tony Hoare",
    "Frances Allen",
    "Donald Knuth",
    "Jean Bartik",
    "Alonzo Church",
    "Mary Somerville",
    "Tommy Flowers",
    "Betty Holberton",
    "Maurice Wilkes",
    "Sophie Wilson",
]


@dataclass
class SampleData:
    """The whole simulated institution. Ids worth knowing are attributes; the dicts are
    keyed by id. Build it with `SampleData.build(seed)`."""

    seed: int
    teacher_id: int = 1001
    student_id: int = 1002
    admin_id: int = 1003
    main_course_id: int = 101
    group_id: int = 201
    root_account_id: int = ROOT_ACCOUNT_ID
    users: dict[int, User] = field(default_factory=dict)
    accounts: dict[int, Account] = field(default_factory=dict)
    account_admins: dict[int, frozenset[int]] = field(default_factory=dict)  # account id -> user ids
    terms: dict[int, Term] = field(default_factory=dict)
    courses: dict[int, Course] = field(default_factory=dict)
    sis_courses: dict[str, int] = field(default_factory=dict)  # sis_course_id -> course id
    groups: dict[int, Group] = field(default_factory=dict)
    folders: dict[int, Folder] = field(default_factory=dict)
    files: dict[int, File] = field(default_factory=dict)
    content: dict[int, Content] = field(default_factory=dict)  # all kinds; ids never collide
    modules: dict[int, Module] = field(default_factory=dict)
    module_items: dict[int, ModuleItem] = field(default_factory=dict)
    big_file_id: int = 0

    # --- lookups -------------------------------------------------------------------
    def account_tree(self, account_id: int) -> set[int]:
        """The account and every account below it."""
        tree, grew = {account_id}, True
        while grew:
            below = {a.id for a in self.accounts.values() if a.parent_id in tree} - tree
            tree |= below
            grew = bool(below)
        return tree

    def administers(self, user_id: int, account_id: int | None) -> bool:
        """An admin of an account administers its sub-accounts too."""
        while account_id is not None:
            if user_id in self.account_admins.get(account_id, frozenset()):
                return True
            account_id = self.accounts[account_id].parent_id
        return False

    def of_kind(self, kind: str, course_id: int) -> list[Content]:
        return [c for c in self.content.values() if c.kind == kind and c.course_id == course_id]

    def ids(self, kind: str, course_id: int | None = None) -> list[int]:
        """Ids of one collection in the main course, e.g. `sim.data.ids("quizzes")`."""
        cid = self.main_course_id if course_id is None else course_id
        if kind == "context_modules":
            return [m.id for m in self.modules.values() if m.course_id == cid]
        if kind == "content_tags":
            return [i for m in self.modules.values() if m.course_id == cid for i in m.item_ids]
        if kind in ("attachments", "folders"):
            src = self.files if kind == "attachments" else self.folders
            return [x.id for x in src.values() if x.context == ("course", cid)]
        if kind == "announcements":
            return [c.id for c in self.of_kind("discussion_topics", cid) if c.is_announcement]
        return [c.id for c in self.of_kind(kind, cid) if not c.is_announcement]

    def root_folder(self, ctx: Ctx) -> Folder:
        return next(f for f in self.folders.values() if f.context == ctx and f.parent_id is None)

    def subfolders(self, folder_id: int) -> list[Folder]:
        return [f for f in self.folders.values() if f.parent_id == folder_id]

    def folder_files(self, folder_id: int) -> list[File]:
        return [f for f in self.files.values() if f.folder_id == folder_id]

    def folder_tree(self, folder_id: int) -> Iterator[Folder]:
        """The folder and all folders below it, parents before children."""
        yield self.folders[folder_id]
        for sub in self.subfolders(folder_id):
            yield from self.folder_tree(sub.id)

    def folder_hidden(self, folder_id: int | None) -> bool:
        """Hidden itself or below a hidden folder: students never see it."""
        while folder_id is not None:
            folder = self.folders[folder_id]
            if folder.hidden:
                return True
            folder_id = folder.parent_id
        return False

    def file_hidden(self, file: File) -> bool:
        return file.hidden or self.folder_hidden(file.folder_id)

    def file_bytes(self, file_id: int) -> bytes:
        """The file's content: deterministic, exactly `size` bytes."""
        file = self.files[file_id]
        ext = file.display_name.rsplit(".", 1)[-1].lower()
        rng = random.Random(f"{self.seed}:file:{file.id}")
        if ext in _TEXT:
            line = f"{file.display_name} - line {{}}: {' '.join(_TOPICS)}\n"
            text = "".join(line.format(n) for n in range(file.size // len(line) + 2)).encode()
            return text[: file.size]
        head = _HEADERS.get(ext, b"")
        return head + rng.randbytes(file.size - len(head))

    # --- construction --------------------------------------------------------------
    @classmethod
    def build(cls, seed: int = 1815, *, bulk_courses: int = 0) -> "SampleData":
        """The sample institution; `bulk_courses` adds that many small generated courses
        (see `_Builder.bulk`) without changing anything else the seed gives."""
        if bulk_courses < 0:
            raise ValueError("bulk_courses must be 0 or more")
        data = _Builder(cls(seed=seed)).run()
        _Builder.bulk(data, bulk_courses)
        return data


class _Builder:
    """Fills a SampleData; one counter per id range keeps ids stable and disjoint."""

    def __init__(self, data: SampleData) -> None:
        self.d = data
        self.rng = random.Random(data.seed)
        self.next = {
            k: itertools.count(start)
            for k, start in [
                ("folder", 3001),
                ("file", 5001),
                ("page", 401),
                ("assignment", 601),
                ("module", 701),
                ("quiz", 901),
                ("topic", 1101),
                ("event", 1301),
                ("rubric", 1501),
                ("item", 8001),
            ]
        }

    def run(self) -> SampleData:
        d = self.d
        d.users = {
            u.id: u
            for u in [
                User(d.teacher_id, "Ada Lovelace", "ada.lovelace@example.edu"),
                User(d.student_id, "Alan Turing", "alan.turing@example.edu"),
                User(d.admin_id, "Grace Hopper", "grace.hopper@example.edu"),
            ]
        }
        d.accounts = {a.id: a for a in _ACCOUNTS}
        d.account_admins = {d.root_account_id: frozenset({d.admin_id})}
        d.terms = {term.id: term for term in _TERMS}
        fall, spring = d.terms[11], d.terms[12]
        t, s = d.teacher_id, d.student_id
        # SIS ids as an SIS exports them; 103's holds a space and a slash, as some do
        for course in [
            Course(
                d.main_course_id,
                "Analytical Engines: Foundations of Computing",
                "CS 101",
                fall,
                {t: "teacher", s: "student"},
                account_id=4,
                sis_course_id="CS-2026FA-0101",
            ),
            Course(102, "History of Computing", "HIST 210", spring, {t: "teacher"}, 7, "HIST-2027SP-0102"),
            Course(103, "Numerical Methods", "MATH 301", fall, {t: "student", s: "student"}, 5, "MATH 301/2026FA"),
        ]:
            d.courses[course.id] = course
            d.sis_courses[course.sis_course_id or ""] = course.id
        d.groups = {
            g.id: g
            for g in [
                Group(d.group_id, "Difference Engine Project Team", 101, frozenset({t, s})),
                Group(202, "Numerical Methods Study Group", 103, frozenset({s})),
            ]
        }
        self.main_course_files()
        self.content(d.main_course_id, full=True)
        for cid in (102, 103):
            root = self.folder(("course", cid), "course files", None)
            for n in range(6):
                self.file(root, f"{d.courses[cid].course_code} Handout {n + 1}.pdf")
            self.content(cid, full=False)
        for ctx, root_name in [
            (("group", d.group_id), "files"),
            (("group", 202), "files"),
            (("user", t), "my files"),
            (("user", s), "my files"),
        ]:
            root = self.folder(ctx, root_name, None)
            for sub_name in ("Drafts", "Final"):
                sub = self.folder(ctx, sub_name, root)
                for n in range(4):
                    self.file(sub, f"{sub_name} {ctx[0]} document {n + 1}.{('docx', 'pdf', 'txt', 'png')[n]}")
            self.file(root, "README.txt")
        return d

    @staticmethod
    def bulk(d: SampleData, count: int) -> None:
        """`count` small courses for bulk exports, spread over the sub-accounts and terms:
        ids from BULK_COURSE_IDS, SIS ids like `BIO-2026FA-0042` (none in the Default
        Term, as for courses made by hand), a few unpublished or concluded, every third
        with a generated teacher and every 25th taught by the demo teacher. Each holds one
        folder and one small file, so its packages build in milliseconds. Their own
        random stream leaves the rest of the data as the seed alone makes it."""
        rng = random.Random(f"{d.seed}:bulk")
        teachers = [User(1011 + n, name, f"{slugify(name)}@example.edu") for n, name in enumerate(_TEACHERS)]
        if count:
            d.users.update((u.id, u) for u in teachers)
        terms = [d.terms[11]] * 5 + [d.terms[10]] * 4 + [d.terms[1]]
        for n in range(1, count + 1):
            account_id, prefix, subjects = _DEPARTMENTS[n % len(_DEPARTMENTS)]
            term = terms[n % len(terms)]
            roles: dict[int, str] = {}
            if n % 3 == 0:
                roles[teachers[n % len(teachers)].id] = "teacher"
            if n % 25 == 0:
                roles[d.teacher_id] = "teacher"
            state = "claimed" if n % 17 == 0 else "completed" if n % 13 == 0 else "available"
            course = Course(
                BULK_COURSE_IDS + n - 1,
                f"{subjects[n % len(subjects)]}, section {n:04d}",
                f"{prefix} {100 + n * 7 % 400}",
                term,
                roles,
                account_id,
                f"{prefix}-{term.sis_term_id}-{n:04d}" if term.sis_term_id else None,
                state,
            )
            d.courses[course.id] = course
            if course.sis_course_id:
                d.sis_courses[course.sis_course_id] = course.id
            ctx = ("course", course.id)
            root = Folder(_BULK_FOLDER_IDS + n - 1, ctx, "course files", "course files", None, 1)
            d.folders[root.id] = root
            file = File(
                _BULK_FILE_IDS + n - 1,
                ctx,
                root.id,
                "Syllabus.pdf",
                _TYPES["pdf"],
                rng.randrange(512, 2048),
                str(uuid.UUID(int=rng.getrandbits(128))),
                iso(_EPOCH + timedelta(hours=n % 500)),
            )
            d.files[file.id] = file

    def folder(self, ctx: Ctx, name: str, parent: Folder | None, hidden: bool = False) -> Folder:
        position = 1 + sum(1 for f in self.d.folders.values() if f.parent_id == (parent and parent.id))
        full = f"{parent.full_name}/{name}" if parent else name
        folder = Folder(next(self.next["folder"]), ctx, name, full, parent and parent.id, position, hidden)
        self.d.folders[folder.id] = folder
        return folder

    def file(self, folder: Folder, name: str, *, hidden: bool = False, size: int | None = None) -> File:
        ext = name.rsplit(".", 1)[-1].lower()
        fid = next(self.next["file"])
        created = _EPOCH + timedelta(hours=fid % 500)
        file = File(
            fid,
            folder.context,
            folder.id,
            name,
            _TYPES.get(ext, "application/octet-stream"),
            size or self.rng.randrange(1024, 8 * 1024),
            str(uuid.UUID(int=self.rng.getrandbits(128))),
            iso(created),
            hidden,
        )
        self.d.files[fid] = file
        return file

    def main_course_files(self) -> None:
        """~350 files, three folder levels below the root, a few hidden ones."""
        ctx = ("course", self.d.main_course_id)
        root = self.folder(ctx, "course files", None)
        for name in [
            "Syllabus.pdf",
            "Course Schedule.xlsx",
            "Grading Policy.pdf",
            "Welcome Letter.docx",
            "Reading List.pdf",
            "Lab Safety.pdf",
            "Contact Sheet.csv",
            "Course Banner.png",
        ]:
            self.file(root, name)
        lectures = self.folder(ctx, "Lectures", root)
        for week, topic in enumerate(_TOPICS, start=1):
            wk = self.folder(ctx, f"Week {week:02d}", lectures)
            self.file(wk, f"Week {week:02d} Overview.pdf")
            self.file(wk, f"Week {week:02d} Reading Questions.docx")
            slides = self.folder(ctx, "Slides", wk)
            for part in range(1, 10):
                self.file(slides, f"Lecture {week:02d}.{part} - {topic}.pptx")
            notes = self.folder(ctx, "Notes", wk)
            for part in range(1, 8):
                self.file(notes, f"Notes {week:02d}.{part} - {topic}.{('pdf', 'txt')[part % 2]}")
        readings = self.folder(ctx, "Readings", root)
        for number, unit in enumerate(_UNITS, start=1):
            folder = self.folder(ctx, f"Unit {number} - {unit}", readings)
            for n in range(1, 19):
                self.file(folder, f"{unit} Reading {n:02d}.pdf")
        assignments = self.folder(ctx, "Assignments", root)
        for n in range(1, 7):
            self.file(assignments, f"Problem Set {n}.pdf")
            self.file(assignments, f"Problem Set {n} Starter Code.py")
            self.file(assignments, f"Problem Set {n} Data.csv")
            self.file(assignments, f"Answer Key - Problem Set {n}.pdf", hidden=True)
        solutions = self.folder(ctx, "Solutions", assignments, hidden=True)
        for n in range(1, 7):
            self.file(solutions, f"Solution {n}.pdf")
        media = self.folder(ctx, "Media", root)
        for n in range(1, 16):
            self.file(media, f"Diagram {n:02d}.{('png', 'jpg')[n % 2]}")
        self.d.big_file_id = self.file(media, "Lecture Recording - Week 01.mp4", size=BIG_FILE_SIZE).id
        private = self.folder(ctx, "Instructor Only", root, hidden=True)
        for name in ["Exam Bank.docx", "Grade Export.csv", "Planning Notes.txt", "Unused Slides.pptx"]:
            self.file(private, name)

    def content(self, course_id: int, *, full: bool) -> None:
        """Pages, assignments, quizzes, topics, events, rubrics and modules of one course."""
        take = (lambda items: items) if full else (lambda items: items[:2])
        start = _EPOCH + timedelta(days=21)

        def add(kind: str, counter: str, title: str, n: int, **extra: object) -> Content:
            item = Content(
                kind,
                next(self.next[counter]),
                course_id,
                title,
                iso(_EPOCH + timedelta(days=n, hours=course_id % 7)),
                **extra,
            )  # type: ignore[arg-type]
            self.d.content[item.id] = item
            return item

        pages = [
            add("wiki_pages", "page", title, n, slug=slugify(title), published="(draft)" not in title)
            for n, title in enumerate(take(_PAGES))
        ]
        assignments = [
            add(
                "assignments",
                "assignment",
                title,
                n,
                when=iso(start + timedelta(days=7 * n)),
                points=10.0 if n < 5 else 100.0,
            )
            for n, title in enumerate(take(_ASSIGNMENTS))
        ]
        quizzes = [
            add(
                "quizzes",
                "quiz",
                title,
                n,
                when=iso(start + timedelta(days=10 * n + 3)),
                questions=self.questions(title),
            )
            for n, title in enumerate(take(_QUIZZES))
        ]
        topics = [add("discussion_topics", "topic", title, n) for n, title in enumerate(take(_DISCUSSIONS))]
        for n, title in enumerate(take(_ANNOUNCEMENTS)):
            add("discussion_topics", "topic", title, n, is_announcement=True, when=iso(start + timedelta(days=9 * n)))
        for n, title in enumerate(take(_EVENTS)):
            add("calendar_events", "event", title, n, when=iso(start + timedelta(days=12 * n, hours=2)))
        for n, title in enumerate(take(_RUBRICS)):
            add("rubrics", "rubric", title, n, points=20.0)
        files = [f for f in self.d.files.values() if f.context == ("course", course_id) and not f.hidden][:12]
        count = 6 if full else 1
        for m in range(count):
            name = f"Weeks {2 * m + 1}-{2 * m + 2}: {_TOPICS[2 * m]}" if full else "Getting Started"
            entries: list[tuple[str, str, int | None, str | None]] = [
                ("SubHeader", f"Module {m + 1} overview", None, None)
            ]
            for kind, pool in (
                ("Page", pages),
                ("Assignment", assignments),
                ("Quiz", quizzes),
                ("Discussion", topics),
                ("File", files),
            ):
                if pool:
                    obj = pool[m % len(pool)]
                    entries.append((kind, getattr(obj, "title", None) or obj.display_name, obj.id, None))
            entries.append(("ExternalUrl", "Charles Babbage Institute", None, "https://www.cbi.umn.edu/"))
            mid = next(self.next["module"])
            ids = []
            for position, (kind, title, content_id, url) in enumerate(entries, start=1):
                item = ModuleItem(next(self.next["item"]), mid, position, kind, title, content_id, url)
                self.d.module_items[item.id] = item
                ids.append(item.id)
            self.d.modules[mid] = Module(mid, course_id, name, m + 1, tuple(ids))

    def questions(self, title: str) -> tuple[tuple[str, tuple[str, ...], int], ...]:
        count = 3 + self.rng.randrange(3)
        return tuple(
            (f"{title}: question {n + 1}?", ("Option A", "Option B", "Option C", "Option D"), self.rng.randrange(4))
            for n in range(count)
        )
