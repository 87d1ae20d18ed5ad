"""The app's sign-in life: welcome -> demo -> main window; switching sites; quitting
from the welcome screen."""

from __future__ import annotations

from PySide6.QtCore import Qt

from desktop_app.profiles import Profile
from desktop_app.simulator import TEACHER_TOKEN
from desktop_app.ui.signin_dialog import SignInDialog


def test_welcome_then_demo_opens_the_main_window(qtbot, controller) -> None:
    controller.start()
    dialog = controller.dialog
    assert dialog is not None and dialog.isVisible() and controller.window is None
    with qtbot.waitSignal(controller.signedIn, timeout=20_000) as signed:
        qtbot.mouseClick(dialog.demo_button, Qt.MouseButton.LeftButton)
    assert signed.args[0].demo
    window = controller.window
    qtbot.waitUntil(lambda: window.session_ready and window.picker.courses.rowCount() == 3, timeout=10_000)
    assert window.isVisible() and window.user_label.text() == "Signed in as Ada Lovelace · Demo Canvas"
    assert controller.dialog is None


def test_switch_site_lists_saved_sites_and_signs_in_elsewhere(
    qtbot, controller, window, sim, profile_store, memory_keyring
) -> None:
    profile_store.save(Profile("Other school", sim.base_url, "Ada Lovelace"))
    memory_keyring.set_password("canvas-export-manager", "Other school", TEACHER_TOKEN)
    window.switch_action.trigger()
    dialog: SignInDialog = controller.dialog
    assert dialog is not None and dialog.pages.currentIndex() == SignInDialog.WELCOME
    qtbot.waitUntil(lambda: dialog.sites_list.count() == 1, timeout=5000)
    with qtbot.waitSignal(controller.signedIn, timeout=10_000):
        qtbot.mouseClick(dialog.continue_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.user_label.text() == "Signed in as Ada Lovelace · Other school", timeout=5000)
    assert controller.window is window  # one main window, now showing the other site
    qtbot.waitUntil(lambda: profile_store.last_used == "Other school", timeout=5000)


def test_closing_the_first_welcome_screen_quits(qtbot, controller) -> None:
    controller.start()
    assert controller.bridge.running
    controller.dialog.reject()
    assert not controller.bridge.running


def test_the_last_site_s_unfinished_jobs_carry_on_while_the_welcome_screen_waits(
    qtbot, controller, sim, tmp_path, profile_store, memory_keyring
) -> None:
    """Issue 13, defect 4: at start-up the last signed-in site's unfinished jobs resume
    without the user picking the site."""
    from desktop_app.engine.status import Goal, JobStatus
    from desktop_app.engine.store import JobStore

    profile_store.save(Profile("School", sim.base_url, "Ada Lovelace"))
    profile_store.set_last_used("School")
    memory_keyring.set_password("canvas-export-manager", "School", TEACHER_TOKEN)
    with JobStore(tmp_path / "jobs.sqlite3") as store:
        job, other_user = (
            store.add(
                site=sim.base_url,
                context=f"course:{sim.data.main_course_id}",
                export_type="zip",
                state=JobStatus.INTERRUPTED,
                goal=Goal.SAVED,
                dest_dir=tmp_path / "out",
                user_id=user_id,
            )
            for user_id in (sim.data.teacher_id, sim.data.student_id)
        )
    with qtbot.waitSignal(controller.lastSiteResumed, timeout=20_000) as resumed:
        controller.start()
    assert resumed.args[0] == [job.id]  # this user's job only, never another account's
    assert controller.dialog is not None and controller.window is None  # nobody picked anything
    with JobStore(tmp_path / "jobs.sqlite3") as store:
        qtbot.waitUntil(lambda: store.get(job.id).state is JobStatus.DONE, timeout=20_000)
        assert store.get(other_user.id).state is JobStatus.INTERRUPTED
