"""The "how" of an export: type, notifications, and the Start button with a summary.

Canvas's rules live in the models (ALLOWED_TYPES, ACCEPTED_KEYS); this widget only
shows them: types a context cannot have are disabled with a tooltip that says why, and
the summary tells in words what the Start button will ask Canvas for.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QWidget,
)

from desktop_app.canvas.models import ALLOWED_TYPES, ContextKind, ExportType
from desktop_app.canvas.validation import notifications_apply
from desktop_app.ui.icons import icon

TYPE_TIPS = {
    ExportType.COMMON_CARTRIDGE: (
        "Common Cartridge (.imscc): the course with its modules, pages, assignments, quizzes "
        "and files. Import it into Canvas or another LMS."),
    ExportType.QTI: "QTI (.zip): classic quizzes only, for another quiz tool or a question bank.",
    ExportType.ZIP: "Zip: files and folders exactly as they are in Files.",
}
ZIP_ONLY_TIP = "Canvas exports groups and users as a zip of their files only."

class ElidedLabel(QLabel):
    """A one-line label that shortens its text with "…" instead of widening the window."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = text
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setMinimumWidth(60)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self._refresh()

    def full_text(self) -> str:
        return self._full

    def set_full_text(self, text: str) -> None:
        self._full = text
        self._refresh()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        self._refresh()

    def _refresh(self) -> None:
        elided = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, max(0, self.width()))
        super().setText(elided)


class ExportOptions(QWidget):
    """Type radios, Skip notifications, summary, Start export. No I/O."""

    typeChanged = Signal(object)  # ExportType
    startRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("exportOptions")
        self._kind: ContextKind | None = None
        self._group = QButtonGroup(self)
        self._radios: dict[ExportType, QRadioButton] = {}
        # two rows so a narrow window stays usable: type radios / notifications, summary, Start
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        type_label = QLabel("Export as:")
        row.addWidget(type_label)
        row.addSpacing(6)
        for export_type, mnemonic in ((ExportType.COMMON_CARTRIDGE, "&Common Cartridge"),
                                      (ExportType.QTI, "&QTI"), (ExportType.ZIP, "&Zip")):
            radio = QRadioButton(mnemonic)
            radio.setToolTip(TYPE_TIPS[export_type])
            radio.setAccessibleName(f"Export type {export_type.label}")
            radio.setObjectName(f"type_{export_type.value}")
            self._group.addButton(radio)
            self._radios[export_type] = radio
            row.addWidget(radio)
        self._radios[ExportType.COMMON_CARTRIDGE].setChecked(True)
        self._group.buttonToggled.connect(self._toggled)

        row.addStretch(1)

        self.skip_notifications = QCheckBox("Skip notifications")
        self.skip_notifications.setChecked(True)
        self.skip_notifications.setAccessibleName("Skip notifications")

        self.summary = ElidedLabel("")
        self.summary.setObjectName("selectionSummary")
        self.summary.setAccessibleName("What will be exported")
        self.start_button = QPushButton(icon("export"), "Start export")
        self.start_button.setMinimumWidth(130)
        self.start_button.setObjectName("startExportButton")
        self.start_button.setAccessibleName("Start export")
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(self.startRequested)
        second = QHBoxLayout()
        second.setContentsMargins(0, 0, 0, 0)
        second.addWidget(self.skip_notifications)
        second.addSpacing(12)
        second.addWidget(self.summary, 1)
        second.addWidget(self.start_button)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 4, 0, 0)
        grid.setVerticalSpacing(4)
        grid.addLayout(row, 0, 0)
        grid.addLayout(second, 1, 0)
        self.set_context_kind(None)

    # ---------------------------------------------------------------- state
    def export_type(self) -> ExportType:
        for export_type, radio in self._radios.items():
            if radio.isChecked():
                return export_type
        return ExportType.ZIP

    def set_export_type(self, export_type: ExportType) -> None:
        radio = self._radios[export_type]
        if radio.isEnabled():
            radio.setChecked(True)

    def allowed(self, export_type: ExportType) -> bool:
        return self._kind is not None and export_type in ALLOWED_TYPES[self._kind]

    def set_context_kind(self, kind: ContextKind | None) -> None:
        """Enable the types Canvas allows for this context (groups, users: zip only)."""
        self._kind = kind
        for export_type, radio in self._radios.items():
            ok = kind is not None and export_type in ALLOWED_TYPES[kind]
            radio.setEnabled(ok)
            radio.setToolTip(TYPE_TIPS[export_type] if ok or kind is None else f"{TYPE_TIPS[export_type]}\n\n{ZIP_ONLY_TIP}")
        if kind is not None and not self.allowed(self.export_type()):
            self._radios[ExportType.ZIP].setChecked(True)
        self._update_skip()
        self.start_button.setEnabled(kind is not None)
        self.start_button.setToolTip(
            "Choose a course, group or My files first" if kind is None
            else "Ask Canvas to build the package, then watch it and download it (Ctrl+E)")

    def set_summary_text(self, text: str) -> None:
        """What the Start button exports: 'Everything' or '3 pages, 42 files' ('' = nothing chosen)."""
        self.summary.set_full_text(f"Exports: {text}" if text else "")
        self.summary.setToolTip("Nothing is ticked in the tree, so the whole context is exported"
                                if text == "Everything" else "Only the ticked items are exported")

    def _toggled(self, _button: QRadioButton, checked: bool) -> None:
        if checked:
            self._update_skip()
            self.typeChanged.emit(self.export_type())

    def _update_skip(self) -> None:
        matters = self._kind is not None and notifications_apply(self._kind, self.export_type())
        self.skip_notifications.setEnabled(matters)
        self.skip_notifications.setToolTip(
            "Canvas e-mails you when a course export finishes or fails; tick to skip that e-mail."
            if matters else "Canvas sends no e-mail for zip, group or user exports.")
