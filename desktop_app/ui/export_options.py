"""The "how" of an export: type, notifications, and the Start button with a summary.

Canvas's rules live in desktop_app/canvas/validation.py (`allowed_export_types`); this
widget only shows them: a type the person may not create here is greyed out, its
tooltip and a visible line under the types say why, and the summary tells in words what
the Start button will ask Canvas for. A failure to start is shown under the button
(`show_start_problem`) until something changes.

The window tells it what is allowed in two steps: `set_context_kind(kind)` at once (the
rule for the kind of context), then `set_allowed(mapping)` once Canvas has said what
this user may do there (`CanvasClient.allowed_export_types`).

The type the person chose is remembered per kind of context (course, group, My files):
a group's zip, forced by Canvas's rule, does not carry over to the next course, which
opens with the type last chosen for a course (Common Cartridge at first).
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPalette, QResizeEvent
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

from desktop_app.canvas.models import ContextKind, ExportType
from desktop_app.canvas.validation import allowed_export_types, notifications_apply
from desktop_app.ui.icons import icon
from desktop_app.ui.style import tone_html

TYPE_TIPS = {
    ExportType.COMMON_CARTRIDGE: (
        "Common Cartridge (.imscc): the course with its modules, pages, assignments, quizzes "
        "and files. Import it into Canvas or another LMS."
    ),
    ExportType.QTI: "QTI (.zip): classic quizzes only, for another quiz tool or a question bank.",
    ExportType.ZIP: "Zip: files and folders exactly as they are in Files.",
}


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
        # the type the person last chose, per kind of context; automatic changes (a type
        # Canvas refuses here) do not count
        self._preferred: dict[ContextKind, ExportType] = {}
        self._automatic = False
        self._group = QButtonGroup(self)
        self._radios: dict[ExportType, QRadioButton] = {}
        # two rows so a narrow window stays usable: type radios / notifications, summary, Start
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        type_label = QLabel("Export as:")
        row.addWidget(type_label)
        row.addSpacing(6)
        for export_type, mnemonic in (
            (ExportType.COMMON_CARTRIDGE, "&Common Cartridge"),
            (ExportType.QTI, "&QTI"),
            (ExportType.ZIP, "&Zip"),
        ):
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
        second.addSpacing(12)  # the summary's last word never touches the button
        second.addWidget(self.start_button)
        self.skip_notifications.toggled.connect(lambda _on: self.clear_start_problem())

        # why some types are greyed out ("Only teachers ... can make ..."), one line
        self.types_reason = QLabel()
        self.types_reason.setObjectName("exportTypesReason")
        self.types_reason.setAccessibleName("Why some export types are not available")
        self.types_reason.setWordWrap(True)
        self.types_reason.setTextFormat(Qt.TextFormat.PlainText)
        self.types_reason.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.types_reason.hide()
        # a failure to start, under the Start button, until the options change
        self.start_problem = QLabel()
        self.start_problem.setObjectName("startProblem")
        self.start_problem.setAccessibleName("Why the export did not start")
        self.start_problem.setWordWrap(True)
        self.start_problem.setTextFormat(Qt.TextFormat.RichText)
        self.start_problem.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.start_problem.hide()

        grid = QGridLayout(self)
        grid.setContentsMargins(0, 4, 0, 0)
        grid.setVerticalSpacing(4)
        grid.addLayout(row, 0, 0)
        grid.addWidget(self.types_reason, 1, 0)
        grid.addLayout(second, 2, 0)
        grid.addWidget(self.start_problem, 3, 0)
        self._allowed: dict[ExportType, str | None] = {}
        self._problem_text = ""
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
        return self._kind is not None and self._allowed.get(export_type, "") is None

    def refusal(self, export_type: ExportType) -> str | None:
        """Why `export_type` cannot be chosen here (None when it can)."""
        return self._allowed.get(export_type) if self._kind is not None else None

    def set_context_kind(self, kind: ContextKind | None) -> None:
        """A new context: offer the types Canvas allows for its kind (groups, users: zip
        only). What this user may do in a course comes later, through `set_allowed`."""
        self._kind = kind
        self.clear_start_problem()
        self.start_button.setEnabled(kind is not None)
        self.start_button.setToolTip(
            "Choose a course, group or My files first"
            if kind is None
            else "Ask Canvas to build the package, then watch it and download it (Ctrl+Shift+E)"
        )
        if kind is None:
            self._allowed = {}
            for export_type, radio in self._radios.items():
                radio.setEnabled(False)
                radio.setToolTip(TYPE_TIPS[export_type])
            self.types_reason.hide()
            self._update_skip()
            return
        self.set_allowed(allowed_export_types(kind))

    def set_allowed(self, types: Mapping[ExportType, str | None]) -> None:
        """Offer only the allowed types: `{type: None}` is allowed, `{type: reason}` is
        greyed out with the reason in its tooltip and on a line under the types.

        Types left out of `types` are refused too. If the chosen type is refused, the
        first allowed one (zip, for a student) is chosen instead.
        """
        if self._kind is None:
            return
        self._allowed = {t: types.get(t, "Not available here.") for t in ExportType}
        reasons: list[str] = []
        for export_type, radio in self._radios.items():
            reason = self._allowed[export_type]
            radio.setEnabled(reason is None)
            radio.setToolTip(TYPE_TIPS[export_type] if reason is None else f"{TYPE_TIPS[export_type]}\n\n{reason}")
            if reason is not None and reason not in reasons:
                reasons.append(reason)
        self.types_reason.setText(" ".join(reasons))
        self.types_reason.setVisible(bool(reasons))
        wanted = self._preferred.get(self._kind, ExportType.COMMON_CARTRIDGE)
        if self.allowed(wanted):
            self._check(wanted)
        elif not self.allowed(self.export_type()):
            first = next((t for t in (ExportType.ZIP, *ExportType) if self._allowed[t] is None), None)
            if first is not None:
                self._check(first)
        self.clear_start_problem()
        self._update_skip()

    def show_start_problem(self, text: str) -> None:
        """Say under Start export why the export did not start; cleared by the next
        change of context, type, notifications or selection (or `clear_start_problem`)."""
        self._problem_text = text
        self.start_problem.setText(tone_html(self, text, ok=False))
        self.start_problem.setToolTip(text)
        self.start_problem.setVisible(bool(text))

    def start_problem_text(self) -> str:
        return self._problem_text if self.start_problem.isVisibleTo(self) else ""

    def clear_start_problem(self) -> None:
        self._problem_text = ""
        self.start_problem.clear()
        self.start_problem.hide()

    def set_summary_text(self, text: str) -> None:
        """What the Start button exports: 'Everything' or '3 pages, 42 files' ('' = nothing chosen)."""
        full = f"Exports: {text}" if text else ""
        if full != self.summary.full_text():
            self.clear_start_problem()  # the selection changed
        self.summary.set_full_text(full)
        self.summary.setToolTip(
            "Nothing is ticked in the tree, so the whole context is exported"
            if text == "Everything"
            else "Only the ticked items are exported"
        )

    def _check(self, export_type: ExportType) -> None:
        """Choose `export_type` for the person (not remembered as their choice)."""
        self._automatic = True
        try:
            self._radios[export_type].setChecked(True)
        finally:
            self._automatic = False

    def _toggled(self, _button: QRadioButton, checked: bool) -> None:
        if checked:
            if not self._automatic and self._kind is not None:
                self._preferred[self._kind] = self.export_type()
            self.clear_start_problem()
            self._update_skip()
            self.typeChanged.emit(self.export_type())

    def _update_skip(self) -> None:
        matters = self._kind is not None and notifications_apply(self._kind, self.export_type())
        self.skip_notifications.setEnabled(matters)
        self.skip_notifications.setToolTip(
            "Canvas e-mails you when a course export finishes or fails; tick to skip that e-mail."
            if matters
            else "Canvas sends no e-mail for zip, group or user exports."
        )
