"""The welcome screen and sign-in dialog: connect to Canvas, or try the demo.

Two ways in, and a list of saved sites (the small profile manager: continue, rename,
forget; *Connect to Canvas* adds one). A token is checked with ``users/self`` and the
user's name is shown before anything is saved; tokens go to the OS keyring only, and
when there is none the dialog says so and keeps the token for this session.

The same dialog comes back when Canvas later refuses the token ("re-auth" mode): it
opens on the connect page with the site filled in and the reason on top. Jobs are not
touched by any of this; the main window resumes them after the new sign-in.

All I/O (Canvas, keyring, profile file, starting the demo) runs on the background
thread through :class:`~desktop_app.ui.accounts.Accounts`; this dialog only reacts to
its Calls, so it never freezes.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from PySide6.QtCore import QEvent, QSize, Qt, QUrl, Signal
from PySide6.QtGui import (
    QColor,
    QDesktopServices,
    QEnterEvent,
    QFont,
    QIcon,
    QKeySequence,
    QPaintEvent,
    QPalette,
    QShortcut,
)
from PySide6.QtWidgets import (
    QCheckBox,
    QCommandLinkButton,
    QDialog,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QStyle,
    QStyleOptionButton,
    QStylePainter,
    QVBoxLayout,
    QWidget,
)

from desktop_app.canvas.errors import AuthError
from desktop_app.canvas.models import User
from desktop_app.canvas.urls import normalise_base_url
from desktop_app.profiles import Profile
from desktop_app.ui.accounts import Accounts, SignIn, field_to_fix
from desktop_app.ui.bridge import Call
from desktop_app.ui.errors_presenter import describe
from desktop_app.ui.icons import icon
from desktop_app.ui.style import app_icon, tone_html

NO_KEYRING_MESSAGE = "No system keyring found: the token is kept for this session only."
TOKEN_HELP = (
    "<b>Where do I get a token?</b> In Canvas, open <b>Account › Settings</b>, scroll to "
    "<i>Approved Integrations</i> and click <b>+ New Access Token</b>. Give it a purpose "
    "such as “Export Manager”, then copy the token: Canvas shows it only once."
)


def _site_name_for(base_url: str) -> str:
    """A default profile name: the host, e.g. 'canvas.school.edu'."""
    return urlsplit(base_url).hostname or base_url


class _Status(QWidget):
    """One line under a form: a spinner while busy, then a success or error sentence."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spinner = QProgressBar()
        self.spinner.setRange(0, 0)
        self.spinner.setMaximumWidth(60)
        self.spinner.setMaximumHeight(12)
        self.spinner.setTextVisible(False)
        self.spinner.hide()
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setAccessibleName("Sign-in status")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.spinner, 0, Qt.AlignmentFlag.AlignVCenter)
        row.addWidget(self.label, 1)

    def busy(self, text: str) -> None:
        self.spinner.show()
        self.label.setText(text)

    def say(self, html: str) -> None:
        self.spinner.hide()
        self.label.setText(html)

    def ok(self, text: str) -> None:
        self.say(tone_html(self, text, ok=True))

    def error(self, text: str) -> None:
        self.say(tone_html(self, text, ok=False))

    def clear(self) -> None:
        self.say("")

    def text(self) -> str:
        return self.label.text()


class ChoiceButton(QCommandLinkButton):
    """A command link that looks clickable before the pointer is on it.

    Under Fusion (and other styles outside Windows) a QCommandLinkButton draws no
    frame until hovered, so "Connect to Canvas" and "Try the demo" read as plain text.
    This one paints the style's own push-button panel behind the command link's
    content: a framed button in the platform's look, sunken when pressed, outlined
    when it is the default (Enter) button. Fusion's buttons do not change under the
    pointer, so a hovered one takes a hint of the selection colour (as Fusion tints
    its default button). Focus, keyboard, default-button and accessibility behaviour
    are QCommandLinkButton's own.
    """

    HOVER_TINT = 0.14

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt API
        option = QStyleOptionButton()
        self.initStyleOption(option)
        option.text = ""
        option.icon = QIcon()
        painter = QStylePainter(self)
        painter.drawPrimitive(QStyle.PrimitiveElement.PE_PanelButtonCommand, option)
        painter.end()
        super().paintEvent(event)  # the icon, title and description (and, hovered, the same panel)

    def enterEvent(self, event: QEnterEvent) -> None:  # noqa: N802 - Qt API
        super().enterEvent(event)
        self._hover(True)

    def leaveEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt API
        super().leaveEvent(event)
        self._hover(False)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt API
        super().changeEvent(event)
        if event.type() == QEvent.Type.EnabledChange and not self.isEnabled():
            self._hover(False)

    def _hover(self, on: bool) -> None:
        """Tint through the palette, so both this panel and the one QCommandLinkButton
        draws itself when hovered get it."""
        self.setPalette(QPalette())  # the inherited palette (follows theme changes), untinted
        if not on or not self.isEnabled():
            return
        palette = QPalette(self.palette())
        button, highlight = palette.color(QPalette.ColorRole.Button), palette.color(QPalette.ColorRole.Highlight)
        palette.setColor(QPalette.ColorRole.Button, _blend(button, highlight, self.HOVER_TINT))
        self.setPalette(palette)


