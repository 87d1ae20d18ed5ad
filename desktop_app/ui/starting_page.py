"""What the main window shows while it connects, before its panels are in place.

Why a page of its own: at launch the window is drawn before anything else happens (see
``AppController.start``), and its panels (the course picker, the content tree, the
history) cannot show anything until a session exists. Building them costs more than
everything else in the first frame together, so the first frame shows this page
instead: the app's name, what it is doing and a busy bar. The panels are built right
after that frame, while the background thread starts, and take this page's place when
the session begins.

Only plain widgets and layouts here: nothing that needs the models, the icons or the
style helpers, whose modules the first frame does without, and not even `Qt` (the
first import of it in a run creates its ~90 enums, 15 ms), hence the stretches that
centre each line instead of an alignment flag.
"""

from __future__ import annotations

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QVBoxLayout, QWidget

APP_TITLE = "Canvas Export Manager"


class StartingPage(QWidget):
    """The app's name, a line saying what is happening, and a busy bar, centred."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("startingPage")
        self.title = QLabel(APP_TITLE, self)
        font = QFont(self.title.font())
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self.title.setFont(font)
        self.status = QLabel("Starting…", self)
        self.status.setObjectName("startingStatus")
        self.status.setAccessibleName("What the app is doing")
        self.busy = QProgressBar(self)
        self.busy.setRange(0, 0)  # no known end: Qt animates it as busy
        self.busy.setTextVisible(False)
        self.busy.setFixedWidth(280)
        self.busy.setAccessibleName("Connecting")

        layout = QVBoxLayout(self)
        layout.setSpacing(12)
        layout.addStretch(2)
        for widget in (self.title, self.status, self.busy):
            layout.addLayout(_centred(widget))
        layout.addStretch(3)  # a little above the middle, where the eye expects a title

    def set_text(self, text: str) -> None:
        self.status.setText(text)


def _centred(widget: QWidget) -> QHBoxLayout:
    """A row that keeps `widget` at its own width, in the middle."""
    row = QHBoxLayout()
    row.addStretch(1)
    row.addWidget(widget)
    row.addStretch(1)
    return row
