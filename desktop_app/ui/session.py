"""The app's life: sign in, open the main window, re-authenticate, switch sites, quit.

Kept out of MainWindow on purpose: the window composes and lays out widgets; this
controller owns the bridge (the background thread), the accounts, the engine start-up
and the sign-in dialogs, and decides what happens when Canvas refuses a token.

Start-up order (``start(demo=True)``): the main window's frame is built and shown
first, its starting page saying "Connecting to the demo Canvas…"; only after its first
frame is on screen does the background thread start, with the demo Canvas, the job
store and the sign-in, and the window builds its panels meanwhile. Why:
the thread, httpx, sqlite3, keyring and the simulator cost hundreds of milliseconds
to load and start, and a user waits for a window, not for them. A normal start shows
the welcome dialog (it reads the saved sites in the background) and opens the job store
once that dialog is painted.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from desktop_app.canvas.errors import AuthError
from desktop_app.ui.accounts import Accounts, SignIn
from desktop_app.ui.bridge import Call, EngineBridge
from desktop_app.ui.first_paint import after_first_paint
from desktop_app.ui.main_window import MainWindow
from desktop_app.ui.settings import AppSettings

if TYPE_CHECKING:
    from desktop_app.app.usecases import EngineSettings
    from desktop_app.profiles import ProfileStore, TokenVault
    from desktop_app.ui.errors_presenter import ErrorPresenter
    from desktop_app.ui.signin_dialog import SignInDialog

log = logging.getLogger(__name__)

_REASONS = {
    "revoked": "Canvas says the access token was revoked.",
    "expired": "Canvas says the access token has expired.",
    "invalid": "Canvas no longer accepts the access token.",
    "missing": "There is no token for this site.",
}


class AppController(QObject):
    """Owns the background thread and the windows for one run of the app."""

    signedIn = Signal(object)  # SignIn, once the main window shows the session
    reauthRequested = Signal(object)  # the SignInDialog opened because a token was refused
    failed = Signal(object)  # the very first sign-in (e.g. --demo) failed: an exception
    lastSiteResumed = Signal(object)  # job ids of the last site that carried on at start-up

    def __init__(
        self,
        *,
        settings: AppSettings | None = None,
        store_path: Path | None = None,
        engine_config: Any = None,
        demo_knobs: dict[str, Any] | None = None,
        profiles: ProfileStore | None = None,
        vault: TokenVault | None = None,
        quit_app_on_close: bool = True,
    ) -> None:
        super().__init__()
        self._quit_app = quit_app_on_close
        self.settings = settings or AppSettings()
        self.bridge = EngineBridge(self)  # its thread starts with the first request
        self.accounts = Accounts(self.bridge, profiles, vault)
        self._store_path = store_path
        self._engine_config = engine_config
        self._demo_knobs = demo_knobs or {}
        self.window: MainWindow | None = None
        self.session: SignIn | None = None
        self.dialog: SignInDialog | None = None
        self._engine_call: Call | None = None
        self.bridge.authFailed.connect(self._auth_failed)

    # ------------------------------------------------------------------ start
    def start(self, *, demo: bool = False) -> QWidget:
        """Show the welcome screen, or (demo) sign in to the demo Canvas directly.

        Either way a window is shown first and the background work (job store, demo
        Canvas, sign-in) starts once that window's first frame is painted. Returns
        that window (the main window, or the welcome dialog).
        """
        if demo:
            window = self._main_window(panels=False)
            window.show_connecting("Connecting to the demo Canvas…")
            window.show()
            after_first_paint(window, self._start_demo)
            return window
        dialog = self.show_sign_in()
        after_first_paint(dialog, self._start_engine_and_last_site)
        return dialog

    def _start_engine_and_last_site(self) -> None:
        self._start_engine()
        self._resume_last_site()

    def _resume_last_site(self) -> None:
        """The last signed-in site's unfinished jobs carry on while the welcome screen
        waits: a cron-like resume, with the saved token. Failing quietly is right here
        (a refused token is the welcome screen's to tell, when the user picks the site)."""
        from desktop_app.app.usecases import resume_saved_site

        settings = self._engine_settings()

        def with_token(profile: Any, token: str | None) -> None:
            self.bridge.run(lambda services: resume_saved_site(services, profile.base_url, token, settings)).then(
                self.lastSiteResumed.emit, lambda err: log.info("the last site's jobs could not resume: %s", err)
            )

        def listed(result: tuple[list[Any], str | None]) -> None:
            profiles, last = result
            profile = next((p for p in profiles if p.name == last), None)
            if profile is not None:
                self.accounts.token_for(profile.name).then(
                    lambda token: with_token(profile, token), lambda err: log.info("no saved token: %s", err)
                )

        self.accounts.list_profiles().then(listed, lambda err: log.info("no saved sites: %s", err))

    def _start_demo(self) -> None:
        """After the first frame: the background work first (it runs on its own thread),
        then the window's panels, built while the demo Canvas starts."""
        # (after a quit before the first frame the bridge is closed: these calls are no-ops)
        self._start_engine()
        self._sign_in_to_demo()
        if self.window is not None:
            self.window.build_panels()

    def _main_window(self, *, panels: bool = True) -> MainWindow:
        """The one main window, made on first use (kept across sign-ins and sites);
        `panels=False` at launch: the frame alone, see MainWindow."""
        if self.window is None:
            self.window = MainWindow(self.bridge, self.settings, self.accounts, panels=panels)
            self.window.switchSiteRequested.connect(lambda: self.show_sign_in())
            self.window.closed.connect(self.quit)
        return self.window

    def _engine_settings(self) -> EngineSettings:
        from desktop_app.app.usecases import EngineSettings

        return EngineSettings(
            self._store_path, self.settings.max_concurrent, self._engine_config, self.settings.max_unannounced_size
        )

    def _start_engine(self) -> None:
        if self._engine_call is not None:
            return
        config = self._engine_config
        max_concurrent = self.settings.max_concurrent
        ceiling = self.settings.max_unannounced_size
        path = self._store_path
        self._engine_call = self.bridge.run(
            lambda s: s.start_engine(path, max_concurrent=max_concurrent, config=config, max_unannounced_size=ceiling),
            label="Opening the job store…",
        )
        self._engine_call.failed.connect(lambda err: self._presenter().present(err, "Could not open the job store"))

    def _sign_in_to_demo(self) -> None:
        def signed_in(signin: SignIn) -> None:
            if self.session is None:  # else signed in elsewhere meanwhile (Switch Canvas site)
                self.begin(signin)

        self.accounts.sign_in_to_demo(**self._demo_knobs).then(signed_in, self._start_failed)

    def _start_failed(self, error: BaseException) -> None:
        log.error("start-up sign-in failed: %s", error)
        self.failed.emit(error)
        if self.session is None and self.window is not None:
            self.window.hide()  # as before the window came first: the welcome screen says what failed
        self.show_sign_in()
        if self.dialog is not None:
            self.dialog.welcome_status.error(f"The demo could not start: {error}")

    def show_sign_in(self, *, reauth: SignIn | None = None, reason: str = "") -> SignInDialog:
        """The welcome screen (or, with `reauth`, the connect page for a refused token)."""
        if self.dialog is not None:
            self.dialog.raise_()
            return self.dialog
        from desktop_app.ui.signin_dialog import SignInDialog

        parent = self.window if self.window is not None and self.window.isVisible() else None
        dialog = SignInDialog(
            self.accounts, parent, reauth=reauth.profile if reauth else None, reason=reason, demo_knobs=self._demo_knobs
        )
        self.dialog = dialog
        dialog.signedIn.connect(self.begin)
        dialog.finished.connect(lambda _r: self._dialog_closed(dialog))
        if reauth is not None:
            self.reauthRequested.emit(dialog)
        dialog.open()
        return dialog

    def _dialog_closed(self, dialog: SignInDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()
        if self.session is None and dialog.result_signin is None:
            self.quit()  # closed the first welcome screen: nothing to show

    # ------------------------------------------------------------------ session
    def begin(self, signin: SignIn) -> None:
        """A checked sign-in: give its token to the loop, show the main window."""
        self.session = signin
        site, base_url, token = signin.site, signin.profile.base_url, signin.token

        from desktop_app.app.usecases import sign_in

        settings = self._engine_settings()
        call = self.bridge.run(
            lambda services: sign_in(services, site, base_url, token, signin.user.id, settings),
            label="Signing in…",
            site=site,
        )
        window = self._main_window()
        call.then(
            lambda _ids: window.begin_session(signin), lambda err: window.presenter.present(err, "Could not sign in")
        )
        if not signin.keyring_ok:
            window.show_keyring_warning()
        window.show_session_pending(signin)
        window.show()
        self.signedIn.emit(signin)

    def _auth_failed(self, site: str, error: AuthError) -> None:
        """A token was refused: back to the sign-in dialog, with the reason. Jobs stay."""
        if self.session is None or self.dialog is not None:
            return
        if site and site != self.session.site:
            # a job of a site we switched away from: its jobs wait (interrupted) until the
            # user signs in there again; do not ask for this site's token
            if self.window is not None:
                self.window.statusBar().showMessage(
                    f"Canvas refused the token for {site}: its exports wait until you sign in there again.", 20000
                )
            return
        reason = error.message or _REASONS.get(error.reason, _REASONS["invalid"])
        if self.window is not None:
            self.window.show_token_refused(reason)
        self.show_sign_in(reauth=self.session, reason=reason)

    # ------------------------------------------------------------------ quit
    def _presenter(self) -> ErrorPresenter:
        if self.window is not None:
            return self.window.presenter
        from desktop_app.ui.errors_presenter import ErrorPresenter

        return ErrorPresenter(None)

    def quit(self) -> None:
        from PySide6.QtWidgets import QApplication

        self.shutdown()
        app = QApplication.instance()
        if app is not None and self._quit_app:
            app.quit()

    def shutdown(self) -> bool:
        """Stop the background thread (jobs stay unfinished and resume next time)."""
        if self.window is not None:
            self.window.save_state()
        self.settings.sync()
        return self.bridge.shutdown()
