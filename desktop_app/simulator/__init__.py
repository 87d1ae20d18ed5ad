"""A simulated Canvas LMS on loopback, for the demo mode and every integration test.

Two origins, like a real hosted Canvas: the **Canvas host** (REST API under /api/v1,
`/files/:id/download`, `/login/canvas`) and an S3-like **files host** on another port
(400 with `Authorization`, 403 without a valid short-lived signature, `Range` -> 206).
Behaviour follows the project's canvas-api.md reference: Link pagination, per_page
limits, throttle headers and 403 "Rate Limit Exceeded", Canvas's error bodies, create
returning 200, the export and Progress lifecycle, 30-day expiry, student permissions,
and real packages (.imscc, QTI zip, files zip) whose manifests list exactly the selection;
for bulk exports a root account (1, "Babbage University") with nested sub-accounts,
terms with SIS ids, course search, SIS ids in course URLs and an account admin.

In-process use::

    from desktop_app.simulator import SimulatedCanvas, TEACHER_TOKEN, STUDENT_TOKEN, ADMIN_TOKEN, EXPIRED_TOKEN
    with SimulatedCanvas(export_duration=0.3) as sim:      # kw-only knobs: expire_days=30, seed,
        # bulk_courses=N (generated courses 100001.., SIS ids like BIO-2026FA-0042),
        # port/files_port (0 = free), throttle=ThrottleSettings(hwm, outflow, up_front_cost,
        # request_cost (a number or a (low, high) range), seed), signed_url_ttl,
        # unauthorized_status (401 | 403), clock (a callable)
        sim.base_url, sim.files_base_url                   # http://127.0.0.1:<port>, two origins
        sim.data.main_course_id, sim.data.group_id         # 101, 201 (also courses 102, 103)
        sim.data.teacher_id, sim.data.student_id           # 1001 Ada Lovelace, 1002 Alan Turing
        sim.data.admin_id, sim.data.root_account_id        # 1003 Grace Hopper, admin of account 1
        sim.data.accounts, sim.data.terms, sim.data.sis_courses  # by id; SIS id -> course id
        sim.data.ids("wiki_pages")                         # main-course ids per collection: "quizzes",
        # "assignments", "announcements", "discussion_topics", "calendar_events", "rubrics",
        # "context_modules", "content_tags" (module items), "folders", "attachments"
        sim.faults.drop_download_after(65536)              # also server_errors, every_nth_error,
        # throttle (retry_after, path), hostile_pages ("endless" | "cycle"), fail_next_export,
        # slow_files, ignore_range, pad_files, corrupt_files, announce_size, new_quizzes,
        # revoke_token, delete_course (404 from then on), forbid_course (401 unauthorized),
        # json_prefix, malformed_exports({"workflow_state": DROP, "id":
        # RawJson("1e400")}) (both from .faults), clear; faults.injected lists the
        # requests a fault answered instead of Canvas
        sim.issue_token(sim.data.teacher_id)               # a new valid token ("+ New Access Token")
        sim.request_log                                    # [RequestRecord(host "api"|"files",
        # method, path, query, headers, status)]; credentials show as "[redacted]"
        sim.age_export(export_id, days=31); sim.export_state(export_id); sim.package_bytes(export_id)
        sim.signed_url(file_id, ttl=-1)                    # an expired files-host URL
        sim.serve_package_from(export_id, url, size)       # benchmarks: send one download elsewhere
        sim.package_redirect = lambda export_id: (url, size)  # ... or every download

Command line (`canvas-exports demo-server [--port N] [--courses N] [--export-duration S]`
calls this)::

    from desktop_app.simulator import serve
    serve(port=8765, bulk_courses=500)  # foreground until Ctrl+C; prints the URL and demo tokens
                              # also: python -m desktop_app.simulator [--port N] [--courses N]
"""

from .auth import ADMIN_TOKEN, EXPIRED_TOKEN, STUDENT_TOKEN, TEACHER_TOKEN, ThrottleSettings
from .data import SampleData
from .packages import resource_identifier
from .server import RequestRecord, SimulatedCanvas, serve

__all__ = [
    "ADMIN_TOKEN",
    "EXPIRED_TOKEN",
    "STUDENT_TOKEN",
    "TEACHER_TOKEN",
    "RequestRecord",
    "SampleData",
    "SimulatedCanvas",
    "ThrottleSettings",
    "resource_identifier",
    "serve",
]
