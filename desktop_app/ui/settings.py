"""The app's user settings, declared once with types and defaults.

Backed by QSettings in INI format at an explicit path in the user's config folder
(next to profiles.json): explicit so tests that move $XDG_CONFIG_HOME get their own
file (Qt caches its default settings paths per process), INI so a person can read it.
`VERSION` and `_upgrade` give the file versioned upgrade steps, Picard-style.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import platformdirs
from PySide6.QtCore import QByteArray, QSettings

from desktop_app.profiles import config_dir

VERSION = 1
MAX_CONCURRENT_LIMIT = 10
UNANNOUNCED_GB_DEFAULT = 50
"""Largest package of unknown size the app saves, in GB (see engine/download.py
MAX_UNANNOUNCED_SIZE, the same 50 GiB): a host that announces no size cannot fill the disk."""
UNANNOUNCED_GB_LIMIT = 10_000


def default_download_dir() -> Path:
    """`~/Downloads/Canvas exports` (or the platform's downloads folder)."""
    return Path(platformdirs.user_downloads_dir()) / "Canvas exports"


def check_download_folder(text: str) -> Path:
    """The folder `text` names, made ready for packages; ValueError with a sentence
    that says what to do otherwise. No Qt.

    * absolute only (`~` is expanded): a relative path would depend on the folder the
      app was started from, so packages landed wherever that was;
    * created when missing (with its parents);
    * writable: a temporary file is created in it and removed again.
    """
    raw = text.strip()
    if not raw:
        raise ValueError("Choose a download folder.")
    path = Path(raw).expanduser()
    if not path.is_absolute():
        raise ValueError(
            f"“{raw}” is not a full path, so packages would land in whatever folder the app "
            f"was started from. Choose the folder with Browse…."
        )
    if path.exists() and not path.is_dir():
        raise ValueError(f"{path} is a file, not a folder. Choose a folder with Browse….")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ValueError(
            f"Cannot create the folder {path}: {exc.strerror or exc}. Choose another folder with Browse…."
        ) from None
    try:
        with tempfile.NamedTemporaryFile(dir=path, prefix=".canvas-export-manager-", suffix=".tmp"):
            pass
    except OSError as exc:
        raise ValueError(
            f"Cannot write to the folder {path}: {exc.strerror or exc}. Choose a folder you can write to."
        ) from None
    return path


class AppSettings:
    """Typed accessors over one QSettings file. Cheap: reads are cached by Qt."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or config_dir() / "ui.ini"
        self._qs = QSettings(str(self.path), QSettings.Format.IniFormat)
        self._upgrade()

    def _upgrade(self) -> None:
        version = int(self._qs.value("meta/version", 0) or 0)
        # future steps: `if version < 2: rename keys...`
        if version < VERSION:
            self._qs.setValue("meta/version", VERSION)

    def sync(self) -> None:
        self._qs.sync()

    # -- preferences (Settings dialog)
    @property
    def download_dir(self) -> Path:
        """The chosen folder; the default when none is set or the file holds a relative
        path (older versions accepted one, and it meant "wherever the app was started")."""
        value = self._qs.value("downloads/folder", "")
        path = Path(str(value)).expanduser() if value else None
        return path if path is not None and path.is_absolute() else default_download_dir()

    @download_dir.setter
    def download_dir(self, path: Path) -> None:
        self._qs.setValue("downloads/folder", str(path))

    @property
    def max_concurrent(self) -> int:
        from desktop_app.engine.limits import DEFAULT_MAX_CONCURRENT  # the engine's default, one number

        return self._bounded("exports/max_concurrent", DEFAULT_MAX_CONCURRENT, MAX_CONCURRENT_LIMIT)

    @max_concurrent.setter
    def max_concurrent(self, value: int) -> None:
        self._set_bounded("exports/max_concurrent", value, MAX_CONCURRENT_LIMIT)

    @property
    def max_unannounced_gb(self) -> int:
        return self._bounded("downloads/max_unannounced_gb", UNANNOUNCED_GB_DEFAULT, UNANNOUNCED_GB_LIMIT)

    @max_unannounced_gb.setter
    def max_unannounced_gb(self, value: int) -> None:
        self._set_bounded("downloads/max_unannounced_gb", value, UNANNOUNCED_GB_LIMIT)

    def _bounded(self, key: str, default: int, upper: int) -> int:
        """A whole number from 1 to `upper`; a hand-edited file with junk gives `default`."""
        try:
            value = int(self._qs.value(key, default))
        except (TypeError, ValueError):
            value = default
        return max(1, min(upper, value))

    def _set_bounded(self, key: str, value: int, upper: int) -> None:
        self._qs.setValue(key, max(1, min(upper, int(value))))

    @property
    def max_unannounced_size(self) -> int:
        """The setting in bytes, as the engine takes it (GiB: 50 means 50 x 2^30)."""
        return self.max_unannounced_gb * 1024**3

    @property
    def auto_download(self) -> bool:
        return _as_bool(self._qs.value("downloads/auto", True))

    @auto_download.setter
    def auto_download(self, value: bool) -> None:
        self._qs.setValue("downloads/auto", bool(value))

    # -- window state
    def geometry(self, name: str) -> QByteArray | None:
        value = self._qs.value(f"window/{name}")
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def set_geometry(self, name: str, data: QByteArray) -> None:
        self._qs.setValue(f"window/{name}", data)

    # -- last choices
    @property
    def last_extract_dir(self) -> Path | None:
        """The folder the package viewer last extracted into, where its Extract dialog
        starts; None when none was chosen yet or it is gone (the dialog starts at home)."""
        value = self._qs.value("viewer/last_extract_folder", "")
        path = Path(str(value)) if value else None
        return path if path is not None and path.is_absolute() and path.is_dir() else None

    @last_extract_dir.setter
    def last_extract_dir(self, path: Path) -> None:
        self._qs.setValue("viewer/last_extract_folder", str(path))

    # -- last choices, per profile
    def last_context(self, profile: str) -> str | None:
        value = self._qs.value(f"contexts/{_key(profile)}", "")
        return str(value) if value else None

    def set_last_context(self, profile: str, context: str) -> None:
        self._qs.setValue(f"contexts/{_key(profile)}", context)


def _as_bool(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def _key(name: str) -> str:
    """QSettings treats '/' as a group separator; keep profile names flat."""
    return name.replace("/", "_").replace("\\", "_") or "_"
