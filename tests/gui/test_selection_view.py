"""The selection panel: real clicks on checkboxes, the filter, Select all/none, the summary."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QModelIndex, QPoint, Qt
from PySide6.QtWidgets import QPushButton

from desktop_app.canvas.models import ExportType, SelectKey
from desktop_app.ui.selection_model import SelectionModel
from desktop_app.ui.selection_view import SelectionPanel
from tests.gui.factories import course_content
from tests.gui.palettes import dark_palette
from tests.gui.pixels import check_box_outline_contrast, check_indicator_rect
from tests.gui.tree_paths import find

C, P, U = Qt.CheckState.Checked, Qt.CheckState.PartiallyChecked, Qt.CheckState.Unchecked
CHECK = Qt.ItemDataRole.CheckStateRole


@pytest.fixture
def panel(qtbot, qtmodeltester) -> SelectionPanel:  # type: ignore[no-untyped-def]
    p = SelectionPanel()
    qtbot.addWidget(p)
    qtmodeltester.check(p.proxy)
    for key, items in course_content().items():
        p.model.set_branch_items(key, items)
    p.resize(420, 600)
    p.show()
    qtbot.waitExposed(p)
    return p


def checkbox_center(panel: SelectionPanel, index: QModelIndex) -> QPoint:
    """Where the style draws the row's check indicator (what a user aims at)."""
    view = panel.view
    rect = check_indicator_rect(view, index)
    assert rect.isValid() and view.viewport().rect().contains(rect.center())
    return rect.center()


def click_checkbox(qtbot, panel: SelectionPanel, index: QModelIndex) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(panel.selectionChanged):
        qtbot.mouseClick(panel.view.viewport(), Qt.MouseButton.LeftButton, pos=checkbox_center(panel, index))


def test_real_clicks_propagate_down_and_up(panel: SelectionPanel, qtbot) -> None:  # type: ignore[no-untyped-def]
    panel.set_export_type(ExportType.ZIP)
    files = find(panel.proxy, "Files")
    panel.view.expand(files)
    lectures = find(panel.proxy, "Files", "Lectures")
    panel.view.expand(lectures)
    week1 = find(panel.proxy, "Files", "Lectures", "Week 1")
    panel.view.expand(week1)

    click_checkbox(qtbot, panel, lectures)  # down: a folder checks its files
    assert Qt.CheckState(find(panel.proxy, "Files", "Lectures", "Week 1", "intro.pdf").data(CHECK)) == C
    assert Qt.CheckState(files.data(CHECK)) == P

    intro = find(panel.proxy, "Files", "Lectures", "Week 1", "intro.pdf")
    click_checkbox(qtbot, panel, intro)  # up: one unchecked file makes its ancestors partial
    assert Qt.CheckState(intro.data(CHECK)) == U
    assert Qt.CheckState(week1.data(CHECK)) == P
    assert Qt.CheckState(lectures.data(CHECK)) == P
    assert panel.select_hash() == {SelectKey.FOLDERS: [12], SelectKey.FILES: [1002]}
    assert panel.summary_label.text() == "Selected: 2 files"

    click_checkbox(qtbot, panel, lectures)  # a partial folder, clicked, becomes fully checked
    assert Qt.CheckState(week1.data(CHECK)) == C
    assert panel.select_hash() == {SelectKey.FOLDERS: [10]}


def test_space_key_toggles_the_current_row(panel: SelectionPanel, qtbot) -> None:  # type: ignore[no-untyped-def]
    pages = find(panel.proxy, "Pages")
    panel.view.setFocus()
    panel.view.setCurrentIndex(pages)
    with qtbot.waitSignal(panel.selectionChanged):
        qtbot.keyClick(panel.view, Qt.Key.Key_Space)
    assert Qt.CheckState(pages.data(CHECK)) == C


def test_disabled_branch_ignores_clicks(panel: SelectionPanel, qtbot) -> None:  # type: ignore[no-untyped-def]
    panel.set_export_type(ExportType.ZIP)
    pages = find(panel.proxy, "Pages")
    with qtbot.assertNotEmitted(panel.selectionChanged):
        qtbot.mouseClick(panel.view.viewport(), Qt.MouseButton.LeftButton, pos=checkbox_center(panel, pages))
    assert Qt.CheckState(pages.data(CHECK)) == U
    assert pages.data(Qt.ItemDataRole.ToolTipRole) == "Zip exports contain only files and folders"


