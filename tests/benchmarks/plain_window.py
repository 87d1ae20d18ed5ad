"""A plain PySide6 window with the same kinds and numbers of widgets as the app's main
window, and no app code: the `widgets` variant of bench_launch.py.

What it tells: how much of the launch gap is the window's widgets themselves (PySide
creating a Python class and its enums for every Qt type used, Qt building and painting
the widgets) and how much is our code around them. Standard Qt models, Qt's own SVG icon
engine (`QIcon(path)`), the same texts and layout as the signed-out main window.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QFont, QIcon, QKeySequence, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QSplitter,
    QTableView,
    QTabWidget,
    QToolBar,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

ICONS = Path(__file__).resolve().parents[2] / "resources" / "icons"

BRANCHES = (
    ("Files", "folder"),
    ("Modules", "module"),
    ("Pages", "page"),
    ("Assignments", "assignment"),
    ("Quizzes", "quiz"),
    ("Announcements", "announcement"),
    ("Discussions", "discussion"),
    ("Calendar events", "calendar"),
    ("Rubrics", "rubric"),
)
HISTORY_COLUMNS = ("ID", "Started", "Type", "State", "By", "Size", "Expires", "Saved file")
MENUS = {
    "&File": [("Switch site…", "Ctrl+Shift+O"), ("Settings…", "Ctrl+,"), ("Quit", "Ctrl+Q")],
    "&Export": [
        ("Start export", "Ctrl+Return"),
        ("Download", "Ctrl+D"),
        ("Re-export", "Ctrl+E"),
        ("Stop watching", "Del"),
        ("Refresh", "F5"),
    ],
    "&View": [("Find course", "Ctrl+F"), ("Filter exports", "Ctrl+Shift+F"), ("Reset layout", "")],
    "&Help": [("Where to create a token", ""), ("About", "F1")],
}
TOOLBAR = (
    ("Download", "download"),
    ("Open file", "open"),
    ("Show in folder", "show-in-folder"),
    ("Copy path", "copy"),
    ("Re-export", "reexport"),
    ("Stop watching", "stop"),
)


def _icon(name: str) -> QIcon:
    return QIcon(str(ICONS / f"{name}.svg"))


def _search(placeholder: str) -> QLineEdit:
    edit = QLineEdit()
    edit.setPlaceholderText(placeholder)
    edit.setClearButtonEnabled(True)
    edit.addAction(_icon("search"), QLineEdit.ActionPosition.LeadingPosition)
    return edit


def _tree(headers: tuple[str, ...], rows: tuple[tuple[str, str], ...] = (), *, sorted_: bool = True) -> QTreeView:
    model = QStandardItemModel(0, len(headers))
    model.setHorizontalHeaderLabels(list(headers))
    for text, icon_name in rows:
        item = QStandardItem(_icon(icon_name), text)
        item.setCheckable(True)
        model.appendRow(item)
    view = QTreeView()
    view.setModel(model)
    model.setParent(view)
    view.setSortingEnabled(sorted_)
    view.setAlternatingRowColors(True)
    return view


def _context_picker() -> QWidget:
    tabs = QTabWidget()
    courses = QWidget()
    term_row = QHBoxLayout()
    term_row.addWidget(QLabel("&Term:"))
    terms = QComboBox()
    terms.addItem("All terms")
    term_row.addWidget(terms, 1)
    courses_layout = QVBoxLayout(courses)
    courses_layout.addLayout(term_row)
    courses_layout.addWidget(_tree(("Name", "Code", "Term")))
    tabs.addTab(courses, _icon("course"), "Courses")
    tabs.addTab(_tree(("Name", "Members")), _icon("group"), "Groups")
    my_files = QWidget()
    my_layout = QVBoxLayout(my_files)
    my_layout.addWidget(QLabel("<b>My files</b>"))
    my_layout.addWidget(QLabel("Your own files in Canvas, exported as a zip."))
    my_layout.addStretch(1)
    tabs.addTab(my_files, _icon("my-files"), "My files")
    picker = QWidget()
    layout = QVBoxLayout(picker)
    layout.addWidget(_search("Search courses and groups"))
    layout.addWidget(tabs, 1)
    layout.addWidget(QLabel("Loading courses…"))
    return picker


def _selection_and_options() -> QWidget:
    panel = QWidget()
    top = QHBoxLayout()
    top.addWidget(_search("Filter by name"), 1)
    top.addWidget(QPushButton("Select all"))
    top.addWidget(QPushButton("Select none"))
    options = QGridLayout()
    row = QHBoxLayout()
    row.addWidget(QLabel("Export as:"))
    group = QButtonGroup(panel)
    for text in ("&Common Cartridge", "&QTI", "&Zip"):
        radio = QRadioButton(text)
        group.addButton(radio)
        row.addWidget(radio)
    group.buttons()[0].setChecked(True)
    row.addStretch(1)
    options.addLayout(row, 0, 0)
    options.addWidget(QCheckBox("Skip notifications"), 1, 0)
    options.addWidget(QLabel("Exports: everything"), 1, 1, Qt.AlignmentFlag.AlignRight)
    options.addWidget(QPushButton(_icon("export"), "Start export"), 1, 2)
    layout = QVBoxLayout(panel)
    layout.addLayout(top)
    layout.addWidget(_tree(("Name",), BRANCHES, sorted_=False), 1)
    layout.addLayout(options)
    return panel


def _history(window: QMainWindow) -> QWidget:
    toolbar = QToolBar("Export actions")
    toolbar.setIconSize(QSize(18, 18))
    toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    for text, icon_name in TOOLBAR:
        action = QAction(_icon(icon_name), text, window)
        action.setEnabled(False)
        toolbar.addAction(action)
    spacer = QWidget()
    spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    toolbar.addWidget(spacer)
    toolbar.addWidget(_search("Filter exports"))
    toolbar.addAction(QAction(_icon("refresh"), "Refresh", window))
    model = QStandardItemModel(0, len(HISTORY_COLUMNS))
    model.setHorizontalHeaderLabels(list(HISTORY_COLUMNS))
    table = QTableView()
    table.setModel(model)
    model.setParent(table)
    table.setSortingEnabled(True)
    table.sortByColumn(1, Qt.SortOrder.DescendingOrder)
    table.horizontalHeader().setStretchLastSection(True)
    table.verticalHeader().hide()
    table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
    panel = QWidget()
    layout = QVBoxLayout(panel)
    layout.addWidget(toolbar)
    layout.addWidget(table, 1)
    return panel


def plain_main_window() -> QMainWindow:
    """The window, built and sized, not yet shown."""
    window = QMainWindow()
    window.setWindowTitle("Canvas Export Manager")
    for title, entries in MENUS.items():
        menu = window.menuBar().addMenu(title)
        for text, shortcut in entries:
            action = QAction(text, window)
            if shortcut:
                action.setShortcut(QKeySequence(shortcut))
            menu.addAction(action)
    title = QLabel("Choose a course, a group or My files")
    font = QFont(title.font())
    font.setPointSizeF(font.pointSizeF() * 1.3)
    font.setBold(True)
    title.setFont(font)
    top = QSplitter(Qt.Orientation.Horizontal)
    top.addWidget(_context_picker())
    right = QWidget()
    right_layout = QVBoxLayout(right)
    right_layout.addWidget(title)
    right_layout.addWidget(QLabel("Then tick what to export, or nothing to export everything."))
    right_layout.addWidget(_selection_and_options(), 1)
    top.addWidget(right)
    main = QSplitter(Qt.Orientation.Vertical)
    main.addWidget(top)
    main.addWidget(_history(window))
    window.setCentralWidget(main)
    window.statusBar().addWidget(QLabel("Connecting to the demo Canvas…"), 1)
    window.statusBar().addPermanentWidget(QLabel(""))
    window.resize(1200, 800)
    return window
