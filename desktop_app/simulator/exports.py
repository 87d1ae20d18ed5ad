"""Content exports: who may see them, and where each one is in its lifecycle.

No background worker: an export's state is computed from the wall clock on every request
(elapsed time since `created_at` against the export's duration), so the lifecycle needs
no thread and `age_export` simply moves `created_at` back. Packages are built once, the
first time a finished export needs its bytes or size, and then cached.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

from . import packages
from .data import Ctx, SampleData
from .selection import Selection, plan_cc, plan_qti, plan_zip

ADMIN_ROLES = frozenset({"teacher", "ta", "designer", "account_admin"})
_QUEUED, _WAIT_END = 0.15, 0.5  # fractions of the duration spent queued / waiting for New Quizzes


def role(data: SampleData, user_id: int, ctx: Ctx) -> str | None:
    """The user's role in a context: a course enrollment type, "account_admin" (an admin
    of the course's account or one above it, enrolled or not), "member", "self", or None."""
    kind, ident = ctx
    if kind == "course":
        course = data.courses.get(ident)
        if course is None:
            return None
        if data.administers(user_id, course.account_id):
            return "account_admin"
        return course.roles.get(user_id)
    if kind == "group":
        group = data.groups.get(ident)
        if group is None:
            return None
        if user_id in group.members:
            return "member"
        course_role = role(data, user_id, ("course", group.course_id))
        return course_role if course_role in ADMIN_ROLES else None
    return "self" if ident == user_id else None


def is_admin(data: SampleData, user_id: int, ctx: Ctx) -> bool:
    """`read_as_admin`: may create every export type and sees hidden files."""
    return role(data, user_id, ctx) in ADMIN_ROLES or (ctx[0] == "user" and ctx[1] == user_id)


@dataclass
class ExportRecord:
    id: int
    context: Ctx
    user_id: int
    export_type: str
    created_at: float  # epoch seconds; the lifecycle and the 30-day expiry count from here
    duration: float
    selection: Selection
    include_hidden: bool
    progress_id: int | None
    attachment_id: int
    verifier: str
    outcome: str = "exported"  # or "failed": decided at creation, revealed at the end
    waits_for_tool: bool = False
    deleted: bool = False
    redirect: tuple[str, int] | None = None  # (url, size) set by serve_package_from


@dataclass(frozen=True)
class Snapshot:
    state: str  # export workflow_state
    progress_state: str
    completion: float
    updated_at: float


def snapshot(rec: ExportRecord, now: float) -> Snapshot:
    elapsed = max(0.0, now - rec.created_at)
    frac = elapsed / rec.duration if rec.duration > 0 else 1.0
    updated = rec.created_at + min(elapsed, rec.duration)
    if rec.export_type == "quizzes2":  # without the quizzes_next feature it never starts
        return Snapshot("created", "queued", 0.0, rec.created_at)
    if frac >= 1.0 or rec.deleted:
        done = rec.outcome == "exported"
        state = "deleted" if rec.deleted else rec.outcome
        return Snapshot(state, "completed" if done else "failed", 100.0 if done else 47.5, updated)
    if frac < _QUEUED:
        return Snapshot("created", "queued", 0.0, updated)
    start = _WAIT_END if rec.waits_for_tool else _QUEUED
    if frac < start:
        return Snapshot("waiting_for_external_tool", "waiting_for_external_tool", 0.0, updated)
    completion = round(100.0 * (frac - start) / (1.0 - start), 1)
    return Snapshot("exporting", "running", min(max(completion, 0.1), 99.9), updated)


@dataclass
class Package:
    data: bytes
    display_name: str


