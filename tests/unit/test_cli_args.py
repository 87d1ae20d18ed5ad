"""The command line's parsing and error reporting (no network): one clear line, exit 2."""

from __future__ import annotations

import argparse
import io
import json

import pytest

from desktop_app import cli
from desktop_app.canvas.errors import (
    AuthError,
    CorruptPackageError,
    NotFoundError,
    ServerError,
    ThrottledError,
    UnreachableError,
)
from desktop_app.canvas.models import SelectKey
from desktop_app.engine.errors import DiskFullError, ExportExpiredError, ExportFailedError


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        code = cli.main(list(argv), stdout=out, stderr=err)
    except SystemExit as exc:  # argparse exits itself
        code = exc.code
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize(
    "argv",
    [
        ["create", "course:abc", "--type", "zip"],
        ["create", "course:1", "--type", "epub"],
        ["create", "course:1", "--type", "zip", "--select", "pages"],
        ["create", "course:1", "--type", "zip", "--select", "bogus=1"],
        ["create", "course:1", "--type", "zip", "--select", "files=1,x"],
        ["show", "course:1", "twelve"],
        ["download", "course:1", "5"],
        ["demo-server", "--port", "99999"],
        ["demo-server", "--courses", "-1"],
        ["demo-server", "--export-duration", "nan"],
        ["frobnicate"],
        [],
    ],
)
def test_bad_arguments_one_line_exit_2(argv, capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "error:" in err and "Traceback" not in err


def test_no_base_url_is_a_usage_error() -> None:
    code, out, err = run_cli("list", "course:1")
    assert code == 2 and "--base-url" in err and out == ""


def test_plain_http_refused(monkeypatch) -> None:
    monkeypatch.setenv("CANVAS_TOKEN", "t")
    code, _, err = run_cli("--base-url", "http://canvas.example.edu", "list", "course:1")
    assert code == 2 and "https" in err and len(err.strip().splitlines()) == 1


def test_no_token_is_exit_3() -> None:
    code, _, err = run_cli("--base-url", "https://canvas.example.edu", "list", "course:1")
    assert code == 3 and "CANVAS_TOKEN" in err


def test_unknown_profile(monkeypatch) -> None:
    code, _, err = run_cli("--profile", "nobody", "list", "course:1")
    assert code == 2 and "nobody" in err


def test_validation_before_any_request(monkeypatch) -> None:
    monkeypatch.setenv("CANVAS_TOKEN", "t")
    # no server listens on this port: a request would be exit 4, validation is exit 2
    code, _, err = run_cli("--base-url", "http://127.0.0.1:9", "create", "group:1", "--type", "common_cartridge")
    assert code == 2 and "zip" in err


def test_global_options_after_the_command(monkeypatch) -> None:
    args = cli.build_parser().parse_args(["jobs", "--json"])
    assert args.json is True
    args = cli.build_parser().parse_args(
        ["--json", "create", "course:1", "--type", "zip", "--select", "files=1,2", "--select", "folders=3"]
    )
    assert args.json and args.select == [(SelectKey.FILES, [1, 2]), (SelectKey.FOLDERS, [3])]


def test_version(capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main(["--version"])
    assert exc.value.code == 0 and "canvas-exports" in capsys.readouterr().out


def test_jobs_empty_and_json() -> None:
    code, out, err = run_cli("--json", "jobs")
    assert code == 0 and out == "" and "No jobs" in err


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (AuthError("x"), 3),
        (NotFoundError("x"), 2),
        (UnreachableError("x"), 4),
        (ServerError("x"), 4),
        (ThrottledError("x"), 4),
        (CorruptPackageError("x"), 1),
        (ExportFailedError("x"), 1),
        (ExportExpiredError("x"), 1),
        (DiskFullError("x"), 1),
    ],
)
def test_exit_codes(error, code) -> None:
    assert cli.exit_code_for_error(error) == code


def test_export_json_leaves_out_the_url() -> None:
    from datetime import datetime, timezone

    from desktop_app.canvas.models import Attachment, ContentExport, WorkflowState

    export = ContentExport(
        5,
        "zip",
        WorkflowState.EXPORTED,
        datetime(2025, 1, 1, tzinfo=timezone.utc),
        1,
        None,
        Attachment(9, "f.zip", 10, "https://x/files/9/download?verifier=SECRET"),
    )
    text = json.dumps(cli.export_json(export))
    assert "SECRET" not in text and '"expires_at": "2025-01-31' in text


@pytest.mark.parametrize(
    ("command", "words"),
    [
        (["show"], ["course:sis_course_id:ID", "the export's id at Canvas"]),
        (["download"], ["course:sis_course_id:ID", "the export's id at Canvas", "the folder to save it into"]),
        (["reexport"], ["course:sis_course_id:ID", "the export's id at Canvas"]),
        (["create"], ["course:sis_course_id:ID", "qti (quizzes)"]),
        (["retry"], ["as `jobs` lists it"]),
        ([], ["130 interrupted", "141 the reader of stdout went away"]),
    ],
)
def test_help_explains_every_argument_and_exit_code(command: list[str], words: list[str], capsys) -> None:
    """`--help` of each command says what CONTEXT, EXPORT_ID, JOB_ID and DIR are, and the
    main help lists every documented exit code (the positionals were bare names)."""
    with pytest.raises(SystemExit) as exc:
        cli.main([*command, "--help"])
    out = " ".join(capsys.readouterr().out.split())  # argparse wraps lines
    assert exc.value.code == 0
    assert all(w in out for w in words), out


def _commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command and subcommand of the parser, as the words that name it."""
    found: list[tuple[str, ...]] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.append((*path, name))
                found.extend(_commands(sub, (*path, name)))
    return found


@pytest.mark.parametrize("command", _commands(cli.build_parser()), ids=" ".join)
def test_every_command_help_page_says_what_the_command_does(command: tuple[str, ...], capsys) -> None:
    """`canvas-exports resume --help` showed only usage and options: each page now opens
    with a paragraph on what the command does, below the usage."""
    with pytest.raises(SystemExit) as exc:
        cli.main([*command, "--help"])
    assert exc.value.code == 0
    blocks = capsys.readouterr().out.split("\n\n")
    assert blocks[0].startswith("usage:")
    first = blocks[1].strip()
    assert not first.startswith(("positional arguments:", "options:")), f"{' '.join(command)} has no description"
    assert first[0].isupper() and first.endswith("."), first
