"""`canvas-exports batch …`: term-end bulk export from the command line (and cron).

    batch start (--mine | --account ID|self | --csv FILE | --course CTX ...)
        [--term ID|NAME] [--search TEXT] --type TYPE --to DIR [--name NAME]
        [--max-at-canvas N] [--skip-if-saved-within DAYS] [--keep K] [--notify] [--wait]
    batch list | show BATCH_ID | resume BATCH_ID [--wait] | retry BATCH_ID [--wait]

Without `--wait`, `start`, `resume` and `retry` hand the batch to a worker process of
their own (detached, its output in the log folder) and return at once with the batch
id; with it, one line per course state change goes to stderr and the last stdout line
is the path of `report.csv`. Exit codes as for every command: 0 every course saved or
skipped, 1 some failed (see the report), 2 usage or validation (before any request), 3
Canvas refused the token (the batch is paused until `batch resume`), 4 unreachable.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop_app.app.batch_views import BatchRowView, BatchState, BatchView, RowGroup, RowStatus
from desktop_app.batch.model import DEFAULT_MAX_AT_CANVAS, MAX_AT_CANVAS_LIMIT, BatchOptions, BatchTarget
from desktop_app.canvas.errors import CanvasError, ValidationError
from desktop_app.canvas.models import Context, ContextKind, ExportType, Term
from desktop_app.cli_help import add_command

if TYPE_CHECKING:
    from desktop_app.cli import Output, Runner

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_AUTH, EXIT_UNREACHABLE = 0, 1, 2, 3, 4
WORKER_LOG = "batch-{id}.log"
_LINE_BREAKS = re.compile("[\t\n\v\f\r\x1c-\x1e\x85\u2028\u2029]+")


def add_parser(sub: Any, common: argparse.ArgumentParser, number: Any, course: Any) -> None:
    """The `batch` command and its subcommands (`number` and `course` parse arguments)."""
    p = add_command(sub, "batch", parents=[common])
    batch = p.add_subparsers(dest="batch_command", metavar="SUBCOMMAND", parser_class=type(p))
    batch.required = True

    s = add_command(batch, "batch start", parents=[common])
    source = s.add_mutually_exclusive_group(required=True)
    source.add_argument("--mine", action="store_true", help="your courses where you are a teacher, TA or designer")
    source.add_argument("--account", metavar="ID|self", help="an account's courses (sub-accounts included; admins)")
    source.add_argument(
        "--csv", type=Path, metavar="FILE", help="a CSV with a course_id column (ids or sis_course_id:X)"
    )
    source.add_argument("--course", type=course, nargs="+", metavar="CTX", help="course:ID or course:sis_course_id:X")
    s.add_argument("--term", metavar="ID|NAME", help="only this term (its id, name or SIS id)")
    s.add_argument("--search", metavar="TEXT", help="only courses whose name, code or SIS id contains TEXT")
    s.add_argument("--type", dest="export_type", required=True, choices=[t.value for t in ExportType])
    s.add_argument("--to", dest="to", type=Path, required=True, metavar="DIR", help="the batch folder")
    s.add_argument("--name", help="the batch's name (default: term, type and date)")
    s.add_argument(
        "--max-at-canvas",
        type=lambda t: number(t, "--max-at-canvas"),
        default=DEFAULT_MAX_AT_CANVAS,
        metavar="N",
        help=f"exports running at Canvas at once (default {DEFAULT_MAX_AT_CANVAS}, at most {MAX_AT_CANVAS_LIMIT})",
    )
    s.add_argument("--skip-if-saved-within", type=float, metavar="DAYS", help="skip courses saved this recently")
    s.add_argument(
        "--keep",
        type=lambda t: number(t, "--keep"),
        metavar="K",
        help="keep the newest K packages batches saved into DIR (per course)",
    )
    s.add_argument("--notify", action="store_true", help="let Canvas e-mail about each export (off by default)")
    s.add_argument("--wait", action="store_true", help="run here until the batch ends; print report.csv's path last")

    add_command(batch, "batch list", parents=[common])
    for name in ("show", "resume", "retry"):
        r = add_command(batch, f"batch {name}", parents=[common])
        r.add_argument("batch_id", type=lambda t: number(t, "BATCH_ID"), metavar="BATCH_ID")
        if name != "show":
            r.add_argument("--wait", action="store_true", help="run here until the batch ends")


class BatchCommands:
    """The `batch` subcommands over `app/batches.py`, for one CLI `Runner`."""

    def __init__(self, runner: Runner) -> None:
        self.runner = runner
        self.args = runner.args
        self.output: Output = runner.output

    async def run(self) -> int:
        handler = getattr(self, "cmd_" + self.args.batch_command)
        code: int = await handler()
        return code

    # ---- start

    async def cmd_start(self) -> int:
        from desktop_app.app import batches

        args = self.args
        folder = Path(args.to).expanduser().absolute()
        csv_extra: tuple[str, ...] = ()
        if args.csv is not None:  # every bad row, before any request
            found = batches.read_course_csv(args.csv)
            if found.problems:
                for problem in found.problems:
                    self.output.note(f"{args.csv.name}: {problem}")  # "courses.csv: line 7: …"
                raise ValidationError(f"{args.csv.name} has {len(found.problems)} problem(s); nothing was started.")
        try:
            options = BatchOptions(
                export_type=args.export_type,
                folder=folder,
                skip_notifications=not args.notify,
                max_at_canvas=args.max_at_canvas,
                skip_within_days=args.skip_if_saved_within,
                keep=args.keep,
            )
        except ValueError as err:
            raise ValidationError(str(err)) from None
        if args.search is not None and len(args.search.strip()) < 2:
            raise ValidationError("--search needs at least 2 characters (Canvas's rule).")
        site = self.runner.site().base_url
        await self.runner.engine()
        user_id = await self.runner.user_id()
        services = self.runner.services
        source, term_name = "", ""
        if args.csv is not None:
            targets, csv_extra, source = found.targets, found.extra_columns, args.csv.name
        elif args.course:
            targets = [_target_of(ctx) for ctx in args.course]
            source = "courses named on the command line"
        elif args.mine:
            courses = await batches.my_courses(services, site)
            if args.term:
                courses = [c for c in courses if _course_in_term(c, args.term)]
                term_name = courses[0].term or "" if courses else ""
            if args.search:
                courses = [c for c in courses if _matches(c, args.search)]
            targets, source = [batches.target_of(c) for c in courses], "my courses"
        else:
            account = await self._account(args.account)
            term = None
            if args.term:
                term = find_term(await batches.account_terms(services, site, account), args.term)
                term_name = term.name
            courses = await batches.account_courses(
                services, site, account.id, term_id=term.id if term else None, search=args.search
            )
            targets, source = [batches.target_of(c) for c in courses], f"account {account.name}"
        if not targets:
            raise ValidationError("No courses match: nothing was started.")
        label = ExportType(args.export_type).label
        name = args.name or " ".join(p for p in (term_name, label, date.today().isoformat()) if p)
        plan = batches.BatchPlan(site, user_id, name, targets, options, csv_extra, source)
        if not args.wait:
            batch_id = await batches.record_batch(services, plan)
            return self._hand_over(batch_id, "resume")
        batch_id = await batches.start_batch(services, plan)
        self.output.note(f"batch {batch_id}: {len(targets)} course(s) into {folder}")
        return await self._wait(batch_id)

    async def _account(self, which: str) -> Any:
        from desktop_app.app import batches

        site = self.runner.site().base_url
        accounts = await batches.admin_accounts(self.runner.services, site)
        if not accounts:
            raise ValidationError("You administer no Canvas account here: use --mine, --csv or --course.")
        if which == "self":
            return next((a for a in accounts if a.parent_account_id is None), accounts[0])
        if not which.isdigit():
            raise ValidationError(f"'{which}' is not an account id: use a number or self.")
        found = next((a for a in accounts if a.id == int(which)), None)
        if found is None:
            raise ValidationError(f"You do not administer account {which} (or it does not exist).")
        return found

    # ---- running and watching

    def _hand_over(self, batch_id: int, verb: str) -> int:
        """Start a detached worker (`batch resume ID --wait`) and return: the batch goes on
        after this command ends, its output in the log folder."""
        log_path = worker_log_path(batch_id)
        log_path.parent.mkdir(parents=True, exist_ok=True)
        command = [*_self_command(), "batch", verb, str(batch_id), "--wait"]
        for option in ("base_url", "profile"):
            value = getattr(self.args, option, None)
            if value:
                command += [f"--{option.replace('_', '-')}", value]
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0)
        with os.fdopen(os.open(log_path, flags, 0o600), "ab") as log:  # never through a planted link
            subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True, env=dict(os.environ)
            )
        self.output.note(f"batch {batch_id} runs in the background; its log: {log_path}")
        self.output.result({"batch_id": batch_id, "log": str(log_path)}, str(batch_id))
        return EXIT_OK

    async def _wait(self, batch_id: int) -> int:
        from desktop_app.app import batches

        services = self.runner.services
        state = await batches.wait_batch(services, batch_id)
        rows = await batches.batch_rows(services, batch_id)
        view = await batches.batch_view(services, batch_id, rows)
        self.output.note(_totals_line(view))
        if state is BatchState.SIGN_IN:
            self.output.note(
                f"Canvas refused the token: batch {batch_id} is paused. Sign in again (or set a new token), "
                f"then run: canvas-exports batch resume {batch_id}"
            )
            return EXIT_AUTH
        if not view.report_path.is_file():  # the folder failed under the batch (removed, full): no path to give
            self.output.note(f"batch {batch_id}: its report could not be written into {view.folder}.")
            return EXIT_FAILED
        self.output.result({"batch_id": batch_id, "report": str(view.report_path)}, str(view.report_path))
        if state is not BatchState.FINISHED:
            self.output.note(f"batch {batch_id} is {state.label.lower()}; resume it with: batch resume {batch_id}")
            return EXIT_FAILED
        return exit_code_of(rows)

    async def cmd_resume(self, *, retry: bool = False) -> int:
        from desktop_app.app import batches

        await self.runner.engine()
        services = self.runner.services
        batch_id = self.args.batch_id
        store = batches.runs(services).store()
        try:
            store.batch(batch_id)
        except KeyError:
            raise ValidationError(f"There is no batch {batch_id}.") from None
        holder = store.holder(batch_id)
        if holder is not None:
            self.output.note(f"batch {batch_id} is being run by another Canvas Export Manager ({holder.describe()}).")
            return EXIT_OK
        if not self.args.wait:
            return self._hand_over(batch_id, "retry" if retry else "resume")
        self.runner.site()  # the token is checked before the run starts
        try:
            await (batches.retry_failed if retry else batches.resume_batch)(services, batch_id)
            return await self._wait(batch_id)
        except batches.BatchBusyError as err:  # another process took the lease since `holder` above
            self.output.note(err.message)
            return EXIT_OK

    async def cmd_retry(self) -> int:
        return await self.cmd_resume(retry=True)

    # ---- reading

    async def cmd_list(self) -> int:
        from desktop_app.app import batches

        await self.runner.engine()
        views = await batches.list_batches(
            self.runner.services, self.runner.site().base_url, await self.runner.user_id()
        )
        if not views:
            self.output.note("No batches on this Canvas site yet.")
        for view in views:
            self.output.result(
                view_json(view),
                one_line(f"{view.batch_id:>4}  {view.state.label:<22}  {view.name}  —  {_totals_line(view)}"),
            )
        return EXIT_OK

    async def cmd_show(self) -> int:
        from desktop_app.app import batches

        await self.runner.engine()
        services = self.runner.services
        try:
            rows = await batches.batch_rows(services, self.args.batch_id)
        except KeyError:
            raise ValidationError(f"There is no batch {self.args.batch_id}.") from None
        view = await batches.batch_view(services, self.args.batch_id, rows)
        self.output.result(
            view_json(view), one_line(f"batch {view.batch_id}: {view.name} ({view.state.label}) — {_totals_line(view)}")
        )
        for row in rows:
            self.output.result(row_json(row), row_line(row))
        return EXIT_OK


# ------------------------------------------------------------------ helpers


def find_term(terms: list[Term], text: str) -> Term:
    """The term `--term` names (id, name or SIS id); ValidationError if none or several."""
    found = [t for t in terms if t.matches(text)]
    if len(found) == 1:
        return found[0]
    if not found:
        names = ", ".join(t.name for t in terms[:8]) or "none"
        raise ValidationError(f"No term '{text}' (terms: {names}).")
    raise ValidationError(f"'{text}' names {len(found)} terms; use the term's id.")


def _course_in_term(course: Any, text: str) -> bool:
    wanted = text.strip().casefold()
    return wanted in {str(course.term_id), (course.term or "").casefold()} - {"", "none"}


def _matches(course: Any, text: str) -> bool:
    wanted = text.strip().casefold()
    return any(wanted in (v or "").casefold() for v in (course.name, course.course_code, course.sis_course_id))


def _target_of(ctx: Context) -> BatchTarget:
    if ctx.kind is not ContextKind.COURSE:
        raise ValidationError(f"{ctx} is not a course: a batch exports courses.")
    sis = ctx.sis_id
    return BatchTarget(course_id=None if sis else int(ctx.id), sis_course_id=sis)


def exit_code_of(rows: list[BatchRowView]) -> int:
    """0 every course saved or skipped, else 1 (the report says why each failed). Canvas
    out of reach before the batch could start is 4, refused tokens 3 (`_wait`)."""
    return EXIT_FAILED if any(r.status.group is RowGroup.FAILED for r in rows) else EXIT_OK


def _totals_line(view: BatchView) -> str:
    from desktop_app.sizes import human_size

    t = view.totals
    parts = [f"{t.saved} saved", f"{t.running} running", f"{t.waiting} waiting", f"{t.failed} failed"]
    if t.bytes_saved:
        parts.append(human_size(t.bytes_saved))
    return " · ".join(parts)


def one_line(text: str) -> str:
    """`text` on one line: a course named "Cells\\n   9  Saved …" must not add a line to
    a nightly log that seems to be ours (JSON output escapes line breaks itself)."""
    return _LINE_BREAKS.sub(" ", text)


def row_line(row: BatchRowView) -> str:
    course = " ".join(p for p in (row.course_code, row.name) if p) or (row.sis_course_id or "")
    ident = row.course_id if row.course_id is not None else f"sis_course_id:{row.sis_course_id}"
    tail = row.file or row.reason or ""
    return one_line(
        f"{row.position + 1:>4}  {row.status.label:<24}  {course} ({ident})" + (f"  {tail}" if tail else "")
    )


def row_json(row: BatchRowView) -> dict[str, Any]:
    return {
        "batch_id": row.batch_id,
        "position": row.position,
        "course_id": row.course_id,
        "sis_course_id": row.sis_course_id,
        "course_code": row.course_code,
        "name": row.name,
        "term": row.term,
        "state": row.status.value,
        "progress": row.progress,
        "size": row.size,
        "file": row.file,
        "reason": row.reason,
        "job_id": row.job_id,
        "export_id": row.export_id,
    }


def view_json(view: BatchView) -> dict[str, Any]:
    t = view.totals
    return {
        "batch_id": view.batch_id,
        "name": view.name,
        "site": view.site,
        "export_type": view.export_type,
        "folder": str(view.folder),
        "state": view.state.value,
        "saved": t.saved,
        "running": t.running,
        "waiting": t.waiting,
        "failed": t.failed,
        "bytes_saved": t.bytes_saved,
        "report": str(view.report_path),
        "created_at": view.created_at.isoformat() if view.created_at else None,
        "finished_at": view.finished_at.isoformat() if view.finished_at else None,
    }


def worker_log_path(batch_id: int) -> Path:
    import platformdirs

    from desktop_app.cli import APP_NAME

    return Path(platformdirs.user_log_dir(APP_NAME)) / WORKER_LOG.format(id=batch_id)


def _self_command() -> list[str]:
    """This program, to start a worker: the frozen executable, or this Python."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    return [sys.executable, "-m", "desktop_app"]


