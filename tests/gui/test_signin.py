"""The welcome screen and sign-in against the simulated Canvas over real HTTP."""

from __future__ import annotations

import keyring
import keyring.backends.fail
import pytest
from PySide6.QtCore import Qt

from desktop_app.profiles import KEYRING_SERVICE, Profile
from desktop_app.simulator import EXPIRED_TOKEN, TEACHER_TOKEN
from desktop_app.ui.signin_dialog import NO_KEYRING_MESSAGE, SignInDialog


@pytest.fixture
def dialog(qtbot, accounts):
    dlg = SignInDialog(accounts, demo_knobs={"export_duration": 0.2})
    qtbot.addWidget(dlg)
    dlg.show()
    return dlg


def _fill(dlg: SignInDialog, url: str, token: str, name: str = "") -> None:
    dlg.show_connect()
    dlg.url_edit.setText(url)
    dlg.token_edit.setText(token)
    dlg.name_edit.setText(name)


def _check(qtbot, dlg: SignInDialog) -> None:
    """Click Sign in and wait until the background check has answered."""
    with qtbot.waitSignal(dlg.busyChanged, timeout=10_000, check_params_cb=lambda busy: not busy):
        qtbot.mouseClick(dlg.signin_button, Qt.MouseButton.LeftButton)


def test_good_token_shows_the_name_before_saving(qtbot, dialog, sim, profile_store, memory_keyring) -> None:
    _fill(dialog, sim.base_url + "/api/v1/", TEACHER_TOKEN, "Demo school")
    _check(qtbot, dialog)
    assert "Signed in as Ada Lovelace" in dialog.connect_status.text()
    assert dialog.signin_button.text() == "Continue"
    assert dialog.url_edit.text() == sim.base_url  # the pasted /api/v1/ is gone
    assert profile_store.profiles() == [] and memory_keyring.secrets == {}  # nothing saved yet

    with qtbot.waitSignal(dialog.signedIn, timeout=10_000) as blocker:
        qtbot.mouseClick(dialog.signin_button, Qt.MouseButton.LeftButton)
    signin = blocker.args[0]
    assert signin.user.name == "Ada Lovelace" and signin.keyring_ok
    assert profile_store.get("Demo school") == Profile("Demo school", sim.base_url, "Ada Lovelace")
    assert profile_store.last_used == "Demo school"
    assert memory_keyring.secrets == {(KEYRING_SERVICE, "Demo school"): TEACHER_TOKEN}
    assert TEACHER_TOKEN not in profile_store.path.read_text()
    assert TEACHER_TOKEN not in repr(signin)


def test_bad_token_is_refused_with_the_reason(qtbot, dialog, sim, profile_store) -> None:
    _fill(dialog, sim.base_url, "1~not-a-token")
    _check(qtbot, dialog)
    assert "not a valid token for this Canvas site" in dialog.connect_status.text()
    assert dialog.signin_button.text() == "Sign in"
    assert profile_store.profiles() == []


def test_expired_token_says_expired(qtbot, dialog, sim) -> None:
    _fill(dialog, sim.base_url, EXPIRED_TOKEN)
    _check(qtbot, dialog)
    assert "it has expired" in dialog.connect_status.text()


def test_without_keyring_the_token_is_kept_for_the_session(qtbot, dialog, sim, accounts, profile_store) -> None:
    keyring.set_keyring(keyring.backends.fail.Keyring())
    _fill(dialog, sim.base_url, TEACHER_TOKEN, "School")
    _check(qtbot, dialog)
    assert NO_KEYRING_MESSAGE in dialog.connect_status.text()
    with qtbot.waitSignal(dialog.signedIn, timeout=10_000) as blocker:
        qtbot.mouseClick(dialog.signin_button, Qt.MouseButton.LeftButton)
    assert blocker.args[0].keyring_ok is False
    assert TEACHER_TOKEN not in profile_store.path.read_text()
    # the app's vault still knows it for this session
    with qtbot.waitSignal(accounts.token_for("School").succeeded, timeout=5000) as token:
        pass
    assert token.args[0] == TEACHER_TOKEN


def test_plain_http_to_a_remote_host_is_refused_before_any_request(qtbot, dialog, sim) -> None:
    _fill(dialog, "http://canvas.example.edu", TEACHER_TOKEN)
    qtbot.mouseClick(dialog.signin_button, Qt.MouseButton.LeftButton)
    assert dialog.url_error.isVisible()
    assert "https://" in dialog.url_error.text()
    assert sim.request_log == []


