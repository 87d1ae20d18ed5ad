"""The shell around the data: error presenter, settings, About, window state, menus,
shortcuts, accessible names, status bar."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QAbstractButton, QLineEdit, QMessageBox

from desktop_app.canvas.errors import AuthError, NotFoundError, ServerError, ThrottledError, UnreachableError
from desktop_app.ui.errors_presenter import ErrorPresenter, describe
from desktop_app.ui.history_model import Column
from desktop_app.ui.main_window import PICKER_MIN_WIDTH, MainWindow
from desktop_app.ui.settings import AppSettings

from .conftest import teacher_signin
from .test_main_window import choose, course_ctx


def test_describe_is_plain_language_with_details_on_demand() -> None:
    d = describe(ThrottledError("Canvas is busy.", retry_after=12, detail="403 Rate Limit Exceeded"), "Could not load")
    assert d.title == "Could not load" and d.message == "Canvas is busy."
    assert "Retry after: 12 s" in d.details and "Rate Limit Exceeded" in d.details
    assert "slow down" in d.hint
    assert "Account › Settings" in describe(AuthError("Revoked.", reason="revoked")).hint
    assert "internet connection" in describe(UnreachableError("No answer.")).hint
    # an unexpected exception: what failed, one summary line, never a traceback
    try:
        raise KeyError("boom")
    except KeyError as exc:
        bug = describe(exc)
    assert bug.message == "An unexpected error stopped this task."
    assert bug.details == "KeyError: 'boom'" and "Traceback" not in bug.details


def test_presenter_shows_one_box_at_a_time_and_says_a_repeat_once(qtbot) -> None:
    presenter = ErrorPresenter(None)
    with qtbot.waitSignal(presenter.shown, timeout=2000) as first:
        presenter.present(NotFoundError("The course does not exist.", status=404), "Could not load the course")
    box: QMessageBox = first.args[0]
    assert box.isVisible() and "Could not load the course" in box.text()
    assert "The course does not exist." in box.informativeText()
    assert "HTTP status: 404" in box.detailedText()
    presenter.present(NotFoundError("The course does not exist.", status=404), "Could not load the course")
    presenter.present(ServerError("Canvas had a problem.", status=503), "Could not load the history")
    assert len(presenter._queue) == 1  # the repeat was dropped, the new one waits
    with qtbot.waitSignal(presenter.shown, timeout=2000) as second:
        box.done(0)
    assert "Could not load the history" in second.args[0].text()
    second.args[0].done(0)
    assert presenter.current is None


def test_settings_dialog_round_trip(qtbot, window: MainWindow, controller, tmp_path) -> None:
    dialog = window.open_settings()
    dialog.folder.setText(str(tmp_path / "elsewhere"))
    dialog.concurrent.setValue(2)
    dialog.auto_download.setChecked(False)
    dialog.accept()
    settings = AppSettings(controller.settings.path)  # read back from the file
    assert settings.download_dir == tmp_path / "elsewhere"
    assert settings.max_concurrent == 2 and settings.auto_download is False


def test_settings_defaults_and_bounds(tmp_path: Path) -> None:
    settings = AppSettings(tmp_path / "ui.ini")
    assert settings.max_concurrent == 3 and settings.auto_download is True
    assert settings.download_dir.name == "Canvas exports"
    settings.max_concurrent = 99
    assert settings.max_concurrent == 10


def test_geometry_and_splitters_are_remembered(qtbot, window: MainWindow, controller) -> None:
    window.resize(760, 560)  # inside the offscreen screen (800x600): restoreGeometry clamps to it
    with qtbot.waitExposed(window):
        window.show()
    window.main_splitter.setSizes([220, 280])  # far from the default 3:2
    sizes = window.main_splitter.sizes()
    window.save_state()
    again = MainWindow(controller.bridge, AppSettings(controller.settings.path))
    qtbot.addWidget(again)
    with qtbot.waitExposed(again):
        again.show()
    assert (again.size().width(), again.size().height()) == (760, 560)
    assert again.main_splitter.sizes() == sizes


def _menu_texts(window: MainWindow) -> list[list[str]]:
    return [[a.text().replace("&", "") for a in m.menu().actions() if a.text()] for m in window.menuBar().actions()]


def test_a_window_made_without_panels_shows_its_starting_page_until_the_session(qtbot, controller, sim) -> None:
    """The launch order of `--demo`: the frame first, the panels after its first frame,
    shown once a session begins."""
    window = MainWindow(controller.bridge, controller.settings, panels=False)
    qtbot.addWidget(window)
    window.show_connecting("Connecting to the demo Canvas…")
    with qtbot.waitExposed(window):
        window.show()
    assert not window.panels_built and window.pages.currentWidget() is window.starting_page
    assert window.starting_page.status.text() == window.activity_label.text() == "Connecting to the demo Canvas…"
    assert window.user_label.text() == "Not signed in yet"
    assert [a.text().replace("&", "") for a in window.menuBar().actions()] == ["File", "Export", "View", "Help"]
    assert _menu_texts(window) == [[], [], [], []]  # their actions belong to the panels

    window.build_panels()
    picker = window.picker
    window.build_panels()  # once only
    assert window.picker is picker and window.pages.count() == 2
    assert window.pages.currentWidget() is window.starting_page  # nothing to work with yet
    assert picker.status_label.text() == "Connecting to the demo Canvas…"
    assert _menu_texts(window)[0] == ["Bulk export…", "Open package…", "Switch Canvas site…", "Settings…", "Quit"]

    window.show_session_pending(teacher_signin(sim))
    assert window.pages.currentWidget() is window.main_splitter
    assert window.focusWidget() is picker.search_edit  # where a new user starts
    assert window.user_label.text() == "Signed in as Ada Lovelace · Test Canvas"


def test_a_window_closed_before_its_panels_saves_its_geometry_only(qtbot, controller) -> None:
    window = MainWindow(controller.bridge, controller.settings, panels=False)
    qtbot.addWidget(window)
    window.resize(700, 500)
    window.close()
    settings = AppSettings(controller.settings.path)
    assert settings.geometry("main") is not None
    assert settings.geometry("splitter-main") is None and settings.geometry("splitter-top") is None


def test_menus_shortcuts_and_accessible_names(qtbot, window: MainWindow) -> None:
    menus = [a.text().replace("&", "") for a in window.menuBar().actions()]
    assert menus == ["File", "Export", "View", "Help"]
    file_menu = window.menuBar().actions()[0].menu()
    assert [a.text().replace("&", "") for a in file_menu.actions() if a.text()] == [
        "Bulk export…",
        "Open package…",
        "Switch Canvas site…",
        "Settings…",
        "Quit",
    ]
    # window shortcuts are unique and none clashes with the history table's own
    window_keys = [a.shortcut() for a in window.actions() if not a.shortcut().isEmpty()]
    assert len({k.toString() for k in window_keys}) == len(window_keys)
    table_keys = {a.shortcut().toString() for a in window.history.view.actions() if not a.shortcut().isEmpty()}
    assert not table_keys & {k.toString() for k in window_keys}
    assert window.start_action.shortcut() == QKeySequence("Ctrl+Shift+E")
    # every button and line edit a user can reach has a name a screen reader can say
    for widget in window.findChildren(QAbstractButton) + window.findChildren(QLineEdit):
        if widget.isVisibleTo(window) and widget.focusPolicy():
            assert widget.accessibleName() or widget.text().replace("&", ""), widget.objectName()
    assert window.options.start_button.toolTip()


def test_status_bar_tells_what_runs_and_who(qtbot, window: MainWindow, sim) -> None:
    assert window.user_label.text() == "Signed in as Ada Lovelace · Test Canvas"
    qtbot.waitUntil(lambda: window.activity_label.text() == "Ready", timeout=5000)
    with qtbot.waitSignal(
        window.bridge.activityChanged, timeout=5000, check_params_cb=lambda text: "export history" in text
    ):
        window.picker.select_context(course_ctx(sim))


def test_about_box_names_version_and_licence(qtbot, window: MainWindow) -> None:
    import desktop_app
    from desktop_app.ui.about import show_about

    box = show_about(window)
    assert desktop_app.__version__ in box.text() and "MIT" in box.text()
    box.done(0)


def test_choosing_a_context_loads_history_with_seeded_rows(qtbot, window: MainWindow, sim) -> None:
    choose(qtbot, window, course_ctx(sim))
    assert window.history.model.row_count() > 0


def test_exports_at_once_applies_to_the_running_engine(qtbot, window: MainWindow) -> None:
    """No restart: the engine's create and download limits change when Settings close."""

    async def limits(services):  # type: ignore[no-untyped-def]
        return services.engine.config.max_concurrent, services.engine.config.max_downloads

    dialog = window.open_settings()
    assert dialog.concurrent.value() == 3
    dialog.concurrent.setValue(5)
    with qtbot.waitSignal(
        window.statusBar().messageChanged, timeout=5000, check_params_cb=lambda text: "Up to 5 exports" in text
    ):
        dialog.accept()
    with qtbot.waitSignal(window.bridge.run(limits).succeeded, timeout=5000) as got:
        pass
    assert got.args[0] == (5, 5)


