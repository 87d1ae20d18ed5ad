"""The package viewer window: opening, the tree (model tester), rendering without the
network, search, extract, the selection banner, and the history's View contents."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QTextDocument

from desktop_app.ui.package_model import PackageModel
from desktop_app.ui.package_viewer import IMAGE_CANNOT_BE_SHOWN, PackageViewer, open_package_viewer
from desktop_app.ui.style import contrast
from tests.gui.palettes import dark_palette
from tests.unit.package_support import DATA, cc_bytes, write


@pytest.fixture
def viewer(qtbot, tmp_path: Path):  # type: ignore[no-untyped-def]
    path = write(tmp_path, "course.imscc", cc_bytes())
    job = SimpleNamespace(id=3, export_type="common_cartridge", selection={"pages": [401, 9999]})
    opened: list[PackageViewer] = []

    def make() -> PackageViewer:
        v = open_package_viewer(path, job=job, jobs=lambda: [])
        v._quiet = True
        opened.append(v)
        return v

    yield make
    for v in opened:
        v.shutdown()


def test_the_tree_passes_the_model_tester(qtmodeltester, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from desktop_app.package.cartridge import read_contents
    from desktop_app.package.reader import PackageReader

    model = PackageModel()
    with PackageReader(write(tmp_path, "c.imscc", cc_bytes())) as reader:
        model.set_contents(read_contents(reader))
    qtmodeltester.check(model)
    top = [model.index(r, 0).data() for r in range(model.rowCount())]
    assert top[:3] == ["Modules (6)", "Pages (12)", "Assignments (10)"] and "Files (346)" in top


def test_opens_shows_items_checks_the_selection_and_searches(qtbot, viewer) -> None:  # type: ignore[no-untyped-def]
    v = viewer()
    qtbot.waitUntil(lambda: v.contents is not None, timeout=10_000)
    qtbot.waitUntil(lambda: v.check is not None, timeout=10_000)
    assert not v.banner.isHidden()
    assert "1 of 2 pages: missing page 9999" in v.banner.text()
    with qtbot.waitSignal(v.itemShown, timeout=10_000) as shown:
        assert v.select_key("quiz_902")
    assert shown.args == ["quiz_902"]
    assert "Quiz 2: Mechanical Computation" in v.browser.toPlainText() and "(correct)" in v.browser.toPlainText()
    qtbot.waitUntil(
        lambda: (
            v.index is not None and v.index.indexed > 0 and v.statusBar().currentMessage().startswith("Search covers")
        ),
        timeout=10_000,
    )
    v.apply_search("question 5?")
    keys = {
        v.proxy.index(r, 0, v.proxy.index(t, 0)).data(PackageModel.KeyRole)
        for t in range(v.proxy.rowCount())
        for r in range(v.proxy.rowCount(v.proxy.index(t, 0)))
    }
    quizzes_with_5 = {f"quiz_{q}" for q in DATA.ids("quizzes") if len(DATA.content[q].questions) >= 5}
    assert quizzes_with_5 and keys - {None} == quizzes_with_5
    v.apply_search("")
    assert v.proxy.rowCount() == v.model.rowCount()


def test_the_browser_loads_nothing_from_outside(qtbot) -> None:  # type: ignore[no-untyped-def]
    from desktop_app.ui.package_viewer import SafeBrowser

    browser = SafeBrowser()
    qtbot.addWidget(browser)
    browser.show_item(
        '<img src="pkg:a.png"><img src="https://example.org/x.png"><img src="file:///etc/passwd">',
        {"pkg:a.png": b"\x89PNG not really"},
    )
    for url in ("https://example.org/x.png", "file:///etc/passwd", "http://127.0.0.1:1/"):
        assert browser.loadResource(QTextDocument.ResourceType.ImageResource.value, QUrl(url)) is None
    assert browser.loadResource(QTextDocument.ResourceType.ImageResource.value, QUrl("pkg:a.png")) is not None
    assert "https://example.org/x.png" in browser.refused


def test_extract_selected_item_into_a_chosen_folder(qtbot, viewer, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    v = viewer()
    qtbot.waitUntil(lambda: v.contents is not None, timeout=10_000)
    target = tmp_path / "out"
    v.choose_folder = lambda title: str(target)
    file_key = v.contents.of_kind("files")[0].key
    with qtbot.waitSignal(v.itemShown, timeout=10_000):
        v.select_key(file_key)
    with qtbot.waitSignal(v.extractFinished, timeout=10_000) as done:
        v.extract_selected()
    assert done.args == ["1 file extracted."]
    name = v.contents.items[file_key].href.rpartition("/")[2]
    assert (target / name).stat().st_size == v.contents.items[file_key].size


def _start_folder_of_the_extract_dialog(v: PackageViewer) -> str:
    """Open the viewer's real Extract folder dialog, read the folder it starts in, cancel it."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QFileDialog

    seen: list[str] = []

    def read_and_cancel() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QFileDialog):
            QTimer.singleShot(10, read_and_cancel)  # not shown yet: look again on a later turn
            return
        seen.append(dialog.directory().absolutePath())
        dialog.reject()

    QTimer.singleShot(0, read_and_cancel)
    assert v.choose_folder("Extract into…") == ""  # cancelled
    return seen[0]


