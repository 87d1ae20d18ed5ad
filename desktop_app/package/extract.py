"""Entries of a package written into a folder, and never anywhere else.

- A name is never used as a path as it is: `safe_parts` (reader.py) drops `..`, leading
  slashes and drive letters, and replaces what no file name may hold, so `../../x`
  lands as `x` inside the folder.
- Nothing is followed: each folder on the way is opened relative to its parent with
  `O_NOFOLLOW | O_DIRECTORY` (POSIX `dir_fd`), so a symlink planted in the target
  folder, or created while extracting, is refused rather than written through. Where the
  OS has no `dir_fd` (Windows), each folder is checked with `lstat` before use.
- Nothing is overwritten: files are created with `O_EXCL`; a taken name becomes
  `name (2).ext` (like the downloads), and the result says so.
- Every byte is checked: an entry whose CRC or length is wrong is removed again and
  reported, the others carry on.
"""

from __future__ import annotations

import os
import stat
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from desktop_app.canvas.errors import CorruptPackageError
from desktop_app.engine.partfile import numbered
from desktop_app.package.reader import PackageReader, safe_parts

MAX_NUMBERED = 999
MAX_OPEN_FOLDERS = 32
"""Folder descriptors kept open while extracting, the most recently used: one per folder
of the package ran out of descriptors (macOS allows a process 256 by default, Linux 1024)
in a course with that many folders."""
_FLAGS = (
    os.O_WRONLY
    | os.O_CREAT
    | os.O_EXCL
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_BINARY", 0)
    | getattr(os, "O_CLOEXEC", 0)
)
_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
_DIR_FD = os.open in os.supports_dir_fd and os.mkdir in os.supports_dir_fd


class ExtractError(OSError):
    """The target folder cannot be used (not a folder, a link on the way, not writable)."""


@dataclass
class ExtractResult:
    written: list[Path] = field(default_factory=list)
    renamed: list[tuple[str, Path]] = field(default_factory=list)  # entry name -> the new name it got
    skipped: list[tuple[str, str]] = field(default_factory=list)  # entry name -> why
    bytes: int = 0

    def summary(self, where: str = "") -> str:
        """ "3 files extracted, 1 under a new name …"; `where` (" into ~/x") follows "extracted"."""
        parts = [f"{len(self.written)} file{'s' if len(self.written) != 1 else ''} extracted{where}"]
        if self.renamed:
            parts.append(f"{len(self.renamed)} under a new name (a file of that name was there)")
        if self.skipped:
            parts.append(f"{len(self.skipped)} skipped")
        return ", ".join(parts) + "."


def relative_parts(name: str, strip: str = "") -> tuple[str, ...]:
    """Where an entry goes inside the folder: its safe parts, without the `strip` folder."""
    parts, _ = safe_parts(name)
    prefix, _ = safe_parts(strip) if strip else ((), None)
    if prefix and parts[: len(prefix)] == prefix:
        parts = parts[len(prefix) :]
    return parts


