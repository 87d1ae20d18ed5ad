"""Typed, immutable views of the Canvas objects the app works with.

The client parses JSON into these frozen dataclasses once, at the edge, so the engine
and the UI never poke at raw dicts. Parsing is lenient about extra keys (Canvas adds
fields all the time) and strict about the types of what we read: anything else raises
MalformedAnswerError naming the field (see fields.py), never a KeyError or TypeError.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote

from .fields import Fields

DEFAULT_EXPIRE_DAYS = 30
SIS_COURSE_PREFIX = "sis_course_id:"
"""Canvas accepts `sis_course_id:XYZ` wherever a course id goes in a URL."""
"""Canvas's `content_exports_expire_after_days` default: packages vanish 30 days after created_at."""


class ContextKind(str, enum.Enum):
    COURSE = "course"
    GROUP = "group"
    USER = "user"

    @property
    def collection(self) -> str:
        """The URL segment Canvas uses (`courses`, `groups`, `users`)."""
        return self.value + "s"


@dataclass(frozen=True)
class Context:
    """Where an export lives: `course:12`, `group:7`, `user:3` or `user:self`."""

    kind: ContextKind
    id: str

    @classmethod
    def parse(cls, text: str) -> "Context":
        """Parse `KIND:ID`; raises ValueError with a message a person can act on."""
        kind_text, sep, ident = text.strip().partition(":")
        try:
            kind = ContextKind(kind_text.lower())
        except ValueError:
            raise ValueError(f"'{text}' is not a context: use course:ID, group:ID, user:ID or user:self") from None
        ident = ident.strip()
        if not sep or not ident:
            raise ValueError(f"'{text}' has no id: use {kind.value}:ID")
        if ident == "self":
            if kind is not ContextKind.USER:
                raise ValueError("only user:self is allowed; courses and groups need a numeric id")
        elif ident.lower().startswith(SIS_COURSE_PREFIX):
            if kind is not ContextKind.COURSE:
                raise ValueError("only courses are named by SIS id here: course:sis_course_id:ID")
            sis = ident[len(SIS_COURSE_PREFIX) :].strip()
            if not sis or any(ord(c) < 32 for c in sis):
                raise ValueError(f"'{ident}' has no SIS id: use course:sis_course_id:ID")
            ident = SIS_COURSE_PREFIX + sis
        elif not ident.isdigit():
            raise ValueError(f"'{ident}' is not a numeric {kind.value} id")
        return cls(kind, ident)

    @property
    def sis_id(self) -> str | None:
        """The SIS id when the context is named by one (`course:sis_course_id:BIO-1`)."""
        return self.id[len(SIS_COURSE_PREFIX) :] if self.id.startswith(SIS_COURSE_PREFIX) else None

    @property
    def api_path(self) -> str:
        """`courses/12` (or `courses/sis_course_id:BIO%2F1`): the path prefix under /api/v1.
        SIS ids are percent-encoded, so one holding `/`, `?` or `#` stays one path segment."""
        return f"{self.kind.collection}/{quote(self.id, safe=':')}"

    def __str__(self) -> str:
        return f"{self.kind.value}:{self.id}"


class ExportType(str, enum.Enum):
    COMMON_CARTRIDGE = "common_cartridge"
    QTI = "qti"
    ZIP = "zip"

    @property
    def label(self) -> str:
        return {"common_cartridge": "Common Cartridge", "qti": "QTI", "zip": "Zip"}[self.value]


class SelectKey(str, enum.Enum):
    """Keys of the API's `select` hash, as we send them (Canvas aliases some)."""

    FOLDERS = "folders"
    FILES = "files"
    MODULES = "modules"
    MODULE_ITEMS = "module_items"
    PAGES = "pages"
    ASSIGNMENTS = "assignments"
    QUIZZES = "quizzes"
    ANNOUNCEMENTS = "announcements"
    DISCUSSION_TOPICS = "discussion_topics"
    CALENDAR_EVENTS = "calendar_events"
    RUBRICS = "rubrics"

    @property
    def label(self) -> str:
        return _SELECT_LABELS[self]


_SELECT_LABELS = {
    SelectKey.FOLDERS: "Folders",
    SelectKey.FILES: "Files",
    SelectKey.MODULES: "Modules",
    SelectKey.MODULE_ITEMS: "Module items",
    SelectKey.PAGES: "Pages",
    SelectKey.ASSIGNMENTS: "Assignments",
    SelectKey.QUIZZES: "Quizzes",
    SelectKey.ANNOUNCEMENTS: "Announcements",
    SelectKey.DISCUSSION_TOPICS: "Discussions",
    SelectKey.CALENDAR_EVENTS: "Calendar events",
    SelectKey.RUBRICS: "Rubrics",
}

ALLOWED_TYPES: dict[ContextKind, frozenset[ExportType]] = {
    ContextKind.COURSE: frozenset(ExportType),
    ContextKind.GROUP: frozenset({ExportType.ZIP}),
    ContextKind.USER: frozenset({ExportType.ZIP}),
}
"""Canvas answers 400 "invalid export_type" for anything else; we refuse it first."""

