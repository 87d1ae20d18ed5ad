"""The Canvas host's endpoints: routing, JSON shapes, pagination and error bodies.

Shapes follow canvas-api.md (§3-§6, §8, §10); field sets are trimmed to what clients
read, but every field a client may rely on is there with Canvas's spelling (including
the hyphenated `content-type` of attachments and `page_id` of pages).
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Callable
from urllib.parse import parse_qsl, unquote, urlencode

from .data import Content, Ctx, File, Folder, Module, ModuleItem, iso
from .exports import ExportRecord, is_admin, role, snapshot
from .faults import apply_changes, dumps
from .selection import MalformedSelect, Selection, nest_form, truthy

if TYPE_CHECKING:
    from .server import SimulatedCanvas

_NOT_FOUND = {"errors": [{"message": "The specified resource does not exist."}]}
_UNAUTHORIZED = {"status": "unauthorized", "errors": [{"message": "user not authorized to perform that action"}]}
_CTX_TYPE = {"course": "Course", "group": "Group", "user": "User"}
_CTX_KIND = {"courses": "course", "groups": "group", "users": "user"}
_SIS_COURSE = "sis_course_id:"
_COURSE_STATES = ("created", "claimed", "available", "completed", "deleted")
_MIN_SEARCH = 2
"""Canvas's SearchTermHelper::MIN_SEARCH_TERM_LENGTH (2 or 3 by version; 2 here)."""
_ITEM_API = {
    "Page": "pages",
    "Assignment": "assignments",
    "Quiz": "quizzes",
    "Discussion": "discussion_topics",
    "File": "files",
}


@dataclass
class Request:
    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]  # lower-case names
    body: bytes = b""
    user_id: int | None = None

    def arg(self, name: str) -> str | None:
        return next((v for k, v in self.query if k == name), None)

    def args(self, name: str) -> list[str]:
        return [v for k, v in self.query if k == name]

    def params(self) -> dict[str, Any]:
        """Rails-style params: query and form body merged, or a JSON body over the query."""
        merged = nest_form(self.query)
        if "json" in self.headers.get("content-type", ""):
            body = json.loads(self.body or b"{}")
            merged.update(body if isinstance(body, dict) else {})
        else:
            merged.update(nest_form(parse_qsl(self.body.decode("utf-8", "replace"), keep_blank_values=True)))
        return merged


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