def test_largest_package_of_unknown_size_reaches_the_running_engine(qtbot, window: MainWindow, controller) -> None:
    """The hardening issue's ceiling for a package whose size Canvas does not announce:
    50 GB by default, a setting, applied to the engine without a restart."""

    async def ceiling(services):  # type: ignore[no-untyped-def]
        return services.engine.config.download.max_unannounced_size

    with qtbot.waitSignal(window.bridge.run(ceiling).succeeded, timeout=5000) as before:
        pass
    assert before.args[0] == 50 * 1024**3
    dialog = window.open_settings()
    assert dialog.unannounced.value() == 50 and dialog.unannounced.suffix() == " GB"
    dialog.unannounced.setValue(2)
    dialog.accept()
    assert AppSettings(controller.settings.path).max_unannounced_gb == 2
    with qtbot.waitSignal(window.bridge.run(ceiling).succeeded, timeout=5000) as after:
        pass
    assert after.args[0] == 2 * 1024**3


def test_every_key_of_the_history_is_shown_in_a_menu(window: MainWindow) -> None:
    """A shortcut nobody can discover is not one: each key the history's rows answer to
    (Ctrl+Shift+V for View contents among them) stands beside its action in a menu."""
    in_menus = {
        a.shortcut().toString()
        for m in window.menuBar().actions()
        for a in m.menu().actions()
        if not a.shortcut().isEmpty()
    }
    table_keys = {
        a.text(): a.shortcut().toString() for a in window.history.view.actions() if not a.shortcut().isEmpty()
    }
    assert table_keys["View contents"] == "Ctrl+Shift+V"
    assert {text: key for text, key in table_keys.items() if key not in in_menus} == {}


