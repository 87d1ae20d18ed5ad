"""A package opened lazily: the central directory at once, any entry's bytes on demand.

Everything goes through engine/zipcheck.py, so a package the viewer opens passed the same
structural checks as a download: no overlapping entries, at most `MAX_ENTRIES`, declared
sizes within the expansion limits. Reading an entry is bounded (a caller names the most it
will take) and checked: inflating stops at the declared size, and the CRC and length must
match at the end, so an entry whose sizes lie is an error, never a surprise.

Entry names are data, not paths: `safe_parts` turns one into path parts that stay inside a
folder, and `NameProblem`s list those that needed it (`../`, absolute, drive letters).

Thread safety: one `PackageReader` serialises its reads under a lock (zipcheck's window is
one shared buffer). A long job (indexing, extracting) takes its own `clone()`, with its own
file handle and window, so it never holds up a read for the screen.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from zlib_ng import zlib_ng as zlib  # as in zipcheck.py: the same API, faster CRC-32 and inflate

from desktop_app.canvas.errors import CorruptPackageError
from desktop_app.engine.zipcheck import Archive, Entry

MAX_READ = 16 << 20
"""The most one entry read in full may hold (a page, an XML file, a QTI quiz): far above
any of them, small enough that a lying package costs little."""

MAX_PREVIEW = 32 << 20
"""Images and text files larger than this are offered for Extract… instead of shown."""

_HTML_STARTS = (b"<!doctype", b"<html", b"<head", b"<body")


class EntryTooLarge(CorruptPackageError):
    """An entry larger than the reader was asked to take."""


@dataclass(frozen=True)
class NameProblem:
    name: str
    reason: str


_DRIVE = re.compile(r"^[A-Za-z]:")
_WIN_BAD = re.compile('[\x00-\x1f\x7f<>:"|?*]')
_RESERVED = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"} | {
    f"{p}{n}" for p in ("COM", "LPT") for n in "0123456789¹²³"
}


def safe_parts(name: str) -> tuple[tuple[str, ...], str | None]:
    """(path parts that stay inside a folder on any OS, what had to change or None).

    `../x` -> ("x",), `/etc/passwd` -> ("etc", "passwd"), `C:\\x` -> ("x",): the name
    keeps what it can say inside the folder; nothing in it can reach outside.
    """
    reason = None
    text = name.replace("\\", "/")
    if _DRIVE.match(text):
        text, reason = text[2:], "a drive letter"
    if text.startswith("/"):
        reason = reason or "an absolute name"
    parts: list[str] = []
    for raw in text.split("/"):
        if raw in ("", "."):
            continue
        if raw == "..":
            reason = reason or "'..' (a parent folder)"
            continue
        part = _WIN_BAD.sub("_", raw).rstrip(". ")
        if part.split(".")[0].upper() in _RESERVED:
            part = "_" + part
        if not part or part in (".", ".."):
            part = "_"
        if part != raw:
            reason = reason or "characters no file name may hold"
        parts.append(part)
    return tuple(parts), reason


class PackageReader:
    """An open package: `entries` by name (zip order kept), reads bounded and checked."""

    def __init__(self, path: Path | str, *, _shared: "PackageReader | None" = None) -> None:
        self.path = Path(path)
        self._fh: BinaryIO = open(self.path, "rb")
        self._lock = threading.Lock()
        try:
            if _shared is not None:
                self._archive = _shared._archive.with_file(self._fh)
                self.entries, self.problems, self.size = _shared.entries, _shared.problems, _shared.size
                return
            self.size = os.fstat(self._fh.fileno()).st_size
            head = self._fh.read(512)
            stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
            if stripped.startswith(_HTML_STARTS):
                raise CorruptPackageError("This is a web page, not an export package.", detail=repr(head[:16]))
            if not head.startswith(b"PK"):
                raise CorruptPackageError("This file is not an export package (not a zip).", detail=repr(head[:8]))
            try:
                self._archive = Archive(self._fh)
            except (ValueError, OverflowError) as err:
                raise CorruptPackageError(
                    "The package is damaged: its zip structure cannot be read.", detail=str(err)
                ) from err
            self.entries: dict[str, Entry] = {}
            self.problems: list[NameProblem] = []
            for entry in self._archive.entries:
                if entry.name in self.entries:
                    self.problems.append(NameProblem(entry.name, "listed twice (the first one is used)"))
                    continue
                self.entries[entry.name] = entry
                _, reason = safe_parts(entry.name)
                if reason:
                    self.problems.append(
                        NameProblem(entry.name, f"its name holds {reason}; it is never used as a path")
                    )
        except BaseException:
            self._fh.close()
            raise

    # -- life
    def clone(self) -> "PackageReader":
        """The same package through a second handle: for work that reads a lot."""
        return PackageReader(self.path, _shared=self)

    def close(self) -> None:
        self._fh.close()

    def __enter__(self) -> "PackageReader":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- lookups
    def entry(self, name: str) -> Entry | None:
        return self.entries.get(name)

    def files(self) -> Iterator[Entry]:
        """Every entry that is a file (not a folder record)."""
        return (e for e in self.entries.values() if not e.name.endswith("/"))

    @property
    def total_size(self) -> int:
        return sum(e.size for e in self.files())

    # -- reading
    def read(self, entry: Entry | str, limit: int = MAX_READ) -> bytes:
        """The entry's bytes, checked; EntryTooLarge when it declares more than `limit`."""
        entry = self._resolve(entry)
        if entry.size > limit:
            raise EntryTooLarge(
                f"'{entry.name}' is too large to read here ({entry.size:,} bytes).",
                detail=f"{entry.name}: {entry.size} > {limit}",
            )
        out = bytearray()
        with self._lock:
            crc = 0
            for piece in self._archive.pieces(entry):
                out += piece
                crc = zlib.crc32(piece, crc)
        _check(entry, crc, len(out))
        return bytes(out)

    def check_entries(self) -> None:
        """Check every entry's data against its CRC and declared size, reading the whole
        package once (in zipcheck's flat window, never more than a piece in memory).

        Raises CorruptPackageError naming the first entry that fails. Opening checks only
        the structure; this is the full check `canvas-exports inspect` runs, and what a
        caller uses before trusting a package it did not download itself.
        """
        with self._lock:
            self._archive.check_entries()

    def copy(self, entry: Entry | str, sink: BinaryIO) -> int:
        """Write the entry into `sink` piece by piece; raises (after writing) if its CRC or
        length is wrong, so the caller removes what it wrote. Returns the bytes written."""
        entry = self._resolve(entry)
        crc = size = 0
        with self._lock:
            for piece in self._archive.pieces(entry):
                sink.write(piece)
                crc, size = zlib.crc32(piece, crc), size + len(piece)
        _check(entry, crc, size)
        return size

    def _resolve(self, entry: Entry | str) -> Entry:
        if isinstance(entry, Entry):
            return entry
        found = self.entries.get(entry)
        if found is None:
            raise CorruptPackageError(f"The package has no '{entry}'.", detail=entry)
        return found


def _check(entry: Entry, crc: int, size: int) -> None:
    if crc != entry.crc or size != entry.size:
        raise CorruptPackageError(
            f"The package is damaged: '{entry.name}' fails its checksum.",
            detail=f"{entry.name}: CRC {crc:08x}/{size}, expected {entry.crc:08x}/{entry.size}",
        )