class ApiError(Exception):
    def __init__(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.status, self.payload, self.headers = status, payload, headers or {}


def not_found() -> ApiError:
    return ApiError(404, _NOT_FOUND)


class CanvasApi:
    """Everything under /api/v1 for one SimulatedCanvas. `handle` never raises."""

    def __init__(self, sim: "SimulatedCanvas") -> None:
        self.sim = sim
        self.data = sim.data
        self.routes: list[tuple[str, re.Pattern[str], Callable[..., Any]]] = [
            (m, re.compile(p), h)
            for m, p, h in [
                ("GET", r"users/self/profile", self.profile),
                ("GET", r"users/self/groups", self.my_groups),
                ("GET", r"users/(self|\d+)", self.user),
                ("GET", r"accounts", self.accounts),
                ("GET", r"accounts/([^/]+)", self.account),
                ("GET", r"accounts/([^/]+)/sub_accounts", self.sub_accounts),
                ("GET", r"accounts/([^/]+)/terms", self.terms),
                ("GET", r"accounts/([^/]+)/courses", self.account_courses),
                ("GET", r"courses", self.courses),
                ("GET", r"courses/([^/]+)", self.course),
                ("GET", r"courses/([^/]+)/groups", self.course_groups),
                ("GET", r"groups/(\d+)", self.group),
                ("GET", r"(courses|groups)/([^/]+)/permissions", self.permissions),
                ("GET", r"(courses|groups|users)/([^/]+)/content_exports", self.export_index),
                ("POST", r"(courses|groups|users)/([^/]+)/content_exports", self.export_create),
                ("GET", r"(courses|groups|users)/([^/]+)/content_exports/(\d+)", self.export_show),
                ("GET", r"progress/(\d+)", self.progress),
                ("GET", r"(courses|groups|users)/([^/]+)/folders", self.context_folders),
                ("GET", r"(courses|groups|users)/([^/]+)/files", self.context_files),
                ("GET", r"folders/(\d+)", self.folder),
                ("GET", r"folders/(\d+)/folders", self.folder_folders),
                ("GET", r"folders/(\d+)/files", self.folder_files),
                ("GET", r"files/(\d+)", self.file),
                ("GET", r"courses/([^/]+)/modules", self.modules),
                ("GET", r"courses/([^/]+)/modules/(\d+)", self.module),
                ("GET", r"courses/([^/]+)/modules/(\d+)/items", self.module_items),
                ("GET", r"courses/([^/]+)/(pages|assignments|quizzes|discussion_topics|rubrics)", self.content_list),
                ("GET", r"calendar_events", self.calendar_events),
            ]
        ]

    # --- plumbing ------------------------------------------------------------------
    def handle(self, req: Request) -> Response:
        sub = req.path[len("/api/v1/") :].rstrip("/")
        try:
            for method, pattern, handler in self.routes:
                match = pattern.fullmatch(sub)
                if match and method == req.method:
                    return handler(req, *match.groups())
            raise not_found()
        except ApiError as err:
            return self.json(err.payload, err.status, err.headers)

    def json(self, payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
        body = dumps(payload).encode()
        if self.sim.faults.prefix_json:
            body = b"while(1);" + body
        return Response(status, body, {"Content-Type": "application/json; charset=utf-8", **(headers or {})})

    def unauthorized(self) -> ApiError:
        return ApiError(self.sim.unauthorized_status, _UNAUTHORIZED)

    @property
    def base(self) -> str:
        return self.sim.base_url

    def paginate(
        self,
        req: Request,
        rows: list[Any],
        render: Callable[[Any], Any],
        *,
        bookmark: bool = False,
        wrap: str | None = None,
    ) -> Response:
        """Numbered pages with current,next,prev,first,last (canvas-api.md §6); bookmark
        endpoints use opaque `page=bookmark:...` and have no `last`. `wrap` puts the page
        in an object under that key, as the terms list does (`{"enrollment_terms": [...]}`)."""
        raw = req.arg("per_page") or ""
        per_page = min(int(raw), 100) if raw.isdigit() and int(raw) > 0 else 10
        page_arg = req.arg("page") or ""
        if bookmark:
            offset = 0
            if page_arg.startswith("bookmark:"):
                try:
                    offset = int(json.loads(base64.urlsafe_b64decode(page_arg[9:] + "==")))
                except ValueError:
                    offset = 0

            def page_of(off: int) -> str:
                if off == 0:
                    return "first"
                return "bookmark:" + base64.urlsafe_b64encode(json.dumps(off).encode()).decode().rstrip("=")

            rels = [("current", page_of(offset))]
            if offset + per_page < len(rows):
                rels.append(("next", page_of(offset + per_page)))
            rels.append(("first", "first"))
        else:
            page = int(page_arg) if page_arg.isdigit() and int(page_arg) > 0 else 1
            last = max(1, -(-len(rows) // per_page))
            offset = (page - 1) * per_page
            rels = [("current", str(page))]
            mode = self.sim.faults.page_mode
            if page < last or mode == "endless":
                rels.append(("next", str(page + 1)))
            elif mode == "cycle":
                rels.append(("next", "1"))
            elif mode == "offsite":
                rels.append(("next", "offsite"))
            if page > 1:
                rels.append(("prev", str(page - 1)))
            rels += [("first", "1"), ("last", str(last))]
        kept = [(k, v) for k, v in req.query if k not in ("page", "per_page", "access_token", "api_key")]
        link = ",".join(
            f"<{self.sim.files_base_url if p == 'offsite' else self.base}{req.path}?"
            f'{urlencode(kept + [("page", p), ("per_page", per_page)], safe=":")}>; rel="{rel}"'
            for rel, p in rels
        )
        page_rows = [render(r) for r in rows[offset : offset + per_page]]
        return self.json(page_rows if wrap is None else {wrap: page_rows}, headers={"Link": link})

    def context(self, req: Request, collection: str, ident: str) -> Ctx:
        """Resolve `courses/12`, `courses/sis_course_id:BIO%2F1`, `groups/7`, `users/self`;
        404 if unknown or deleted, 401 if not readable."""
        kind = _CTX_KIND[collection]
        assert req.user_id is not None
        if kind == "user" and ident == "self":
            return ("user", req.user_id)
        if kind == "course":
            ctx = ("course", self.course_id(ident))
        elif ident.isdigit():
            ctx = (kind, int(ident))
            known = {"group": self.data.groups, "user": self.data.users}[kind]
            if ctx[1] not in known:
                raise not_found()
        else:
            raise not_found()
        if ctx[0] == "course" and ctx[1] in self.sim.faults.forbidden_courses:
            raise self.unauthorized()
        if role(self.data, req.user_id, ctx) is None:
            raise self.unauthorized()
        return ctx

    def course_id(self, ident: str) -> int:
        """A course named in a URL by id or `sis_course_id:X` (percent-decoded as Rails
        does); 404 when there is no such course, or it was deleted."""
        ident = unquote(ident)
        if ident.startswith(_SIS_COURSE):
            course_id = self.data.sis_courses.get(ident[len(_SIS_COURSE) :])
        else:
            course_id = int(ident) if ident.isdigit() else None
        if course_id is None or course_id not in self.data.courses or course_id in self.sim.faults.deleted_courses:
            raise not_found()
        return course_id

    # --- identity and contexts -----------------------------------------------------
    def user_json(self, user_id: int) -> dict[str, Any]:
        u = self.data.users[user_id]
        return {
            "id": u.id,
            "name": u.name,
            "created_at": "2024-06-01T12:00:00Z",
            "sortable_name": u.sortable_name,
            "short_name": u.name,
            "sis_user_id": None,
            "integration_id": None,
            "login_id": u.login_id,
            "avatar_url": f"{self.base}/images/messages/avatar-50.png",
            "locale": None,
            "effective_locale": "en",
        }

    def user(self, req: Request, ident: str) -> Response:
        if ident != "self" and int(ident) != req.user_id:
            raise not_found() if int(ident) not in self.data.users else self.unauthorized()
        return self.json(self.user_json(req.user_id))  # type: ignore[arg-type]

    def profile(self, req: Request) -> Response:
        body = self.user_json(req.user_id)  # type: ignore[arg-type]
        body.update({"title": None, "bio": None, "primary_email": body["login_id"], "time_zone": "America/New_York"})
        return self.json(body)

    def course_json(
        self, course_id: int, user_id: int, include: list[str], *, enrollments: bool = True
    ) -> dict[str, Any]:
        """A course as Canvas sends it; `enrollments` lists the caller's own (the
        /courses list and show do, the account's course list does not)."""
        c = self.data.courses[course_id]
        body: dict[str, Any] = {
            "id": c.id,
            "name": c.name,
            "account_id": c.account_id,
            "uuid": f"sim{c.id:037d}",
            "start_at": c.term.start_at,
            "created_at": "2026-06-01T12:00:00Z",
            "course_code": c.course_code,
            "default_view": "modules",
            "root_account_id": self.data.root_account_id,
            "enrollment_term_id": c.term.id,
            "end_at": None,
            "public_syllabus": False,
            "storage_quota_mb": 500,
            "is_public_to_auth_users": False,
            "time_zone": "America/New_York",
            "blueprint": False,
            "template": False,
            "hide_final_grades": False,
            "workflow_state": "unpublished" if c.workflow_state in ("created", "claimed") else c.workflow_state,
            "restrict_enrollments_to_course_dates": False,
        }
        if is_admin(self.data, user_id, ("course", c.id)):  # read_sis: teachers and admins
            body["sis_course_id"] = c.sis_course_id
            body["integration_id"] = None
        if enrollments:
            kind = c.roles.get(user_id)
            body["enrollments"] = (
                [
                    {
                        "type": kind,
                        "role": kind.capitalize() + "Enrollment",
                        "user_id": user_id,
                        "enrollment_state": "active",
                        "limit_privileges_to_course_section": False,
                    }
                ]
                if kind
                else []
            )
        if "term" in include:
            body["term"] = {
                "id": c.term.id,
                "name": c.term.name,
                "start_at": c.term.start_at,
                "end_at": c.term.end_at,
                "workflow_state": "active",
            }
        if "teachers" in include:
            body["teachers"] = [self.teacher_json(uid) for uid, kind in sorted(c.roles.items()) if kind == "teacher"]
        return body

    def teacher_json(self, user_id: int) -> dict[str, Any]:
        """Canvas's user_display_json, as `include[]=teachers` lists them."""
        u = self.data.users[user_id]
        return {
            "id": u.id,
            "anonymous_id": format(u.id, "x"),
            "display_name": u.name,
            "avatar_image_url": f"{self.base}/images/messages/avatar-50.png",
            "html_url": f"{self.base}/about/{u.id}",
            "pronouns": None,
        }

    def courses(self, req: Request) -> Response:
        wanted = req.arg("enrollment_type")
        deleted = self.sim.faults.deleted_courses
        rows = [
            c.id
            for c in self.data.courses.values()
            if req.user_id in c.roles and c.id not in deleted and (wanted is None or c.roles[req.user_id] == wanted)  # type: ignore[index]
        ]
        include = req.args("include[]")
        return self.paginate(req, rows, lambda cid: self.course_json(cid, req.user_id, include))  # type: ignore[arg-type]

    def course(self, req: Request, ident: str) -> Response:
        ctx = self.context(req, "courses", ident)
        return self.json(self.course_json(ctx[1], req.user_id, req.args("include[]")))  # type: ignore[arg-type]

    # --- accounts (admins) -----------------------------------------------------------
    def account_json(self, account_id: int) -> dict[str, Any]:
        a = self.data.accounts[account_id]
        return {
            "id": a.id,
            "name": a.name,
            "uuid": f"simaccount{a.id:030d}",
            "parent_account_id": a.parent_id,
            "root_account_id": None if a.parent_id is None else self.data.root_account_id,
            "workflow_state": "active",
            "default_time_zone": "America/New_York",
            "default_storage_quota_mb": 500,
            "default_user_storage_quota_mb": 50,
            "default_group_storage_quota_mb": 50,
            "sis_account_id": a.sis_account_id,
            "integration_id": None,
            "sis_import_id": None,
        }

    def admin_account(self, req: Request, ident: str) -> int:
        """`accounts/:id` (or `self`, the root account): 404 if unknown, 401 unless the
        caller administers it or an account above it."""
        account_id = self.data.root_account_id if ident == "self" else int(ident) if ident.isdigit() else None
        if account_id is None or account_id not in self.data.accounts:
            raise not_found()
        if not self.data.administers(req.user_id, account_id):  # type: ignore[arg-type]
            raise self.unauthorized()
        return account_id

    def accounts(self, req: Request) -> Response:
        """The accounts the caller is an admin of (`[]` for everyone else)."""
        rows = sorted(a for a, admins in self.data.account_admins.items() if req.user_id in admins)
        return self.paginate(req, rows, self.account_json)

    def account(self, req: Request, ident: str) -> Response:
        return self.json(self.account_json(self.admin_account(req, ident)))

    def sub_accounts(self, req: Request, ident: str) -> Response:
        """Direct sub-accounts, or with `recursive=true` the whole tree below (by id)."""
        account_id = self.admin_account(req, ident)
        if truthy(req.arg("recursive") or "false"):
            rows = sorted(self.data.account_tree(account_id) - {account_id})
        else:
            rows = sorted(a.id for a in self.data.accounts.values() if a.parent_id == account_id)
        return self.paginate(req, rows, self.account_json)

    def terms(self, req: Request, ident: str) -> Response:
        """`{"enrollment_terms": [...]}`, root accounts only, ordered as Canvas orders
        them: start_at DESC, end_at DESC (no date first, as Postgres does), id ASC."""
        account_id = self.admin_account(req, ident)
        if self.data.accounts[account_id].parent_id is not None:
            raise ApiError(400, {"message": "Terms only belong to root_accounts."})
        rows = sorted(self.data.terms.values(), key=lambda t: t.id)
        rows.sort(key=lambda t: t.end_at or "\uffff", reverse=True)
        rows.sort(key=lambda t: t.start_at or "\uffff", reverse=True)
        return self.paginate(req, rows, self.term_json, wrap="enrollment_terms")

    @staticmethod
    def term_json(t: Any) -> dict[str, Any]:
        return {
            "id": t.id,
            "name": t.name,
            "start_at": t.start_at,
            "end_at": t.end_at,
            "created_at": "2025-06-01T12:00:00Z",
            "workflow_state": "active",
            "grading_period_group_id": None,
            "sis_term_id": t.sis_term_id,
            "sis_import_id": None,
        }

    def account_courses(self, req: Request, ident: str) -> Response:
        """The courses of the account and its sub-accounts, by id. Filters as Canvas's
        courses_api: `enrollment_term_id` (or `sis_term_id:X`), `search_term` (2+
        characters; part of the name, code or SIS id, or the whole id), `state[]`
        (default: all but deleted); `include[]=term|teachers`."""
        account_id = self.admin_account(req, ident)
        search = (req.arg("search_term") or "").strip()
        if req.arg("search_term") is not None and len(search) < _MIN_SEARCH:
            message = f"{_MIN_SEARCH} or more characters is required"
            raise ApiError(400, {"errors": [{"field": "search_term", "code": "invalid", "message": message}]})
        states = set(req.args("state[]")) or set(_COURSE_STATES) - {"deleted"}
        if "all" in states:
            states = set(_COURSE_STATES)
        term_id = self.term_id(req.arg("enrollment_term_id"))
        tree = self.data.account_tree(account_id)
        deleted = self.sim.faults.deleted_courses
        wanted = search.casefold()
        rows = [
            c.id
            for c in self.data.courses.values()
            if c.account_id in tree
            and ("deleted" if c.id in deleted else c.workflow_state) in states
            and (term_id is None or c.term.id == term_id)
            and (
                not wanted
                or wanted in c.name.casefold()
                or wanted in c.course_code.casefold()
                or wanted in (c.sis_course_id or "").casefold()
                or wanted == str(c.id)
            )
        ]
        include = req.args("include[]")
        return self.paginate(
            req,
            sorted(rows),
            lambda cid: self.course_json(cid, req.user_id, include, enrollments=False),  # type: ignore[arg-type]
        )

    def term_id(self, value: str | None) -> int | None:
        """`enrollment_term_id` as a number or `sis_term_id:2026FA`; an unknown one matches nothing."""
        if value is None or value == "":
            return None
        if value.startswith("sis_term_id:"):
            sis = value[len("sis_term_id:") :]
            return next((t.id for t in self.data.terms.values() if t.sis_term_id == sis), -1)
        return int(value) if value.isdigit() else -1

    def group_json(self, group_id: int) -> dict[str, Any]:
        g = self.data.groups[group_id]
        return {
            "id": g.id,
            "name": g.name,
            "description": None,
            "is_public": False,
            "followed_by_user": False,
            "join_level": "invitation_only",
            "members_count": len(g.members),
            "avatar_url": None,
            "context_type": "Course",
            "course_id": g.course_id,
            "role": None,
            "group_category_id": 1,
            "sis_group_id": None,
            "storage_quota_mb": 50,
            "concluded": False,
        }

    def my_groups(self, req: Request) -> Response:
        rows = [g.id for g in self.data.groups.values() if req.user_id in g.members]
        return self.paginate(req, rows, self.group_json)

    def course_groups(self, req: Request, ident: str) -> Response:
        ctx = self.context(req, "courses", ident)
        own = truthy(req.arg("only_own_groups") or "false")
        rows = [
            g.id for g in self.data.groups.values() if g.course_id == ctx[1] and (not own or req.user_id in g.members)
        ]
        return self.paginate(req, rows, self.group_json)

    def group(self, req: Request, ident: str) -> Response:
        return self.json(self.group_json(self.context(req, "groups", ident)[1]))

    def permissions(self, req: Request, collection: str, ident: str) -> Response:
        """`GET courses/:id/permissions?permissions[]=read_as_admin` -> `{"read_as_admin": true}`.

        As Canvas's `rights_status`: 401 unless the caller can read the context, then one
        boolean per name asked (all known rights when none is), false for names it does
        not know. The simulator knows `read_as_admin` (teachers, TAs, designers)."""
        ctx = self.context(req, collection, ident)
        known = {"read_as_admin": is_admin(self.data, req.user_id, ctx)}  # type: ignore[arg-type]
        names = req.args("permissions[]") or req.args("permissions") or list(known)
        return self.json({name: known.get(name, False) for name in names})

    # --- exports -------------------------------------------------------------------
    def attachment_json(self, rec: ExportRecord) -> dict[str, Any]:
        pkg_name, size = self.sim.package_info(rec)
        if self.sim.faults.package_size_announced is not None:
            size = self.sim.faults.package_size_announced
        done = iso(datetime.fromtimestamp(rec.created_at + rec.duration, timezone.utc))
        return {
            "id": rec.attachment_id,
            "uuid": rec.verifier,
            "folder_id": None,
            "display_name": pkg_name,
            "filename": pkg_name,
            "upload_status": "success",
            "content-type": "application/zip",
            "url": f"{self.base}/files/{rec.attachment_id}/download?download_frd=1&verifier={rec.verifier}",
            "size": size,
            "created_at": done,
            "updated_at": done,
            "unlock_at": None,
            "locked": False,
            "hidden": False,
            "lock_at": None,
            "hidden_for_user": False,
            "thumbnail_url": None,
            "modified_at": done,
            "mime_class": "zip",
            "media_entry_id": None,
            "category": "uncategorized",
            "locked_for_user": False,
        }

    def export_json(self, rec: ExportRecord) -> dict[str, Any]:
        snap = snapshot(rec, self.sim.clock())
        body: dict[str, Any] = {
            "id": rec.id,
            "user_id": rec.user_id,
            "created_at": iso(datetime.fromtimestamp(rec.created_at, timezone.utc)),
            "workflow_state": snap.state,
            "export_type": rec.export_type,
        }
        if rec.context[0] == "course":
            body["course_id"] = rec.context[1]
        if snap.state == "exported" and not self.sim.store.expired(rec):
            body["attachment"] = self.attachment_json(rec)
        if rec.progress_id is not None:
            body["progress_url"] = f"{self.base}/api/v1/progress/{rec.progress_id}"
        return apply_changes(body, self.sim.faults.export_changes)

    def export_index(self, req: Request, collection: str, ident: str) -> Response:
        ctx = self.context(req, collection, ident)
        return self.paginate(req, self.sim.store.index(ctx, req.user_id), self.export_json)  # type: ignore[arg-type]

    def export_show(self, req: Request, collection: str, ident: str, export_id: str) -> Response:
        ctx = self.context(req, collection, ident)
        rec = self.sim.store.get(int(export_id))
        if rec is None or rec.context != ctx:
            raise not_found()
        if not self.sim.store.can_read(req.user_id, rec):  # type: ignore[arg-type]
            raise self.unauthorized()
        return self.json(self.export_json(rec))

    def export_create(self, req: Request, collection: str, ident: str) -> Response:
        ctx = self.context(req, collection, ident)
        try:
            params = req.params()
        except ValueError:
            raise ApiError(400, {"errors": [{"message": "invalid JSON body"}]}) from None
        export_type = params.get("export_type")
        valid = {"zip"} | ({"common_cartridge", "qti", "quizzes2"} if ctx[0] == "course" else set())
        if export_type not in valid:
            raise ApiError(400, {"message": "invalid export_type"})
        if export_type != "zip" and not is_admin(self.data, req.user_id, ctx):  # type: ignore[arg-type]
            raise self.unauthorized()
        if export_type == "quizzes2":
            quiz_id = str(params.get("quiz_id") or "")
            if not quiz_id.isdigit():
                raise ApiError(400, {"message": "quiz_id required and must be a valid ID"})
            if int(quiz_id) not in self.data.ids("quizzes", ctx[1]):
                raise ApiError(400, {"message": "Quiz could not be found"})
        try:
            selection = Selection.parse(params.get("select"))
        except MalformedSelect:
            raise ApiError(500, {"errors": [{"message": "An error occurred."}]}) from None
        faults = self.sim.faults
        rec = self.sim.store.create(
            ctx,
            req.user_id,
            export_type,
            selection,  # type: ignore[arg-type]
            duration=self.sim.export_duration,
            fail=faults.take_export_failure(),
            new_quizzes=faults.new_quizzes_enabled and ctx[0] == "course",
        )
        return self.json(self.export_json(rec))

    def progress(self, req: Request, progress_id: str) -> Response:
        rec = self.sim.store.find(progress_id=int(progress_id))
        if rec is None:
            raise not_found()
        if not self.sim.store.can_read(req.user_id, rec):  # type: ignore[arg-type]
            raise self.unauthorized()
        snap = snapshot(rec, self.sim.clock())
        at = lambda t: iso(datetime.fromtimestamp(t, timezone.utc))  # noqa: E731
        return self.json(
            {
                "id": rec.progress_id,
                "context_id": rec.id,
                "context_type": "ContentExport",
                "user_id": rec.user_id,
                "tag": "content_export",
                "completion": snap.completion,
                "workflow_state": snap.progress_state,
                "created_at": at(rec.created_at),
                "updated_at": at(snap.updated_at),
                "message": None,
                "url": f"{self.base}/api/v1/progress/{rec.progress_id}",
            }
        )

    # --- files and folders -----------------------------------------------------------
    def sees_hidden(self, req: Request, ctx: Ctx) -> bool:
        return is_admin(self.data, req.user_id, ctx)  # type: ignore[arg-type]

    def visible_folders(self, req: Request, folders: list[Folder]) -> list[Folder]:
        return [f for f in folders if not self.data.folder_hidden(f.id) or self.sees_hidden(req, f.context)]

    def visible_files(self, req: Request, files: list[File]) -> list[File]:
        return [f for f in files if not self.data.file_hidden(f) or self.sees_hidden(req, f.context)]

    def folder_json(self, req: Request, f: Folder) -> dict[str, Any]:
        api = f"{self.base}/api/v1/folders/{f.id}"
        return {
            "id": f.id,
            "name": f.name,
            "full_name": f.full_name,
            "context_id": f.context[1],
            "context_type": _CTX_TYPE[f.context[0]],
            "parent_folder_id": f.parent_id,
            "created_at": "2026-08-01T12:00:00Z",
            "updated_at": "2026-08-01T12:00:00Z",
            "lock_at": None,
            "unlock_at": None,
            "position": f.position,
            "locked": False,
            "folders_url": api + "/folders",
            "files_url": api + "/files",
            "files_count": len(self.visible_files(req, self.data.folder_files(f.id))),
            "folders_count": len(self.visible_folders(req, self.data.subfolders(f.id))),
            "hidden": f.hidden or None,
            "locked_for_user": False,
            "hidden_for_user": False,
            "for_submissions": False,
            "can_upload": self.sees_hidden(req, f.context),
        }

    def file_json(self, f: File) -> dict[str, Any]:
        return {
            "id": f.id,
            "uuid": f.uuid,
            "folder_id": f.folder_id,
            "display_name": f.display_name,
            "filename": f.display_name.replace(" ", "+"),
            "upload_status": "success",
            "content-type": f.content_type,
            "url": f"{self.base}/files/{f.id}/download?download_frd=1&verifier={f.uuid}",
            "size": f.size,
            "created_at": f.created_at,
            "updated_at": f.created_at,
            "unlock_at": None,
            "locked": False,
            "hidden": f.hidden,
            "lock_at": None,
            "hidden_for_user": False,
            "thumbnail_url": None,
            "modified_at": f.created_at,
            "mime_class": f.content_type.split("/")[-1].split(".")[-1],
            "media_entry_id": None,
            "category": "uncategorized",
            "locked_for_user": False,
        }

    def readable_folder(self, req: Request, folder_id: str) -> Folder:
        folder = self.data.folders.get(int(folder_id))
        if folder is None:
            raise not_found()
        if role(self.data, req.user_id, folder.context) is None or not self.visible_folders(req, [folder]):  # type: ignore[arg-type]
            raise self.unauthorized()
        return folder

    def context_folders(self, req: Request, collection: str, ident: str) -> Response:
        ctx = self.context(req, collection, ident)
        rows = self.visible_folders(req, [f for f in self.data.folders.values() if f.context == ctx])
        return self.paginate(req, rows, lambda f: self.folder_json(req, f))

    def context_files(self, req: Request, collection: str, ident: str) -> Response:
        ctx = self.context(req, collection, ident)
        rows = self.visible_files(req, [f for f in self.data.files.values() if f.context == ctx])
        return self.paginate(req, rows, self.file_json)

    def folder(self, req: Request, folder_id: str) -> Response:
        return self.json(self.folder_json(req, self.readable_folder(req, folder_id)))

    def folder_folders(self, req: Request, folder_id: str) -> Response:
        rows = self.visible_folders(req, self.data.subfolders(self.readable_folder(req, folder_id).id))
        return self.paginate(req, rows, lambda f: self.folder_json(req, f))

    def folder_files(self, req: Request, folder_id: str) -> Response:
        rows = self.visible_files(req, self.data.folder_files(self.readable_folder(req, folder_id).id))
        return self.paginate(req, rows, self.file_json)

    def file(self, req: Request, file_id: str) -> Response:
        f = self.data.files.get(int(file_id))
        if f is None:
            raise not_found()
        if role(self.data, req.user_id, f.context) is None or not self.visible_files(req, [f]):  # type: ignore[arg-type]
            raise self.unauthorized()
        return self.json(self.file_json(f))

    # --- course content ----------------------------------------------------------------
    def item_json(self, item: ModuleItem, course_id: int) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": item.id,
            "title": item.title,
            "position": item.position,
            "indent": 0,
            "quiz_lti": False,
            "type": item.type,
            "module_id": item.module_id,
            "html_url": f"{self.base}/courses/{course_id}/modules/items/{item.id}",
            "new_tab": False,
            "published": True,
        }
        if item.content_id is not None:
            body["content_id"] = item.content_id
            target = item.content_id
            if item.type == "Page":
                body["page_url"] = target = self.data.content[item.content_id].slug  # type: ignore[assignment]
            body["url"] = f"{self.base}/api/v1/courses/{course_id}/{_ITEM_API[item.type]}/{target}"
        if item.external_url:
            body["external_url"] = item.external_url
        return body

    def module_json(self, module: Module, include_items: bool) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": module.id,
            "name": module.name,
            "position": module.position,
            "unlock_at": None,
            "require_sequential_progress": False,
            "requirement_type": "all",
            "publish_final_grade": False,
            "prerequisite_module_ids": [],
            "published": True,
            "items_count": len(module.item_ids),
            "items_url": f"{self.base}/api/v1/courses/{module.course_id}/modules/{module.id}/items",
        }
        if include_items:
            body["items"] = [self.item_json(self.data.module_items[i], module.course_id) for i in module.item_ids]
        return body

    def course_modules(self, req: Request, ident: str) -> list[Module]:
        ctx = self.context(req, "courses", ident)
        return sorted((m for m in self.data.modules.values() if m.course_id == ctx[1]), key=lambda m: m.position)

    def modules(self, req: Request, ident: str) -> Response:
        items = "items" in req.args("include[]")
        return self.paginate(req, self.course_modules(req, ident), lambda m: self.module_json(m, items))

    def module(self, req: Request, ident: str, module_id: str) -> Response:
        module = next((m for m in self.course_modules(req, ident) if m.id == int(module_id)), None)
        if module is None:
            raise not_found()
        return self.json(self.module_json(module, "items" in req.args("include[]")))

    def module_items(self, req: Request, ident: str, module_id: str) -> Response:
        module = next((m for m in self.course_modules(req, ident) if m.id == int(module_id)), None)
        if module is None:
            raise not_found()
        items = [self.data.module_items[i] for i in module.item_ids]
        return self.paginate(req, items, lambda i: self.item_json(i, module.course_id))

    def content_json(self, c: Content) -> dict[str, Any]:
        html = f"{self.base}/courses/{c.course_id}/{ {'wiki_pages': 'pages'}.get(c.kind, c.kind) }"
        if c.kind == "wiki_pages":
            return {
                "page_id": c.id,
                "url": c.slug,
                "title": c.title,
                "created_at": c.created_at,
                "updated_at": c.created_at,
                "hide_from_students": False,
                "editing_roles": "teachers",
                "published": c.published,
                "front_page": c.slug == self.data.of_kind("wiki_pages", c.course_id)[0].slug,
                "locked_for_user": False,
                "html_url": f"{html}/{c.slug}",
                "publish_at": None,
            }
        common = {"id": c.id, "created_at": c.created_at, "html_url": f"{html}/{c.id}"}
        if c.kind == "assignments":
            return {
                **common,
                "name": c.title,
                "description": f"<p>{c.title}</p>",
                "due_at": c.when,
                "lock_at": None,
                "unlock_at": None,
                "course_id": c.course_id,
                "points_possible": c.points,
                "grading_type": "points",
                "submission_types": ["online_upload"],
                "published": True,
                "assignment_group_id": 1,
            }
        if c.kind == "quizzes":
            return {
                **common,
                "title": c.title,
                "quiz_type": "assignment",
                "question_count": len(c.questions),
                "points_possible": float(len(c.questions)),
                "due_at": c.when,
                "published": True,
                "time_limit": None,
                "allowed_attempts": 1,
                "shuffle_answers": False,
            }
        if c.kind == "discussion_topics":
            return {
                **common,
                "title": c.title,
                "message": f"<p>{c.title}</p>",
                "posted_at": c.when or c.created_at,
                "discussion_type": "threaded" if not c.is_announcement else "side_comment",
                "published": True,
                "locked": False,
                "pinned": False,
                "is_announcement": c.is_announcement,
                "discussion_subentry_count": 0,
                "read_state": "read",
                "unread_count": 0,
            }
        if c.kind == "calendar_events":
            course = self.data.courses[c.course_id]
            return {
                **common,
                "title": c.title,
                "start_at": c.when,
                "end_at": c.when,
                "description": None,
                "location_name": "Babbage Hall 101",
                "context_code": f"course_{c.course_id}",
                "context_name": course.name,
                "all_context_codes": f"course_{c.course_id}",
                "workflow_state": "active",
                "hidden": False,
                "all_day": False,
                "type": "event",
                "url": f"{self.base}/api/v1/calendar_events/{c.id}",
                "html_url": f"{self.base}/calendar?event_id={c.id}&include_contexts=course_{c.course_id}",
            }
        return {
            "id": c.id,
            "title": c.title,
            "context_id": c.course_id,
            "context_type": "Course",
            "points_possible": c.points,
            "reusable": False,
            "read_only": False,
            "free_form_criterion_comments": False,
            "hide_score_total": False,
            "data": [{"id": f"_{n}", "description": f"Criterion {n}", "points": 5.0} for n in range(1, 5)],
        }

    def content_list(self, req: Request, ident: str, collection: str) -> Response:
        ctx = self.context(req, "courses", ident)
        admin = is_admin(self.data, req.user_id, ctx)  # type: ignore[arg-type]
        kind = {"pages": "wiki_pages"}.get(collection, collection)
        if kind == "rubrics" and not admin:
            raise self.unauthorized()
        rows = [c for c in self.data.of_kind(kind, ctx[1]) if admin or c.published]
        if kind == "discussion_topics":  # announcements only with only_announcements=true
            wanted = truthy(req.arg("only_announcements") or "false")
            rows = [c for c in rows if c.is_announcement == wanted]
        return self.paginate(req, rows, self.content_json)

    def calendar_events(self, req: Request) -> Response:
        """Without all_events or a date range, only today's events (canvas-api.md §10.2)."""
        codes = req.args("context_codes[]") or [
            f"course_{c.id}" for c in self.data.courses.values() if req.user_id in c.roles
        ]
        if len(codes) > 10:
            raise ApiError(400, {"errors": [{"message": "cannot query more than 10 contexts"}]})
        course_ids = []
        for code in codes:
            kind, _, num = code.partition("_")
            if kind == "course" and num.isdigit() and role(self.data, req.user_id, ("course", int(num))):  # type: ignore[arg-type]
                course_ids.append(int(num))
        rows = (
            []
            if (req.arg("type") or "event") != "event"
            else [c for cid in course_ids for c in self.data.of_kind("calendar_events", cid)]
        )
        if not truthy(req.arg("all_events") or "false"):
            today = datetime.fromtimestamp(self.sim.clock(), timezone.utc).date().isoformat()
            start, end = req.arg("start_date") or today, req.arg("end_date") or today
            rows = [c for c in rows if c.when and start <= c.when[:10] <= end]
        return self.paginate(req, sorted(rows, key=lambda c: (c.when or "", c.id)), self.content_json, bookmark=True)
