"""`canvas-exports` never shows a traceback: malformed Canvas answers, a broken job store,
unexpected errors, unprintable names. Subprocesses over real HTTP against the simulator
(whose `malformed_exports` knob serves broken export JSON), except the crash-log test,
which injects a bug at the CLI's outermost boundary in-process."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import pytest
from engine_support import cli, cli_env

from desktop_app import cli as cli_module
from desktop_app.simulator import SimulatedCanvas
from desktop_app.simulator.faults import DROP, RawJson

pytestmark = pytest.mark.timeout(120)


def run(home: Path, sim: SimulatedCanvas, *args: str) -> subprocess.CompletedProcess:
    """The CLI, its output read as UTF-8 whatever the machine's locale."""
    return cli(home, sim, *args, encoding="utf-8")


def one_line(result: subprocess.CompletedProcess) -> str:
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def finished_export(sim: SimulatedCanvas) -> int:
    """The seeded teacher's zip of the main course: exported, with a package."""
    ctx = ("course", sim.data.main_course_id)
    return next(
        r.id
        for r in sim.store.index(ctx, sim.data.teacher_id)
        if r.export_type == "zip" and sim.export_state(r.id) == "exported"
    )


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"workflow_state": DROP}, "Canvas sent an export without workflow_state"),
        ({"id": RawJson("1e400")}, "Canvas sent an export whose id is not an id"),
        ({"attachment": "zzz"}, "Canvas sent an export whose attachment is a string, not an object"),
    ],
    ids=["no-workflow_state", "id-1e400", "attachment-string"],
)
@pytest.mark.parametrize("command", ["list", "show", "download"])
def test_malformed_export_json_is_one_line(
    sim: SimulatedCanvas, tmp_path: Path, command: str, change: dict[str, Any], words: str
) -> None:
    export_id = finished_export(sim)
    course = f"course:{sim.data.main_course_id}"
    args = {
        "list": ["list", course],
        "show": ["show", course, str(export_id)],
        "download": ["download", course, str(export_id), "--to", str(tmp_path / "dl")],
    }[command]
    sim.faults.malformed_exports(change)
    result = run(tmp_path, sim, *args)
    assert result.returncode == cli_module.EXIT_UNREACHABLE
    assert words in one_line(result)
    assert result.stdout == ""


def store_path(home: Path) -> Path:
    return home / "data" / "canvas-export-manager" / "jobs.sqlite3"


def _not_a_database(path: Path) -> None:
    path.write_bytes(b"this is not a database, just some text that fills more than a header" * 20)


def _a_directory(path: Path) -> None:
    path.mkdir()


def _from_a_newer_version(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 99")


@pytest.mark.parametrize(
    ("spoil", "words"),
    [
        (_not_a_database, "it is not a job store"),
        (_a_directory, "it must be a file (not a folder)"),
        (_from_a_newer_version, "written by a newer version"),
    ],
    ids=["not-a-database", "a-directory", "newer-version"],
)
def test_a_store_that_cannot_be_opened_is_one_line(sim: SimulatedCanvas, tmp_path: Path, spoil, words: str) -> None:
    path = store_path(tmp_path)
    path.parent.mkdir(parents=True)
    spoil(path)
    for args in (
        ["jobs"],
        ["download", f"course:{sim.data.main_course_id}", str(finished_export(sim)), "--to", str(tmp_path / "dl")],
    ):
        result = run(tmp_path, sim, *args)
        assert result.returncode == cli_module.EXIT_FAILED
        line = one_line(result)
        assert "job store" in line and words in line


def test_unexpected_error_is_one_line_and_a_log_without_the_token(
    sim: SimulatedCanvas,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    teacher_token: str,
) -> None:
    for name, value in cli_env(tmp_path, sim).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))

    verifier = "".join(["s3", "cr3t"])  # not in the source line the traceback quotes

    def buggy_line(export: Any) -> str:  # the fault injected: a bug that quotes secrets
        raise RuntimeError(f"bug with {teacher_token} and {sim.base_url}/files/1/download?verifier={verifier}")

    monkeypatch.setattr(cli_module, "export_line", buggy_line)
    code = cli_module.main(["list", f"course:{sim.data.main_course_id}"])
    err = capsys.readouterr().err
    assert code == cli_module.EXIT_FAILED
    (line,) = err.strip().splitlines()
    assert "unexpected problem" in line and "RuntimeError" in line and teacher_token not in line
    log = tmp_path / "state" / "canvas-export-manager" / "log" / cli_module.LOG_NAME
    assert str(log) in line
    text = log.read_text(encoding="utf-8")
    assert "Traceback" in text and "buggy_line" in text
    assert teacher_token not in text and verifier not in text


def test_a_lone_surrogate_in_the_package_name_is_saved(sim: SimulatedCanvas, tmp_path: Path) -> None:
    export_id = finished_export(sim)
    sim.faults.malformed_exports({"attachment.display_name": "report\ud800.zip"})
    course = f"course:{sim.data.main_course_id}"
    result = run(tmp_path, sim, "download", course, str(export_id), "--to", str(tmp_path / "dl"))
    assert result.returncode == 0, result.stderr
    saved = Path(result.stdout.strip().splitlines()[-1])
    assert saved.name.endswith(f"export {export_id}.zip") and saved.read_bytes() == sim.package_bytes(export_id)
    again = run(tmp_path, sim, "--json", "jobs")  # the store holds Canvas's name too, made storable
    assert again.returncode == 0 and "Traceback" not in again.stderr
    assert json.loads(again.stdout.splitlines()[-1])["attachment_name"] == "report\ufffd.zip"


ESCAPES = "\x1b]0;pwned\x07\x1b[2J"


def test_terminal_escapes_from_canvas_are_not_printed(sim: SimulatedCanvas, tmp_path: Path) -> None:
    export_id = finished_export(sim)
    name = f"{ESCAPES}evil\u202egpj.zip\x9b"
    sim.faults.malformed_exports({"attachment.display_name": name, "export_type": f"zip{ESCAPES}"})
    course = f"course:{sim.data.main_course_id}"
    for args in (["list", course], ["show", course, str(export_id)]):
        result = run(tmp_path, sim, *args)
        assert result.returncode == 0, result.stderr
        assert not any(c in result.stdout for c in "\x1b\x07\x9b\u202e"), result.stdout
        assert "]0;pwned[2Jevilgpj.zip" in result.stdout  # harmless once the controls are gone
    as_json = run(tmp_path, sim, "--json", "show", course, str(export_id))
    assert json.loads(as_json.stdout)["attachment"]["display_name"] == name
    assert "\x1b" not in as_json.stdout  # escaped by JSON, still valid