def test_filter_narrows_the_tree_and_checks_go_through_the_proxy(panel: SelectionPanel, qtbot) -> None:  # type: ignore[no-untyped-def]
    panel.set_export_type(ExportType.COMMON_CARTRIDGE)
    qtbot.keyClicks(panel.filter_edit, "LOOPS")
    qtbot.waitUntil(lambda: panel.proxy.filter_text() == "loops")  # typing is debounced
    assert [panel.proxy.index(r, 0).data(SelectionModel.SearchRole) for r in range(panel.proxy.rowCount())] == [
        "Files",
        "Modules",
        "Quizzes",  # "Quiz 2: Loops"
    ]
    loops = find(panel.proxy, "Files", "Lectures", "Week 2", "loops.pdf")
    assert panel.view.isExpanded(loops.parent())  # matches are revealed
    click_checkbox(qtbot, panel, loops)
    assert panel.select_hash() == {SelectKey.FILES: [1003]}


def test_filter_matching_a_folder_shows_its_contents(panel: SelectionPanel) -> None:
    panel.set_filter_text("week 1")
    week1 = find(panel.proxy, "Files", "Lectures", "Week 1")
    assert panel.proxy.rowCount(week1) == 2  # intro.pdf and syllabus.pdf, though they do not match


def test_select_all_with_a_filter_checks_only_what_is_shown(panel: SelectionPanel, qtbot) -> None:  # type: ignore[no-untyped-def]
    panel.set_export_type(ExportType.COMMON_CARTRIDGE)
    panel.set_filter_text("quiz")
    with qtbot.waitSignal(panel.selectionChanged):
        qtbot.mouseClick(panel.select_all_button, Qt.MouseButton.LeftButton)
    # "Quiz 1", "Quiz 2" and the module item "Intro quiz"; not the rest of module 501
    assert panel.select_hash() == {SelectKey.MODULE_ITEMS: [602], SelectKey.QUIZZES: [901, 902]}
    panel.set_filter_text("")
    qtbot.mouseClick(panel.select_all_button, Qt.MouseButton.LeftButton)
    assert panel.model.select_hash()[SelectKey.PAGES] == [701, 702, 703]
    qtbot.mouseClick(panel.select_none_button, Qt.MouseButton.LeftButton)
    assert panel.select_hash() == {}
    assert panel.summary_label.text() == "Nothing checked: the export will contain the whole course."


def test_summary_follows_type_and_reset(panel: SelectionPanel) -> None:
    assert panel.summary() == "Everything"
    assert "Choose an export type" in panel.summary_label.text()
    panel.set_export_type(ExportType.QTI)
    assert panel.summary_label.text() == "Nothing checked: the export will contain all quizzes."
    panel.model.setData(panel.model.branch_index(SelectKey.QUIZZES), C, CHECK)
    assert panel.summary() == "2 quizzes"
    panel.set_filter_text("essay")
    panel.reset((SelectKey.FILES,))
    assert panel.filter_edit.text() == "" and panel.proxy.filter_text() == ""
    assert panel.summary() == "Everything"
    assert panel.proxy.rowCount() == 1


def test_controls_have_accessible_names_and_tooltips(panel: SelectionPanel) -> None:
    for widget in (panel.filter_edit, panel.select_all_button, panel.select_none_button, panel.view):
        assert widget.accessibleName()
    for widget in (panel.filter_edit, panel.select_all_button, panel.select_none_button):
        assert widget.toolTip()


def test_select_all_and_none_are_push_buttons_not_look_alike_checkboxes(panel: SelectionPanel) -> None:
    for button in (panel.select_all_button, panel.select_none_button):
        assert isinstance(button, QPushButton) and not button.isFlat() and not button.isCheckable()
        assert button.icon().isNull()  # the checkbox glyph made them read as two more checkboxes
        assert not button.autoDefault()


def test_clearing_the_filter_restores_the_expanded_rows(panel: SelectionPanel) -> None:
    files = find(panel.proxy, "Files")
    panel.view.expand(files)
    panel.set_filter_text("intro")
    assert panel.view.isExpanded(find(panel.proxy, "Files", "Lectures", "Week 1"))
    panel.set_filter_text("")
    assert panel.view.isExpanded(find(panel.proxy, "Files"))
    assert not panel.view.isExpanded(find(panel.proxy, "Files", "Lectures"))  # only what was open before
    assert not panel.view.isExpanded(find(panel.proxy, "Modules"))


def test_rows_arriving_while_filtered_are_filtered_too(panel: SelectionPanel) -> None:
    panel.model.reset()
    panel.set_filter_text("loops")
    assert panel.proxy.rowCount() == 0  # nothing loaded yet, nothing matches
    for key, items in course_content().items():
        panel.model.set_branch_items(key, items)
    assert [panel.proxy.index(r, 0).data(SelectionModel.SearchRole) for r in range(panel.proxy.rowCount())] == [
        "Files",
        "Modules",
        "Quizzes",
    ]
    assert find(panel.proxy, "Files", "Lectures", "Week 2", "loops.pdf").isValid()


