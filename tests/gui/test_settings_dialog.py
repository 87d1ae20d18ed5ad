"""Settings on real widgets: the download folder must be a full path the app can write
to; OK refuses anything else with a visible reason and keeps the old setting."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from desktop_app.ui.settings import AppSettings, check_download_folder
from desktop_app.ui.settings_dialog import SettingsDialog


@pytest.fixture
def settings(tmp_path: Path) -> AppSettings:
    s = AppSettings(tmp_path / "ui.ini")
    s.download_dir = tmp_path / "downloads"
    return s


@pytest.fixture
def dialog(qtbot, settings: AppSettings) -> SettingsDialog:  # type: ignore[no-untyped-def]
    dlg = SettingsDialog(settings)
    qtbot.addWidget(dlg)
    dlg.show()
    dlg.activateWindow()
    qtbot.waitActive(dlg)
    return dlg


def press_ok(qtbot, dlg: SettingsDialog) -> None:  # type: ignore[no-untyped-def]
    ok = dlg.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)


def read_only_folder(tmp_path: Path) -> Path:
    """A folder this process cannot create files in (root ignores permission bits: /sys)."""
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    if os.access(folder, os.W_OK):
        if not sys.platform.startswith("linux"):
            pytest.skip("running as an administrator: no folder is read-only")
        return Path("/sys")
    return folder


def test_a_relative_folder_is_refused_and_nothing_is_created(qtbot, dialog, settings, tmp_path, monkeypatch) -> None:
    work = tmp_path / "started-here"
    work.mkdir()
    monkeypatch.chdir(work)
    before = settings.download_dir
    dialog.folder.clear()
    qtbot.keyClicks(dialog.folder, "exports")
    press_ok(qtbot, dialog)
    assert dialog.isVisible() and dialog.result() != SettingsDialog.DialogCode.Accepted
    assert dialog.folder_error.isVisible() and "not a full path" in dialog.folder_problem()
    assert QApplication.focusWidget() is dialog.folder
    assert list(work.iterdir()) == []  # nothing went to the working directory
    assert AppSettings(settings.path).download_dir == before

    qtbot.keyClicks(dialog.folder, "x")  # editing clears the message
    assert not dialog.folder_error.isVisible()


def test_a_missing_folder_is_created_and_saved_as_a_full_path(qtbot, dialog, settings, tmp_path) -> None:
    target = tmp_path / "new" / "deeper"
    dialog.folder.setText(f"  {target}  ")
    with qtbot.waitSignal(dialog.accepted):
        press_ok(qtbot, dialog)
    dialog.apply()
    assert target.is_dir() and list(target.iterdir()) == []  # the write test left nothing behind
    assert AppSettings(settings.path).download_dir == target


def test_a_file_or_a_read_only_folder_is_refused(qtbot, dialog, settings, tmp_path) -> None:
    a_file = tmp_path / "notes.txt"
    a_file.write_text("x")
    for bad, words in (
        (a_file, "is a file"),
        (a_file / "below", "Cannot create"),
        (read_only_folder(tmp_path), "Cannot write"),
    ):
        dialog.folder.setText(str(bad))
        press_ok(qtbot, dialog)
        assert dialog.isVisible() and words in dialog.folder_problem(), bad
    assert AppSettings(settings.path).download_dir == tmp_path / "downloads"


def test_check_download_folder_expands_home(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert check_download_folder("~/Canvas exports") == tmp_path / "Canvas exports"
    with pytest.raises(ValueError, match="Choose a download folder"):
        check_download_folder("   ")


def test_a_relative_folder_in_an_old_settings_file_falls_back_to_the_default(settings) -> None:
    settings._qs.setValue("downloads/folder", "exports")
    assert settings.download_dir.is_absolute() and settings.download_dir.name == "Canvas exports"


def test_exports_at_once_defaults_to_the_engines_own_number(settings: AppSettings, dialog: SettingsDialog) -> None:
    """One constant: the app's Settings and the engine (so the command line) agree."""
    from desktop_app.engine.engine import EngineConfig
    from desktop_app.engine.limits import DEFAULT_MAX_CONCURRENT

    assert settings.max_concurrent == EngineConfig().max_concurrent == EngineConfig().max_downloads
    assert dialog.concurrent.value() == DEFAULT_MAX_CONCURRENT


def test_the_note_on_checks_reads_as_text_not_as_a_disabled_control(dialog: SettingsDialog) -> None:
    """It was a disabled label: grey at 1.7:1 on the dialog, and announced as unavailable
    by screen readers. It is a hint like the folder layout's: enabled, in the palette's
    placeholder colour, readable."""
    from PySide6.QtGui import QPalette
    from PySide6.QtWidgets import QLabel

    from desktop_app.ui.style import contrast

    note = dialog.findChild(QLabel, "checksNote")
    assert note is not None and note.isEnabled() and "Packages are checked" in note.text()
    shown = note.palette().color(note.foregroundRole())
    assert contrast(shown, note.palette().color(QPalette.ColorRole.Window)) >= 3.0