def test_try_the_demo_signs_in_as_the_teacher(qtbot, dialog) -> None:
    with qtbot.waitSignal(dialog.signedIn, timeout=20_000) as blocker:
        qtbot.mouseClick(dialog.demo_button, Qt.MouseButton.LeftButton)
    signin = blocker.args[0]
    assert signin.demo and signin.user.name == "Ada Lovelace"
    assert signin.profile.base_url.startswith("http://127.0.0.1:")
    assert dialog.result() == SignInDialog.DialogCode.Accepted


def test_the_two_ways_in_look_like_buttons_at_rest_and_respond_to_the_pointer(qtbot, dialog) -> None:
    """Under Fusion a plain command link has no frame until hovered: it read as text."""
    from PySide6.QtCore import QEvent, QPointF
    from PySide6.QtGui import QEnterEvent, QPalette
    from PySide6.QtWidgets import QApplication, QCommandLinkButton

    qtbot.waitExposed(dialog)
    window = dialog.palette().color(QPalette.ColorRole.Window)
    for button in (dialog.connect_button, dialog.demo_button):
        assert isinstance(button, QCommandLinkButton)  # keyboard, Enter and accessibility as before
        assert button.accessibleName() in ("Connect to Canvas", "Try the demo") and button.description()
        image = button.grab().toImage()
        middle = image.height() // 2
        edge = [image.pixelColor(x, middle) for x in range(0, 4)]
        assert any(abs(c.lightness() - window.lightness()) > 25 for c in edge), "no frame drawn at rest"

    button = dialog.demo_button
    before = button.grab().toImage().pixelColor(button.width() // 2, button.height() - 6)
    button.setAttribute(Qt.WidgetAttribute.WA_UnderMouse, True)
    QApplication.sendEvent(button, QEnterEvent(QPointF(5, 5), QPointF(5, 5), QPointF(5, 5)))
    hovered = button.grab().toImage().pixelColor(button.width() // 2, button.height() - 6)
    assert hovered != before  # a hint of the selection colour under the pointer
    button.setAttribute(Qt.WidgetAttribute.WA_UnderMouse, False)
    QApplication.sendEvent(button, QEvent(QEvent.Type.Leave))
    assert button.grab().toImage().pixelColor(button.width() // 2, button.height() - 6) == before


def welcome_with_one_site(qtbot, sim, accounts, profile_store, memory_keyring) -> SignInDialog:  # type: ignore[no-untyped-def]
    """The welcome screen listing one saved site, "School", with its token in the keyring."""
    profile_store.save(Profile("School", sim.base_url, "Ada Lovelace"))
    memory_keyring.secrets[(KEYRING_SERVICE, "School")] = TEACHER_TOKEN
    dlg = SignInDialog(accounts)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitUntil(lambda: dlg.sites_list.count() == 1, timeout=5000)
    return dlg


def test_saved_sites_continue_rename_and_forget(qtbot, sim, accounts, profile_store, memory_keyring) -> None:
    dlg = welcome_with_one_site(qtbot, sim, accounts, profile_store, memory_keyring)
    assert dlg.sites_box.isVisible()

    with qtbot.waitSignal(dlg.rename_profile("School", "Main school").finished, timeout=5000):
        pass
    qtbot.waitUntil(
        lambda: dlg.sites_list.count() == 1 and "Main school" in dlg.sites_list.item(0).text(), timeout=5000
    )
    assert (KEYRING_SERVICE, "Main school") in memory_keyring.secrets

    with qtbot.waitSignal(dlg.signedIn, timeout=10_000) as blocker:
        qtbot.mouseClick(dlg.continue_button, Qt.MouseButton.LeftButton)
    assert blocker.args[0].profile.name == "Main school"

    with qtbot.waitSignal(dlg.forget_profile("Main school").finished, timeout=5000):
        pass
    assert profile_store.profiles() == []
    assert memory_keyring.secrets == {}


def test_saved_site_with_a_revoked_token_asks_for_a_new_one(
    qtbot, sim, accounts, profile_store, memory_keyring
) -> None:
    profile_store.save(Profile("School", sim.base_url, "Ada Lovelace"))
    memory_keyring.secrets[(KEYRING_SERVICE, "School")] = TEACHER_TOKEN
    sim.faults.revoke_token(TEACHER_TOKEN)
    dlg = SignInDialog(accounts)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitUntil(lambda: dlg.sites_list.count() == 1, timeout=5000)
    with qtbot.waitSignal(dlg.busyChanged, timeout=10_000, check_params_cb=lambda busy: not busy):
        qtbot.mouseClick(dlg.continue_button, Qt.MouseButton.LeftButton)
    assert dlg.pages.currentIndex() == SignInDialog.CONNECT
    assert "revoked" in dlg.connect_banner.text()
    assert dlg.url_edit.text() == sim.base_url


def test_reauth_mode_opens_on_the_connect_page_with_the_reason(qtbot, accounts) -> None:
    dlg = SignInDialog(
        accounts, reauth=Profile("School", "https://canvas.school.edu", "Ada"), reason="Revoked access token."
    )
    qtbot.addWidget(dlg)
    dlg.show()
    assert dlg.pages.currentIndex() == SignInDialog.CONNECT
    assert "Revoked access token." in dlg.connect_banner.text()
    assert "exports" in dlg.connect_banner.text()
    assert dlg.url_edit.text() == "https://canvas.school.edu"


def _closed_port() -> int:
    """A loopback port nothing listens on (bound, then released), so connecting is refused."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _focused():  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QApplication

    return QApplication.focusWidget()


def test_unreachable_address_shows_host_and_port_one_hint_and_focuses_the_address(qtbot, dialog) -> None:
    port = _closed_port()
    dialog.activateWindow()
    qtbot.waitActive(dialog)
    _fill(dialog, f"http://127.0.0.1:{port}", TEACHER_TOKEN)
    _check(qtbot, dialog)
    text = dialog.connect_status.text()
    assert f"127.0.0.1:{port}" in text  # the port is part of the address to check
    assert text.count("Check your internet connection") == 1
    assert _focused() is dialog.url_edit
    assert dialog.url_edit.selectedText() == dialog.url_edit.text()  # typing replaces it


def test_refused_token_focuses_the_token_field(qtbot, dialog, sim) -> None:
    dialog.activateWindow()
    qtbot.waitActive(dialog)
    _fill(dialog, sim.base_url, "1~not-a-token")
    _check(qtbot, dialog)
    assert "not a valid token" in dialog.connect_status.text()
    assert _focused() is dialog.token_edit


def test_check_failures_point_at_the_field_to_fix(qtbot, dialog) -> None:
    """Every kind of failure puts the cursor somewhere useful, never nowhere."""
    from desktop_app.canvas import errors as ce

    dialog.activateWindow()
    qtbot.waitActive(dialog)
    dialog.show_connect()
    cases = [
        (
            ce.AuthError("Canvas says this is not a valid token for this Canvas site.", reason="invalid"),
            dialog.token_edit,
        ),
        (ce.NotAuthorizedError("not allowed"), dialog.token_edit),
        (ce.NotFoundError("no such API here"), dialog.url_edit),
        (ce.MalformedAnswerError("an answer", "that is not an object"), dialog.url_edit),
        (ce.ServerError("Canvas had a problem"), dialog.signin_button),
        (ce.ThrottledError("slow down"), dialog.signin_button),
    ]
    for error, field in cases:
        dialog.url_edit.setFocus()
        dialog.show_check_failure(error)
        assert _focused() is field, type(error).__name__


def test_forget_asks_with_cancel_as_the_default(qtbot, sim, accounts, profile_store, memory_keyring) -> None:
    """Enter on the question keeps the site and its token (Canvas shows a token only
    once); Escape too; only the Forget button forgets."""
    dlg = welcome_with_one_site(qtbot, sim, accounts, profile_store, memory_keyring)
    dlg.sites_list.setCurrentRow(0)

    for key in (Qt.Key.Key_Return, Qt.Key.Key_Escape):
        qtbot.mouseClick(dlg.forget_button, Qt.MouseButton.LeftButton)
        box = dlg.forget_question
        assert box is not None and box.isVisible()
        qtbot.keyClick(box, key)
        qtbot.waitUntil(lambda: dlg.forget_question is None)
        assert profile_store.profiles() != [] and memory_keyring.secrets, key

    qtbot.mouseClick(dlg.forget_button, Qt.MouseButton.LeftButton)
    box = dlg.forget_question
    assert box is not None
    forget = next(b for b in box.buttons() if b.text() == "Forget")
    qtbot.mouseClick(forget, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dlg.sites_list.count() == 0, timeout=5000)
    assert profile_store.profiles() == []
    assert memory_keyring.secrets == {}
