"""The details pane: everything known about the selected export or job, as text.

Read-only and selectable (copy an export id, a path or a SHA-256). Built from the
application layer's :class:`~desktop_app.app.details.Details`; a failed or interrupted
job shows its whole error with what to do, as the error presenter words it
(:func:`~desktop_app.ui.errors_presenter.describe`).
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QTextBrowser, QWidget

from desktop_app.app.details import Details

EMPTY_TEXT = "Select an export to see its details."


class DetailsPane(QTextBrowser):
    """Shows one :class:`Details`, or a line saying what to select."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("detailsPane")
        self.setAccessibleName("Details of the selected export")
        self.setOpenLinks(False)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        # selectable and copyable (Ctrl+C), without a blinking text cursor in a read-only pane
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setMinimumWidth(220)
        self.details: Details | None = None
        self.set_details(None)

    def set_details(self, details: Details | None) -> None:
        self.details = details
        if details is None:
            self.setPlainText(EMPTY_TEXT)
            return
        parts = [f"<h3 style='margin: 0 0 6px 0'>{escape(details.title)}</h3>"]
        if details.problem:
            from desktop_app.ui.errors_presenter import describe

            hint = describe(details.error).hint if details.error is not None else ""
            parts.append("<p style='margin: 0 0 6px 0'><b>Problem:</b> " + escape(details.problem) + "</p>")
            if hint:
                parts.append("<p style='margin: 0 0 6px 0'><b>What to do:</b> " + escape(hint) + "</p>")
        parts.append("<table cellspacing='0' cellpadding='2'>")
        for label, value in details.rows:
            shown = "<br>".join(escape(line) for line in value.splitlines())
            parts.append(
                f"<tr><td valign='top' style='padding-right: 10px'><b>{escape(label)}</b></td>"
                f"<td valign='top'>{shown}</td></tr>"
            )
        parts.append("</table>")
        self.setHtml("".join(parts))

    def text(self) -> str:
        """What the pane shows, as plain text (tests, accessibility)."""
        return self.toPlainText()
