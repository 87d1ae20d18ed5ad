"""The package viewer: any .imscc, QTI zip or files zip, offline.

Left, the course as Canvas organised it (package_model.py) with a search box; right, the
selected item in a `SafeBrowser`; above, when the package is one of this app's jobs, the
selection check. Everything that reads the package runs on a worker thread: opening
(central directory and manifest only), rendering the selected item, indexing the text
for search (a second reader, in the background), extracting. The GUI thread only shows
results, which arrive as queued signals.

`SafeBrowser` never fetches: links are not followed by Qt (`setOpenLinks(False)`) and
`loadResource` serves only the images the worker read from the package for this item;
any other URL (http, file, data, a path outside the package) gets nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, Qt, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTextBrowser,
    QToolBar,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from desktop_app.canvas.errors import CanvasError
from desktop_app.package.cartridge import Contents, Item, read_contents
from desktop_app.package.extract import ExtractResult, extract
from desktop_app.package.reader import MAX_PREVIEW, PackageReader
from desktop_app.package.render import ITEM, PKG, Rendered, pkg_name, render_item
from desktop_app.package.search import SearchIndex, index_texts
from desktop_app.package.selection_check import SelectionCheck, check_selection, find_job
from desktop_app.package.summary import FORMAT_LABEL
from desktop_app.package.xmlutil import XmlError
from desktop_app.sizes import human_size
from desktop_app.ui.file_actions import FileActions
from desktop_app.ui.package_model import Node, PackageFilter, PackageModel, prepare_tree
from desktop_app.ui.search_field import FilterOnPause, search_field
from desktop_app.ui.settings import AppSettings
from desktop_app.ui.shown_paths import home_relative
from desktop_app.ui.window_keys import add_close_shortcut

PACKAGE_SUFFIXES = (".imscc", ".zip")
INDEX_BATCH = 200
MAX_IMAGES_PER_ITEM = 64 << 20
"""Image bytes one rendered item may hold in memory."""
IMAGE_CANNOT_BE_SHOWN = "This image cannot be shown: it may be damaged. Extract it to open it in another program."
"""Shown in place of a package image Qt cannot decode (rather than a broken-image icon)."""

_open_viewers: set["PackageViewer"] = set()


def is_package_path(path: str | Path) -> bool:
    return str(path).lower().endswith(PACKAGE_SUFFIXES)


Titles = Mapping[str, Mapping[int, str]] | Callable[[str, int], "str | None"]
"""What the caller knows of the titles of selected objects, for the selection check: a
mapping (select key -> id -> title), or a function (select key, id) -> title or None, such
as the selection tree's `SelectionModel.item_title`. A function is called on the GUI
thread only, once per selected id, after the job is found."""


def open_package_viewer(
    path: str | Path,
    parent: QWidget | None = None,
    *,
    job: Any = None,
    jobs: Callable[[], Iterable[Any]] | None = None,
    titles: Titles | None = None,
    settings: AppSettings | None = None,
) -> "PackageViewer":
    """Open a viewer window on `path` and show it. `job`: the job that saved it (for the
    selection check); else `jobs` (default: the job store) is searched for it. `titles`:
    the titles the caller knows for the job's ids (see `Titles`): the check names a
    missing object by its title, and matches by title a package whose identifiers are
    not Canvas's. `settings`: the app's (default: the user's own file), where the folder
    last extracted into is kept."""
    viewer = PackageViewer(Path(path), parent, job=job, jobs=jobs, titles=titles, settings=settings)
    viewer.show()
    return viewer


def _store_jobs() -> list[Any]:
    from desktop_app.engine.store import JobStore

    with JobStore() as store:
        return store.jobs()


class _Relay(QObject):
    """Worker threads emit; the viewer's slots run on the GUI thread (queued)."""

    opened = Signal(object)  # (reader, contents)
    failed = Signal(str)
    rendered = Signal(int, object)  # (request, Rendered + images | str)
    indexed = Signal(object)  # [(key, title, text), ...]
    index_done = Signal(int)
    job_found = Signal(object)  # the job that saved the package | None
    checked = Signal(object)  # SelectionCheck | None
    extracted = Signal(object)  # ExtractResult | str


class SafeBrowser(QTextBrowser):
    """A QTextBrowser that loads nothing but what it was handed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.images: dict[str, bytes] = {}
        self.refused: list[str] = []

    def show_item(self, html: str, images: dict[str, bytes]) -> None:
        self.images = images
        self.setHtml(html)

    def loadResource(self, kind: int, url: QUrl | str) -> Any:  # noqa: N802 (Qt's name)
        text = url.toString() if isinstance(url, QUrl) else str(url)
        data = self.images.get(text)
        if data is None and text.startswith(PKG):
            data = self.images.get(PKG + text[len(PKG) :].lstrip("/"))
        if data is None:
            self.refused.append(text)
            return None
        from PySide6.QtCore import QByteArray

        return QByteArray(data)


class PackageViewer(QMainWindow):
    """One package in one window. Signals for tests: `ready` once the tree is shown,
    `itemShown(key)` once an item is rendered, `indexed()` when search covers all text,
    `selectionChecked()`, `extractFinished(str)`."""

    ready = Signal()
    itemShown = Signal(str)
    indexFinished = Signal()
    selectionChecked = Signal()
    extractFinished = Signal(str)
    failed = Signal(str)

    def __init__(
        self,
        path: Path,
        parent: QWidget | None = None,
        *,
        job: Any = None,
        jobs: Callable[[], Iterable[Any]] | None = None,
        titles: Titles | None = None,
        settings: AppSettings | None = None,
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setAcceptDrops(True)
        self.path = path
        self.job = job
        self._jobs = jobs or _store_jobs
        self._titles = titles
        self.settings = settings or AppSettings()
        self.reader: PackageReader | None = None
        self.contents: Contents | None = None
        self.index: SearchIndex | None = None
        self.check: SelectionCheck | None = None
        self.error: str | None = None
        self._request = 0
        self._closing = threading.Event()
        self._work = ThreadPoolExecutor(max_workers=1, thread_name_prefix="package-view")
        self._background = ThreadPoolExecutor(max_workers=1, thread_name_prefix="package-index")
        self._futures: list[Future[Any]] = []
        self.choose_folder: Callable[[str], str] = self._ask_folder
        self.extract_folder: Path | None = None  # where the last Extract went
        self.files = FileActions(self)
        self.setWindowTitle(f"{path.name} — Package viewer")
        self._build()
        self.close_action = add_close_shortcut(self)
        self._relay = _Relay(self)
        self._relay.opened.connect(self._opened)
        self._relay.failed.connect(self._open_failed)
        self._relay.rendered.connect(self._rendered)
        self._relay.indexed.connect(self._indexed_batch)
        self._relay.index_done.connect(self._index_done)
        self._relay.job_found.connect(self._job_found)
        self._relay.checked.connect(self._checked)
        self._relay.extracted.connect(self._extracted)
        self.statusBar().showMessage(f"Opening {path.name}…")
        _open_viewers.add(self)
        self.destroyed.connect(lambda *_: _open_viewers.discard(self))
        self._submit(self._work, self._open)

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        self.resize(1100, 700)
        bar = QToolBar("Package", self)
        bar.setObjectName("package-toolbar")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.addToolBar(bar)
        from desktop_app.ui.icons import icon

        self.extract_action = QAction(icon("download"), "Extract…", self)
        self.extract_action.setToolTip("Save the selected item, folder or branch into a folder")
        self.extract_action.setShortcut(QKeySequence("Ctrl+E"))
        self.extract_action.triggered.connect(self.extract_selected)
        self.extract_all_action = QAction(icon("archive"), "Extract all…", self)
        self.extract_all_action.setToolTip("Save everything the package holds into a folder")
        self.extract_all_action.triggered.connect(self.extract_all)
        for action in (self.extract_action, self.extract_all_action):
            action.setEnabled(False)
            bar.addAction(action)
        self.search = search_field(
            self,
            "Search titles and text",
            "Search the package",
            "Shows the items whose title or text holds every word typed",
        )
        self.search.setEnabled(False)
        self.search.setMaximumWidth(360)
        spacer = QWidget(self)
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        bar.addWidget(spacer)
        bar.addWidget(self.search)
        self._filter = FilterOnPause(self.search, self.apply_search, 150)

        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 6)
        self.banner = QLabel(central)
        self.banner.setWordWrap(True)
        self.banner.setTextFormat(Qt.TextFormat.PlainText)
        self.banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.banner.setContentsMargins(8, 6, 8, 6)
        self.banner.hide()
        layout.addWidget(self.banner)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, central)
        self.model = PackageModel(self)
        self.proxy = PackageFilter(self)
        self.proxy.setSourceModel(self.model)
        self.tree = QTreeView(self.splitter)
        self.tree.setModel(self.proxy)
        self.tree.setUniformRowHeights(True)
        self.tree.setAccessibleName("Package contents")
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.selectionModel().currentChanged.connect(self._current_changed)
        self.browser = SafeBrowser(self.splitter)
        self.browser.setAccessibleName("Selected item")
        self.browser.anchorClicked.connect(self._anchor)
        self.splitter.addWidget(self.tree)
        self.splitter.addWidget(self.browser)
        self.splitter.setSizes([420, 680])
        layout.addWidget(self.splitter, 1)
        self.setCentralWidget(central)
        # After an Extract: the folder it went to, one click away (the status bar names it).
        self.open_folder_button = QPushButton(icon("show-in-folder"), "Open folder", self)
        self.open_folder_button.setToolTip("Open the folder the files were extracted into")
        self.open_folder_button.clicked.connect(
            lambda: self.files.open_folder(str(self.extract_folder)) if self.extract_folder else None
        )
        self.open_folder_button.hide()
        self.statusBar().addPermanentWidget(self.open_folder_button)

    # ------------------------------------------------------------------ workers
    def _submit(self, pool: ThreadPoolExecutor, fn: Callable[..., Any], *args: Any) -> None:
        if self._closing.is_set():
            return
        self._futures = [f for f in self._futures if not f.done()]
        self._futures.append(pool.submit(self._guarded, fn, *args))

    def _guarded(self, fn: Callable[..., Any], *args: Any) -> None:
        try:
            fn(*args)
        except Exception as err:  # reported, never lost: a bug shows as a sentence in the window
            if not self._closing.is_set():
                self._relay.failed.emit(f"Unexpected problem ({type(err).__name__}): {err}")

    def _open(self) -> None:
        try:
            reader = PackageReader(self.path)
        except (CanvasError, OSError) as err:
            self._relay.failed.emit(_message(err))
            return
        try:
            contents = read_contents(reader)
        except (CanvasError, OSError) as err:
            reader.close()
            self._relay.failed.emit(_message(err))
            return
        # the tree's nodes and the title index are plain Python: made here, so the GUI
        # thread only resets the model before its first frame with the tree
        self._relay.opened.emit((reader, contents, prepare_tree(contents), SearchIndex(contents)))

    def _opened(self, result: tuple[PackageReader, Contents, Any, SearchIndex]) -> None:
        self.reader, self.contents, tree, search_index = result
        if self._closing.is_set():
            self.reader.close()
            return
        contents = self.contents
        self.model.set_tree(*tree)
        for row in range(self.proxy.rowCount()):
            index = self.proxy.index(row, 0)
            if self.proxy.index(0, 0, index).isValid() and row < 2:
                self.tree.expand(index)
        self.index = search_index
        self.search.setEnabled(True)
        self.extract_all_action.setEnabled(True)
        self.setWindowTitle(f"{contents.title} — {self.path.name} — Package viewer")
        self.browser.show_item(_overview(contents, self.path, self.reader.size), {})
        if contents.problem_count:
            self._show_banner(
                f"{contents.problem_count} problem{'s' if contents.problem_count != 1 else ''} in this "
                "package (shown on its overview)",
                warning=True,
            )
        self.statusBar().showMessage(
            f"{FORMAT_LABEL.get(contents.format, contents.format)} · {len(contents.items):,} "
            f"items · {human_size(self.reader.size)} · indexing text for search…"
        )
        self.ready.emit()
        self._submit(self._background, self._index, self.reader.clone())
        self._submit(self._work, self._find_job)

    def _open_failed(self, message: str) -> None:
        self.error = message
        self.statusBar().showMessage("The package could not be opened.")
        self.browser.show_item(f"<h2>This package cannot be shown</h2><p>{_esc(message)}</p>", {})
        self._show_banner(message, warning=True)
        self.failed.emit(message)

    def _index(self, reader: PackageReader) -> None:
        assert self.contents is not None
        batch: list[tuple[str, str, str]] = []
        count = 0
        try:
            for found in index_texts(reader, self.contents):
                if self._closing.is_set():
                    return
                batch.append(found)
                count += 1
                if len(batch) >= INDEX_BATCH:
                    self._relay.indexed.emit(batch)
                    batch = []
            self._relay.indexed.emit(batch)
            self._relay.index_done.emit(count)
        finally:
            reader.close()

    def _indexed_batch(self, batch: list[tuple[str, str, str]]) -> None:
        if self.index is None:
            return
        titles = {}
        for key, title, text in batch:
            self.index.add(key, title, text)
            titles[key] = title
            if self.contents is not None and key in self.contents.items:
                self.contents.items[key].title = title
        self.model.update_titles(titles)

    def _index_done(self, count: int) -> None:
        self.statusBar().showMessage(
            f"Search covers the titles of {len(self.contents.items):,} items and the text of {count:,}."
            if self.contents
            else ""
        )
        if self.search.text().strip():
            self.apply_search(self.search.text())
        self.indexFinished.emit()

    def _find_job(self) -> None:
        """Worker: the job that saved this package (given, or found in the job store)."""
        job = self.job
        if job is None:
            try:
                from desktop_app.engine.verify import sha256_of

                job = find_job(self._jobs(), self.path, sha256_of)
            except Exception:  # no job store here (or unreadable): the viewer works without it
                job = None
        self._relay.job_found.emit(job)

    def _job_found(self, job: Any) -> None:
        """GUI thread: gather the titles known for the job's ids, then check on the worker."""
        if job is None or self.contents is None:
            self._checked(None)
            return
        self.job = job
        titles = known_titles(self._titles, job.selection)
        self._submit(self._work, self._check_selection, job, titles)

    def _check_selection(self, job: Any, titles: dict[str, dict[int, str]]) -> None:
        assert self.contents is not None
        self._relay.checked.emit(
            check_selection(self.contents, job.selection, export_type=job.export_type, titles=titles, job_id=job.id)
        )

    def _checked(self, check: SelectionCheck | None) -> None:
        self.check = check
        if check is not None and not check.everything:
            mark = "✔" if check.ok else "✖"
            self._show_banner(
                f"{mark} Selection of job {check.job_id}: {check.summary()}", warning=not check.ok, ok=check.ok
            )
        self.selectionChecked.emit()

    def _show_banner(self, text: str, *, warning: bool = False, ok: bool = False) -> None:
        self._banner_tone = "warning" if warning else ("ok" if ok else "info")
        self._style_banner()
        self.banner.setText(text)
        self.banner.show()

    _banner_tone = "info"

    def _style_banner(self) -> None:
        background, text, edge = banner_colours(self, self._banner_tone)
        self.banner.setStyleSheet(
            f"QLabel {{ background: {background.name()}; color: {text.name()}; "
            f"border-left: 4px solid {edge.name()}; border-radius: 4px; }}"
        )

    def changeEvent(self, event: Any) -> None:  # noqa: N802 (Qt's name)
        from PySide6.QtCore import QEvent

        if event.type() == QEvent.Type.PaletteChange:  # the system switched light <-> dark
            self._style_banner()
        super().changeEvent(event)

    # ------------------------------------------------------------------ showing items
    def current_node(self) -> Node | None:
        index = self.proxy.mapToSource(self.tree.currentIndex())
        return self.model.node(index)

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        node = self.model.node(self.proxy.mapToSource(current))
        self.extract_action.setEnabled(node is not None and self.reader is not None)
        if node is None or self.contents is None:
            return
        item = self.contents.items.get(node.item_key) if node.item_key else None
        if item is None:
            self._request += 1
            self.browser.show_item(_branch_html(node, self.contents), {})
            return
        self.show_item(item)

    def show_item(self, item: Item) -> None:
        self._request += 1
        self._submit(self._work, self._render, self._request, item)

    def select_key(self, key: str) -> bool:
        source = self.model.index_for_key(key)
        index = self.proxy.mapFromSource(source)
        if not index.isValid():
            return False
        self.tree.setCurrentIndex(index)
        self.tree.scrollTo(index)
        return True

    def _render(self, request: int, item: Item) -> None:
        assert self.reader is not None and self.contents is not None
        try:
            rendered = render_item(self.reader, self.contents, item)
            rendered.html, images = _images(self.reader, rendered.html)
            self._relay.rendered.emit(request, (item.key, rendered, images))
        except (CanvasError, XmlError, OSError) as err:
            self._relay.rendered.emit(request, (item.key, _message(err), {}))

    def _rendered(self, request: int, result: tuple[str, Rendered | str, dict[str, bytes]]) -> None:
        if request != self._request:
            return  # the user moved on
        key, rendered, images = result
        if isinstance(rendered, str):
            self.browser.show_item(f"<h2>This item cannot be shown</h2><p>{_esc(rendered)}</p>", {})
        else:
            note = ""
            if rendered.blocked:
                note = (
                    f"<p><small>{rendered.blocked} image{'s' if rendered.blocked != 1 else ''} from outside the "
                    "package not loaded.</small></p>"
                )
            self.browser.show_item(rendered.html + note, images)
        self.itemShown.emit(key)

    def _anchor(self, url: QUrl) -> None:
        text = url.toString()
        if text.startswith("#"):
            self.browser.scrollToAnchor(text[1:])
        elif text.startswith(ITEM):
            from urllib.parse import unquote

            self.select_key(unquote(text[len(ITEM) :]))
        elif text.startswith(PKG) and self.contents is not None:
            name = pkg_name(text) or ""
            item = next((i for i in self.contents.items.values() if i.href == name), None)
            if item is not None:
                if not self.select_key(item.key):
                    self.show_item(item)
        elif url.scheme() in ("http", "https", "mailto"):
            QDesktopServices.openUrl(url)  # only on the user's click; rendering never fetches

    # ------------------------------------------------------------------ search
    def apply_search(self, text: str) -> None:
        self._filter.show_text(text)
        if self.index is None:
            return
        self.proxy.set_matches(self.index.search(text) if text.strip() else None)
        if text.strip():
            self.tree.expandToDepth(1)  # kinds and modules open; deep folders stay closed (expandAll: 20,000 rows)

    # ------------------------------------------------------------------ extract
    def _ask_folder(self, title: str) -> str:
        """The folder to extract into; the dialog starts where the last Extract went
        (people extract a course's items into one folder), else at home."""
        start = self.settings.last_extract_dir or Path.home()
        return QFileDialog.getExistingDirectory(self, title, str(start))

    def extract_selected(self) -> None:
        node = self.current_node()
        if node is None or self.contents is None:
            return
        names, strip = _names_for(node, self.contents)
        self._extract(names, strip, f"Extract “{node.label.strip()}” into…")

    def extract_all(self) -> None:
        if self.reader is None:
            return
        self._extract([e.name for e in self.reader.entries.values()], "", "Extract the whole package into…")

    def _extract(self, names: list[str], strip: str, title: str) -> None:
        if not names or self.reader is None:
            return
        folder = self.choose_folder(title)
        if not folder:
            return
        self.extract_folder = Path(folder)
        self.settings.last_extract_dir = self.extract_folder
        self.open_folder_button.hide()
        self.statusBar().showMessage(f"Extracting {len(names):,} file{'s' if len(names) != 1 else ''}…")
        self._submit(self._background, self._extract_work, self.reader.clone(), names, Path(folder), strip)

    def _extract_work(self, reader: PackageReader, names: list[str], folder: Path, strip: str) -> None:
        try:
            result: ExtractResult | str = extract(reader, names, folder, strip=strip, cancelled=self._closing.is_set)
        except (CanvasError, OSError) as err:
            result = _message(err)
        finally:
            reader.close()
        self._relay.extracted.emit(result)

    def _extracted(self, result: ExtractResult | str) -> None:
        self.last_extract = result
        if isinstance(result, str):
            self.statusBar().showMessage("Nothing was extracted.")
            QMessageBox.warning(self, "Extract", result) if not self._quiet else None
            self.extractFinished.emit(result)
            return
        self.statusBar().showMessage(extract_message(result, self.extract_folder))
        self.open_folder_button.setVisible(bool(result.written) and self.extract_folder is not None)
        if result.skipped and not self._quiet:
            details = "\n".join(f"{name}: {why}" for name, why in result.skipped[:50])
            box = QMessageBox(QMessageBox.Icon.Warning, "Extract", result.summary(), parent=self)
            box.setDetailedText(details)
            box.open()
        self.extractFinished.emit(result.summary())

    _quiet = False  # tests: no message boxes

    # ------------------------------------------------------------------ drag and drop, closing
    def dragEnterEvent(self, event: Any) -> None:  # noqa: N802
        if dropped_packages(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event: Any) -> None:  # noqa: N802
        for path in dropped_packages(event.mimeData()):
            open_package_viewer(path, self.parentWidget(), jobs=self._jobs)
        event.acceptProposedAction()

    def closeEvent(self, event: Any) -> None:  # noqa: N802
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop the workers and close the package (idempotent)."""
        self._closing.set()
        self._work.shutdown(wait=True, cancel_futures=True)
        self._background.shutdown(wait=True, cancel_futures=True)
        if self.reader is not None:
            self.reader.close()


def extract_message(result: ExtractResult, folder: Path | None) -> str:
    """What Extract did and where: the folder, and the new name a file got when one of
    its name was there already (the summary alone said "1 under a new name", not which)."""
    where = f" into {home_relative(folder)}" if folder is not None else ""
    if len(result.written) == 1 and len(result.renamed) == 1 and not result.skipped:
        entry, new = result.renamed[0]
        return f"Extracted {entry.rpartition('/')[2]}{where} as “{new.name}” (a file of that name was there)."
    return result.summary(where)


def known_titles(titles: Titles | None, selection: Mapping[str, Iterable[int]]) -> dict[str, dict[int, str]]:
    """The titles `titles` knows for the ids of `selection` (select key -> id -> title)."""
    if titles is None:
        return {}
    found: dict[str, dict[int, str]] = {}
    for key, ids in selection.items():
        for object_id in ids or ():
            try:
                title = titles(key, int(object_id)) if callable(titles) else titles.get(key, {}).get(int(object_id))
            except (TypeError, ValueError):
                title = None
            if title:
                found.setdefault(key, {})[int(object_id)] = str(title)
    return found


def banner_colours(widget: QWidget, tone_name: str) -> tuple[Any, Any, Any]:
    """(background, text, edge) QColors for the banner, from the widget's palette: the
    text is the palette's own, the background the window colour tinted a little towards
    the tone (red for a warning, green when the selection landed, none for information),
    so it reads on a light and on a dark palette alike; the edge is the tone at full
    strength (style.tone: a red or green readable on that palette)."""
    from PySide6.QtGui import QColor, QPalette

    from desktop_app.ui.style import tone

    palette = widget.palette()
    window = palette.color(QPalette.ColorRole.Window)
    text = palette.color(QPalette.ColorRole.WindowText)
    if tone_name == "info":
        return palette.color(QPalette.ColorRole.AlternateBase), text, palette.color(QPalette.ColorRole.Mid)
    edge = QColor(tone(widget, tone_name == "ok"))
    share = 0.18
    background = QColor.fromRgbF(*(window.getRgbF()[i] * (1 - share) + edge.getRgbF()[i] * share for i in range(3)))
    return background, text, edge


def dropped_packages(mime: Any) -> list[str]:
    if not mime.hasUrls():
        return []
    return [u.toLocalFile() for u in mime.urls() if u.isLocalFile() and is_package_path(u.toLocalFile())]


def _message(err: BaseException) -> str:
    if isinstance(err, OSError) and not isinstance(err, CanvasError):
        return f"The file cannot be read: {err.strerror or err}."
    return str(err)


def _esc(text: str) -> str:
    import html

    return html.escape(text, quote=False)


def _images(reader: PackageReader, html_text: str) -> tuple[str, dict[str, bytes]]:
    """The item's HTML and the package images it shows, read here (on the worker) so the
    browser never reads: `loadResource` serves only these. Each image is decoded here
    too (QImage is safe off the GUI thread): one Qt cannot decode (damaged, or not the
    picture its name says) would be drawn as a broken-image icon, so its `<img>` becomes
    `IMAGE_CANNOT_BE_SHOWN` instead and its bytes are dropped."""
    import html as _html
    import re

    from PySide6.QtGui import QImage

    images: dict[str, bytes] = {}
    damaged: set[str] = set()
    budget = MAX_IMAGES_PER_ITEM
    for quoted in dict.fromkeys(re.findall(r'<img src="(pkg:[^"]+)"', html_text)):
        url = _html.unescape(quoted)
        name = pkg_name(url)
        entry = reader.entry(name) if name else None
        if entry is None or entry.size > min(MAX_PREVIEW, budget):
            continue
        try:
            data = reader.read(entry, MAX_PREVIEW)
        except CanvasError:
            continue
        budget -= entry.size
        if QImage.fromData(data).isNull():
            damaged.add(quoted)
        else:
            images[url] = data
    if damaged:
        note = f"<i>{_esc(IMAGE_CANNOT_BE_SHOWN)}</i>"
        html_text = re.sub(
            r'<img src="(pkg:[^"]+)"[^>]*>', lambda m: note if m.group(1) in damaged else m.group(0), html_text
        )
    return html_text, images


def _overview(contents: Contents, path: Path, size: int) -> str:
    from desktop_app.package.cartridge import KIND_LABEL

    rows = "".join(
        f"<tr><td>{_esc(KIND_LABEL[k])}</td><td align='right'>{n:,}</td></tr>" for k, n in contents.counts().items()
    )
    modules = (
        f"<p>{len(contents.modules)} module{'s' if len(contents.modules) != 1 else ''}.</p>" if contents.modules else ""
    )
    problems = ""
    if contents.problem_count:
        listed = "".join(f"<li>{_esc(p)}</li>" for p in contents.problems[:50])
        more = f"<li>… and {contents.problem_count - 50} more</li>" if contents.problem_count > 50 else ""
        problems = f"<h3>Problems</h3><ul>{listed}{more}</ul>"
    return (
        f"<h2>{_esc(contents.title)}</h2><p><small>{_esc(FORMAT_LABEL.get(contents.format, contents.format))} · "
        f"{human_size(size)} · <tt>{_esc(path.name)}</tt></small></p>"
        f"<table cellpadding='3'>{rows}</table>{modules}"
        f"<p>Files: {contents.files_root.count:,} ({human_size(contents.files_root.size)}).</p>{problems}"
        "<p><small>Select an item on the left to read it. Nothing is fetched from the internet.</small></p>"
    )


def _branch_html(node: Node, contents: Contents) -> str:
    if node.role == "folder" or (node.role == "kind" and node.kind == "files"):
        folder = node.folder
        if folder is not None:
            return (
                f"<h2>{_esc(node.label)}</h2><p>{folder.count:,} files, {human_size(folder.size)}.</p>"
                "<p><small>Extract… saves this folder with everything in it.</small></p>"
            )
    return f"<h2>{_esc(node.label.strip())}</h2><p>{len(node.children):,} item{'s' if len(node.children) != 1 else ''}.</p>"


def _names_for(node: Node, contents: Contents) -> tuple[list[str], str]:
    """The entries Extract… saves for a tree node, and the package folder they are taken
    relative to (a file lands by itself, a folder with what it holds)."""
    if node.item_key and node.item_key in contents.items:
        item = contents.items[node.item_key]
        names = list(dict.fromkeys([*(([item.href]) if item.href else []), *item.files]))
        if item.kind == "files" and item.href:
            return [item.href], item.href.rpartition("/")[0]
        return names, ""
    if node.folder is not None:
        base = "web_resources" if contents.format == "common_cartridge" else ""
        files = [item.href for item in node.folder.walk_files() if item.href]
        parent = node.folder.path.rpartition("/")[0]
        strip = "/".join(p for p in (base, parent) if p)
        return files, strip
    names: list[str] = []
    stack = list(node.children)
    while stack:
        child = stack.pop(0)
        if child.item_key and child.item_key in contents.items:
            item = contents.items[child.item_key]
            names.extend(n for n in ([item.href] if item.href else []) + list(item.files) if n not in names)
        stack.extend(child.children)
    return names, ""
