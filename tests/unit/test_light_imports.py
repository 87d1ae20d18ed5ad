"""Modules the desktop app imports before its first frame stay light (issue 4, launch time).

`desktop_app.engine` loads its names on first use (the window needs only engine.status
to be drawn; the events, the engine, httpx and sqlite3 come later, with the background
thread), and
`desktop_app.profiles` imports keyring only when a token is read or written. Checked in a
fresh interpreter, where sys.modules tells what an import really pulled in.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


def loaded_after(statement: str, modules: tuple[str, ...]) -> list[str]:
    probe = f"import json, sys\n{statement}\nprint(json.dumps([m for m in {modules!r} if m in sys.modules]))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def test_engine_events_do_not_load_the_engine() -> None:
    heavy = ("httpx", "sqlite3", "desktop_app.engine.engine", "desktop_app.engine.store", "desktop_app.engine.download")
    assert loaded_after("import desktop_app.engine.events", heavy) == []


def test_the_first_frame_does_not_need_the_engine_events() -> None:
    assert loaded_after("import desktop_app.ui.session", ("desktop_app.engine.events",)) == []


def test_profiles_and_their_config_folder_do_not_load_keyring() -> None:
    assert (
        loaded_after(
            "from desktop_app.profiles import config_dir, ProfileStore, TokenVault; TokenVault()", ("keyring",)
        )
        == []
    )


def test_the_engine_package_still_exports_its_api() -> None:
    import desktop_app.engine as engine
    from desktop_app.engine import Engine, JobStatus, JobStore, download, safe_filename
    from desktop_app.engine.engine import Engine as EngineClass

    assert Engine is EngineClass and JobStore.__module__ == "desktop_app.engine.store"
    assert safe_filename("a/b.zip") == "a_b.zip" and JobStatus.DONE.label == "Saved"
    assert download.__name__ == "desktop_app.engine.download"
    assert set(engine.__all__) <= set(dir(engine))
    for name in engine.__all__:
        assert getattr(engine, name) is not None
    with pytest.raises(AttributeError):
        engine.no_such_name  # noqa: B018