class BatchProgress:
    """Engine and batch events -> one stderr line per course state change (`--wait`).

    A job's change is shown on its course's row and on the rows that follow it (a course
    named twice: the later row is skipped for the same package), which this remembers
    from their own `BatchChanged`: every row is named by one when it is decided."""

    def __init__(self, output: Output, services: Any) -> None:
        self.output = output
        self.services = services
        self.store: Any = None  # the BatchStore, once the engine runs
        self._shown: dict[tuple[int, int], tuple[RowStatus, str | None]] = {}
        self._followers: dict[int, set[tuple[int, int]]] = {}  # job id -> rows skipped for its package

    def __call__(self, event: Any) -> None:
        from desktop_app.batch.events import BatchChanged
        from desktop_app.batch.store import BatchStore
        from desktop_app.engine.events import JobCreated, JobDone, JobState

        if self.store is None:
            if self.services.store is None:
                return
            self.store = BatchStore(self.services.store)
        if isinstance(event, BatchChanged):
            for position in event.positions:
                self._show(event.batch_id, position)
        elif isinstance(event, (JobCreated, JobState, JobDone)):
            where = self.store.position_of(event.job_id)
            for row in sorted(({where} - {None}) | self._followers.get(event.job_id, set())):
                self._show(*row)

    def _show(self, batch_id: int, position: int) -> None:
        try:
            batch = self.store.batch(batch_id)
            if batch.state is BatchState.FINISHED:
                return  # an older batch whose package this one's --keep replaced: not this run's news
            row = self.store.row(self.store.item(batch_id, position), batch.state)
        except (KeyError, CanvasError):
            return
        if row.package_job_id is not None and row.package_job_id != row.job_id:
            self._followers.setdefault(row.package_job_id, set()).add((batch_id, position))
        shown = (row.status, row.file)
        if self._shown.get((batch_id, position)) != shown:
            self._shown[(batch_id, position)] = shown
            self.output.note(row_line(row))
