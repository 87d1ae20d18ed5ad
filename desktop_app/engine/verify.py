"""Is this file really the package Canvas promised? Checked before it is called done.

* its size equals `attachment.size` (a short or padded file is not the package);
* it is not an HTML page (a login or SSO page served with a 200 is the classic trap);
* it is a valid zip and no zip bomb: the layout and declared sizes are checked first,
  then every entry's CRC and size, reading the file through one reused window so memory
  stays flat whatever the package's size (zipcheck.py says how, and why not `zipfile`),
  except the entries whose CRC the download computed as it wrote them;
* a `.imscc` (Common Cartridge) contains `imsmanifest.xml` at its root, and it is
  well-formed XML, parsed with defusedxml (no entity expansion, no external entities);
* its SHA-256 is returned, so the store can record it and a user can compare it later:
  the caller's digest when it computed one while writing the file, else read here.

Blocking and CPU/disk bound: the engine runs it in a worker thread.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from desktop_app.canvas.errors import CorruptPackageError, LoginPageError, SizeMismatchError
from desktop_app.engine.zipcheck import Archive, Entry, StreamedEntries, open_archive

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


MAX_MANIFEST_BYTES = 16 << 20
"""16 MiB: a cartridge's manifest lists every resource in a few hundred bytes each, so
the largest course stays far below it; it bounds what parsing one XML file can cost."""


class _WellFormedOnly:
    """A parser target that keeps nothing: the manifest is only checked, so memory stays
    flat however large it is."""


def manifest_entry(archive: Archive) -> Entry:
    """A Common Cartridge's imsmanifest.xml, refused when missing or larger than any
    manifest can be (before the rest of the package is read)."""
    entry = archive.find("imsmanifest.xml")
    if entry is None:
        raise CorruptPackageError(
            "The Common Cartridge has no imsmanifest.xml, so no LMS could import it.",
            detail=f"{len(archive.entries)} entries",
        )
    if entry.size > MAX_MANIFEST_BYTES:
        raise CorruptPackageError(
            f"The package is not a valid export: its imsmanifest.xml declares {entry.size:,} bytes, "
            f"more than the {MAX_MANIFEST_BYTES:,} a manifest can need.",
            detail=f"imsmanifest.xml: {entry.size} bytes",
        )
    return entry


def check_manifest(archive: Archive, entry: Entry) -> None:
    """Refuse a manifest that is not well-formed XML. defusedxml refuses entity
    declarations (a billion-laughs manifest) and external entities instead of expanding
    or fetching them; the parse is fed piece by piece and builds no tree."""
    parser = DefusedXMLParser(target=_WellFormedOnly())
    try:
        for piece in archive.pieces(entry):
            parser.feed(piece)
        parser.close()
    except (ParseError, DefusedXmlException) as err:
        raise CorruptPackageError(
            "The package is not a valid export: its imsmanifest.xml is not plain, well-formed XML.",
            detail=f"imsmanifest.xml: {type(err).__name__}: {err}",
        ) from err


def verify_package(
    path: Path,
    expected_size: int | None,
    *,
    name: str | None = None,
    sha256: str | None = None,
    streamed: StreamedEntries | None = None,
) -> VerifiedPackage:
    """Raise a PackageError subclass (with a plain message) unless `path` is a sound package.

    `name` is the file's final name (the `.part` path does not tell its extension).
    `sha256` is the digest when the caller already has it (computed while the file was
    written): the file is then read once, for the zip check, instead of twice.
    `streamed` holds the entries' CRCs, computed as the file was written: those
    the central directory confirms are not read back (zipcheck.py).
    """
    name = name or path.name
    size = path.stat().st_size
    with open(path, "rb") as fh:
        head = fh.read(512)
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if stripped.startswith(_HTML_STARTS):
        raise LoginPageError(
            "Canvas sent a web page instead of the package (usually a login page): check the token and try again."
        )
    if expected_size and size != expected_size:
        raise SizeMismatchError(
            f"The package has {size} bytes but Canvas announced {expected_size}.",
            detail=f"size {size}, expected {expected_size}",
        )
    if not head.startswith(b"PK"):
        raise CorruptPackageError("The downloaded file is not a zip package.", detail=repr(head[:8]))
    with open_archive(path) as archive:
        manifest = manifest_entry(archive) if name.lower().endswith(".imscc") else None
        archive.check_entries(streamed)
        if manifest is not None:
            check_manifest(archive, manifest)
        entries = len(archive.entries)
    return VerifiedPackage(size=size, sha256=sha256 or sha256_of(path), entries=entries)
