"""File › Bulk export…: which courses, and how (issue #14).

Left, "Which courses": the source (My courses / An account / A CSV file). For courses,
a term filter (for an account also the account, sub-accounts indented under their
parent), a search box, the checkable course table (`CourseChoiceModel`), Select all /
Select none (on the rows the filter shows) and "12 of 340 courses chosen". For a CSV, a
file chooser and the file's bad rows with their line numbers; any bad row blocks Start.

Right, "Options": export type, destination folder (absolute and writable, checked on
Start as Settings does), "E-mail no one about these exports" (Canvas's
skip_notifications, on by default), at most N exports at Canvas at once, skip courses
saved in the last N days, keep only the newest K packages per course, and the batch's
name ("Fall 2026 Common Cartridge 2026-12-06" until the user types one).

The dialog loads nothing. It asks with signals and the window answers with slots:

    sourceChanged(str)     a CourseSource value; also on the first show ("mine")
    accountChosen(int)     an account id: load its terms and courses
    termChosen(object)     a term id, or None for every term: for an account, load its courses
    csvChosen(str)         a CSV path: read it, then set_csv_count + set_csv_problems
    startRequested(object) a BulkRequest; the dialog then shows "Starting…" until the
                           window calls accept() (started) or set_busy(False) + set_error

    set_accounts(list[Account]), set_terms(list[Term]), set_courses(list[Course], source=None),
    set_csv_count(int, extra_columns), set_csv_problems(list[str]), set_busy(bool, text),
    set_error(text), set_default_folder(Path)

Keyboard: every control is a Tab stop (a radio group is one, its arrows move inside),
Space ticks the current row whatever its column, Enter starts only when Start is
enabled (in the search box it filters at once instead), Esc closes.
"""

from __future__ import annotations

import enum
import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QPalette, QShowEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_app.canvas.models import Account, ContextKind, Course, ExportType, Term
from desktop_app.canvas.validation import notifications_apply
from desktop_app.ui.context_picker import ALL_TERMS, NO_TERM, term_order
from desktop_app.ui.course_choice_model import ChoiceColumn, CourseChoiceModel, CourseChoiceProxy, chosen_text
from desktop_app.ui.export_options import TYPE_TIPS
from desktop_app.ui.icons import icon
from desktop_app.ui.search_field import FilterOnPause, search_field
from desktop_app.ui.settings import check_download_folder
from desktop_app.ui.style import tone_html, use_visible_check_boxes
from desktop_app.ui.table_base import row_table, size_columns
from desktop_app.ui.table_placeholder import TablePlaceholder

MAX_AT_CANVAS = 20
DEFAULT_AT_CANVAS = 5
NO_COURSES_TEXT = "No courses to choose from yet."
NO_MATCH_TEXT = "No course matches the term and the search."
CSV_HINT = (
    "A CSV file with a course_id column: Canvas course ids, or SIS ids written as "
    "sis_course_id:BIO-2026FA-0042. Its other columns are kept in the report."
)


class CourseSource(str, enum.Enum):
    MINE = "mine"
    ACCOUNT = "account"
    CSV = "csv"


@dataclass(frozen=True)
class BulkRequest:
    """What Start asks for. For a CSV source `courses` is empty: the application layer
    reads the targets (and the extra columns for the report) from `csv_path`."""

    courses: tuple[Course, ...]
    export_type: ExportType
    folder: Path
    skip_notifications: bool
    max_at_canvas: int
    skip_within_days: int | None
    keep: int | None
    name: str
    csv_path: Path | None = None


def default_batch_name(term: str | None, export_type: ExportType, today: date) -> str:
    """ "Fall 2026 Common Cartridge 2026-12-06" (no term when the courses span several)."""
    return " ".join(p for p in (term, export_type.label, today.isoformat()) if p)