@dataclass
class ExportStore:
    """All exports of the simulated Canvas; every method is thread safe."""

    data: SampleData
    clock: Callable[[], float]
    expire_days: int = 30
    records: dict[int, ExportRecord] = field(default_factory=dict)
    _lock: threading.RLock = field(default_factory=threading.RLock)
    _packages: dict[int, Package] = field(default_factory=dict)
    _building: dict[int, threading.Lock] = field(default_factory=dict)
    _next: dict[str, int] = field(default_factory=lambda: {"export": 9001, "progress": 7001, "attachment": 60001})

    def _take(self, name: str) -> int:
        value = self._next[name]
        self._next[name] += 1
        return value

    def create(
        self,
        ctx: Ctx,
        user_id: int,
        export_type: str,
        selection: Selection,
        *,
        duration: float,
        fail: bool = False,
        new_quizzes: bool = False,
        progress: bool = True,
        created_at: float | None = None,
        deleted: bool = False,
    ) -> ExportRecord:
        include_hidden = is_admin(self.data, user_id, ctx)
        outcome, waits = "failed" if fail else "exported", False
        if export_type == "zip" and plan_zip(self.data, ctx, selection, include_hidden) is None:
            outcome = "failed"  # "Error running zip export." (canvas-api.md §2.3)
        if export_type == "common_cartridge" and new_quizzes:
            waits = plan_cc(self.data, ctx[1], selection).has_quizzes
        with self._lock:
            export_id = self._take("export")
            rec = ExportRecord(
                export_id,
                ctx,
                user_id,
                export_type,
                self.clock() if created_at is None else created_at,
                duration,
                selection,
                include_hidden,
                self._take("progress") if progress else None,
                self._take("attachment"),
                str(uuid.uuid5(uuid.NAMESPACE_URL, f"simulated-canvas:{self.data.seed}:export:{export_id}")),
                outcome,
                waits,
                deleted,
            )
            self.records[rec.id] = rec
            return rec

    def get(self, export_id: int) -> ExportRecord | None:
        with self._lock:
            return self.records.get(export_id)

    def find(self, *, progress_id: int | None = None, attachment_id: int | None = None) -> ExportRecord | None:
        with self._lock:
            return next(
                (
                    r
                    for r in self.records.values()
                    if (progress_id is not None and r.progress_id == progress_id)
                    or (attachment_id is not None and r.attachment_id == attachment_id)
                ),
                None,
            )

    def age(self, export_id: int, days: float) -> None:
        with self._lock:
            self.records[export_id].created_at -= days * 86400.0

    def expired(self, rec: ExportRecord) -> bool:
        return self.expire_days > 0 and rec.created_at < self.clock() - self.expire_days * 86400.0

    def can_read(self, user_id: int, rec: ExportRecord) -> bool:
        """ContentExport read policy: your own exports; admins also read others' course
        exports except zips (canvas-api.md §3)."""
        if role(self.data, user_id, rec.context) is None:
            return False
        if rec.user_id == user_id:
            return True
        return rec.context[0] == "course" and is_admin(self.data, user_id, rec.context) and rec.export_type != "zip"

    def index(self, ctx: Ctx, user_id: int) -> list[ExportRecord]:
        """Newest first, deleted hidden, filtered to what this user may list."""
        admin = ctx[0] == "course" and is_admin(self.data, user_id, ctx)
        with self._lock:
            rows = [
                r
                for r in self.records.values()
                if r.context == ctx and not r.deleted and (r.user_id == user_id or (admin and r.export_type != "zip"))
            ]
        return sorted(rows, key=lambda r: r.id, reverse=True)

    def package(self, rec: ExportRecord) -> Package:
        """The package's bytes and name, built on first use (raises for failed exports).
        Built under a per-export lock so a big build never stalls other requests."""
        if rec.outcome != "exported":
            raise ValueError(f"export {rec.id} has no package: it {rec.outcome}")
        with self._lock:
            cached = self._packages.get(rec.id)
            building = self._building.setdefault(rec.id, threading.Lock())
        if cached is not None:
            return cached
        with building:
            with self._lock:
                cached = self._packages.get(rec.id)
            if cached is None:
                cached = Package(self._build(rec), self.display_name(rec))
                with self._lock:
                    self._packages[rec.id] = cached
        return cached

    def display_name(self, rec: ExportRecord) -> str:
        """Canvas's package names (canvas-api.md §4.1), known without building the package."""
        if rec.export_type == "zip":
            plan = plan_zip(self.data, rec.context, rec.selection, rec.include_hidden)
            return plan.name if plan else "export.zip"
        slug = self.data.courses[rec.context[1]].slug
        return f"{slug}-quiz-export.zip" if rec.export_type == "qti" else f"{slug}-export.imscc"

    def _build(self, rec: ExportRecord) -> bytes:
        when = datetime.fromtimestamp(rec.created_at, timezone.utc)
        if rec.export_type == "zip":
            plan = plan_zip(self.data, rec.context, rec.selection, rec.include_hidden)
            assert plan is not None
            return packages.build_zip(self.data, plan, when)
        course = self.data.courses[rec.context[1]]
        if rec.export_type == "qti":
            return packages.build_qti(course, plan_qti(self.data, course.id, rec.selection), when)
        return packages.build_cc(self.data, course, plan_cc(self.data, course.id, rec.selection), when)

    def seed_history(self) -> None:
        """A realistic history: expired, web-UI (no progress_url), failed, deleted, a
        student's zip the teacher must not see, group and user exports."""
        d, now = self.data, self.clock()
        course, t, s = ("course", d.main_course_id), d.teacher_id, d.student_id
        readings = next(f.id for f in d.folders.values() if f.name == "Readings")
        pages = d.ids("wiki_pages")[:2]
        history = [
            (45, course, t, "common_cartridge", None, {}),
            (12, course, t, "common_cartridge", {"pages": pages}, {"progress": False}),
            (6, course, t, "qti", None, {"fail": True}),
            (5, ("group", d.group_id), s, "zip", None, {}),
            (4, course, s, "zip", None, {}),
            (3, course, t, "common_cartridge", {"modules": d.ids("context_modules")[:1]}, {"deleted": True}),
            (2, course, t, "zip", {"folders": [readings]}, {}),
            (1, ("user", t), t, "zip", None, {}),
        ]
        for days, ctx, user, kind, select, extra in history:
            self.create(
                ctx, user, kind, Selection.parse(select), duration=60.0, created_at=now - days * 86400.0, **extra
            )  # type: ignore[arg-type]
        self._next["export"] = max(self._next["export"], 9101)  # API-created exports start at 9101