def test_the_history_shows_each_export_state_in_an_800_by_600_window(qtbot, window: MainWindow, sim) -> None:  # type: ignore[no-untyped-def]
    """The column people watch is in view without scrolling sideways on a small screen
    (By, the same name on most rows, used to push State past the right edge)."""
    window.resize(800, 600)
    with qtbot.waitExposed(window):
        window.show()
    choose(qtbot, window, course_ctx(sim))
    qtbot.waitUntil(lambda: window.history.proxy.rowCount() >= 3)
    view = window.history.view
    header = view.horizontalHeader()
    for column in (Column.ID, Column.STARTED, Column.TYPE, Column.STATE):
        right = header.sectionViewportPosition(column) + header.sectionSize(column)
        assert 0 <= header.sectionViewportPosition(column) and right <= view.viewport().width(), column.name


@pytest.mark.parametrize("width, height", [(1920, 1080), (800, 600)])
def test_the_course_list_keeps_its_share_of_a_wide_or_small_window(
    qtbot, window: MainWindow, width: int, height: int
) -> None:  # type: ignore[no-untyped-def]
    """At 1920 px the course list used to stay at its first width, course names cut,
    while the content tree got the rest; at 800 px neither pane may be squeezed."""
    with qtbot.waitExposed(window):
        window.show()
    window.resize(width, height)
    qtbot.waitUntil(lambda: window.width() == width)
    courses, centre = window.top_splitter.sizes()
    share = courses / (courses + centre)
    assert 0.3 <= share <= 0.4, (courses, centre)  # about a third, as in the default 1200 px window
    view = window.picker.course_view
    if width >= 1920:
        assert view.sizeHintForColumn(0) <= view.columnWidth(0)  # every course name whole
    assert courses >= PICKER_MIN_WIDTH
    assert centre >= window.top_splitter.widget(1).minimumSizeHint().width()
