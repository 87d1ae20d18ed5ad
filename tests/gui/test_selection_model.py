"""The selection tree model: lazy branches, tri-state propagation, type rules, select hash."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QModelIndex, QSortFilterProxyModel, Qt

from desktop_app.canvas.models import ContentItem, ContextKind, ExportType, SelectKey
from desktop_app.ui.selection_model import (
    BRANCHES,
    BranchStatus,
    SelectionModel,
    branches_for,
    human_size,
)
from tests.gui.factories import course_content, file_tree, small_files, small_modules
from tests.gui.tree_paths import find

CHECK = Qt.ItemDataRole.CheckStateRole
C, P, U = Qt.CheckState.Checked, Qt.CheckState.PartiallyChecked, Qt.CheckState.Unchecked


def state(index: QModelIndex) -> Qt.CheckState:
    return Qt.CheckState(index.data(CHECK))


@pytest.fixture
def model(qtmodeltester) -> SelectionModel:  # type: ignore[no-untyped-def]
    """A model with every branch of a small course loaded, checked by the model tester
    from the start (so every insert/dataChanged/layout signal is verified too)."""
    m = SelectionModel()
    qtmodeltester.check(m)
    for key, items in course_content().items():
        m.set_branch_items(key, items)
    return m


def test_branches_start_unloaded_and_fill_lazily(qtmodeltester, qtbot) -> None:  # type: ignore[no-untyped-def]
    m = SelectionModel()
    assert m.rowCount() == len(BRANCHES)
    pages = m.branch_index(SelectKey.PAGES)
    assert m.branch_state(SelectKey.PAGES).status is BranchStatus.NOT_LOADED
    assert m.hasChildren(pages) and m.rowCount(pages) == 0
    assert pages.data() == "Pages"
    assert not (m.flags(pages) & Qt.ItemFlag.ItemIsUserCheckable)  # nothing to check yet

    # Expanding asks for the data (a view calls fetchMore); the model says "loading".
    assert m.canFetchMore(pages)
    with qtbot.waitSignal(m.branchRequested) as blocker:
        m.fetchMore(pages)
    assert blocker.args == [SelectKey.PAGES]
    assert m.branch_state(SelectKey.PAGES).status is BranchStatus.LOADING
    assert pages.data() == "Pages (loading…)"
    assert not m.canFetchMore(pages)
    # (the model tester fetches every branch itself, so it joins only now)
    qtmodeltester.check(m)

    m.set_branch_items(SelectKey.PAGES, course_content()[SelectKey.PAGES])
    assert m.branch_state(SelectKey.PAGES).status is BranchStatus.LOADED
    assert m.branch_state(SelectKey.PAGES).count == 3
    assert pages.data() == "Pages (3)"
    assert m.rowCount(pages) == 3
    assert m.flags(pages) & Qt.ItemFlag.ItemIsUserCheckable


def test_error_state_shows_in_title_and_tooltip_and_can_retry(qtmodeltester, qtbot) -> None:  # type: ignore[no-untyped-def]
    m = SelectionModel()
    m.set_branch_loading(SelectKey.RUBRICS)
    m.set_branch_error(SelectKey.RUBRICS, "You are not allowed to list rubrics (403)")
    rubrics = m.branch_index(SelectKey.RUBRICS)
    st = m.branch_state(SelectKey.RUBRICS)
    assert st.status is BranchStatus.ERROR and "403" in st.message
    assert rubrics.data() == "Rubrics (could not load)"
    assert "403" in rubrics.data(Qt.ItemDataRole.ToolTipRole)
    assert not m.canFetchMore(rubrics)  # views call fetchMore on their own: no retry loop
    qtmodeltester.check(m)
    with qtbot.waitSignal(m.branchRequested) as blocker:
        m.request_branch(SelectKey.RUBRICS)  # an explicit "reload"
    assert blocker.args == [SelectKey.RUBRICS]
    assert m.branch_state(SelectKey.RUBRICS).status is BranchStatus.LOADING


def test_empty_branch_is_loaded_but_not_checkable(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    m = SelectionModel()
    qtmodeltester.check(m)
    m.set_branch_items(SelectKey.RUBRICS, [])
    rubrics = m.branch_index(SelectKey.RUBRICS)
    assert rubrics.data() == "Rubrics (0)"
    assert not m.hasChildren(rubrics)
    assert rubrics.data(CHECK) is None


def test_file_tree_structure_hoists_the_root_folder(model: SelectionModel) -> None:
    files = model.branch_index(SelectKey.FILES)
    assert files.data() == "Files (4)"  # files are counted, folders are structure
    titles = [model.index(r, 0, files).data() for r in range(model.rowCount(files))]
    assert titles == ["Empty", "Lectures", "readme.txt"]  # folders first, by name
    week1 = find(model, "Files", "Lectures", "Week 1")
    assert [model.index(r, 0, week1).data() for r in range(2)] == ["intro.pdf", "syllabus.pdf"]
    assert "120.0 KB" in find(model, "Files", "Lectures", "Week 1", "intro.pdf").data(Qt.ItemDataRole.ToolTipRole)
    empty = find(model, "Files", "Empty")
    assert model.flags(empty) & Qt.ItemFlag.ItemIsUserCheckable  # an empty folder can be chosen (zip)


def test_orphans_and_cycles_still_appear() -> None:
    m = SelectionModel()
    F, X = SelectKey.FOLDERS, SelectKey.FILES
    m.set_branch_items(
        SelectKey.FILES,
        [
            ContentItem(F, 1, "root", None),
            ContentItem(F, 2, "loop a", 3),
            ContentItem(F, 3, "loop b", 2),
            ContentItem(X, 9, "lost.txt", 77),  # its folder is hidden from us
        ],
    )
    files = m.branch_index(SelectKey.FILES)
    seen = set()
    stack = [files]
    while stack:
        idx = stack.pop()
        for r in range(m.rowCount(idx)):
            child = m.index(r, 0, idx)
            seen.add(child.data())
            stack.append(child)
    assert seen == {"loop a", "loop b", "lost.txt"}


def test_modules_keep_canvas_order_with_items_inside(model: SelectionModel) -> None:
    modules = model.branch_index(SelectKey.MODULES)
    assert modules.data() == "Modules (3)"
    assert [model.index(r, 0, modules).data() for r in range(3)] == [
        "Week 1: Getting started",
        "Week 2: Control flow",
        "Week 3: (coming soon)",
    ]
    week1 = model.index(0, 0, modules)
    assert [model.index(r, 0, week1).data() for r in range(model.rowCount(week1))] == ["Welcome page", "Intro quiz"]


def test_wrong_item_kind_for_a_branch_is_refused() -> None:
    m = SelectionModel()
    with pytest.raises(ValueError, match="Pages items do not belong in the Files branch"):
        m.set_branch_items(SelectKey.FILES, [ContentItem(SelectKey.PAGES, 1, "x")])


# ---------------------------------------------------------------- tri-state propagation
def test_checking_a_folder_checks_all_descendants(model: SelectionModel, qtbot) -> None:  # type: ignore[no-untyped-def]
    lectures = find(model, "Files", "Lectures")
    with qtbot.waitSignal(model.checksChanged):
        assert model.setData(lectures, C, CHECK)
    for path in (
        ("Week 1",),
        ("Week 2",),
        ("Week 1", "intro.pdf"),
        ("Week 1", "syllabus.pdf"),
        ("Week 2", "loops.pdf"),
    ):
        assert state(find(model, *path, parent=lectures)) == C
    assert state(model.branch_index(SelectKey.FILES)) == P  # Empty and readme.txt are not checked
    assert state(find(model, "Files", "readme.txt")) == U


def test_children_drive_the_parent_both_ways(model: SelectionModel) -> None:
    week1 = find(model, "Files", "Lectures", "Week 1")
    intro, syllabus = find(model, "intro.pdf", parent=week1), find(model, "syllabus.pdf", parent=week1)
    lectures = find(model, "Files", "Lectures")
    files = model.branch_index(SelectKey.FILES)

    model.setData(intro, C.value, CHECK)  # ints work too (that is what some views send)
    assert (state(week1), state(lectures), state(files)) == (P, P, P)
    model.setData(syllabus, C, CHECK)
    assert (state(week1), state(lectures)) == (C, P)
    model.setData(find(model, "Week 2", "loops.pdf", parent=lectures), C, CHECK)
    assert state(lectures) == C
    for name in ("Empty", "readme.txt"):
        model.setData(find(model, "Files", name), C, CHECK)
    assert state(files) == C

    # and back down: unchecking one file makes every ancestor partial
    model.setData(intro, U, CHECK)
    assert (state(week1), state(lectures), state(files)) == (P, P, P)
    model.setData(syllabus, U, CHECK)
    assert state(week1) == U and state(lectures) == P


def test_clicking_a_partial_parent_checks_everything_below(model: SelectionModel) -> None:
    lectures = find(model, "Files", "Lectures")
    model.setData(find(model, "Week 2", "loops.pdf", parent=lectures), C, CHECK)
    assert state(lectures) == P
    model.setData(lectures, P, CHECK)  # a tristate cycle would send "partial": we treat it as "check"
    assert state(lectures) == C
    assert state(find(model, "Week 1", "intro.pdf", parent=lectures)) == C


def test_propagation_emits_datachanged_for_each_changed_level(model: SelectionModel, qtbot) -> None:  # type: ignore[no-untyped-def]
    intro = find(model, "Files", "Lectures", "Week 1", "intro.pdf")
    changed: list[str] = []
    model.dataChanged.connect(
        lambda tl, br, roles=(): changed.append(tl.parent().data(SelectionModel.SearchRole) or "<root>")
    )
    model.setData(intro, C, CHECK)
    # the file's range, Week 1's range, Lectures' range, the branch's children, the branch row
    assert {"Week 1", "Lectures", "Files", "<root>"} <= set(changed)


def test_bulk_check_of_a_large_branch_uses_one_layout_change(qtmodeltester, qtbot) -> None:  # type: ignore[no-untyped-def]
    m = SelectionModel()
    qtmodeltester.check(m)
    m.set_branch_items(SelectKey.FILES, file_tree(300, 3000))
    data_changes: list[object] = []
    m.dataChanged.connect(lambda *a: data_changes.append(a))
    with qtbot.waitSignal(m.layoutChanged):
        m.setData(m.branch_index(SelectKey.FILES), C, CHECK)
    assert data_changes == []
    assert m.select_hash(ExportType.ZIP) == {SelectKey.FOLDERS: [1]}


def test_select_all_and_none(model: SelectionModel, qtbot) -> None:  # type: ignore[no-untyped-def]
    model.set_export_type(ExportType.ZIP)
    with qtbot.waitSignal(model.checksChanged):
        model.select_all()
    # only enabled branches get checked by "select all"
    assert state(model.branch_index(SelectKey.FILES)) == C
    assert state(model.branch_index(SelectKey.PAGES)) == U
    model.set_export_type(ExportType.COMMON_CARTRIDGE)
    model.select_all()
    assert all(state(model.branch_index(k)) == C for k in BRANCHES)
    model.select_none()
    assert not model.has_checks()
    assert model.select_hash(ExportType.COMMON_CARTRIDGE) == {}


# ---------------------------------------------------------------- export type rules
def test_zip_disables_every_branch_but_files_with_a_reason(model: SelectionModel) -> None:
    model.set_export_type(ExportType.ZIP)
    for key in BRANCHES:
        index = model.branch_index(key)
        enabled = bool(model.flags(index) & Qt.ItemFlag.ItemIsEnabled)
        assert enabled == (key is SelectKey.FILES), key
        if key is not SelectKey.FILES:
            assert index.data(Qt.ItemDataRole.ToolTipRole) == "Zip exports contain only files and folders"
            child = model.index(0, 0, index)
            assert not (model.flags(child) & Qt.ItemFlag.ItemIsEnabled)  # greyed all the way down
            assert child.data(Qt.ItemDataRole.ToolTipRole) == "Zip exports contain only files and folders"
            assert not model.setData(index, C, CHECK)  # a disabled row cannot be checked


def test_qti_enables_only_quizzes(model: SelectionModel) -> None:
    model.set_export_type(ExportType.QTI)
    enabled = {k for k in BRANCHES if model.flags(model.branch_index(k)) & Qt.ItemFlag.ItemIsEnabled}
    assert enabled == {SelectKey.QUIZZES}
    assert model.branch_index(SelectKey.FILES).data(Qt.ItemDataRole.ToolTipRole) == "QTI exports contain only quizzes"


def test_common_cartridge_enables_everything(model: SelectionModel) -> None:
    model.set_export_type(ExportType.COMMON_CARTRIDGE)
    assert all(model.is_branch_enabled(k) for k in BRANCHES)


def test_nothing_checked_means_everything(model: SelectionModel) -> None:
    for export_type in ExportType:
        assert model.select_hash(export_type) == {}
        assert model.summary(export_type) == "Everything"


def test_zip_hash_is_compact(model: SelectionModel) -> None:
    files = model.branch_index(SelectKey.FILES)
    model.setData(files, C, CHECK)
    assert model.select_hash(ExportType.ZIP) == {SelectKey.FOLDERS: [1]}  # the hoisted root folder
    assert model.summary(ExportType.ZIP) == "4 files, 1 empty folder"

    model.setData(find(model, "Files", "Lectures", "Week 1", "intro.pdf"), U, CHECK)
    # Lectures is partial now: its checked file and fully checked subfolder, plus the rest
    assert model.select_hash(ExportType.ZIP) == {SelectKey.FOLDERS: [13, 12], SelectKey.FILES: [1002, 1004]}
    assert model.summary(ExportType.ZIP) == "3 files, 1 empty folder"


def test_zip_ignores_checks_in_other_branches(model: SelectionModel) -> None:
    model.setData(model.branch_index(SelectKey.PAGES), C, CHECK)
    model.setData(find(model, "Files", "readme.txt"), C, CHECK)
    assert model.select_hash(ExportType.ZIP) == {SelectKey.FILES: [1004]}
    assert model.summary(ExportType.ZIP) == "1 file"


def test_common_cartridge_hash(model: SelectionModel) -> None:
    model.setData(find(model, "Files", "Lectures"), C, CHECK)  # CC: folders mean nothing; send the files
    modules = model.branch_index(SelectKey.MODULES)
    model.setData(model.index(0, 0, modules), C, CHECK)  # whole module 501
    model.setData(model.index(0, 0, model.index(1, 0, modules)), C, CHECK)  # 502's only item -> 502 checked
    model.setData(model.index(2, 0, modules), C, CHECK)  # an empty module
    pages = model.branch_index(SelectKey.PAGES)
    model.setData(model.index(0, 0, pages), C, CHECK)
    model.setData(model.index(2, 0, pages), C, CHECK)
    model.setData(model.branch_index(SelectKey.ANNOUNCEMENTS), C, CHECK)
    model.setData(model.index(1, 0, model.branch_index(SelectKey.DISCUSSION_TOPICS)), C, CHECK)
    model.setData(model.index(0, 0, model.branch_index(SelectKey.QUIZZES)), C, CHECK)
    assert model.select_hash(ExportType.COMMON_CARTRIDGE) == {
        SelectKey.FILES: [1001, 1002, 1003],
        SelectKey.MODULES: [501, 502, 503],
        SelectKey.PAGES: [701, 703],
        SelectKey.QUIZZES: [901],
        SelectKey.ANNOUNCEMENTS: [1101, 1102],
        SelectKey.DISCUSSION_TOPICS: [1202],
    }
    assert model.summary(ExportType.COMMON_CARTRIDGE) == (
        "3 files, 3 modules, 2 pages, 1 quiz, 2 announcements, 1 discussion"
    )
    # QTI reads quizzes only
    assert model.select_hash(ExportType.QTI) == {SelectKey.QUIZZES: [901]}
    assert model.summary(ExportType.QTI) == "1 quiz"


def test_module_items_only_when_their_module_is_partial(model: SelectionModel) -> None:
    modules = model.branch_index(SelectKey.MODULES)
    week1 = model.index(0, 0, modules)
    model.setData(model.index(1, 0, week1), C, CHECK)  # "Intro quiz" item only
    assert state(week1) == P
    assert model.select_hash(ExportType.COMMON_CARTRIDGE) == {SelectKey.MODULE_ITEMS: [602]}
    assert model.summary(ExportType.COMMON_CARTRIDGE) == "1 module item"
    model.setData(model.index(0, 0, week1), C, CHECK)
    assert model.select_hash(ExportType.COMMON_CARTRIDGE) == {SelectKey.MODULES: [501]}


def test_reloading_a_branch_replaces_rows_and_clears_its_checks(model: SelectionModel, qtbot) -> None:  # type: ignore[no-untyped-def]
    model.setData(model.branch_index(SelectKey.MODULES), C, CHECK)
    with qtbot.waitSignal(model.checksChanged):
        model.set_branch_items(SelectKey.MODULES, small_modules()[:1])
    assert model.rowCount(model.branch_index(SelectKey.MODULES)) == 1
    assert model.select_hash(ExportType.COMMON_CARTRIDGE) == {}


def test_reset_for_a_group_shows_only_files(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    m = SelectionModel()
    qtmodeltester.check(m)
    m.set_branch_items(SelectKey.FILES, small_files())
    m.reset(branches_for(ContextKind.GROUP))
    assert m.branch_keys() == [SelectKey.FILES]
    # unloaded again (the model tester has already "expanded" it, hence loading)
    assert m.branch_state(SelectKey.FILES).status in (BranchStatus.NOT_LOADED, BranchStatus.LOADING)
    assert m.rowCount(m.branch_index(SelectKey.FILES)) == 0
    assert branches_for(ContextKind.COURSE) == BRANCHES
    with pytest.raises(KeyError):
        m.branch_state(SelectKey.PAGES)


def test_model_survives_the_tester_through_a_filter_proxy(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    from desktop_app.ui.selection_view import SelectionFilterProxy

    m = SelectionModel()
    proxy = SelectionFilterProxy()
    proxy.setSourceModel(m)
    qtmodeltester.check(proxy)
    for key, items in course_content().items():
        m.set_branch_items(key, items)
    proxy.set_filter_text("week")
    m.setData(m.branch_index(SelectKey.FILES), C, CHECK)
    m.set_export_type(ExportType.ZIP)
    proxy.set_filter_text("")
    m.set_branch_items(SelectKey.FILES, file_tree(50, 400))
    assert proxy.rowCount() == len(BRANCHES)


def test_human_size() -> None:
    assert human_size(900) == "900 bytes"
    assert human_size(120_000) == "120.0 KB"
    assert human_size(2_400_000_000) == "2.4 GB"
    assert human_size(None) == ""


def test_generic_proxy_sees_the_same_tree(model: SelectionModel) -> None:
    proxy = QSortFilterProxyModel()
    proxy.setSourceModel(model)
    files = proxy.mapFromSource(model.branch_index(SelectKey.FILES))
    assert proxy.rowCount(files) == 3
