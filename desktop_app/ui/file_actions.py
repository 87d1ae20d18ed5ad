"""Open a saved package, show its folder, copy its path: and say so when it fails.

``QDesktopServices.openUrl`` returns False when no program handles the file (a
``.imscc`` on most computers: nothing is registered for Common Cartridge) or the
desktop has no file manager. Before, the click then did nothing at all. Now the user
is told, in the status bar and in a small message that offers what still works: Show
in folder (for a file), Copy path.

The opener is injectable (``UrlOpener``): tests and sandboxes replace it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path, PurePath

from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QMessageBox, QWidget

UrlOpener = Callable[[QUrl], bool]


class FileActions(QObject):
    """Open / Show in folder / Copy path for a saved file, with a fallback offer.

    Signals: ``failed(box)`` with the QMessageBox that says what went wrong (shown,
    non-blocking), ``message(text)`` for the status bar, ``copied(path)``.
    """

    failed = Signal(object)
    message = Signal(str)
    copied = Signal(str)

    def __init__(self, parent_widget: QWidget, opener: UrlOpener | None = None) -> None:
        super().__init__(parent_widget)
        self._parent = parent_widget
        self.opener: UrlOpener = opener or QDesktopServices.openUrl
        self.box: QMessageBox | None = None

    def set_opener(self, opener: UrlOpener | None) -> None:
        self.opener = opener or QDesktopServices.openUrl

    def open_file(self, path: str) -> bool:
        if self.opener(QUrl.fromLocalFile(path)):
            return True
        suffix = PurePath(path).suffix or "this kind of file"
        self._fail(
            path,
            f"No program on this computer opens {suffix} files.",
            "The package is saved. Show it in its folder, or copy its path to open it with a program "
            "of your choice (for example, import it into Canvas or another learning platform).",
            folder=True,
        )
        return False

    def show_in_folder(self, path: str) -> bool:
        """Open the folder that holds the file at `path` (Copy path, if it fails: the file's)."""
        return self._open_folder(str(Path(path).parent), path)

    def open_folder(self, folder: str) -> bool:
        return self._open_folder(folder, folder)

    def _open_folder(self, folder: str, path: str) -> bool:
        if self.opener(QUrl.fromLocalFile(folder)):
            return True
        self._fail(
            path,
            "The folder could not be opened: no file manager answered.",
            "Copy the path and open it in your file manager.",
            folder=False,
        )
        return False

    def copy_path(self, path: str) -> None:
        QGuiApplication.clipboard().setText(path)
        self.copied.emit(path)
        self.message.emit(copied_text(path))

    def _fail(self, path: str, what: str, hint: str, *, folder: bool) -> None:
        self.message.emit(f"{what} {PurePath(path).name} is in {PurePath(path).parent}.")
        if self.box is not None:
            self.box.close()
        box = QMessageBox(
            QMessageBox.Icon.Information, "Could not open", what, QMessageBox.StandardButton.Close, self._parent
        )
        box.setObjectName("openFailed")
        box.setInformativeText(f"{hint}\n\n{path}")
        show = box.addButton("Show in folder", QMessageBox.ButtonRole.ActionRole) if folder else None
        copy = box.addButton("Copy path", QMessageBox.ButtonRole.ActionRole)

        def answered() -> None:
            clicked = box.clickedButton()
            if self.box is box:
                self.box = None
            if show is not None and clicked is show:
                self.show_in_folder(path)
            elif clicked is copy:
                self.copy_path(path)

        box.finished.connect(answered)
        self.box = box
        box.open()
        self.failed.emit(box)


def copied_text(path: str) -> str:
    """The status bar's short confirmation: the file's name, not its whole path (a long
    path was clipped there; the clipboard holds it all)."""
    return f"Copied the path of {PurePath(path).name}"
