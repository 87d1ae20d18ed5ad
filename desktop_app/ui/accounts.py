"""Profiles, tokens, token checks and the demo Canvas, as bridge calls.

The profile file and the keyring are I/O (the keyring is D-Bus on Linux and may wait
for an unlock prompt), so the GUI thread never touches them: every operation here runs
on the background thread through the bridge and answers with a :class:`Call`.

One ``Accounts`` per app: its TokenVault keeps the session-only tokens when there is
no usable keyring, so it must outlive every dialog.

Everything heavy (keyring, the Canvas client, the simulator, asyncio) is imported inside
the calls, on the background thread: the app builds ``Accounts`` before its first
window is drawn, and none of it is needed for that.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from desktop_app.canvas.models import User
from desktop_app.profiles import KEYRING_SERVICE, Profile, ProfileStore, TokenVault
from desktop_app.ui.bridge import Call, EngineBridge

if TYPE_CHECKING:
    from desktop_app.app.services import Services

DEMO_PROFILE_NAME = "Demo Canvas"


@dataclass(frozen=True)
class SignIn:
    """A checked sign-in: what the main window needs to start working.

    `token` is here because the bridge needs it to build the client; this object is
    never logged or shown (its repr hides the token).
    """

    profile: Profile
    token: str
    user: User
    keyring_ok: bool = True
    demo: bool = False

    def __repr__(self) -> str:
        return f"SignIn(profile={self.profile!r}, user={self.user.name!r}, demo={self.demo})"

    @property
    def site(self) -> str:
        """The engine's and bridge's key for this Canvas: its normalised base URL."""
        return self.profile.base_url


class Accounts:
    """Owns the ProfileStore and the TokenVault; runs their I/O off the GUI thread."""

    def __init__(
        self, bridge: EngineBridge, store: ProfileStore | None = None, vault: TokenVault | None = None
    ) -> None:
        self.bridge = bridge
        self._store = store
        self._vault = vault or TokenVault()

    def _profiles(self) -> ProfileStore:
        if self._store is None:  # first use happens on the background thread
            self._store = ProfileStore()
        return self._store

    def list_profiles(self) -> Call:
        """-> (list[Profile], last_used name or None)."""

        def read() -> tuple[list[Profile], str | None]:
            store = self._profiles()
            return store.profiles(), store.last_used

        return self.bridge.run(lambda s: s.blocking(read))

    def token_for(self, name: str) -> Call:
        """-> the saved token or None."""
        return self.bridge.run(lambda s: s.blocking(self._vault.get, name))

    def check(
        self, base_url: str, token: str, *, label: str = "Checking the token with Canvas…", probe_keyring: bool = True
    ) -> Call:
        """Ask Canvas who this token belongs to -> (User, keyring usable?).

        Nothing is saved: the dialog shows the name first. The keyring probe runs in
        the same trip so a missing keyring can be told before the user continues.
        `probe_keyring=False` (the demo: its token is never saved) skips it, and with
        it loading keyring (50-100 ms) on the way to the first sign-in; the answer is
        then (User, True).
        """

        async def check(services: Services) -> tuple[User, bool]:
            user = await _who(base_url, token)
            if not probe_keyring:
                return user, True
            return user, await services.blocking(_keyring_usable)

        return self.bridge.run(check, label=label)

    def save(self, profile: Profile, token: str) -> Call:
        """Save the profile (and make it the last used) and the token -> keyring used?"""

        def write() -> bool:
            store = self._profiles()
            store.save(profile)
            store.set_last_used(profile.name)
            return self._vault.set(profile.name, token)

        return self.bridge.run(lambda s: s.blocking(write), label="Saving the sign-in…")

    def remember_last(self, name: str) -> Call:
        return self.bridge.run(lambda s: s.blocking(self._profiles().set_last_used, name))

    def rename(self, old: str, new: str) -> Call:
        """-> the renamed Profile; the token moves with it."""

        def rename() -> Profile:
            profile = self._profiles().rename(old, new)
            self._vault.rename(old, profile.name)
            return profile

        return self.bridge.run(lambda s: s.blocking(rename))

    def forget(self, name: str) -> Call:
        """Remove the profile and its token from the keyring."""

        def forget() -> None:
            self._profiles().forget(name)
            self._vault.delete(name)

        return self.bridge.run(lambda s: s.blocking(forget))

    def start_demo(self, **knobs: Any) -> Call:
        """Start the simulated Canvas on the background thread -> (base_url, token).

        Started once per bridge and stopped by the bridge's shutdown. `knobs` go to
        SimulatedCanvas (tests make exports fast).
        """

        return self.bridge.run(lambda services: _demo_canvas(services, knobs), label="Starting the demo Canvas…")

    def sign_in_to_demo(self, **knobs: Any) -> Call:
        """Start the demo Canvas and sign in as its teacher -> SignIn: the one demo
        sign-in, for `--demo` and for the welcome screen's "Try the demo". Its token is
        never saved, so the keyring is not probed (and not loaded)."""

        async def sign_in(services: Services) -> SignIn:
            base_url, token = await _demo_canvas(services, knobs)
            user = await _who(base_url, token)
            return SignIn(Profile(DEMO_PROFILE_NAME, base_url, user.name), token, user, True, demo=True)

        return self.bridge.run(sign_in, label="Starting the demo Canvas…")


async def _who(base_url: str, token: str) -> User:
    """Who Canvas says this token belongs to (on the background thread)."""
    from desktop_app.canvas.client import CanvasClient

    async with CanvasClient(base_url, token) as client:
        return await client.get_self()


async def _demo_canvas(services: Services, knobs: dict[str, Any]) -> tuple[str, str]:
    """The demo Canvas, started once per bridge (stopped by its shutdown) -> (base_url,
    its teacher's token)."""
    import asyncio

    from desktop_app.simulator import TEACHER_TOKEN, SimulatedCanvas

    if services.demo is None:
        sim = SimulatedCanvas(**knobs)
        await asyncio.to_thread(sim.start)
        services.demo = sim
    return services.demo.base_url, TEACHER_TOKEN


def field_to_fix(error: BaseException) -> str | None:
    """Which sign-in field a failed check points at: "token", "address" or None.

    * the token: Canvas refused it (401 invalid, expired, revoked) or it may not read
      who you are (403);
    * the address: nothing answered there, it did not answer like Canvas (an HTML page,
      a redirect elsewhere), it has no such API (404), or it is not an address at all;
    * None: Canvas answered but could not do it now (throttled, a server error): try
      again, nothing to change.
    """
    from desktop_app.canvas import errors as ce

    if isinstance(error, (ce.AuthError, ce.NotAuthorizedError)):
        return "token"
    if isinstance(
        error, (ce.UnreachableError, ce.NotFoundError, ce.BadRequestError, ce.MalformedAnswerError, ValueError)
    ):
        return "address"
    return None


def _keyring_usable() -> bool:
    """True when the OS keyring answers a read (a missing entry is fine)."""
    import keyring
    import keyring.errors

    try:
        keyring.get_password(KEYRING_SERVICE, "__probe__")
    except keyring.errors.KeyringError:
        return False
    return True
