"""Ordinary check boxes and radio buttons (in dialogs and the export options, not in an
item view) must show their outline in a dark palette as in a light one: WCAG asks 3:1 of
what identifies a control (1.4.11). Fusion's outline, from the Window colour, stood about
1.1:1 from a dark dialog, so an unticked box or an unchosen radio button was invisible.
The app draws with its Fusion fixes from start-up on (`make_application`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QRadioButton, QStyleFactory

from desktop_app.canvas.models import ContextKind, ExportType
from desktop_app.ui.app import make_application
from desktop_app.ui.export_options import ExportOptions
from desktop_app.ui.settings import AppSettings
from desktop_app.ui.settings_dialog import SettingsDialog
from tests.gui.palettes import dark_palette
from tests.gui.pixels import indicator_outline_contrast


@pytest.fixture
def app_as_started(qapp) -> Iterator[QApplication]:  # type: ignore[no-untyped-def]
    """The application as `main` prepares it; plain Fusion again afterwards (other tests
    build their widgets on the bare QApplication)."""
    if qapp.style().name().lower() != "fusion":
        pytest.skip("the fixes apply under Fusion only (the tests' offscreen style)")
    yield make_application([])
    qapp.setStyle(QStyleFactory.create("fusion"))


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_a_dialogs_check_box_has_an_outline_that_stands_out(qtbot, app_as_started, tmp_path: Path, dark) -> None:
    settings = AppSettings(tmp_path / "ui.ini")
    settings.download_dir = tmp_path / "downloads"
    dialog = SettingsDialog(settings)
    qtbot.addWidget(dialog)
    if dark:
        dialog.setPalette(dark_palette())  # as when the system switches to dark
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.auto_download.setChecked(False)
    assert indicator_outline_contrast(dialog.auto_download) >= 3.0


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_an_unchosen_radio_button_and_check_box_stand_out(qtbot, app_as_started, dark) -> None:
    options = ExportOptions()
    qtbot.addWidget(options)
    if dark:
        options.setPalette(dark_palette())
    options.resize(640, 140)
    options.show()
    qtbot.waitExposed(options)
    options.set_context_kind(ContextKind.COURSE)  # every type offered, notifications matter
    options.skip_notifications.setChecked(False)
    unchosen = options.findChild(QRadioButton, f"type_{ExportType.ZIP.value}")
    assert unchosen.isEnabled() and not unchosen.isChecked() and options.skip_notifications.isEnabled()
    assert indicator_outline_contrast(unchosen) >= 3.0
    assert indicator_outline_contrast(options.skip_notifications) >= 3.0
