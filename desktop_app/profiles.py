"""Canvas sites as named profiles, and their tokens in the OS keyring.

Profiles (name, base URL, the signed-in user's name) are plain settings in a JSON file;
tokens are secrets and live only in the OS keyring. When no usable keyring exists
(headless Linux, a locked-down machine) the token is kept in memory for this session
and never written anywhere else: the caller tells the user so.

`keyring` (and json) are imported on first use: importing keyring loads its backends
and their dependencies (70-100 ms), and the desktop app imports this module (for
`config_dir`) before its first window is drawn, when no profile or token is needed yet.
"""

from __future__ import annotations

import logging
import os
import tempfile
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from types import ModuleType

import platformdirs

APP_NAME = "canvas-export-manager"
KEYRING_SERVICE = APP_NAME

log = logging.getLogger(__name__)


def config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


@dataclass(frozen=True)
class Profile:
    name: str
    base_url: str
    user_name: str = ""


class ProfileStore:
    """Profiles in `profiles.json`, written atomically so a crash never leaves half a file."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or config_dir() / "profiles.json"
        self._profiles: dict[str, Profile] = {}
        self._last_used: str | None = None
        self._load()

    def _load(self) -> None:
        import json  # here, not at the top: see the module docstring

        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return
        except (OSError, ValueError) as exc:
            log.warning("profiles file %s unreadable (%s); starting with no profiles", self.path, exc)
            return
        for item in raw.get("profiles", []):
            try:
                profile = Profile(str(item["name"]), str(item["base_url"]), str(item.get("user_name", "")))
            except (KeyError, TypeError):
                continue
            self._profiles[profile.name] = profile
        last = raw.get("last_used")
        self._last_used = last if last in self._profiles else None

    def _write(self) -> None:
        import json

        self.path.parent.mkdir(parents=True, exist_ok=True)
        payload = {"profiles": [asdict(p) for p in self._profiles.values()], "last_used": self._last_used}
        fd, tmp = tempfile.mkstemp(prefix=".profiles-", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(payload, handle, indent=2)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def profiles(self) -> list[Profile]:
        return sorted(self._profiles.values(), key=lambda p: p.name.lower())

    def get(self, name: str) -> Profile | None:
        return self._profiles.get(name)

    def save(self, profile: Profile) -> None:
        if not profile.name.strip():
            raise ValueError("A profile needs a name")
        self._profiles[profile.name] = profile
        self._write()

    def rename(self, old: str, new: str) -> Profile:
        """Rename a profile; the caller moves the token (TokenVault.rename)."""
        new = new.strip()
        if old not in self._profiles:
            raise KeyError(old)
        if not new:
            raise ValueError("A profile needs a name")
        if new != old and new in self._profiles:
            raise ValueError(f"There is already a profile called '{new}'")
        profile = replace(self._profiles.pop(old), name=new)
        self._profiles[new] = profile
        if self._last_used == old:
            self._last_used = new
        self._write()
        return profile

    def forget(self, name: str) -> None:
        self._profiles.pop(name, None)
        if self._last_used == name:
            self._last_used = None
        self._write()

    @property
    def last_used(self) -> str | None:
        return self._last_used

    def set_last_used(self, name: str) -> None:
        if name not in self._profiles:
            raise KeyError(name)
        self._last_used = name
        self._write()


def _keyring() -> ModuleType:
    """The keyring package with its `errors` submodule, imported on first use."""
    import keyring
    import keyring.errors  # noqa: F401 - makes keyring.errors an attribute

    return keyring


class TokenVault:
    """Tokens in the OS keyring, with a session-only fallback that never touches disk."""

    def __init__(self) -> None:
        self._session: dict[str, str] = {}
        self.keyring_available = True

    def get(self, name: str) -> str | None:
        if name in self._session:
            return self._session[name]
        keyring = _keyring()
        try:
            return keyring.get_password(KEYRING_SERVICE, name)
        except keyring.errors.KeyringError as exc:
            self._note_unavailable(exc)
            return None

    def set(self, name: str, token: str) -> bool:
        """Store the token; False means it is kept for this session only (no usable keyring)."""
        keyring = _keyring()
        try:
            keyring.set_password(KEYRING_SERVICE, name, token)
            # Read back: a backend that keeps nothing (keyring's "null" one, chosen when
            # no real one is found on some systems) accepts the token without a word, and
            # the next start would find no token and ask again with no reason given.
            if keyring.get_password(KEYRING_SERVICE, name) != token:
                raise keyring.errors.KeyringError("the keyring did not keep the token")
        except keyring.errors.KeyringError as exc:
            self._note_unavailable(exc)
            self._session[name] = token
            return False
        self._session.pop(name, None)
        return True

    def delete(self, name: str) -> None:
        self._session.pop(name, None)
        keyring = _keyring()
        try:
            keyring.delete_password(KEYRING_SERVICE, name)
        except keyring.errors.PasswordDeleteError:
            pass
        except keyring.errors.KeyringError as exc:
            self._note_unavailable(exc)

    def rename(self, old: str, new: str) -> None:
        token = self.get(old)
        if token is None:
            return
        self.set(new, token)
        self.delete(old)

    def _note_unavailable(self, exc: Exception) -> None:
        # The exception text names the backend, never the secret.
        if self.keyring_available:
            log.warning("no usable keyring (%s); tokens are kept for this session only", type(exc).__name__)
        self.keyring_available = False