class _Banner(QLabel):
    """A framed sentence at the top of a page (why the dialog came back)."""

    def __init__(self) -> None:
        super().__init__()
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setMargin(8)
        self.setBackgroundRole(QPalette.ColorRole.AlternateBase)
        self.setAutoFillBackground(True)
        self.setAccessibleName("Why you are asked to sign in")
        self.hide()

    def show_text(self, html: str) -> None:
        self.setText(html)
        self.setVisible(bool(html))


class SignInDialog(QDialog):
    """Welcome screen (page 0) and Connect page (page 1). Emits ``signedIn(SignIn)``."""

    signedIn = Signal(object)
    busyChanged = Signal(bool)

    WELCOME, CONNECT = 0, 1

    def __init__(
        self,
        accounts: Accounts,
        parent: QWidget | None = None,
        *,
        reauth: Profile | None = None,
        reason: str = "",
        demo_knobs: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(parent)
        self.accounts = accounts
        self.result_signin: SignIn | None = None
        self._demo_knobs = demo_knobs or {}
        self._call: Call | None = None
        self._checked: SignIn | None = None
        self._profiles: list[Profile] = []
        self._reauth = reauth
        self.forget_question: QMessageBox | None = None  # "Forget site?" while it is open
        self.setObjectName("signInDialog")
        self.setWindowTitle("Sign in · Canvas Export Manager")
        self.setWindowIcon(app_icon())
        self.setMinimumWidth(600)

        self.pages = QStackedWidget()
        self.pages.addWidget(self._build_welcome())
        self.pages.addWidget(self._build_connect())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.addWidget(self.pages)
        QShortcut(QKeySequence.StandardKey.Back, self, activated=self._back)

        if reauth is not None:
            why = reason or "Canvas no longer accepts the saved token."
            self.connect_banner.show_text(
                f"<b>Sign in again to {_e(reauth.name)}.</b> {_e(why)}<br>"
                "Create a new access token in Canvas and paste it below. Your exports and "
                "downloads are kept and carry on after you sign in."
            )
            self.url_edit.setText(reauth.base_url)
            self.name_edit.setText(reauth.name)
            self.pages.setCurrentIndex(self.CONNECT)
            self.token_edit.setFocus()
        else:
            self.pages.setCurrentIndex(self.WELCOME)
        self.refresh_profiles()

    # ------------------------------------------------------------------ pages
    def _build_welcome(self) -> QWidget:
        page = QWidget()
        page.setObjectName("welcomePage")
        logo = QLabel()
        logo.setPixmap(app_icon().pixmap(QSize(64, 64)))
        logo.setAccessibleName("Canvas Export Manager logo")
        title = QLabel("Canvas Export Manager")
        font = QFont(title.font())
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        title.setFont(font)
        subtitle = QLabel("Verified backups of your Canvas courses, groups and files.")
        subtitle.setWordWrap(True)
        head = QHBoxLayout()
        head.addWidget(logo, 0, Qt.AlignmentFlag.AlignTop)
        texts = QVBoxLayout()
        texts.setSpacing(2)
        texts.addWidget(title)
        texts.addWidget(subtitle)
        texts.addStretch(1)
        head.addLayout(texts, 1)
        head.setSpacing(16)

        self.welcome_banner = _Banner()

        # saved sites: the small profile manager
        self.sites_box = QGroupBox("Your Canvas sites")
        self.sites_list = QListWidget()
        self.sites_list.setAccessibleName("Saved Canvas sites")
        self.sites_list.setToolTip("Double-click a site to sign in with its saved token")
        self.sites_list.setMinimumHeight(96)
        self.sites_list.setMaximumHeight(140)
        self.sites_list.setSpacing(2)
        self.sites_list.itemDoubleClicked.connect(lambda _item: self.continue_with_selected())
        self.sites_list.currentRowChanged.connect(self._sites_selection_changed)
        self.continue_button = QPushButton("Continue")
        self.continue_button.setToolTip("Sign in to the selected site with its saved token")
        self.continue_button.clicked.connect(self.continue_with_selected)
        self.rename_button = QPushButton("Rename…")
        self.rename_button.setToolTip("Give the selected site another name")
        self.rename_button.clicked.connect(self._ask_rename)
        self.forget_button = QPushButton("Forget")
        self.forget_button.setToolTip("Remove the selected site and delete its token from the keyring")
        self.forget_button.clicked.connect(self._ask_forget)
        site_buttons = QVBoxLayout()
        for button in (self.continue_button, self.rename_button, self.forget_button):
            site_buttons.addWidget(button)
        site_buttons.addStretch(1)
        sites_row = QHBoxLayout(self.sites_box)
        sites_row.addWidget(self.sites_list, 1)
        sites_row.addLayout(site_buttons)
        self.sites_box.hide()

        self.connect_button = ChoiceButton(
            "Connect to Canvas", "Use your school's Canvas site and a personal access token."
        )
        self.connect_button.setObjectName("connectButton")
        self.connect_button.setIcon(icon("user"))
        self.connect_button.setIconSize(QSize(28, 28))
        self.connect_button.setAccessibleName("Connect to Canvas")
        self.connect_button.clicked.connect(self.show_connect)
        self.demo_button = ChoiceButton(
            "Try the demo", "Sample courses on a simulated Canvas that runs on this computer only."
        )
        self.demo_button.setObjectName("demoButton")
        self.demo_button.setIcon(icon("course"))
        self.demo_button.setIconSize(QSize(28, 28))
        self.demo_button.setAccessibleName("Try the demo")
        self.demo_button.clicked.connect(self.start_demo)

        self.welcome_status = _Status()
        footer = QLabel("Access tokens are checked with Canvas and kept in your system keyring, never in a file.")
        footer.setWordWrap(True)
        footer.setObjectName("welcomeFooter")
        footer.setForegroundRole(QPalette.ColorRole.PlaceholderText)

        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(12)
        layout.addLayout(head)
        layout.addWidget(self.welcome_banner)
        layout.addWidget(self.sites_box)
        layout.addWidget(self.connect_button)
        layout.addWidget(self.demo_button)
        layout.addWidget(self.welcome_status)
        layout.addStretch(1)
        layout.addWidget(footer)
        return page

    def _build_connect(self) -> QWidget:
        page = QWidget()
        page.setObjectName("connectPage")
        title = QLabel("Connect to Canvas")
        font = QFont(title.font())
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        title.setFont(font)
        self.connect_banner = _Banner()

        self.url_edit = QLineEdit()
        self.url_edit.setPlaceholderText("https://canvas.school.edu")
        self.url_edit.setAccessibleName("Canvas address")
        self.url_edit.setToolTip("The address you open Canvas at in your browser. A pasted /api/v1 is fine.")
        self.url_edit.setClearButtonEnabled(True)
        self.token_edit = QLineEdit()
        self.token_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.token_edit.setPlaceholderText("Paste your access token")
        self.token_edit.setAccessibleName("Access token")
        self.token_edit.setToolTip("Kept in your system keyring, never in a file.")
        self.show_token = QCheckBox("Show")
        self.show_token.setAccessibleName("Show the token")
        self.show_token.toggled.connect(
            lambda on: self.token_edit.setEchoMode(QLineEdit.EchoMode.Normal if on else QLineEdit.EchoMode.Password)
        )
        token_row = QHBoxLayout()
        token_row.addWidget(self.token_edit, 1)
        token_row.addWidget(self.show_token)
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("e.g. My school (optional)")
        self.name_edit.setAccessibleName("Name for this site")
        self.name_edit.setToolTip("How this site is listed when you switch between Canvas sites.")

        self.url_error = QLabel()
        self.url_error.setWordWrap(True)
        self.url_error.hide()
        form = QFormLayout()
        form.addRow("Canvas &address:", self.url_edit)
        form.addRow("", self.url_error)
        form.addRow("Access &token:", token_row)
        form.addRow("&Name:", self.name_edit)
        # mnemonics need buddies
        for field in (self.url_edit, self.token_edit, self.name_edit):
            label = form.labelForField(field if field is not self.token_edit else token_row)
            if isinstance(label, QLabel):
                label.setBuddy(field)

        help_label = QLabel(TOKEN_HELP)
        help_label.setWordWrap(True)
        help_label.setTextFormat(Qt.TextFormat.RichText)
        help_label.setObjectName("tokenHelp")
        self.settings_link = QLabel()
        self.settings_link.setTextFormat(Qt.TextFormat.RichText)
        self.settings_link.linkActivated.connect(lambda url: QDesktopServices.openUrl(QUrl(url)))
        self.settings_link.setAccessibleName("Open my Canvas settings in the browser")

        self.connect_status = _Status()

        self.back_button = QPushButton("Back")
        self.back_button.setToolTip("Back to the welcome screen")
        self.back_button.clicked.connect(self._back)
        self.signin_button = QPushButton("Sign in")
        self.signin_button.setObjectName("signInButton")
        self.signin_button.setDefault(True)
        self.signin_button.setAccessibleName("Sign in")
        self.signin_button.clicked.connect(self._primary)
        buttons = QHBoxLayout()
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        buttons.addWidget(self.signin_button)

        for edit in (self.url_edit, self.token_edit, self.name_edit):
            edit.textEdited.connect(self._inputs_changed)
            edit.returnPressed.connect(self._primary)
        self.url_edit.textChanged.connect(self._update_settings_link)

        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(12)
        layout.addWidget(title)
        layout.addWidget(self.connect_banner)
        layout.addLayout(form)
        layout.addWidget(help_label)
        layout.addWidget(self.settings_link)
        layout.addWidget(self.connect_status)
        layout.addStretch(1)
        layout.addLayout(buttons)
        return page

    # ------------------------------------------------------------------ navigation
    def show_connect(self) -> None:
        self.pages.setCurrentIndex(self.CONNECT)
        (self.url_edit if not self.url_edit.text() else self.token_edit).setFocus()

    def _back(self) -> None:
        self._cancel_call()
        self._set_busy(False)
        self.pages.setCurrentIndex(self.WELCOME)

    def _update_settings_link(self, text: str) -> None:
        try:
            base = normalise_base_url(text)
        except ValueError:
            self.settings_link.setText("")
            return
        self.settings_link.setText(
            f'<a href="{base}/profile/settings">Open Account › Settings on {_e(_site_name_for(base))}</a>'
        )

    def _inputs_changed(self) -> None:
        """Editing after a successful check invalidates it: check again."""
        self.url_error.hide()
        if self._checked is not None:
            self._checked = None
            self.signin_button.setText("Sign in")
            self.connect_status.clear()

    # ------------------------------------------------------------------ profiles
    def refresh_profiles(self) -> None:
        self.accounts.list_profiles().then(self._show_profiles, self._profiles_failed)

    def _show_profiles(self, result: tuple[list[Profile], str | None]) -> None:
        profiles, last = result
        self._profiles = profiles
        self.sites_list.clear()
        for profile in profiles:
            who = f" — {profile.user_name}" if profile.user_name else ""
            item = QListWidgetItem(f"{profile.name}{who}\n{profile.base_url}")
            item.setData(Qt.ItemDataRole.UserRole, profile.name)
            item.setToolTip(profile.base_url)
            self.sites_list.addItem(item)
            if profile.name == last:
                self.sites_list.setCurrentItem(item)
        if profiles and self.sites_list.currentRow() < 0:
            self.sites_list.setCurrentRow(0)
        self.sites_box.setVisible(bool(profiles))
        self.continue_button.setDefault(bool(profiles))  # Enter signs in to the last used site
        self.connect_button.setDescription(
            "Add another Canvas site with a personal access token."
            if profiles
            else "Use your school's Canvas site and a personal access token."
        )
        self._sites_selection_changed(self.sites_list.currentRow())
        self.adjustSize()

    def _profiles_failed(self, error: BaseException) -> None:
        self.welcome_status.error(f"Could not read the saved sites: {describe(error).message}")

    def _sites_selection_changed(self, row: int) -> None:
        has = row >= 0
        for button in (self.continue_button, self.rename_button, self.forget_button):
            button.setEnabled(has)

    def selected_profile(self) -> Profile | None:
        item = self.sites_list.currentItem()
        if item is None:
            return None
        name = item.data(Qt.ItemDataRole.UserRole)
        return next((p for p in self._profiles if p.name == name), None)

    def _ask_rename(self) -> None:
        profile = self.selected_profile()
        if profile is None:
            return
        new, ok = QInputDialog.getText(self, "Rename site", "New name:", QLineEdit.EchoMode.Normal, profile.name)
        if ok and new.strip() and new.strip() != profile.name:
            self.rename_profile(profile.name, new.strip())

    def rename_profile(self, old: str, new: str) -> Call:
        call = self.accounts.rename(old, new)
        call.then(
            lambda _p: self.refresh_profiles(),
            lambda err: self.welcome_status.error(
                describe(err).message if not isinstance(err, ValueError) else str(err)
            ),
        )
        return call

    def _ask_forget(self) -> None:
        profile = self.selected_profile()
        if profile is None:
            return
        box = QMessageBox(
            QMessageBox.Icon.Question, "Forget site", f"Forget {profile.name}?", QMessageBox.StandardButton.Cancel, self
        )
        box.setInformativeText("Its token is deleted from the keyring; exports already saved stay on disk.")
        forget = box.addButton("Forget", QMessageBox.ButtonRole.DestructiveRole)
        # Cancel is the default: Enter (which continues with a site on this screen) must not
        # delete a token that Canvas shows only once.
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def answered(_result: int) -> None:
            if box.clickedButton() is forget:
                self.forget_profile(profile.name)
            self.forget_question = None

        box.finished.connect(answered)
        self.forget_question = box
        box.open()

    def forget_profile(self, name: str) -> Call:
        call = self.accounts.forget(name)
        call.then(lambda _r: self.refresh_profiles(), lambda err: self.welcome_status.error(describe(err).message))
        return call

    # ------------------------------------------------------------------ sign-in flows
    def continue_with_selected(self) -> None:
        """Sign in to a saved site with its saved token (asking for one if it is gone)."""
        profile = self.selected_profile()
        if profile is None:
            return
        self._set_busy(True, self.welcome_status, f"Signing in to {profile.name}…")
        self._call = self.accounts.token_for(profile.name).then(
            lambda token: self._continue_with_token(profile, token), self._welcome_failed
        )

    def _continue_with_token(self, profile: Profile, token: str | None) -> None:
        if not token:
            self._set_busy(False)
            self.welcome_status.clear()
            self.url_edit.setText(profile.base_url)
            self.name_edit.setText(profile.name)
            self.connect_banner.show_text(
                f"No saved token for <b>{_e(profile.name)}</b> (without a system keyring tokens last one session). Paste it again."
            )
            self.show_connect()
            return

        def checked(result: tuple[User, bool]) -> None:
            user, keyring_ok = result
            updated = Profile(profile.name, profile.base_url, user.name)
            self._set_busy(False)
            self.welcome_status.ok(f"Signed in as {user.name}")
            if updated != profile:  # the user's name changed at Canvas: keep the list current
                self.accounts.save(updated, token)
            else:
                self.accounts.remember_last(profile.name)
            self._finish(SignIn(updated, token, user, keyring_ok))

        def failed(error: BaseException) -> None:
            self._set_busy(False)
            if isinstance(error, AuthError):
                self.welcome_status.clear()
                self.url_edit.setText(profile.base_url)
                self.name_edit.setText(profile.name)
                self.connect_banner.show_text(
                    f"<b>The saved token for {_e(profile.name)} no longer works.</b> {_e(error.message)}"
                )
                self.show_connect()
            else:
                self._welcome_failed(error)

        self._call = self.accounts.check(profile.base_url, token).then(checked, failed)

    def _welcome_failed(self, error: BaseException) -> None:
        self._set_busy(False)
        self.welcome_status.error(describe(error).message)

    def start_demo(self) -> None:
        """Start the simulated Canvas (background thread) and sign in as its teacher."""
        self._set_busy(True, self.welcome_status, "Starting the demo Canvas…")

        def signed_in(signin: SignIn) -> None:
            self._set_busy(False)
            self.welcome_status.ok(f"Signed in as {signin.user.name}")
            self._finish(signin)

        self._call = self.accounts.sign_in_to_demo(**self._demo_knobs).then(signed_in, self._welcome_failed)

    def _primary(self) -> None:
        """'Sign in' checks the token; after a good check the button says 'Continue'."""
        if self._call is not None and not self._call.done and not self._call.cancelled:
            return  # a check is running
        if self._checked is not None:
            self._save_and_finish(self._checked)
        else:
            self.check_token()

    def check_token(self) -> None:
        try:
            base_url = normalise_base_url(self.url_edit.text())
        except ValueError as exc:
            self.url_error.setText(tone_html(self, str(exc), ok=False))
            self.url_error.show()
            self.url_edit.setFocus()
            return
        token = self.token_edit.text().strip()
        if not token:
            self.connect_status.error("Paste your access token first.")
            self.token_edit.setFocus()
            return
        name = self.name_edit.text().strip() or (
            self._reauth.name if self._reauth is not None else _site_name_for(base_url)
        )
        self.url_edit.setText(base_url)
        self._set_busy(True, self.connect_status, f"Checking the token with {_site_name_for(base_url)}…")

        def checked(result: tuple[User, bool]) -> None:
            user, keyring_ok = result
            self._set_busy(False)
            self._checked = SignIn(Profile(name, base_url, user.name), token, user, keyring_ok)
            note = "" if keyring_ok else f"<br>{_e(NO_KEYRING_MESSAGE)}"
            self.connect_status.say(
                tone_html(self, f"Signed in as {user.name}", ok=True)
                + note
                + "<br>Click <b>Continue</b> to save this site and open your courses."
            )
            self.signin_button.setText("Continue")
            self.signin_button.setFocus()

        def failed(error: BaseException) -> None:
            self._set_busy(False)
            self.show_check_failure(error)

        self._call = self.accounts.check(base_url, token).then(checked, failed)

    def show_check_failure(self, error: BaseException) -> None:
        """Say why the check failed (one hint, the address with its port) and put the
        cursor in the field to fix: the token when Canvas refused it, the address when
        nothing Canvas-like answered there, else the Sign in button to try again."""
        if isinstance(error, AuthError):
            text = error.message
        else:
            described = describe(error)
            text = f"{described.message} {described.hint}".strip()
        self.connect_status.error(text)
        field = {"token": self.token_edit, "address": self.url_edit}.get(field_to_fix(error) or "")
        if field is None:
            self.signin_button.setFocus()
            return
        field.setFocus()
        field.selectAll()

    def _save_and_finish(self, signin: SignIn) -> None:
        self._set_busy(True, self.connect_status, "Saving…")

        def saved(keyring_ok: bool) -> None:
            self._set_busy(False)
            self._finish(SignIn(signin.profile, signin.token, signin.user, keyring_ok=bool(keyring_ok)))

        def failed(error: BaseException) -> None:  # the file could not be written: go on for this session
            self._set_busy(False)
            self._finish(SignIn(signin.profile, signin.token, signin.user, keyring_ok=False))

        self._call = self.accounts.save(signin.profile, signin.token).then(saved, failed)

    def _finish(self, signin: SignIn) -> None:
        self.result_signin = signin
        self.signedIn.emit(signin)
        self.accept()

    # ------------------------------------------------------------------ busy state
    def _set_busy(self, busy: bool, status: _Status | None = None, text: str = "") -> None:
        for widget in (
            self.connect_button,
            self.demo_button,
            self.sites_box,
            self.url_edit,
            self.token_edit,
            self.name_edit,
            self.signin_button,
        ):
            widget.setEnabled(not busy)
        if busy and status is not None:
            status.busy(text)
        elif not busy:
            self.welcome_status.spinner.hide()
            self.connect_status.spinner.hide()
        self.busyChanged.emit(busy)

    def _cancel_call(self) -> None:
        if self._call is not None:
            self._call.cancel()
            self._call = None

    def reject(self) -> None:
        self._cancel_call()
        super().reject()


def _blend(a: QColor, b: QColor, amount: float) -> QColor:
    """`a` moved `amount` (0..1) of the way towards `b`."""
    return QColor.fromRgbF(*(x + (y - x) * amount for x, y in zip(a.getRgbF()[:3], b.getRgbF()[:3], strict=True)))


def _e(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


__all__ = ["NO_KEYRING_MESSAGE", "TOKEN_HELP", "SignInDialog"]
