"""Is this file really the package Canvas promised? Checked before it is called done.

* its size equals `attachment.size` (a short or padded file is not the package);
* it is not an HTML page (a login or SSO page served with a 200 is the classic trap);
* it is a valid zip: the central directory reads, and every entry's CRC matches
  (`ZipFile.testzip` streams each member, so memory stays flat);
* a `.imscc` (Common Cartridge) contains `imsmanifest.xml` at its root;
* its SHA-256 is computed (streaming) and returned, so the store can record it and a
  user can compare it later.

Blocking and CPU/disk bound: the engine runs it in a worker thread.
"""

from __future__ import annotations

import hashlib
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from desktop_app.canvas.errors import CorruptPackageError, LoginPageError, SizeMismatchError

_HTML_STARTS = (b"<!doctype", b"<html", b"<head", b"<body", b"<?xml", b"<meta", b"<script")


@dataclass(frozen=True)
class VerifiedPackage:
    size: int
    sha256: str
    entries: int


def sha256_of(path: Path, chunk_size: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk_size):
            digest.update(block)
    return digest.hexdigest()


def verify_package(path: Path, expected_size: int | None, *, name: str | None = None) -> VerifiedPackage:
    """Raise a PackageError subclass (with a plain message) unless `path` is a sound package.

    `name` is the file's final name (the `.part` path does not tell its extension).
    """
    name = name or path.name
    size = path.stat().st_size
    with open(path, "rb") as fh:
        head = fh.read(512)
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if stripped.startswith(_HTML_STARTS):
        raise LoginPageError(
            "Canvas sent a web page instead of the package (usually a login page): "
            "check the token and try again."
        )
    if expected_size and size != expected_size:
        raise SizeMismatchError(
            f"The package has {size} bytes but Canvas announced {expected_size}.",
            detail=f"size {size}, expected {expected_size}",
        )
    if not head.startswith(b"PK"):
        raise CorruptPackageError("The downloaded file is not a zip package.", detail=repr(head[:8]))
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            bad = archive.testzip()
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError) as err:
        raise CorruptPackageError("The package is damaged: its zip structure cannot be read.", detail=str(err)) from err
    if bad is not None:
        raise CorruptPackageError(f"The package is damaged: '{bad}' fails its checksum.", detail=f"CRC error in {bad}")
    if name.lower().endswith(".imscc") and "imsmanifest.xml" not in names:
        raise CorruptPackageError(
            "The Common Cartridge has no imsmanifest.xml, so no LMS could import it.",
            detail=f"{len(names)} entries",
        )
    return VerifiedPackage(size=size, sha256=sha256_of(path), entries=len(names))
