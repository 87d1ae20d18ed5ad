"""Malformed Canvas answers and a broken job store reach the user through the error
presenter as sentences, never as "unexpected error" or a traceback."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QMessageBox

from desktop_app.canvas.errors import MalformedAnswerError
from desktop_app.engine.errors import StoreError
from desktop_app.simulator.faults import DROP
from desktop_app.ui.errors_presenter import describe
from desktop_app.ui.main_window import MainWindow

from .conftest import teacher_signin
from .test_main_window import course_ctx


def test_describe_store_and_malformed_answers() -> None:
    store = describe(
        StoreError(
            "The job store x could not be written: the disk is full; free some space.",
            detail="OperationalError: database or disk is full",
        ),
        "Could not record the export job",
    )
    assert store.message.startswith("The job store x could not be written: the disk is full")
    assert "job" in store.hint and "bug" not in store.hint
    assert "Details: OperationalError" in store.details and "Canvas said" not in store.details
    garbled = describe(MalformedAnswerError("an export", "without workflow_state", detail="field workflow_state"))
    assert garbled.message.startswith("Canvas sent an export without workflow_state")
    assert "garbled" in garbled.hint


def test_a_malformed_export_list_is_told_in_a_sentence(qtbot, window: MainWindow, sim) -> None:
    sim.faults.malformed_exports({"workflow_state": DROP})
    with qtbot.waitSignal(window.presenter.shown, timeout=10_000) as shown:
        assert window.picker.select_context(course_ctx(sim))
    box: QMessageBox = shown.args[0]
    assert "Could not load the export history" in box.text()
    assert "Canvas sent an export without workflow_state" in box.informativeText()
    box.done(0)


def test_a_store_that_cannot_be_opened_is_told_in_a_sentence(qtbot, controller, sim, tmp_path: Path) -> None:
    (tmp_path / "jobs.sqlite3").mkdir()  # a folder where the store should be
    controller.begin(teacher_signin(sim))
    qtbot.waitUntil(
        lambda: controller.window is not None and controller.window.presenter.current is not None, timeout=10_000
    )
    box = controller.window.presenter.current
    assert "Could not sign in" in box.text()  # signing in starts the engine, which opens the store
    assert "could not be opened: it must be a file (not a folder)" in box.informativeText()
    assert "StoreError" in box.detailedText()
    box.done(0)


def test_a_store_failing_mid_run_is_presented(qtbot, window: MainWindow) -> None:
    """The engine could not record the failure, so no state tells it: the presenter does."""
    from desktop_app.engine.events import JobError

    error = StoreError("The job store x could not be written: the disk is full; free some space and try again.")
    with qtbot.waitSignal(window.presenter.shown, timeout=5000) as shown:
        window.bridge.jobEvent.emit(JobError(7, error, error.message, True, window.site))
    box: QMessageBox = shown.args[0]
    assert "Could not record the export job" in box.text() and "the disk is full" in box.informativeText()
    box.done(0)


def test_a_hint_the_message_already_gives_is_not_repeated() -> None:
    import httpx

    from desktop_app.canvas.responses import error_for_transport

    unreachable = error_for_transport(
        httpx.ConnectError("refused"), action="check who you are", host="127.0.0.1:1", ambiguous=False
    )
    told = describe(unreachable)
    assert "127.0.0.1:1" in told.message
    assert (told.message + " " + told.hint).count("Check your internet connection") == 1
    assert told.hint == ""
    other = describe(StoreError("The job store x could not be written."))
    assert other.hint  # a message without advice still gets the hint
