"""`canvas-exports`: the command line, over the same engine the desktop app uses.

    canvas-exports [--base-url URL] [--profile NAME] [--json] COMMAND
      list CONTEXT                     the context's exports, newest first
      show CONTEXT EXPORT_ID
      create CONTEXT --type {common_cartridge,qti,zip} [--select KEY=ID[,ID...]]...
             [--skip-notifications] [--wait] [--download DIR]
      download CONTEXT EXPORT_ID --to DIR
      reexport CONTEXT EXPORT_ID [--download DIR] [--everything]
      retry JOB_ID                     carry a job on, or export again if Canvas's failed
      resume                           carry on unfinished jobs: the site's named, or every site's (cron)
      jobs                             the local job list
      forget JOB_ID [JOB_ID...]        take jobs off the local job list (files and Canvas untouched)
      demo-server [--port N] [--courses N] [--export-duration S]
                                       a simulated Canvas on this computer
      inspect FILE [--job JOB_ID]      what a saved package holds; did the job's selection land

The token comes from $CANVAS_TOKEN, else from the OS keyring entry of the profile
(--profile, or the profile used last); the base URL from --base-url, $CANVAS_BASE_URL or
the profile. Results go to stdout (one JSON object per line with --json), progress and
errors to stderr as plain sentences, never a traceback: an unexpected error is one line
naming a log file (in the user's log folder) that holds the traceback, without the token.
Text from Canvas is printed without control characters (terminal escapes, bidi overrides).

Exit codes: 0 done; 1 export failed, expired, package invalid or not saved; 2 usage or
validation error; 3 authentication or permission; 4 Canvas unreachable or still failing
after retries; 130 interrupted (Ctrl-C; `resume` carries on).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import re
import sys
import time
import traceback
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, NoReturn, Sequence, TextIO

from desktop_app.canvas.errors import (
    AuthError,
    BadRequestError,
    CanvasError,
    NotAuthorizedError,
    NotFoundError,
    PackageError,
    ServerError,
    ThrottledError,
    UnreachableError,
    ValidationError,
)
from desktop_app.canvas.models import ContentExport, Context, ExportType, SelectKey
from desktop_app.canvas.text import printable
from desktop_app.cli_help import add_command
from desktop_app.sizes import human_size

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_AUTH = 3
EXIT_UNREACHABLE = 4
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, as a shell tool killed by it

PROG = "canvas-exports"
CONTEXT_HELP = "course:ID | course:sis_course_id:ID | group:ID | user:ID | user:self"
EXPORT_ID_HELP = "the export's id at Canvas, as `list` shows it"
JOB_ID_HELP = "a job's number, as `jobs` lists it"
APP_NAME = "canvas-export-manager"
LOG_NAME = "canvas-exports.log"


class UsageError(Exception):
    """A problem with what was typed (or configured): exit 2 with one line."""


class CliExit(Exception):
    def __init__(self, code: int, message: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message


# ------------------------------------------------------------------------ exit codes


def exit_code_for_error(err: BaseException) -> int:
    """One place that maps every error to the documented exit codes."""
    return exit_code_for_type(type(err))


def exit_code_for_type(kind: type[BaseException]) -> int:
    from desktop_app.engine.errors import ExportExpiredError, ExportFailedError, LocalStorageError

    if issubclass(kind, (ValidationError, BadRequestError, NotFoundError, UsageError)):
        return EXIT_USAGE
    if issubclass(kind, (AuthError, NotAuthorizedError)):
        return EXIT_AUTH
    if issubclass(kind, (UnreachableError, ServerError, ThrottledError)):
        return EXIT_UNREACHABLE
    if issubclass(kind, (PackageError, ExportFailedError, ExportExpiredError, LocalStorageError)):
        return EXIT_FAILED
    return EXIT_FAILED


def _error_classes() -> dict[str, type[BaseException]]:
    """Error class names as the job store records them (`error_kind`)."""
    from desktop_app.canvas import errors as canvas_errors
    from desktop_app.engine import errors as engine_errors

    found: dict[str, type[BaseException]] = {}
    for module in (canvas_errors, engine_errors):
        for name, value in vars(module).items():
            if isinstance(value, type) and issubclass(value, BaseException):
                found[name] = value
    return found


def exit_code_for_job(job: Any) -> int:
    from desktop_app.engine.events import JobStatus

    if job.state is JobStatus.DONE:
        return EXIT_OK
    kind = _error_classes().get(job.error_kind or "")
    return exit_code_for_type(kind) if kind is not None else EXIT_FAILED


# ------------------------------------------------------------------------ arguments


class _Parser(argparse.ArgumentParser):
    """argparse that reports a bad argument in one line (exit 2), not usage + error."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see --help)\n")