def account_tree(accounts: Sequence[Account]) -> list[tuple[Account, int]]:
    """Accounts in tree order with their depth: each parent, then its sub-accounts by
    name. An account whose parent is not listed is a top level one."""
    ids = {a.id for a in accounts}
    children: dict[int | None, list[Account]] = {}
    for account in accounts:
        parent = account.parent_account_id if account.parent_account_id in ids else None
        children.setdefault(parent, []).append(account)
    out: list[tuple[Account, int]] = []

    def walk(parent: int | None, depth: int) -> None:
        for account in sorted(children.get(parent, []), key=lambda a: a.name.casefold()):
            out.append((account, depth))
            walk(account.id, depth + 1)

    walk(None, 0)
    return out


class BulkExportDialog(QDialog):
    """See the module docstring."""

    sourceChanged = Signal(str)
    accountChosen = Signal(int)
    termChosen = Signal(object)
    csvChosen = Signal(str)
    startRequested = Signal(object)

    SEARCH_DELAY_MS = 150

    def __init__(self, parent: QWidget | None = None, *, today: date | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Bulk export")
        self.setObjectName("bulkExportDialog")
        self._today = today or date.today()
        self._source = CourseSource.MINE
        self._courses: dict[CourseSource, list[Course]] = {}
        self._account_terms: list[Term] = []
        self._busy_text = ""
        self._csv_count: int | None = None
        self._csv_problems: list[str] = []
        self._csv_extra: tuple[str, ...] = ()
        self._csv_asked: str | None = None  # the path last sent with csvChosen
        self._name_edited = False
        self._announced = False

        self.model = CourseChoiceModel(self)
        self.proxy = CourseChoiceProxy(self)
        self.proxy.setSourceModel(self.model)

        layout = QHBoxLayout()
        layout.setSpacing(12)
        layout.addWidget(self._build_courses(), 1)
        options = self._build_options()
        options.setMaximumWidth(options.sizeHint().width() + 40)
        layout.addWidget(options)

        self.buttons = QDialogButtonBox(self)
        self.start_button = self.buttons.addButton("Start bulk export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.start_button.setObjectName("startBulkButton")
        self.start_button.setIcon(icon("export"))
        self.start_button.setDefault(True)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._start)
        self.buttons.rejected.connect(self.reject)
        self.why_not = QLabel(self)
        self.why_not.setObjectName("startBlocked")
        self.why_not.setAccessibleName("Why Start is not available")
        self.why_not.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        bottom = QHBoxLayout()
        bottom.addWidget(self.why_not, 1)
        bottom.addWidget(self.buttons)

        outer = QVBoxLayout(self)
        outer.addLayout(layout, 1)
        outer.addLayout(bottom)
        self.resize(1140, 680)
        self._fill_terms()
        self._update_source_controls()
        self._refresh()

    # ------------------------------------------------------------------ construction
    def _build_courses(self) -> QGroupBox:
        box = QGroupBox("Which courses", self)
        self.source_group = QButtonGroup(self)
        self.source_radios: dict[CourseSource, QRadioButton] = {}
        sources = QHBoxLayout()
        for source, text, tip in (
            (CourseSource.MINE, "&My courses", "The courses you teach, assist in or design"),
            (CourseSource.ACCOUNT, "An &account", "Every course of an account you administer, and its sub-accounts"),
            (CourseSource.CSV, "A CS&V file", "A list of course ids or SIS ids, e.g. from your SIS"),
        ):
            radio = QRadioButton(text, box)
            radio.setObjectName(f"source_{source.value}")
            radio.setToolTip(tip)
            self.source_group.addButton(radio)
            self.source_radios[source] = radio
            sources.addWidget(radio)
        sources.addStretch(1)
        self.source_radios[CourseSource.MINE].setChecked(True)
        self.source_group.buttonToggled.connect(self._source_toggled)

        self.account_combo = QComboBox(box)
        self.account_combo.setObjectName("accountCombo")
        self.account_combo.setAccessibleName("Account")
        self.account_combo.setToolTip("The account whose courses to list; sub-accounts are indented under theirs")
        self.account_combo.activated.connect(lambda _i: self._account_activated())
        self.account_label = QLabel("Acc&ount:", box)
        self.account_label.setBuddy(self.account_combo)
        self.term_combo = QComboBox(box)
        self.term_combo.setObjectName("termCombo")
        self.term_combo.setAccessibleName("Term")
        self.term_combo.setToolTip("Show the courses of one term only")
        self.term_combo.activated.connect(lambda _i: self._term_activated())
        self.search_edit = search_field(
            box, "Search by code, name or SIS id", "Search courses", "Every word must occur in the code, name or SIS id"
        )
        self._search_pause = FilterOnPause(self.search_edit, self._apply_search, self.SEARCH_DELAY_MS)
        filters = QHBoxLayout()
        filters.addWidget(self.account_label)
        filters.addWidget(self.account_combo, 2)
        filters.addSpacing(8)
        term_label = QLabel("&Term:", box)
        term_label.setBuddy(self.term_combo)
        filters.addWidget(term_label)
        filters.addWidget(self.term_combo, 1)
        filters.addSpacing(8)
        filters.addWidget(self.search_edit, 2)

        self.table = row_table(box, self.proxy, "Courses to export")
        self.table.setObjectName("courseChoiceTable")
        use_visible_check_boxes(self.table)
        size_columns(
            self.table,
            {
                ChoiceColumn.SIS_ID: "ECON-2026FA-0042",
                ChoiceColumn.TERM: "Spring 2027",
                ChoiceColumn.TEACHERS: "Katherine Johnson",
            },
        )
        # the course takes what is left, so the row fits without a horizontal scroll
        self.table.horizontalHeader().setSectionResizeMode(ChoiceColumn.COURSE, QHeaderView.ResizeMode.Stretch)
        self.table.installEventFilter(self)
        self.placeholder = TablePlaceholder(
            self.table, self.proxy, self.model, NO_COURSES_TEXT, "courseChoicePlaceholder", no_match_text=NO_MATCH_TEXT
        )

        self.select_all_button = QPushButton(icon("select-all"), "Select all", box)
        self.select_all_button.setToolTip("Tick every course the term and the search show")
        self.select_all_button.setAutoDefault(False)
        self.select_all_button.clicked.connect(lambda: self.proxy.set_shown_checked(True))
        self.select_none_button = QPushButton(icon("select-none"), "Select none", box)
        self.select_none_button.setToolTip("Untick every course the term and the search show")
        self.select_none_button.setAutoDefault(False)
        self.select_none_button.clicked.connect(lambda: self.proxy.set_shown_checked(False))
        self.count_label = QLabel(box)
        self.count_label.setObjectName("chosenCount")
        self.count_label.setAccessibleName("Courses chosen")
        ticks = QHBoxLayout()
        ticks.addWidget(self.select_all_button)
        ticks.addWidget(self.select_none_button)
        ticks.addStretch(1)
        ticks.addWidget(self.count_label)

        chooser = QWidget(box)
        chooser_layout = QVBoxLayout(chooser)
        chooser_layout.setContentsMargins(0, 0, 0, 0)
        chooser_layout.addLayout(filters)
        chooser_layout.addWidget(self.table, 1)
        chooser_layout.addLayout(ticks)

        self.csv_edit = QLineEdit(box)
        self.csv_edit.setObjectName("csvPath")
        self.csv_edit.setAccessibleName("CSV file")
        self.csv_edit.setPlaceholderText("Full path of a .csv file")
        self.csv_edit.editingFinished.connect(self._csv_typed)
        self.csv_button = QPushButton("Choose &file…", box)
        self.csv_button.setAutoDefault(False)
        self.csv_button.clicked.connect(self._browse_csv)
        csv_row = QHBoxLayout()
        csv_row.addWidget(self.csv_edit, 1)
        csv_row.addWidget(self.csv_button)
        csv_hint = QLabel(CSV_HINT, box)
        csv_hint.setWordWrap(True)
        csv_hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.csv_summary = QLabel(box)
        self.csv_summary.setObjectName("csvSummary")
        self.csv_summary.setWordWrap(True)
        self.csv_summary.setTextFormat(Qt.TextFormat.RichText)
        self.csv_problems = QListWidget(box)
        self.csv_problems.setObjectName("csvProblems")
        self.csv_problems.setAccessibleName("Rows of the CSV file to fix")
        self.csv_problems.hide()
        csv_page = QWidget(box)
        csv_layout = QVBoxLayout(csv_page)
        csv_layout.setContentsMargins(0, 0, 0, 0)
        csv_layout.addLayout(csv_row)
        csv_layout.addWidget(csv_hint)
        csv_layout.addWidget(self.csv_summary)
        csv_layout.addWidget(self.csv_problems, 1)

        self.pages = QStackedWidget(box)
        self.pages.addWidget(chooser)
        self.pages.addWidget(csv_page)

        self.busy_bar = QProgressBar(box)
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.setMaximumWidth(120)
        self.busy_label = QLabel(box)
        self.busy_label.setObjectName("busyText")
        busy = QHBoxLayout()
        busy.addWidget(self.busy_bar)
        busy.addWidget(self.busy_label, 1)
        self.busy_bar.hide()
        self.busy_label.hide()
        self.error_label = QLabel(box)
        self.error_label.setObjectName("bulkError")
        self.error_label.setAccessibleName("Problem")
        self.error_label.setWordWrap(True)
        self.error_label.setTextFormat(Qt.TextFormat.RichText)
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_label.hide()

        layout = QVBoxLayout(box)
        layout.addLayout(sources)
        layout.addWidget(self.pages, 1)
        layout.addLayout(busy)
        layout.addWidget(self.error_label)

        self.model.checkedChanged.connect(self._refresh)
        self.proxy.rowsInserted.connect(self._refresh)
        self.proxy.rowsRemoved.connect(self._refresh)
        self.proxy.modelReset.connect(self._refresh)
        return box

    def _build_options(self) -> QGroupBox:
        box = QGroupBox("Options", self)
        self.type_group = QButtonGroup(self)
        self.type_radios: dict[ExportType, QRadioButton] = {}
        types = QVBoxLayout()
        types.setSpacing(2)
        for export_type, text in (
            (ExportType.COMMON_CARTRIDGE, "&Common Cartridge"),
            (ExportType.QTI, "&QTI"),
            (ExportType.ZIP, "&Zip"),
        ):
            radio = QRadioButton(text, box)
            radio.setObjectName(f"type_{export_type.value}")
            radio.setToolTip(TYPE_TIPS[export_type])
            radio.setAccessibleName(f"Export type {export_type.label}")
            self.type_group.addButton(radio)
            self.type_radios[export_type] = radio
            types.addWidget(radio)
        self.type_radios[ExportType.COMMON_CARTRIDGE].setChecked(True)
        self.type_group.buttonToggled.connect(lambda _b, on: self._type_changed() if on else None)

        self.folder_edit = QLineEdit(box)
        self.folder_edit.setObjectName("bulkFolder")
        self.folder_edit.setAccessibleName("Save packages in")
        self.folder_edit.setToolTip("A full path; the folder is created when it does not exist")
        self.folder_edit.textEdited.connect(self._folder_typed)
        self.folder_button = QPushButton("B&rowse…", box)
        self.folder_button.setAccessibleName("Choose the folder")
        self.folder_button.setAutoDefault(False)
        self.folder_button.clicked.connect(self._browse_folder)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder_edit, 1)
        folder_row.addWidget(self.folder_button)
        self.folder_error = QLabel(box)
        self.folder_error.setObjectName("bulkFolderError")
        self.folder_error.setWordWrap(True)
        self.folder_error.setTextFormat(Qt.TextFormat.RichText)
        self.folder_error.hide()
        folder_hint = QLabel("Inside it: a folder per term and course, report.csv and SHA256SUMS.", box)
        folder_hint.setWordWrap(True)
        folder_hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)

        self.skip_notifications = QCheckBox("&E-mail no one about these exports", box)
        self.skip_notifications.setObjectName("skipNotifications")
        self.skip_notifications.setChecked(True)

        self.max_at_canvas = QSpinBox(box)
        self.max_at_canvas.setObjectName("maxAtCanvas")
        self.max_at_canvas.setRange(1, MAX_AT_CANVAS)
        self.max_at_canvas.setValue(DEFAULT_AT_CANVAS)
        self.max_at_canvas.setAccessibleName("Exports at Canvas at once")
        self.max_at_canvas.setToolTip(
            "How many of this batch's exports Canvas builds at the same time. Canvas builds\n"
            "exports one after another on busy sites: a few at once is as fast and kinder."
        )

        self.skip_recent = QCheckBox("Skip courses sa&ved in the last", box)
        self.skip_recent.setObjectName("skipRecent")
        self.skip_recent.setToolTip("Courses whose last checked package of this type is that recent are skipped")
        self.skip_days = QSpinBox(box)
        self.skip_days.setObjectName("skipDays")
        self.skip_days.setRange(1, 365)
        self.skip_days.setValue(7)
        self.skip_days.setSuffix(" days")
        self.skip_days.setAccessibleName("Days")
        self.keep_newest = QCheckBox("&Keep only the newest", box)
        self.keep_newest.setObjectName("keepNewest")
        self.keep_newest.setToolTip(
            "Older packages of the same course and type that bulk exports saved into this folder are deleted, "
            "only those this app saved and recorded (never a single export's)"
        )
        self.keep_count = QSpinBox(box)
        self.keep_count.setObjectName("keepCount")
        self.keep_count.setRange(1, 100)
        self.keep_count.setValue(3)
        self.keep_count.setSuffix(" per course")
        self.keep_count.setAccessibleName("Packages to keep per course")
        for check, spin in ((self.skip_recent, self.skip_days), (self.keep_newest, self.keep_count)):
            spin.setEnabled(False)
            check.toggled.connect(spin.setEnabled)

        self.name_edit = QLineEdit(box)
        self.name_edit.setObjectName("batchNameEdit")
        self.name_edit.setAccessibleName("Batch name")
        self.name_edit.setToolTip("How the batch is listed in the Activity view and the command line")
        self.name_edit.textEdited.connect(self._name_typed)

        form = QFormLayout(box)
        form.setVerticalSpacing(8)
        form.addRow("Export as:", types)
        form.addRow("Save in:", folder_row)
        form.addRow("", self.folder_error)
        form.addRow("", folder_hint)
        form.addRow("", self.skip_notifications)
        at_canvas = QHBoxLayout()
        at_canvas.addWidget(self.max_at_canvas)
        at_canvas.addWidget(QLabel("exports at Canvas at once", box), 1)
        form.addRow("At most:", at_canvas)
        for check, spin in ((self.skip_recent, self.skip_days), (self.keep_newest, self.keep_count)):
            row = QHBoxLayout()
            row.addWidget(check)
            row.addWidget(spin)
            row.addStretch(1)
            form.addRow("", row)
        name_label = QLabel("Batch &name:", box)
        name_label.setBuddy(self.name_edit)
        form.addRow(name_label, self.name_edit)
        return box

    # ------------------------------------------------------------------ slots for the window
    def source(self) -> CourseSource:
        return self._source

    def set_source(self, source: CourseSource) -> None:
        self.source_radios[source].setChecked(True)

    def set_default_folder(self, folder: Path) -> None:
        self.folder_edit.setText(str(folder))
        self.folder_edit.setCursorPosition(0)  # the start of a long path shows, not its end
        self._refresh()

    def set_accounts(self, accounts: Sequence[Account]) -> None:
        """The accounts the user administers (with sub-accounts); none: "An account" is off."""
        self.account_combo.clear()
        for account, depth in account_tree(accounts):
            self.account_combo.addItem("\u2003" * depth + account.name, account.id)
        radio = self.source_radios[CourseSource.ACCOUNT]
        radio.setEnabled(bool(accounts))
        radio.setToolTip(
            "Every course of an account you administer, and its sub-accounts"
            if accounts
            else "You administer no account on this Canvas site."
        )
        if self._source is CourseSource.ACCOUNT:
            if accounts:
                self._account_activated()
            else:
                self.set_source(CourseSource.MINE)

    def set_terms(self, terms: Sequence[Term]) -> None:
        """The chosen account's terms, for the term filter."""
        self._account_terms = list(terms)
        if self._source is CourseSource.ACCOUNT:
            self._fill_terms()

    def set_courses(self, courses: Sequence[Course], source: CourseSource | None = None) -> None:
        """The courses to choose from for `source` (default: the one shown). Courses of
        another source are kept for when the user switches back."""
        source = source or self._source
        self._courses[source] = list(courses)
        if source is self._source:
            self.model.set_courses(courses)
            if source is CourseSource.MINE:
                self._fill_terms()
            self.set_error("")

    def set_csv_count(self, count: int, extra_columns: Sequence[str] = ()) -> None:
        """How many courses the chosen CSV names, and its columns besides course_id."""
        self._csv_count = count
        self._csv_extra = tuple(extra_columns)
        self._update_csv_summary()
        self._refresh()

    def set_csv_problems(self, problems: Sequence[str]) -> None:
        """The CSV's bad rows ("line 7: 'abc' is not a course id"); any of them blocks Start."""
        self._csv_problems = list(problems)
        self.csv_problems.clear()
        self.csv_problems.addItems(self._csv_problems)
        self.csv_problems.setVisible(bool(problems))
        self._update_csv_summary()
        self._refresh()

    def _update_csv_summary(self) -> None:
        parts = []
        if self._csv_count is not None:
            noun = "course" if self._csv_count == 1 else "courses"
            parts.append(html.escape(f"The file names {self._csv_count:,} {noun}."))
            if self._csv_extra:
                parts.append(html.escape(f"Its other columns go into the report: {', '.join(self._csv_extra)}."))
        if self._csv_problems:
            count = len(self._csv_problems)
            rows = "row needs" if count == 1 else "rows need"
            parts.append(tone_html(self, f"{count:,} {rows} fixing before the batch can start:", ok=False))
        self.csv_summary.setText(" ".join(parts))

    def set_busy(self, busy: bool, text: str = "") -> None:
        """Something loads (or the batch starts): say what, and hold Start meanwhile."""
        self._busy_text = (text or "Loading…") if busy else ""
        self.busy_bar.setVisible(busy)
        self.busy_label.setText(self._busy_text)
        self.busy_label.setVisible(busy)
        if busy:
            self.set_error("")
        self._refresh()

    def set_error(self, text: str) -> None:
        """A failure to load or to start, in words a person can act on ("" hides it)."""
        self.error_label.setText(tone_html(self, text, ok=False) if text else "")
        self.error_label.setVisible(bool(text))

    def error_text(self) -> str:
        return self.error_label.text() if self.error_label.isVisibleTo(self) else ""

    # ------------------------------------------------------------------ state
    def checked_courses(self) -> list[Course]:
        return self.model.checked_courses()

    def export_type(self) -> ExportType:
        return next((t for t, r in self.type_radios.items() if r.isChecked()), ExportType.COMMON_CARTRIDGE)

    def term_id(self) -> int | None:
        data = self.term_combo.currentData()
        return int(data) if data is not None else None

    def problem(self) -> str:
        """Why Start is not available ("" when it is)."""
        if self._busy_text:
            return self._busy_text
        if self._source is CourseSource.CSV:
            if not self.csv_edit.text().strip():
                return "Choose a CSV file."
            if self._csv_problems:
                return "Fix the rows listed, then choose the file again."
            if self._csv_count is None:
                return "Reading the file…"
            if self._csv_count == 0:
                return "The file names no course."
        elif self.model.checked_count() == 0:
            return "Tick at least one course."
        if not self.folder_edit.text().strip():
            return "Choose a folder to save the packages in."
        if not self.name_edit.text().strip():
            return "Give the batch a name."
        return ""

    def request(self) -> BulkRequest:
        """What Start would ask for now (the folder as typed)."""
        csv = self._source is CourseSource.CSV
        return BulkRequest(
            courses=() if csv else tuple(self.model.checked_courses()),
            export_type=self.export_type(),
            folder=Path(self.folder_edit.text().strip()).expanduser(),
            skip_notifications=self.skip_notifications.isChecked() and self.skip_notifications.isEnabled(),
            max_at_canvas=self.max_at_canvas.value(),
            skip_within_days=self.skip_days.value() if self.skip_recent.isChecked() else None,
            keep=self.keep_count.value() if self.keep_newest.isChecked() else None,
            name=self.name_edit.text().strip(),
            csv_path=Path(self.csv_edit.text().strip()).expanduser() if csv else None,
        )

    # ------------------------------------------------------------------ behaviour
    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        if not self._announced:  # the window loads the first source's courses now
            self._announced = True
            self.sourceChanged.emit(self._source.value)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt API
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.focusWidget() is self.search_edit:
            event.accept()  # the search box applied its filter; Enter there never starts
            return
        super().keyPressEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if watched is self.table and event.type() == QEvent.Type.KeyPress:
            if isinstance(event, QKeyEvent) and event.key() == Qt.Key.Key_Space:
                current = self.table.currentIndex()
                if current.isValid():
                    row = self.proxy.mapToSource(current).row()
                    self.model.set_checked_rows([row], not self.model.is_checked(row))
                return True
        return False

    def _source_toggled(self, button: QRadioButton, checked: bool) -> None:
        if not checked:
            return
        source = next(s for s, r in self.source_radios.items() if r is button)
        if source is self._source:
            return
        self._source = source
        self.set_error("")
        self.model.set_courses(self._courses.get(source, []))
        self._fill_terms()
        self._update_source_controls()
        self.sourceChanged.emit(source.value)
        if source is CourseSource.ACCOUNT and self.account_combo.count():
            self._account_activated()
        self._refresh()

    def _update_source_controls(self) -> None:
        csv = self._source is CourseSource.CSV
        self.pages.setCurrentIndex(1 if csv else 0)
        account = self._source is CourseSource.ACCOUNT
        self.account_label.setVisible(account)
        self.account_combo.setVisible(account)
        # your own courses: Canvas lists them without their teachers (you are one of them)
        self.table.setColumnHidden(ChoiceColumn.TEACHERS, self._source is CourseSource.MINE)

    def _account_activated(self) -> None:
        data = self.account_combo.currentData()
        if data is not None:
            self._account_terms = []
            self._fill_terms()
            self.accountChosen.emit(int(data))

    def _term_activated(self) -> None:
        self.proxy.set_term(self.term_id())
        self.termChosen.emit(self.term_id())
        self._refresh()

    def _fill_terms(self) -> None:
        """The term filter's entries: the account's terms, or those of my courses."""
        if self._source is CourseSource.ACCOUNT:
            terms: list[tuple[int | None, str]] = [(t.id, t.name) for t in self._account_terms]
        else:
            terms = list({(c.term_id, c.term or NO_TERM) for c in self._courses.get(CourseSource.MINE, [])})
        rank = {name: i for i, name in enumerate(term_order([name for _id, name in terms]))}
        kept = self.term_id()
        self.term_combo.blockSignals(True)
        self.term_combo.clear()
        self.term_combo.addItem(ALL_TERMS, None)
        for term_id, name in sorted(terms, key=lambda t: rank[t[1]]):
            if term_id is not None:
                self.term_combo.addItem(name, term_id)
        at = self.term_combo.findData(kept) if kept is not None else 0
        self.term_combo.setCurrentIndex(max(0, at))
        self.term_combo.blockSignals(False)
        self.proxy.set_term(self.term_id())

    def _apply_search(self, text: str) -> None:
        self._search_pause.show_text(text)
        self.proxy.set_search(text)
        self._refresh()

    def _type_changed(self) -> None:
        matters = notifications_apply(ContextKind.COURSE, self.export_type())
        self.skip_notifications.setEnabled(matters)
        self.skip_notifications.setToolTip(
            "Canvas e-mails the person who starts a course export when it finishes or fails; nobody wants 500 of those."
            if matters
            else "Canvas sends no e-mail for zip exports."
        )
        self._refresh()

    def _name_typed(self, text: str) -> None:
        self._name_edited = bool(text.strip())  # emptied: the suggested name comes back
        self._refresh()

    def _suggested_term(self) -> str | None:
        """What the suggested name starts with: the term shown, the one term of the
        ticked courses, or the CSV file's name."""
        if self._source is CourseSource.CSV:
            path = self.csv_edit.text().strip()
            return Path(path).stem if path else None
        term_id = self.term_id()
        if term_id is not None:
            return self.term_combo.currentText()
        terms = {c.term for c in self.model.checked_courses()}
        return terms.pop() if len(terms) == 1 else None

    def _refresh(self) -> None:
        hidden = self.proxy.hidden_checked()
        self.count_label.setText(chosen_text(self.model.checked_count(), self.model.rowCount(), hidden))
        if not self._name_edited:
            suggested = default_batch_name(self._suggested_term(), self.export_type(), self._today)
            if self.name_edit.text() != suggested:
                self.name_edit.setText(suggested)
        problem = self.problem()
        self.start_button.setEnabled(not problem)
        self.why_not.setText(problem if problem != self._busy_text else "")
        self.pages.setEnabled(not self._busy_text)

    def _browse_csv(self) -> None:
        chosen, _filter = QFileDialog.getOpenFileName(
            self, "CSV file of courses", self.csv_edit.text(), "CSV files (*.csv);;All files (*)"
        )
        if chosen:
            self.csv_edit.setText(chosen)
            self._csv_asked = None  # the same file again, fixed: read it again
            self._csv_typed()

    def _csv_typed(self) -> None:
        path = self.csv_edit.text().strip()
        if not path or path == self._csv_asked:
            return
        self._csv_asked = path
        self._csv_count = None
        self._csv_problems = []
        self._csv_extra = ()
        self.csv_problems.clear()
        self.csv_problems.hide()
        self._update_csv_summary()
        self._refresh()
        self.csvChosen.emit(path)

    def _folder_typed(self, _text: str) -> None:
        self.folder_error.hide()
        self._refresh()

    def _browse_folder(self) -> None:
        start = str(Path(self.folder_edit.text().strip()).expanduser())  # "~/…" as the window gives it
        chosen = QFileDialog.getExistingDirectory(self, "Save packages in", start)
        if chosen:
            self.folder_edit.setText(chosen)
            self.folder_error.hide()
            self._refresh()

    def _start(self) -> None:
        """Start: only when valid, and with a folder that is absolute and writable
        (created if missing); otherwise say why under the folder and stay open."""
        if self.problem():
            return
        try:
            folder = check_download_folder(self.folder_edit.text())
        except ValueError as exc:
            self.folder_error.setText(tone_html(self, str(exc), ok=False))
            self.folder_error.show()
            self.folder_edit.setFocus()
            return
        self.folder_edit.setText(str(folder))
        self.folder_error.hide()
        request = self.request()
        self.set_busy(True, "Starting the batch…")
        self.startRequested.emit(request)