def test_a_broad_filter_expands_only_the_branches(panel: SelectionPanel, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(SelectionPanel, "EXPAND_ALL_LIMIT", 5)
    panel.set_filter_text("e")
    assert panel.view.isExpanded(find(panel.proxy, "Files"))
    assert not panel.view.isExpanded(find(panel.proxy, "Files", "Lectures"))


def test_context_menu_checks_a_subtree_and_reloads_a_failed_branch(panel: SelectionPanel, qtbot) -> None:  # type: ignore[no-untyped-def]
    panel.set_export_type(ExportType.COMMON_CARTRIDGE)
    menu = panel.build_context_menu(find(panel.proxy, "Modules"))
    actions = {a.text(): a for a in menu.actions() if not a.isSeparator()}
    assert set(actions) == {"Check “Modules”", "Uncheck “Modules”", "Reload modules from Canvas"}
    with qtbot.waitSignal(panel.selectionChanged):
        actions["Check “Modules”"].trigger()
    assert panel.select_hash() == {SelectKey.MODULES: [501, 502, 503]}

    panel.model.set_branch_error(SelectKey.RUBRICS, "403")
    menu = panel.build_context_menu(find(panel.proxy, "Rubrics"))
    reload = next(a for a in menu.actions() if a.text() == "Reload rubrics from Canvas")
    with qtbot.waitSignal(panel.model.branchRequested) as blocker:
        reload.trigger()
    assert blocker.args == [SelectKey.RUBRICS]
    menu = panel.build_context_menu(find(panel.proxy, "Rubrics"))
    assert not next(a for a in menu.actions() if a.text().startswith("Reload")).isEnabled()  # loading now


def test_context_menu_on_a_disabled_row_offers_nothing_to_check(panel: SelectionPanel) -> None:
    panel.set_export_type(ExportType.ZIP)
    menu = panel.build_context_menu(find(panel.proxy, "Pages"))
    assert not any(a.isEnabled() for a in menu.actions() if a.text().startswith(("Check", "Uncheck")))


def _ring_pixels(panel: SelectionPanel, index: QModelIndex) -> tuple[list, list]:  # type: ignore[type-arg]
    """The colours painted along the left edge of the row (beside its checkbox) and along
    its top edge over the checkbox, inside the item's rectangle."""
    image = panel.view.viewport().grab().toImage()
    ratio = image.devicePixelRatio()
    rect = panel.view.visualRect(index)
    box = checkbox_center(panel, index)
    px = lambda x, y: image.pixelColor(int(x * ratio), int(y * ratio))  # noqa: E731
    left = [px(rect.left() + 1, y) for y in range(rect.top() + 4, rect.bottom() - 3)]
    top = [px(x, rect.top() + 1) for x in range(box.x() - 4, box.x() + 5)]
    return left, top


def _close(a, b, tolerance: int = 40) -> bool:  # type: ignore[no-untyped-def]
    return all(abs(x - y) <= tolerance for x, y in zip(a.getRgb()[:3], b.getRgb()[:3], strict=True))


@pytest.mark.parametrize("selected", [False, True])
def test_the_focused_row_has_a_clear_ring_around_its_checkbox(qtbot, panel: SelectionPanel, selected: bool) -> None:
    """Keyboard focus must be easy to see (WCAG 2.4.7): a ring in a strong colour around
    the whole row, checkbox included, whether or not the row is also selected."""
    from PySide6.QtCore import QItemSelectionModel

    from desktop_app.ui.style import focus_ring_color

    panel.activateWindow()
    qtbot.waitActive(panel)
    panel.view.setFocus(Qt.FocusReason.TabFocusReason)
    panel.view.expandToDepth(0)
    row = find(panel.proxy, "Files", "Lectures")
    flags = QItemSelectionModel.SelectionFlag
    panel.view.selectionModel().setCurrentIndex(row, flags.ClearAndSelect if selected else flags.NoUpdate)
    assert panel.view.hasFocus() and panel.view.currentIndex() == row

    ring = focus_ring_color(panel.view.palette(), selected)
    left, top = _ring_pixels(panel, row)
    assert all(_close(c, ring) for c in left), "no ring beside the checkbox"
    assert all(_close(c, ring) for c in top), "no ring over the checkbox"
    base = panel.view.palette().base().color()
    assert abs(ring.lightness() - base.lightness()) > 60 or abs(ring.hue() - base.hue()) > 60  # not faint

    # another row, not focused: no ring there
    other_left, _ = _ring_pixels(panel, find(panel.proxy, "Files", "Empty"))
    assert not any(_close(c, ring) for c in other_left)


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_an_unticked_box_has_an_outline_that_stands_out_in_a_light_and_a_dark_palette(
    panel: SelectionPanel, dark: bool
) -> None:
    if dark:
        panel.setPalette(dark_palette())  # as when the system switches to dark
    pages = find(panel.proxy, "Pages")
    assert pages.data(CHECK) == U
    assert check_box_outline_contrast(panel.view, pages) >= 3.0  # WCAG's 3:1 for what shows a control