ACCEPTED_KEYS: dict[ExportType, frozenset[SelectKey]] = {
    ExportType.ZIP: frozenset({SelectKey.FOLDERS, SelectKey.FILES}),
    ExportType.QTI: frozenset({SelectKey.QUIZZES}),
    ExportType.COMMON_CARTRIDGE: frozenset(SelectKey) - {SelectKey.FOLDERS},
}
"""What each export type really reads from `select`. Canvas silently ignores the rest
(a zip with only ignored keys even ends `failed`), so we refuse them before the request.
Folders have no effect on Common Cartridge: a CC selection names the folder's files."""


class WorkflowState(str, enum.Enum):
    """Every state the API can return for an export, plus `expired`, which we derive."""

    CREATED = "created"
    WAITING_FOR_EXTERNAL_TOOL = "waiting_for_external_tool"
    EXPORTING = "exporting"
    EXPORTED = "exported"
    FAILED = "failed"
    DELETED = "deleted"
    EXPIRED = "expired"  # exported, but Canvas no longer returns the attachment

    @property
    def is_running(self) -> bool:
        return self in _RUNNING

    @property
    def label(self) -> str:
        return _STATE_LABELS[self]


_RUNNING = frozenset({WorkflowState.CREATED, WorkflowState.WAITING_FOR_EXTERNAL_TOOL, WorkflowState.EXPORTING})
_STATE_LABELS = {
    WorkflowState.CREATED: "Queued at Canvas",
    WorkflowState.WAITING_FOR_EXTERNAL_TOOL: "Waiting for New Quizzes",
    WorkflowState.EXPORTING: "Exporting",
    WorkflowState.EXPORTED: "Exported",
    WorkflowState.FAILED: "Failed",
    WorkflowState.DELETED: "Deleted",
    WorkflowState.EXPIRED: "Expired",
}