def extract(
    reader: PackageReader,
    names: Iterable[str],
    dest: Path,
    *,
    strip: str = "",
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> ExtractResult:
    """Write the named entries into `dest` (created if missing, never followed if a link).
    `strip`: a folder of the package the entries are taken relative to."""
    result = ExtractResult()
    names = list(names)
    dest = Path(dest)
    try:
        dest.mkdir(parents=True, exist_ok=True)
        info = os.lstat(dest)
    except OSError as err:
        raise ExtractError(err.errno, f"The folder {dest} cannot be used: {err.strerror or err}") from err
    if not stat.S_ISDIR(info.st_mode):
        raise ExtractError(f"{dest} is not a folder (or it is a link to one).")
    with _Folder.open_root(dest) as root:
        for done, name in enumerate(names, start=1):
            if cancelled is not None and cancelled():
                result.skipped.append((name, "cancelled"))
                continue
            parts = relative_parts(name, strip)
            entry = reader.entry(name)
            if entry is None:
                result.skipped.append((name, "not in the package"))
            elif not parts:
                result.skipped.append((name, "its name says nothing usable"))
            else:
                try:
                    folder = root.descend(parts[:-1] if not name.endswith("/") else parts)
                    if not name.endswith("/"):
                        _write(reader, entry, folder, parts[-1], name, result)
                except _Refused as err:
                    result.skipped.append((name, str(err)))
            if progress is not None:
                progress(done, len(names))
    return result


class _Refused(Exception):
    pass


def _write(reader: PackageReader, entry, folder: "_Folder", base: str, name: str, result: ExtractResult) -> None:  # type: ignore[no-untyped-def]
    for n in range(1, MAX_NUMBERED + 1):
        candidate = numbered(base, n)
        try:
            fd = folder.create(candidate)
        except FileExistsError:
            continue
        path = folder.path / candidate
        try:
            with os.fdopen(fd, "wb") as sink:
                result.bytes += reader.copy(entry, sink)
        except CorruptPackageError as err:
            folder.remove(candidate)
            result.skipped.append((name, err.args[0] if err.args else "damaged"))
            return
        except BaseException:
            folder.remove(candidate)
            raise
        result.written.append(path)
        if n > 1:
            result.renamed.append((name, path))
        return
    raise _Refused(f"{MAX_NUMBERED} files of that name are already there")


class _Folder:
    """A folder reached without following links: a directory fd where the OS allows."""

    def __init__(
        self, path: Path, fd: int | None, cache: "OrderedDict[tuple[str, ...], _Folder]", parts: tuple[str, ...]
    ) -> None:
        self.path, self.fd, self._cache, self._parts = path, fd, cache, parts

    @classmethod
    def open_root(cls, path: Path) -> "_Folder":
        fd = os.open(path, _DIR_FLAGS) if _DIR_FD else None
        return cls(path, fd, OrderedDict(), ())

    def __enter__(self) -> "_Folder":
        return self

    def __exit__(self, *exc: object) -> None:
        for folder in [*self._cache.values(), self]:
            folder.close()

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def descend(self, parts: tuple[str, ...]) -> "_Folder":
        """The folder at `parts`, each step opened from the one before (never by path).
        At most MAX_OPEN_FOLDERS stay open, the least recently used closed first; the
        folder returned and its parent are the two most recent, so neither is closed here."""
        folder = self
        for index in range(len(parts)):
            key = parts[: index + 1]
            cached = self._cache.get(key)
            if cached is None:
                cached = folder._child(parts[index], key)
                self._cache[key] = cached
                while len(self._cache) > MAX_OPEN_FOLDERS:
                    self._cache.popitem(last=False)[1].close()
            else:
                self._cache.move_to_end(key)
            folder = cached
        return folder

    def _child(self, part: str, key: tuple[str, ...]) -> "_Folder":
        path = self.path / part
        try:
            if self.fd is not None:
                try:
                    os.mkdir(part, 0o755, dir_fd=self.fd)
                except FileExistsError:
                    pass
                fd = os.open(part, _DIR_FLAGS, dir_fd=self.fd)  # ELOOP/ENOTDIR for a link or a file
                return _Folder(path, fd, self._cache, key)
            try:
                os.mkdir(path, 0o755)
            except FileExistsError:
                pass
            info = os.lstat(path)
            if not stat.S_ISDIR(info.st_mode) or stat.S_ISLNK(info.st_mode) or getattr(info, "st_reparse_tag", 0):
                raise _Refused(f"'{'/'.join(key)}' in the folder is not a plain folder (a link or a file)")
            return _Folder(path, None, self._cache, key)
        except OSError as err:
            raise _Refused(f"'{'/'.join(key)}' in the folder is not a plain folder ({err.strerror or err})") from err

    def create(self, name: str) -> int:
        if self.fd is not None:
            return os.open(name, _FLAGS, 0o644, dir_fd=self.fd)
        return os.open(self.path / name, _FLAGS, 0o644)

    def remove(self, name: str) -> None:
        try:
            if self.fd is not None:
                os.unlink(name, dir_fd=self.fd)
            else:
                os.unlink(self.path / name)
        except OSError:
            pass