def _context(text: str) -> Context:
    try:
        return Context.parse(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _export_id(text: str) -> int:
    return _number(text, "an export id")


def _job_id(text: str) -> int:
    return _number(text, "a job id (see 'canvas-exports jobs')")


_LARGEST_ID = 2**63 - 1
"""The largest integer SQLite stores (and Canvas's ids are 64-bit): a larger number is
no job, batch or export, and would overflow the store's query as a crash."""


def _number(text: str, what: str) -> int:
    """A whole number in ASCII digits (str.isdigit also takes '²', which int() refuses)."""
    digits = text.strip()
    if not (digits.isascii() and digits.isdigit()) or int(digits) > _LARGEST_ID:
        raise argparse.ArgumentTypeError(f"'{text}' is not {what}")
    return int(digits)


def _selection(text: str) -> tuple[SelectKey, list[int]]:
    key_text, sep, ids_text = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(f"'{text}' is not KEY=ID[,ID...], e.g. pages=12,13")
    try:
        key = SelectKey(key_text.strip().lower())
    except ValueError:
        keys = ", ".join(k.value for k in SelectKey)
        raise argparse.ArgumentTypeError(f"'{key_text}' is not a select key; use one of: {keys}") from None
    ids: list[int] = []
    for part in ids_text.split(","):
        part = part.strip()
        if not part.isdigit():
            raise argparse.ArgumentTypeError(f"'{part}' in {text} is not a numeric id")
        ids.append(int(part))
    return key, ids


def _course_count(text: str) -> int:
    if not text.isdigit() or int(text) > 100_000:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of courses (0-100000)")
    return int(text)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 86_400:  # also refuses nan
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of seconds (0-86400)")
    return value


def _port(text: str) -> int:
    if not text.isdigit() or not 0 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"'{text}' is not a port number (0-65535)")
    return int(text)


def _version() -> str:
    """From the package itself, so a frozen build (no dist-info needed) knows it too."""
    from desktop_app import __version__

    return __version__


class _LaunchDemoApp(argparse.Action):
    """`canvas-exports --demo`: open the desktop app on the built-in demo Canvas.

    Like `--version` it acts at once and exits; Qt is imported only here, so every
    other command keeps running on machines without a display.
    """

    def __call__(self, parser, namespace, values, option_string=None):  # type: ignore[no-untyped-def]
        from desktop_app.ui.app import main as app_main

        parser.exit(app_main(["--demo"]))