class ProgressState(str, enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    WAITING_FOR_EXTERNAL_TOOL = "waiting_for_external_tool"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELED = "canceled"

    @property
    def is_pending(self) -> bool:
        return self in (ProgressState.QUEUED, ProgressState.RUNNING, ProgressState.WAITING_FOR_EXTERNAL_TOOL)


def parse_time(value: str | None) -> datetime | None:
    """Canvas dates are ISO 8601 UTC (`2025-01-01T12:00:00Z`); return aware datetimes."""
    if not value:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


_PROGRESS_ID = re.compile(r"/progress/(\d+)/?$")


@dataclass(frozen=True)
class Attachment:
    id: int
    display_name: str
    size: int
    url: str = field(repr=False)  # may carry a verifier: keep it out of reprs and logs
    content_type: str = ""

    @classmethod
    def from_json(cls, data: Any) -> "Attachment":
        f = Fields(data, "an export's attachment")
        ident = f.id()
        return cls(
            id=ident,
            display_name=f.text("display_name", "filename", default=f"export-{ident}"),
            size=f.optional_count("size") or 0,
            url=f.required_text("url"),
            content_type=f.text("content-type", "content_type"),
        )


@dataclass(frozen=True)
class ContentExport:
    id: int
    export_type: str  # a str, not ExportType: Canvas lists quizzes2, user_data, ...
    workflow_state: WorkflowState  # EXPIRED when exported but the attachment is gone
    created_at: datetime | None
    user_id: int | None = None
    course_id: int | None = None
    attachment: Attachment | None = None
    progress_url: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> "ContentExport":
        f = Fields(data, "an export")
        ident = f.id()
        attached = f.optional_object("attachment")
        attachment = Attachment.from_json(attached) if attached is not None else None
        state = f.choice("workflow_state", WorkflowState)
        if state is WorkflowState.EXPORTED and attachment is None:
            state = WorkflowState.EXPIRED
        return cls(
            id=ident,
            export_type=f.text("export_type"),
            workflow_state=state,
            created_at=f.time("created_at"),
            user_id=f.optional_id("user_id"),
            course_id=f.optional_id("course_id"),
            attachment=attachment,
            progress_url=f.optional_text("progress_url"),
        )

    @property
    def progress_id(self) -> int | None:
        """Nothing links an export to its Progress but `progress_url`; web-UI exports have none."""
        if not self.progress_url:
            return None
        match = _PROGRESS_ID.search(self.progress_url.split("?", 1)[0])
        return int(match.group(1)) if match else None

    def expires_at(self, expire_days: int = DEFAULT_EXPIRE_DAYS) -> datetime | None:
        """Canvas counts expiry from created_at, not from completion."""
        if self.created_at is None or expire_days <= 0:
            return None
        return self.created_at + timedelta(days=expire_days)


@dataclass(frozen=True)
class Progress:
    id: int
    workflow_state: ProgressState
    completion: float  # 0..100, often a float such as 37.5
    message: str | None = None
    updated_at: datetime | None = None

    @classmethod
    def from_json(cls, data: Any) -> "Progress":
        f = Fields(data, "a progress report")
        return cls(
            id=f.id(),
            workflow_state=f.choice("workflow_state", ProgressState),
            completion=f.number("completion"),
            message=f.optional_text("message"),
            updated_at=f.time("updated_at"),
        )


@dataclass(frozen=True)
class Permissions:
    """What Canvas says the caller may do in one course or group
    (`GET /api/v1/courses/:id/permissions?permissions[]=...`, answered with
    `{"read_as_admin": true, ...}`: Canvas's `rights_status`, one key per name asked).

    A name Canvas left out of its answer counts as not granted.
    """

    context: Context
    granted: frozenset[str]
    asked: tuple[str, ...]

    @classmethod
    def from_json(cls, data: Any, context: Context, names: tuple[str, ...]) -> "Permissions":
        f = Fields(data, "a permissions answer")
        return cls(context=context, granted=frozenset(n for n in names if f.flag(n)), asked=names)

    def allows(self, name: str) -> bool:
        if name not in self.asked:
            raise KeyError(f"{name!r} was not asked for")
        return name in self.granted

    @property
    def read_as_admin(self) -> bool:
        """Teacher, TA, designer or admin: may create every export type in a course."""
        return self.allows("read_as_admin")


@dataclass(frozen=True)
class User:
    id: int
    name: str
    login_id: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> "User":
        f = Fields(data, "a user")
        return cls(id=f.id(), name=f.text("name", "short_name"), login_id=f.optional_text("login_id"))


@dataclass(frozen=True)
class Course:
    id: int
    name: str
    course_code: str = ""
    term: str | None = None  # enrollment term name, from include[]=term
    workflow_state: str = ""
    is_teacher: bool = False  # teacher, TA or designer: may create every export type
    sis_course_id: str | None = None  # shown to those who may read SIS data
    term_id: int | None = None  # enrollment_term_id
    account_id: int | None = None
    teachers: tuple[str, ...] = ()  # display names, from include[]=teachers

    @classmethod
    def from_json(cls, data: Any) -> "Course":
        f = Fields(data, "a course")
        term = f.optional_object("term")
        roles = {Fields(e, "a course enrollment").text("type").lower() for e in f.objects("enrollments")}
        term_fields = Fields(term, "a course's term") if term is not None else None
        return cls(
            id=f.id(),
            name=f.text("name"),
            course_code=f.text("course_code"),
            term=term_fields.optional_text("name") if term_fields is not None else None,
            workflow_state=f.text("workflow_state"),
            is_teacher=bool(roles & {"teacher", "ta", "designer"}),
            sis_course_id=f.optional_text("sis_course_id"),
            term_id=f.optional_id("enrollment_term_id") or (term_fields.optional_id("id") if term_fields else None),
            account_id=f.optional_id("account_id"),
            teachers=tuple(Fields(t, "a course's teacher").text("display_name", "name") for t in f.objects("teachers")),
        )

    @property
    def context(self) -> Context:
        return Context(ContextKind.COURSE, str(self.id))


@dataclass(frozen=True)
class Account:
    """An account (or sub-account) the user administers."""

    id: int
    name: str
    parent_account_id: int | None = None
    root_account_id: int | None = None

    @classmethod
    def from_json(cls, data: Any) -> "Account":
        f = Fields(data, "an account")
        return cls(
            id=f.id(),
            name=f.text("name"),
            parent_account_id=f.optional_id("parent_account_id"),
            root_account_id=f.optional_id("root_account_id"),
        )


@dataclass(frozen=True)
class Term:
    """An enrollment term (`GET /accounts/:id/terms`)."""

    id: int
    name: str
    sis_term_id: str | None = None
    start_at: datetime | None = None
    end_at: datetime | None = None

    @classmethod
    def from_json(cls, data: Any) -> "Term":
        f = Fields(data, "a term")
        return cls(
            id=f.id(),
            name=f.text("name"),
            sis_term_id=f.optional_text("sis_term_id"),
            start_at=f.time("start_at"),
            end_at=f.time("end_at"),
        )

    def matches(self, text: str) -> bool:
        """`--term` names a term by its id, its name or its SIS id (case-insensitive)."""
        wanted = text.strip().casefold()
        return wanted in {str(self.id), self.name.casefold(), (self.sis_term_id or "").casefold()} - {""}


@dataclass(frozen=True)
class Group:
    id: int
    name: str
    context_name: str = ""  # the course (or account) the group belongs to, when known
    course_id: int | None = None  # a course's group (Canvas leaves context_name out of most lists)

    @classmethod
    def from_json(cls, data: Any) -> "Group":
        f = Fields(data, "a group")
        return cls(
            id=f.id(), name=f.text("name"), context_name=f.text("context_name"), course_id=f.optional_id("course_id")
        )

    @property
    def context(self) -> Context:
        return Context(ContextKind.GROUP, str(self.id))


@dataclass(frozen=True)
class ContentItem:
    """One selectable thing in the selection tree.

    `id` is exactly the id Canvas expects in `select[key][]` (numeric page id, module
    item id, ...). `parent_id` places it in the tree: a folder's parent folder, a file's
    folder, a module item's module (None for top-level items).
    """

    key: SelectKey
    id: int
    title: str
    parent_id: int | None = None
    size: int | None = None  # files only