def test_the_extract_dialog_starts_in_the_folder_last_extracted_into(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from desktop_app.ui.settings import AppSettings

    path = write(tmp_path, "course.imscc", cc_bytes())
    settings_path = tmp_path / "ui.ini"
    first = open_package_viewer(path, jobs=lambda: [], settings=AppSettings(settings_path))
    qtbot.addWidget(first)
    first._quiet = True
    try:
        qtbot.waitUntil(lambda: first.contents is not None, timeout=10_000)
        assert _start_folder_of_the_extract_dialog(first) == str(Path.home())  # nothing extracted yet
        target = tmp_path / "extracted here"
        first.choose_folder = lambda title: str(target)
        with qtbot.waitSignal(first.extractFinished, timeout=10_000):
            first.extract_all()
    finally:
        first.shutdown()
    second = open_package_viewer(path, jobs=lambda: [], settings=AppSettings(settings_path))  # e.g. the next day
    qtbot.addWidget(second)
    try:
        assert _start_folder_of_the_extract_dialog(second) == str(target)
    finally:
        second.shutdown()


def test_a_file_that_is_no_package_says_why(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    v = open_package_viewer(write(tmp_path, "x.imscc", b"<html>login</html>"), jobs=lambda: [])
    try:
        qtbot.waitUntil(lambda: v.error is not None, timeout=10_000)
        assert "web page" in v.error and "web page" in v.browser.toPlainText()
    finally:
        v.shutdown()


def test_a_zip_nesting_folders_thousands_deep_opens_with_a_problem(qtbot, qtmodeltester, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.unit.zips import make_zip

    path = write(tmp_path, "deep.zip", make_zip({"d/" * 5000 + "x.txt": b"x"}))
    v = open_package_viewer(path, jobs=lambda: [])
    try:
        qtbot.waitUntil(lambda: v.contents is not None or v.error is not None, timeout=10_000)
        assert v.error is None and v.contents is not None
        assert any("more than 64 folders deep" in p for p in v.contents.problems)
        qtmodeltester.check(v.model)
    finally:
        v.shutdown()


def test_history_view_contents_emits_the_saved_path(qtbot) -> None:  # type: ignore[no-untyped-def]
    from desktop_app.ui.history_view import HistoryPanel

    panel = HistoryPanel()
    qtbot.addWidget(panel)
    assert panel.view_contents_action in panel.build_context_menu().actions()
    assert not panel.view_contents_action.isEnabled()  # no row with a saved file


# ------------------------------------------------------------------ macOS: the Finder's open-file event
def _viewers_on(path: Path) -> list[PackageViewer]:
    from PySide6.QtWidgets import QApplication

    return [
        w for w in QApplication.topLevelWidgets() if isinstance(w, PackageViewer) and w.path == path and w.isVisible()
    ]


def test_a_file_open_event_opens_the_viewer_on_that_file(qtbot, qapp, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtGui import QFileOpenEvent

    from desktop_app.ui.app import install_file_open_handler

    path = write(tmp_path, "double-clicked.imscc", cc_bytes({"pages": [401]}))
    handler = install_file_open_handler(qapp)
    try:
        QCoreApplication.postEvent(qapp, QFileOpenEvent(str(path)))  # what the Finder's double-click sends
        qtbot.waitUntil(lambda: len(_viewers_on(path)) == 1, timeout=10_000)
        viewer = _viewers_on(path)[0]
        qtbot.waitUntil(lambda: viewer.contents is not None, timeout=10_000)
        assert viewer.contents.counts()["pages"] == 1
        assert viewer.windowTitle().endswith("double-clicked.imscc — Package viewer")
    finally:
        qapp.removeEventFilter(handler)
        handler.deleteLater()
        for v in _viewers_on(path):
            v.shutdown()
            v.close()


def test_the_file_open_handler_passes_other_events_on(qtbot, qapp) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QCoreApplication, QEvent, QUrl
    from PySide6.QtGui import QFileOpenEvent

    from desktop_app.ui.app import install_file_open_handler

    opened: list[str] = []
    handler = install_file_open_handler(qapp, opener=opened.append)
    try:
        event = QEvent(QEvent.Type.User)
        assert handler.eventFilter(qapp, event) is False
        assert handler.eventFilter(qapp, QFileOpenEvent(QUrl("https://example.org/x.imscc"))) is False
        QCoreApplication.sendEvent(qapp, QFileOpenEvent("/somewhere/course.imscc"))
        assert opened == ["/somewhere/course.imscc"]
    finally:
        qapp.removeEventFilter(handler)
        handler.deleteLater()


def test_the_file_open_handler_is_installed_only_where_the_event_comes() -> None:
    """An application-wide event filter costs a Python call per event of every widget:
    only macOS sends QFileOpenEvent, so only there is it worth that."""
    from desktop_app.ui.app import wants_file_open_events

    assert wants_file_open_events("darwin")
    assert not wants_file_open_events("linux") and not wants_file_open_events("win32")


# ------------------------------------------------------------------ Canvas's layouts in the window
def _png(width: int = 48, height: int = 32) -> bytes:
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice
    from PySide6.QtGui import QColor, QImage

    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor("#2a7ab0"))
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    assert image.save(buffer, "PNG")
    return bytes(data)


def test_an_image_is_previewed_and_an_assignment_shows_its_rubric(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtGui import QImage, QTextDocument

    from tests.unit.package_support import ASSIGNMENT_KEY, IMAGE_KEY, LTI_KEY, canvas_layout_cc

    png = _png()
    v = open_package_viewer(write(tmp_path, "canvas.imscc", canvas_layout_cc(png)), jobs=lambda: [])
    qtbot.addWidget(v)
    try:
        qtbot.waitUntil(lambda: v.contents is not None, timeout=10_000)
        with qtbot.waitSignal(v.itemShown, timeout=10_000) as shown:
            assert v.select_key(IMAGE_KEY)
        assert shown.args == [IMAGE_KEY]
        url = "pkg:web_resources/Images/diagram.png"
        assert v.browser.images == {url: png}
        loaded = v.browser.document().resource(QTextDocument.ResourceType.ImageResource.value, QUrl(url))
        image = loaded if isinstance(loaded, QImage) else loaded.toImage()  # the document keeps a QPixmap
        assert (image.width(), image.height()) == (48, 32)  # the real picture reached the document

        with qtbot.waitSignal(v.itemShown, timeout=10_000):
            assert v.select_key(ASSIGNMENT_KEY)
        text = v.browser.toPlainText()
        assert "Rubric: Essay rubric" in text and "Convincing (6.0)" in text and "Sources cited" in text
        assert v.browser.images == {url: png}  # the page's own image, from $IMS-CC-FILEBASE$

        with qtbot.waitSignal(v.itemShown, timeout=10_000):
            assert v.select_key(LTI_KEY)
        assert "https://lab.example.org/lti/launch" in v.browser.toPlainText()
        assert v.browser.refused == []  # nothing outside the package was asked for
    finally:
        v.shutdown()


def test_an_image_qt_cannot_decode_is_explained_in_words(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Damaged or fake image bytes: a sentence saying so, not Qt's broken-image icon."""
    from tests.unit.package_support import IMAGE_KEY, canvas_layout_cc

    v = open_package_viewer(write(tmp_path, "canvas.imscc", canvas_layout_cc(b"\x89PNG not really")), jobs=lambda: [])
    qtbot.addWidget(v)
    try:
        qtbot.waitUntil(lambda: v.contents is not None, timeout=10_000)
        with qtbot.waitSignal(v.itemShown, timeout=10_000):
            assert v.select_key(IMAGE_KEY)
        assert IMAGE_CANNOT_BE_SHOWN in v.browser.toPlainText()
        assert v.browser.images == {}  # nothing left for the document to draw as a broken icon
        assert "<img" not in v.browser.document().toHtml()
        assert v.browser.refused == []
    finally:
        v.shutdown()


# ------------------------------------------------------------------ the banner follows the palette
@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_the_banner_reads_well_on_a_light_and_a_dark_palette(qtbot, viewer, dark: bool) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtGui import QPalette

    v = viewer()
    qtbot.waitUntil(lambda: v.check is not None, timeout=10_000)
    assert not v.check.ok and not v.banner.isHidden()
    if dark:
        v.setPalette(dark_palette())  # as when the system switches to dark: the banner follows
    text = v.banner.palette().color(QPalette.ColorRole.WindowText)
    window = v.palette().color(QPalette.ColorRole.Window)
    background = v.banner.grab().toImage().pixelColor(v.banner.width() - 8, v.banner.height() // 2)
    assert (background.lightness() < 128) == dark == (window.lightness() < 128)  # no light block on a dark window
    assert contrast(background, text) >= 7.0  # WCAG AAA for the banner's text
    assert background.red() > background.green()  # still tinted as a warning


# ------------------------------------------------------------------ titles the caller knows reach the check
def test_titles_from_the_selection_tree_name_what_is_missing(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import threading

    from desktop_app.canvas.models import ContentItem, SelectKey
    from desktop_app.ui.selection_model import SelectionModel

    tree = SelectionModel()  # the window's selection tree, with the course's pages loaded
    tree.set_branch_items(
        SelectKey.PAGES,
        [
            ContentItem(SelectKey.PAGES, 401, "Welcome", None, 0),
            ContentItem(SelectKey.PAGES, 9999, "Syllabus draft", None, 0),
        ],
    )
    threads: list[str] = []

    def item_title(key: str, item_id: int) -> str | None:
        threads.append(threading.current_thread().name)
        return tree.item_title(key, item_id)

    job = SimpleNamespace(id=8, export_type="common_cartridge", selection={"pages": [401, 9999]})
    path = write(tmp_path, "course.imscc", cc_bytes({"pages": [401]}))
    v = open_package_viewer(path, job=job, jobs=lambda: [], titles=item_title)
    try:
        qtbot.waitUntil(lambda: v.check is not None, timeout=10_000)
        assert v.check is not None and v.check.kinds[0].missing == ["'Syllabus draft'"]
        assert "1 of 2 pages: missing 'Syllabus draft'" in v.banner.text()
        assert threads and set(threads) == {threading.main_thread().name}  # the Qt model is asked on its own thread
    finally:
        v.shutdown()


def test_titles_match_a_package_whose_identifiers_are_not_canvas_ids(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.unit.package_support import rewrite

    def foreign(name: str, data: bytes):  # type: ignore[no-untyped-def]
        return (name, data.replace(b"wiki_page_", b"pg-")) if name == "imsmanifest.xml" else (name, data)

    data = rewrite(cc_bytes({"pages": [401]}), foreign)
    job = SimpleNamespace(id=9, export_type="common_cartridge", selection={"pages": [401, 402]})
    v = open_package_viewer(
        write(tmp_path, "foreign.imscc", data),
        job=job,
        jobs=lambda: [],
        titles={"pages": {401: DATA.content[401].title, 402: "Not in it"}},
    )
    try:
        qtbot.waitUntil(lambda: v.check is not None, timeout=10_000)
        page = v.check.kinds[0]
        assert page.method == "title" and page.found == 1 and page.missing == ["'Not in it'"]
    finally:
        v.shutdown()


def test_extract_over_a_file_of_the_same_name_says_the_new_name_and_opens_the_folder(
    qtbot, viewer, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """The status bar names the folder and the name the file got; Open folder opens that
    folder (it only said "1 file extracted, 1 under a new name", and nothing opened it)."""
    v = viewer()
    qtbot.waitUntil(lambda: v.contents is not None, timeout=10_000)
    item = next(f for f in v.contents.of_kind("files") if f.href.endswith("Course Banner.png"))
    target = tmp_path / "out"
    target.mkdir()
    (target / "Course Banner.png").write_bytes(b"the teacher's own banner")
    v.choose_folder = lambda title: str(target)
    opened: list[str] = []
    v.files.set_opener(lambda url: opened.append(url.toLocalFile()) or True)
    with qtbot.waitSignal(v.itemShown, timeout=10_000):
        v.select_key(item.key)
    assert v.open_folder_button.isHidden()
    with qtbot.waitSignal(v.extractFinished, timeout=10_000):
        v.extract_selected()
    assert v.statusBar().currentMessage() == (
        f"Extracted Course Banner.png into {target} as “Course Banner (2).png” (a file of that name was there)."
    )
    assert (target / "Course Banner.png").read_bytes() == b"the teacher's own banner"
    assert (target / "Course Banner (2).png").stat().st_size == item.size
    assert not v.open_folder_button.isHidden()
    qtbot.mouseClick(v.open_folder_button, Qt.MouseButton.LeftButton)
    assert opened == [str(target)]

    v.choose_folder = lambda title: str(tmp_path / "all")
    with qtbot.waitSignal(v.extractFinished, timeout=10_000):
        v.extract_all()
    assert v.statusBar().currentMessage().endswith(f"files extracted into {tmp_path / 'all'}.")


def test_ctrl_w_closes_the_viewer(qtbot, viewer) -> None:  # type: ignore[no-untyped-def]
    """The viewer has no menu: the platform's Close key closes it from the keyboard."""
    v = viewer()
    v.show()
    v.activateWindow()
    qtbot.waitUntil(v.isActiveWindow)
    qtbot.waitUntil(lambda: v.contents is not None, timeout=10_000)
    closed: list[bool] = []
    v.destroyed.connect(lambda *_: closed.append(True))
    qtbot.keyClick(v.tree, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: bool(closed), timeout=5000)