def build_parser() -> argparse.ArgumentParser:
    # Global options work before or after the command (SUPPRESS keeps a later default
    # from overwriting an earlier value).
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--base-url", default=argparse.SUPPRESS, help="Canvas address, e.g. https://canvas.example.edu")
    common.add_argument("--profile", default=argparse.SUPPRESS, help="a profile saved by the desktop app")
    common.add_argument(
        "--json", action="store_true", default=argparse.SUPPRESS, help="one JSON object per line on stdout"
    )

    parser = _Parser(
        prog=PROG,
        parents=[common],
        description="Canvas LMS content exports from the command line: create, watch, download, verify.",
        epilog="Exit codes: 0 done; 1 export failed, expired or package invalid; 2 usage or validation "
        "error; 3 authentication or permission; 4 Canvas unreachable or still failing; 130 interrupted "
        "(resume carries on); 141 the reader of stdout went away.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {_version()}")
    parser.add_argument(
        "--demo", action=_LaunchDemoApp, nargs=0, help="open the desktop app on the built-in demo Canvas"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    p = add_command(sub, "list", parents=[common])
    p.add_argument("context", type=_context, metavar="CONTEXT", help=CONTEXT_HELP)

    p = add_command(sub, "show", parents=[common])
    p.add_argument("context", type=_context, metavar="CONTEXT", help=CONTEXT_HELP)
    p.add_argument("export_id", type=_export_id, metavar="EXPORT_ID", help=EXPORT_ID_HELP)

    p = add_command(sub, "create", parents=[common])
    p.add_argument("context", type=_context, metavar="CONTEXT", help=CONTEXT_HELP)
    p.add_argument(
        "--type",
        dest="export_type",
        required=True,
        choices=[t.value for t in ExportType],
        help="common_cartridge (any content), qti (quizzes) or zip (files; the only one for groups and users)",
    )
    p.add_argument(
        "--select",
        action="append",
        type=_selection,
        default=[],
        metavar="KEY=ID[,ID...]",
        help="export only these items (repeatable), e.g. pages=12,13",
    )
    p.add_argument("--skip-notifications", action="store_true", help="no Canvas notification when it finishes")
    p.add_argument("--wait", action="store_true", help="wait until Canvas has finished the export")
    p.add_argument(
        "--download",
        type=Path,
        metavar="DIR",
        help="wait, save the package into DIR and print the saved file's path last",
    )

    p = add_command(sub, "download", parents=[common])
    p.add_argument("context", type=_context, metavar="CONTEXT", help=CONTEXT_HELP)
    p.add_argument("export_id", type=_export_id, metavar="EXPORT_ID", help=EXPORT_ID_HELP)
    p.add_argument("--to", dest="to", type=Path, required=True, metavar="DIR", help="the folder to save it into")

    p = add_command(sub, "reexport", parents=[common])
    p.add_argument("context", type=_context, metavar="CONTEXT", help=CONTEXT_HELP)
    p.add_argument("export_id", type=_export_id, metavar="EXPORT_ID", help=EXPORT_ID_HELP)
    p.add_argument("--download", type=Path, metavar="DIR", help="wait, save the package into DIR, print its path last")
    p.add_argument(
        "--everything",
        action="store_true",
        help="for an export this app did not start (its selection is unknown): export everything",
    )

    p = add_command(sub, "retry", parents=[common])
    p.add_argument("job_id", type=_job_id, metavar="JOB_ID", help=JOB_ID_HELP)

    add_command(sub, "resume", parents=[common])
    p = add_command(sub, "forget", parents=[common])
    p.add_argument("job_ids", type=_job_id, nargs="+", metavar="JOB_ID", help=JOB_ID_HELP)
    p = add_command(sub, "jobs", parents=[common])
    p.add_argument("--all-users", action="store_true", help="every job in the store, of every site and user")

    # Hidden (no line in the command list): the frozen build's smoke test, see desktop_app/keyring_check.py
    p = add_command(sub, "keyring-check", parents=[common])
    p.add_argument("--expect", metavar="NAME", help="fail unless the active keyring backend's name contains NAME")

    p = add_command(sub, "inspect", parents=[common])
    p.add_argument("file", type=Path, metavar="FILE", help="a .imscc, QTI zip or files zip")
    p.add_argument(
        "--job",
        type=_export_id,
        metavar="JOB_ID",
        help="check against this job's selection (default: the job that saved FILE, if any)",
    )

    from desktop_app import cli_batch

    cli_batch.add_parser(sub, common, _number, _context)

    p = add_command(sub, "demo-server", parents=[common])
    p.add_argument("--port", type=_port, default=0, help="API port (default: any free port)")
    p.add_argument(
        "--courses",
        type=_course_count,
        default=0,
        metavar="N",
        help="N generated courses for bulk exports, with SIS ids, in the admin's sub-accounts (default: 0)",
    )
    p.add_argument(
        "--export-duration",
        type=_seconds,
        default=8.0,
        metavar="SECONDS",
        help="how long Canvas takes to make each export (default: 8)",
    )
    return parser


# ------------------------------------------------------------------------ output


@dataclass
class Output:
    json_mode: bool
    out: TextIO
    err: TextIO

    def result(self, obj: dict[str, Any], text: str) -> None:
        """JSON escapes every control character itself; text is cleaned (see `printable`)."""
        if self.json_mode:
            print(json.dumps(obj, default=str), file=self.out, flush=True)
        else:
            print(printable(text), file=self.out, flush=True)

    def note(self, text: str) -> None:
        print(printable(text), file=self.err, flush=True)


def export_json(export: ContentExport, ctx: Context | None = None) -> dict[str, Any]:
    """An export as JSON; `attachment.url` is left out (it may carry a verifier)."""
    expires = export.expires_at()
    data: dict[str, Any] = {
        "id": export.id,
        "context": str(ctx) if ctx else None,
        "export_type": export.export_type,
        "workflow_state": export.workflow_state.value,
        "state_label": export.workflow_state.label,
        "created_at": export.created_at.isoformat() if export.created_at else None,
        "expires_at": expires.isoformat() if expires else None,
        "user_id": export.user_id,
        "progress_id": export.progress_id,
        "attachment": None,
    }
    if export.attachment is not None:
        a = export.attachment
        data["attachment"] = {
            "id": a.id,
            "display_name": a.display_name,
            "size": a.size,
            "content_type": a.content_type,
        }
    return data


def _size(n: int | None) -> str:
    return human_size(n) if n is not None else "?"


def export_line(export: ContentExport) -> str:
    created = f"{export.created_at:%Y-%m-%d %H:%M}" if export.created_at else "?"
    expires = export.expires_at()
    parts = [f"{export.id:>8}", f"{export.export_type:<16}", f"{export.workflow_state.label:<24}", created]
    if export.attachment is not None:
        parts.append(f"{export.attachment.display_name} ({_size(export.attachment.size)})")
        if expires:
            parts.append(f"expires {expires:%Y-%m-%d}")
    return "  ".join(parts)


class Reporter:
    """Engine events -> short progress sentences on stderr, throttled."""

    def __init__(self, output: Output, clock: Callable[[], float] = time.monotonic) -> None:
        self.output = output
        self.clock = clock
        self._last_percent: dict[int, int] = {}
        self._last_download: dict[int, float] = {}

    def __call__(self, event: Any) -> None:
        from desktop_app.engine.events import JobDownload, JobError, JobProgress, JobState, JobWarning

        say = self.output.note
        jid = event.job_id
        if isinstance(event, JobState):
            export = f" (export {event.export_id})" if event.export_id else ""
            say(f"job {jid}{export}: {event.label}" + (f": {event.message}" if event.message else ""))
        elif isinstance(event, JobProgress):
            percent = int(event.completion)
            if percent > 0 and self._last_percent.get(jid) != percent:
                self._last_percent[jid] = percent
                say(f"job {jid}: {event.label or 'Exporting'} {event.completion:.0f}%")
        elif isinstance(event, JobDownload):
            now = self.clock()
            finished = event.total is not None and event.bytes_done >= event.total
            if finished or now - self._last_download.get(jid, -1e9) >= 1.0:
                self._last_download[jid] = now
                pct = f" ({100 * event.bytes_done / event.total:.0f}%)" if event.total else ""
                say(f"job {jid}: downloaded {_size(event.bytes_done)} of {_size(event.total)}{pct}")
        elif isinstance(event, JobWarning):
            say(f"job {jid}: warning: {event.message}")
        elif isinstance(event, JobError):
            say(f"job {jid}: error: {event.message}")


# ------------------------------------------------------------------------ sites and tokens


@dataclass
class Site:
    base_url: str
    token: str | None


def resolve_site(args: argparse.Namespace, *, need_token: bool = True) -> Site:
    """Base URL and token from the options, the environment and the profile."""
    from desktop_app.canvas.urls import normalise_base_url
    from desktop_app.profiles import ProfileStore, TokenVault

    profile_name: str | None = getattr(args, "profile", None)
    profile = None
    base = getattr(args, "base_url", None) or os.environ.get("CANVAS_BASE_URL") or None
    token = os.environ.get("CANVAS_TOKEN") or None
    if profile_name or not base or not token:
        store = ProfileStore()
        if profile_name:
            profile = store.get(profile_name)
            if profile is None:
                raise UsageError(f"There is no profile named '{profile_name}'.")
        elif store.last_used:
            profile = store.get(store.last_used)
    if not base and profile is not None:
        base = profile.base_url
    if not base:
        raise UsageError("Which Canvas? Give --base-url URL, set $CANVAS_BASE_URL, or use --profile NAME.")
    try:
        base = normalise_base_url(base)
    except ValueError as err:
        raise UsageError(str(err)) from None
    if not token and profile is not None and (profile_name or _same_site(profile.base_url, base)):
        token = TokenVault().get(profile.name)
    if need_token and not token:
        raise AuthError(
            "No access token: set $CANVAS_TOKEN, or sign in once with the desktop app and use --profile NAME.",
            reason="missing",
            status=None,
        )
    return Site(base, token)


def _same_site(a: str, b: str) -> bool:
    from desktop_app.canvas.urls import normalise_base_url

    try:
        return normalise_base_url(a) == normalise_base_url(b)
    except ValueError:
        return False


def token_for_site(site: str, args: argparse.Namespace) -> str | None:
    """For `resume`: jobs may belong to several sites. $CANVAS_TOKEN serves the site given
    by --base-url/$CANVAS_BASE_URL (or every site when none is given); else the keyring
    entry of a profile for that site."""
    from desktop_app.profiles import ProfileStore, TokenVault

    env_token = os.environ.get("CANVAS_TOKEN")
    base = getattr(args, "base_url", None) or os.environ.get("CANVAS_BASE_URL")
    if env_token and (not base or _same_site(base, site)):
        return env_token
    store = ProfileStore()
    wanted = getattr(args, "profile", None)
    for profile in store.profiles():
        if (wanted is None or profile.name == wanted) and _same_site(profile.base_url, site):
            token = TokenVault().get(profile.name)
            if token:
                return token
    return None


# ------------------------------------------------------------------------ commands


class Runner:
    """One command over the application layer: its Services (clients, engine, store);
    closes them all at the end."""

    def __init__(self, args: argparse.Namespace, output: Output, secrets: set[str]) -> None:
        from desktop_app.app.services import Services

        self.args = args
        self.output = output
        self.secrets = secrets  # every token used, kept out of the crash log
        self.services = Services(Reporter(output), client_factory=self._client_for)
        self._site: Site | None = None
        self._user_id: int | None = None

    def _client_for(self, base_url: str) -> Any:
        """A client for a site the command meets (several, for `resume`)."""
        from desktop_app.canvas.client import CanvasClient

        if self._site is not None and self._site.base_url == base_url:
            token = self._site.token
        else:
            token = token_for_site(base_url, self.args)
        if not token:
            raise AuthError(f"No access token for {base_url}.", reason="missing", status=None)
        self.secrets.add(token)
        return CanvasClient(base_url, token)

    def site(self) -> Site:
        """The Canvas site the command names (options, environment, profile)."""
        if self._site is None:
            self._site = resolve_site(self.args)
            self.services.client(self._site.base_url)  # a missing token fails here, before any work
        return self._site

    async def course_named(self) -> tuple[Context, str]:
        """The command's context, and the label its jobs are recorded with. A course
        named by SIS id (`course:sis_course_id:BIO-2026FA-0042`) is looked up once, so
        jobs and output carry its numeric id and its course code, like a course chosen
        in the app; any other context is used as typed."""
        from desktop_app.engine.names import context_label_of

        ctx: Context = self.args.context
        if ctx.sis_id is None:
            return ctx, context_label_of(ctx)
        course = await self.services.client(self.site().base_url).get_course(ctx)
        return course.context, course.course_code or course.name or context_label_of(course.context)

    async def user_id(self) -> int:
        """Who the token belongs to: jobs are recorded as theirs (one request, once)."""
        if self._user_id is None:
            self._user_id = (await self.services.client(self.site().base_url).get_self()).id
        return self._user_id

    async def engine(self) -> Any:
        engine = await self.services.start_engine()
        # What is alive now (modules, client, engine) lives as long as the command: frozen,
        # it is out of the collector's sight, so a full collection while 50 jobs run walks
        # only their objects (a 12-50 ms pause on the engine loop before; bench_engine_loop.py).
        # The GUI does the same once its window is up (ui/app.py).
        gc.freeze()
        return engine

    async def aclose(self) -> None:
        await self.services.aclose()

    # -- commands

    async def cmd_list(self) -> int:
        ctx, _ = await self.course_named()
        count = 0
        async for export in self.services.client(self.site().base_url).list_exports(ctx):  # printed as pages arrive
            count += 1
            self.output.result(export_json(export, ctx), export_line(export))
        if count == 0:
            self.output.note(f"No exports in {ctx}.")
        return EXIT_OK

    async def cmd_show(self) -> int:
        ctx, _ = await self.course_named()
        export = await self.services.client(self.site().base_url).get_export(ctx, self.args.export_id)
        self.output.result(export_json(export, ctx), export_line(export))
        return EXIT_OK

    async def cmd_create(self) -> int:
        from desktop_app.app.usecases import ExportRequest, start_export
        from desktop_app.canvas.validation import validate_export_request
        from desktop_app.engine.status import Goal

        select: dict[SelectKey, list[int]] = {}
        for key, ids in self.args.select:
            select.setdefault(key, []).extend(ids)
        dest = self.args.download
        goal = Goal.SAVED if dest is not None else (Goal.EXPORTED if self.args.wait else Goal.CREATED)
        export_type = ExportType(self.args.export_type)
        validate_export_request(self.args.context, export_type, select or None)  # before any request
        ctx, label = await self.course_named()
        request = ExportRequest(
            self.site().base_url,
            ctx,
            export_type,
            select,
            self.args.skip_notifications,
            dest,
            goal,
            await self.user_id(),
            label,
        )
        await self.engine()
        return await self._finish(await start_export(self.services, request))

    async def cmd_download(self) -> int:
        from desktop_app.app.usecases import download_export

        site = self.site()
        # the context as the export names it ("course 101"): the course code would cost a
        # request, made only when the course is named by SIS id and must be looked up anyway
        ctx, label = await self.course_named()
        await self.engine()
        job_id = await download_export(
            self.services,
            site.base_url,
            ctx,
            self.args.export_id,
            self.args.to,
            await self.user_id(),
            context_label=label,
        )
        return await self._finish(job_id)

    async def cmd_reexport(self) -> int:
        from desktop_app.app.usecases import ExportRequest, reexport
        from desktop_app.engine.status import Goal

        site = self.site()
        ctx, label = await self.course_named()
        export = await self.services.client(site.base_url).get_export(ctx, self.args.export_id)
        try:
            export_type = ExportType(export.export_type)
        except ValueError:
            raise UsageError(
                f"Export {export.id} is a {export.export_type} export, which cannot be started from here."
            ) from None
        dest = self.args.download
        request = ExportRequest(
            site.base_url,
            ctx,
            export_type,
            {},
            False,
            dest,
            Goal.SAVED if dest is not None else Goal.EXPORTED,
            await self.user_id(),
            label,
        )
        await self.engine()
        return await self._finish(await reexport(self.services, request, export.id, everything=self.args.everything))

    async def cmd_retry(self) -> int:
        from desktop_app.app.usecases import retry_job

        await self.engine()
        return await self._finish(await retry_job(self.services, self.args.job_id))

    def named_site(self) -> str | None:
        """The site the command names itself (--base-url, $CANVAS_BASE_URL, --profile), or
        None. The profile used last does not count: `resume` with no site named (cron)
        carries on every site's jobs."""
        named = getattr(self.args, "base_url", None) or os.environ.get("CANVAS_BASE_URL")
        if not (named or getattr(self.args, "profile", None)):
            return None
        return resolve_site(self.args, need_token=False).base_url

    async def cmd_resume(self) -> int:
        from desktop_app.app.usecases import resume_unfinished, unfinished_elsewhere

        site = self.named_site()
        await self.engine()
        resumed = await resume_unfinished(self.services, site)
        self._mention_batches(site)
        if site is not None:
            # A job of a site nobody named (a demo server long gone, no token) must not
            # make every `resume` of this site fail: it waits for its own site's resume.
            others = await unfinished_elsewhere(self.services, site)
            if others:
                self.output.note(
                    f"{len(others)} unfinished job{'s' if len(others) > 1 else ''} of other Canvas sites left alone: "
                    f"{', '.join(map(str, others))} ({PROG} resume without a site carries on every site's)"
                )
        if resumed.busy:
            # The app (or another `resume`) is on them: theirs to finish, not a failure here.
            ids = ", ".join(str(job_id) for job_id, _ in resumed.busy)
            self.output.note(f"Skipping {len(resumed.busy)} job(s) another process is working on: {ids}")
        if not resumed.started:
            if not resumed.busy:
                self.output.note("No unfinished jobs." if site is None else f"No unfinished jobs of {site}.")
            return EXIT_OK
        self.output.note(f"Resuming {len(resumed.started)} job(s): {', '.join(map(str, resumed.started))}")
        codes = [await self._finish(job_id) for job_id in resumed.started]
        return max(codes, key=_severity)

    def _mention_batches(self, site: str | None) -> None:
        """Batch jobs carry on with their batch (its limit at Canvas): say which to resume
        (of the site named, if one is)."""
        from desktop_app.app.batch_views import BatchState
        from desktop_app.batch.store import BatchStore

        assert self.services.store is not None
        batches = BatchStore(self.services.store).batches(site)
        left = [b.id for b in batches if b.state is not BatchState.FINISHED]
        if left:
            self.output.note(
                f"{len(left)} unfinished batch(es) carry on with: "
                + "; ".join(f"{PROG} batch resume {batch_id}" for batch_id in left)
            )

    async def cmd_jobs(self) -> int:
        from desktop_app.app.usecases import site_jobs
        from desktop_app.engine.store import JobStore

        self.services.store = store = JobStore()
        jobs = store.jobs()
        if jobs and not self.args.all_users:  # this site's and this user's, as the app shows them
            jobs = await site_jobs(self.services, self.site().base_url, await self.user_id())
        if not jobs:
            self.output.note(
                "No jobs yet."
                if self.args.all_users
                else "No jobs of yours on this Canvas site yet (--all-users lists everyone's)."
            )
        for job in jobs:
            where = (
                f" -> {job.saved_path}" if job.saved_path else (f" (error: {job.last_error})" if job.last_error else "")
            )
            export = f"export {job.export_id}" if job.export_id else "no export yet"
            text = f"{job.id:>5}  {job.state.label:<24}  {job.context:<14}  {job.export_type:<16}  {export}{where}"
            self.output.result(job.to_json(), text)
        return EXIT_OK

    async def cmd_forget(self) -> int:
        """Local only: no token, no request to Canvas, no file touched."""
        from desktop_app.app.usecases import forget_jobs

        await self.engine()
        done = await forget_jobs(self.services, self.args.job_ids)
        for job_id in done.removed:
            self.output.result({"job_id": job_id, "removed": True}, f"Removed job {job_id} from the list.")
        for why in done.kept + [f"There is no job {job_id} on the list." for job_id in done.missing]:
            self.output.note(f"{PROG}: error: {why}")
        return EXIT_USAGE if done.kept or done.missing else EXIT_OK

    async def cmd_batch(self) -> int:
        from desktop_app.cli_batch import BatchCommands, BatchProgress

        self.services.emit_event = BatchProgress(self.output, self.services)  # a line per course, not per event
        return await BatchCommands(self).run()

    async def cmd_inspect(self) -> int:
        """Offline: no token, no network. Exit 0 when the package is sound and holds all
        the job asked for (or no job is known), 1 when something is missing or it is not."""
        from desktop_app.engine.errors import StoreError
        from desktop_app.engine.store import JobStore
        from desktop_app.engine.verify import sha256_of
        from desktop_app.package.selection_check import find_job
        from desktop_app.package.summary import inspect_package

        path: Path = self.args.file
        if not path.is_file():
            raise UsageError(f"{path} is not a file.")
        job = None
        try:
            self.store = JobStore()
            if self.args.job is not None:
                job = self.store.get(self.args.job)
                if job is None:
                    raise UsageError(f"There is no job {self.args.job} in the job store.")
            else:
                job = find_job(self.store.jobs(), path, sha256_of)
        except StoreError:
            if self.args.job is not None:
                raise
        summary = inspect_package(path, job=job)
        self.output.result(summary.to_json(), "\n".join(summary.lines()))
        return EXIT_OK if summary.check is None or summary.check.ok else EXIT_FAILED

    async def _finish(self, job_id: int) -> int:
        job = await self.services.running_engine().wait(job_id)
        code = exit_code_for_job(job)
        if code == EXIT_OK:
            if job.saved_path is not None:
                self.output.result(
                    {
                        "job_id": job.id,
                        "export_id": job.export_id,
                        "state": job.state.value,
                        "path": str(job.saved_path),
                        "size": job.size,
                        "sha256": job.sha256,
                    },
                    str(job.saved_path),
                )
            else:
                expires = job.expires_at
                self.output.result(
                    {
                        "job_id": job.id,
                        "export_id": job.export_id,
                        "state": job.state.value,
                        "canvas_state": job.canvas_state,
                        "expires_at": expires.isoformat() if expires else None,
                    },
                    f"export {job.export_id}: {job.canvas_state or job.state.value}",
                )
        return code


def _severity(code: int) -> int:
    """For `resume` over many jobs: the exit code that matters most wins."""
    return {EXIT_OK: 0, EXIT_FAILED: 1, EXIT_UNREACHABLE: 2, EXIT_USAGE: 3, EXIT_AUTH: 4}.get(code, 5)


async def _run_command(args: argparse.Namespace, output: Output, secrets: set[str]) -> int:
    runner = Runner(args, output, secrets)
    try:
        handler = getattr(runner, "cmd_" + args.command.replace("-", "_"))
        return await handler()
    finally:
        await runner.aclose()


def _demo_server(args: argparse.Namespace, output: Output) -> int:
    from desktop_app import simulator

    simulator.serve(port=args.port or None, export_duration=args.export_duration, bulk_courses=args.courses)
    return EXIT_OK


# ------------------------------------------------------------------------ unexpected errors

_URL = re.compile(r"https?://[^\s'\"<>]+")


def crash_log_path() -> Path:
    """Where the CLI writes the traceback of an unexpected error."""
    import platformdirs

    return Path(platformdirs.user_log_dir(APP_NAME)) / LOG_NAME


def _scrub(text: str, secrets: set[str]) -> str:
    """The traceback without any token, and every URL without its query values (a
    download URL carries a verifier)."""
    from desktop_app.canvas.redact import safe_url

    for secret in secrets:
        if secret:
            text = text.replace(secret, "[token]")
    return _URL.sub(lambda m: safe_url(m.group(0)), text)


def log_crash(exc: BaseException, command: str, secrets: set[str]) -> Path:
    """Append the traceback to the crash log; returns its path. Raises OSError."""
    path = crash_log_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    when = datetime.now(timezone.utc).isoformat(timespec="seconds")
    report = "".join(traceback.format_exception(exc))
    with path.open("a", encoding="utf-8", errors="backslashreplace") as log:
        log.write(f"--- {when} {PROG} {_version()} {command}\n{_scrub(report, secrets)}\n")
    return path


def _report_unexpected(exc: Exception, command: str, secrets: set[str], output: Output) -> int:
    """One line for the user; the traceback goes to the crash log (a bug, not their doing)."""
    try:
        where = f"the details are in {log_crash(exc, command, secrets)}"
    except OSError as log_err:
        where = f"the details could not be saved ({log_err.strerror or log_err})"
    output.note(
        f"{PROG}: error: an unexpected problem stopped the command ({type(exc).__name__}); "
        f"this is a bug in {PROG}, and {where}."
    )
    return EXIT_FAILED


def _quiet_stdout(out: TextIO) -> None:
    """The reader of stdout went away: point it at the null device, so the final flush
    at exit does not print a second error."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, out.fileno())
    except (OSError, ValueError):  # not a real file (a test's StringIO)
        pass


def main(argv: Sequence[str] | None = None, *, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    parser = build_parser()
    args = parser.parse_args(argv)
    output = Output(bool(getattr(args, "json", False)), out, err)
    secrets = {os.environ.get("CANVAS_TOKEN") or ""}
    try:
        if args.command == "demo-server":
            return _demo_server(args, output)
        if args.command == "keyring-check":
            from desktop_app.keyring_check import run as keyring_check

            return keyring_check(expect=args.expect, out=out, err=err)
        return asyncio.run(_run_command(args, output, secrets))
    except KeyboardInterrupt:
        output.note(f"{PROG}: interrupted; run '{PROG} resume' to carry on.")
        return EXIT_INTERRUPTED
    except CliExit as exc:
        if exc.message:
            output.note(f"{PROG}: error: {exc.message}")
        return exc.code
    except (CanvasError, UsageError) as exc:
        output.note(f"{PROG}: error: {exc}")
        return exit_code_for_error(exc)
    except ValueError as exc:  # e.g. a bad base URL or an impossible combination of options
        output.note(f"{PROG}: error: {exc}")
        return EXIT_USAGE
    except BrokenPipeError:  # `canvas-exports list | head`: the reader has all it wants
        _quiet_stdout(out)
        return EXIT_BROKEN_PIPE
    except OSError as exc:
        output.note(f"{PROG}: error: {exc.strerror or exc}")
        return EXIT_FAILED
    except Exception as exc:  # a bug: never a traceback on the terminal
        return _report_unexpected(exc, args.command, secrets, output)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
