"""Settings: where packages are saved, how many exports run at once, auto-download.

The download folder must be a full path the app can write to: OK checks it (creating
it when missing) and stays open with the reason under the folder otherwise."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop_app.ui.settings import MAX_CONCURRENT_LIMIT, UNANNOUNCED_GB_LIMIT, AppSettings, check_download_folder
from desktop_app.ui.style import tone_html


class SettingsDialog(QDialog):
    """Edits AppSettings; nothing changes until OK (the caller applies the new values)."""

    def __init__(self, settings: AppSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setObjectName("settingsDialog")
        self._settings = settings

        self.folder = QLineEdit(str(settings.download_dir))
        self.folder.setAccessibleName("Download folder")
        self.folder.setToolTip(
            "Packages are saved in a folder per Canvas site and course inside this one,\n"
            "e.g. canvas.school.edu/Linear Algebra (course 4021). Folders are created when needed."
        )
        self.folder.setMinimumWidth(320)
        browse = QPushButton("Browse…")
        browse.setAccessibleName("Choose download folder")
        browse.clicked.connect(self._browse)
        self.browse_button = browse
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(browse)
        # why OK did not close the dialog (a relative, missing or read-only folder)
        self.folder_error = QLabel()
        self.folder_error.setObjectName("folderError")
        self.folder_error.setAccessibleName("Problem with the download folder")
        self.folder_error.setWordWrap(True)
        self.folder_error.setTextFormat(Qt.TextFormat.RichText)
        self.folder_error.hide()
        self.folder.textEdited.connect(lambda _text: self.folder_error.hide())
        self._checked_folder: Path | None = None

        self.concurrent = QSpinBox()
        self.concurrent.setRange(1, MAX_CONCURRENT_LIMIT)
        self.concurrent.setValue(settings.max_concurrent)
        self.concurrent.setAccessibleName("Exports at once")
        self.concurrent.setToolTip(
            "How many exports per Canvas site are started and downloaded at the same time; the others\n"
            "wait their turn. A change applies at once, also to exports already waiting.\n"
            "Canvas runs exports one by one on busy sites, so a few is plenty."
        )

        self.unannounced = QSpinBox()
        self.unannounced.setRange(1, UNANNOUNCED_GB_LIMIT)
        self.unannounced.setSuffix(" GB")
        self.unannounced.setValue(settings.max_unannounced_gb)
        self.unannounced.setAccessibleName("Largest package of unknown size")
        self.unannounced.setToolTip(
            "Canvas normally says how large a package is, and the app checks the free space first.\n"
            "When it does not, the download stops at this size, so a faulty server cannot fill the disk."
        )

        self.auto_download = QCheckBox("Download packages as soon as the export is ready")
        self.auto_download.setChecked(settings.auto_download)
        self.auto_download.setAccessibleName("Auto-download on completion")

        layout_hint = QLabel("Inside it, one folder per Canvas site and course.")
        layout_hint.setObjectName("folderLayoutHint")
        layout_hint.setWordWrap(True)
        layout_hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)

        form = QFormLayout()
        form.addRow("Download folder:", folder_row)
        form.addRow("", self.folder_error)
        form.addRow("", layout_hint)
        form.addRow("Exports at once:", self.concurrent)
        form.addRow("Largest package of unknown size:", self.unannounced)
        form.addRow("", self.auto_download)
        note = QLabel("Packages are checked (size, zip integrity, course manifest) before they are kept.")
        note.setObjectName("checksNote")
        note.setWordWrap(True)
        note.setForegroundRole(QPalette.ColorRole.PlaceholderText)  # a hint, not a disabled control

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)

    def _browse(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Download folder", self.folder.text())
        if chosen:
            self.folder.setText(chosen)
            self.folder_error.hide()

    def accept(self) -> None:
        """OK: only with a download folder that is absolute and writable (created if
        missing); otherwise say why under the folder and stay open."""
        try:
            self._checked_folder = check_download_folder(self.folder.text())
        except ValueError as exc:
            self.show_folder_problem(str(exc))
            return
        self.folder.setText(str(self._checked_folder))
        self.folder_error.hide()
        super().accept()

    def show_folder_problem(self, text: str) -> None:
        self.folder_error.setText(tone_html(self, text, ok=False))
        self.folder_error.show()
        self.folder.setFocus()
        self.folder.selectAll()

    def folder_problem(self) -> str:
        """The problem shown under the folder ("" when none is shown)."""
        return self.folder_error.text() if self.folder_error.isVisibleTo(self) else ""

    def apply(self) -> None:
        """Write the edited values (called by the owner after accept)."""
        if self._checked_folder is not None:
            self._settings.download_dir = self._checked_folder
        self._settings.max_concurrent = self.concurrent.value()
        self._settings.max_unannounced_gb = self.unannounced.value()
        self._settings.auto_download = self.auto_download.isChecked()
        self._settings.sync()
