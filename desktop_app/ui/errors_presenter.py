"""One place where background errors become something a person can read.

Every failure that reaches the GUI goes through :func:`describe` (plain sentences, a
hint on what to do, and technical facts for "Show details") and :class:`ErrorPresenter`
(a non-blocking message box; several errors at once are queued, never stacked). A
traceback is never shown: unexpected exceptions are logged with their traceback and
the user sees what failed and the exception's one-line summary under "Show details".
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from desktop_app.canvas import errors as ce
from desktop_app.engine import errors as ee

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Described:
    """An error told for people: `message` says what happened, `hint` what to do
    ("" when the message already says it)."""

    title: str
    message: str
    hint: str
    details: str


_HINTS: list[tuple[type[BaseException], str]] = [
    (ce.AuthError, "Create a new access token in Canvas (Account › Settings › New access token) and sign in again."),
    (ce.NotAuthorizedError, "Your Canvas role does not allow this. Students can only export files as a zip."),
    (ce.ThrottledError, "Canvas asked us to slow down. Wait a moment and try again."),
    (ce.NotFoundError, "It may have been deleted, or you no longer have access to it."),
    (ce.BadRequestError, "Canvas refused the request as sent; the message above is Canvas's own."),
    (ce.MalformedAnswerError, "Canvas's answer was incomplete or garbled. Try again in a few minutes."),
    (ce.ServerError, "Canvas had a problem on its side. Try again in a few minutes."),
    (ce.UnreachableError, "Check your internet connection and the Canvas address, then try again."),
    (ce.LoginPageError, "Canvas sent a login page instead of the file. Sign in again, then download once more."),
    (ce.PackageError, "The file was not kept. Download it again; if it keeps failing, start a new export."),
    (ce.ValidationError, "Change the export options and try again."),
    (
        ee.StoreError,
        "The list of export jobs is kept in that file. Once it is fixed, start the app again; "
        "unfinished exports carry on.",
    ),
    (ee.LocalStorageError, "Free some disk space or choose another download folder (Settings), then resume."),
    (ce.CanvasError, "Try again; if it keeps happening, look at the details."),
]


def _hint_for(error: BaseException) -> str:
    for kind, hint in _HINTS:
        if isinstance(error, kind):
            return hint
    if isinstance(error, PermissionError):
        return "Choose a download folder you can write to (Settings)."
    if isinstance(error, OSError):
        return "Check the download folder and the free disk space (Settings)."
    return "This is a bug in Canvas Export Manager. The details help to report it."


def describe(error: BaseException, action: str = "") -> Described:
    """Turn any exception into plain sentences; `action` says what was being done.

    ``describe(NotFoundError(...), "Could not load the course")``.
    """
    inner = getattr(error, "error", None)  # a JobError-like wrapper carries the real error
    if isinstance(inner, BaseException) and not isinstance(error, ce.CanvasError):
        error = inner
    title = action or "Something went wrong"
    if isinstance(error, ce.CanvasError):
        message = error.message or str(error)
        facts = [f"Kind: {type(error).__name__}"]
        if error.status is not None:
            facts.append(f"HTTP status: {error.status}")
        if isinstance(error, ce.AuthError):
            facts.append(f"Reason: {error.reason}")
        if isinstance(error, ce.ThrottledError) and error.retry_after:
            facts.append(f"Retry after: {error.retry_after:g} s")
        if getattr(error, "ambiguous", False):
            facts.append("The request may have reached Canvas before the connection failed.")
        if error.detail:
            facts.append(f"{'Details' if isinstance(error, ee.LocalStorageError) else 'Canvas said'}: {error.detail}")
    elif isinstance(error, OSError):
        message = f"{error.strerror or 'The file system refused'}" + (f": {error.filename}" if error.filename else "")
        facts = [f"Kind: {type(error).__name__}", f"Error number: {error.errno}"]
    else:
        message = "An unexpected error stopped this task."
        facts = [f"{type(error).__name__}: {error}"]
        log.error("unexpected error presented to the user", exc_info=error)
    hint = _hint_for(error)
    if hint and hint in message:  # the message already says what to do: say it once
        hint = ""
    return Described(title, message, hint, "\n".join(facts))


class ErrorPresenter(QObject):
    """Shows described errors one at a time in a window-modal, non-blocking box."""

    shown = Signal(object)  # the QMessageBox, for tests and screenshots

    def __init__(self, parent_widget: QWidget | None = None) -> None:
        super().__init__(parent_widget)
        self._parent = parent_widget
        self._queue: deque[Described] = deque()
        self.current: QMessageBox | None = None

    def present(self, error: BaseException, action: str = "") -> Described:
        described = describe(error, action)
        if any(d == described for d in self._queue) or (
            self.current is not None and self.current.property("described") == repr(described)
        ):
            return described  # the same failure twice (e.g. ten polls): say it once
        self._queue.append(described)
        if self.current is None:
            self._show_next()
        return described

    def _show_next(self) -> None:
        if not self._queue:
            self.current = None
            return
        described = self._queue.popleft()
        box = QMessageBox(self._parent)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(described.title)
        box.setText(f"<b>{_escape(described.title)}</b>")
        box.setInformativeText(
            _escape(described.message) + (f"<br><br>{_escape(described.hint)}" if described.hint else "")
        )
        box.setTextFormat(Qt.TextFormat.RichText)
        if described.details:
            box.setDetailedText(described.details)  # adds the "Show Details..." button
        box.setStandardButtons(QMessageBox.StandardButton.Ok)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.setProperty("described", repr(described))
        box.setAccessibleName(described.title)
        box.finished.connect(self._closed)
        self.current = box
        box.open()
        self.shown.emit(box)

    def _closed(self, _result: int) -> None:
        self.current = None
        self._show_next()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
