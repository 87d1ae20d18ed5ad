"""Is this file really the package Canvas promised? Checked before it is called done.

* its size equals `attachment.size` (a short or padded file is not the package);
* it is not an HTML page (a login or SSO page served with a 200 is the classic trap);
* it is a valid zip: the central directory reads, and every entry's CRC and size match
  (streamed in 1 MiB pieces, so memory stays flat; see `first_bad_entry` for why not
  `ZipFile.testzip`);
* a `.imscc` (Common Cartridge) contains `imsmanifest.xml` at its root;
* its SHA-256 is computed (streaming) and returned, so the store can record it and a
  user can compare it later.

Blocking and CPU/disk bound: the engine runs it in a worker thread.
"""

from __future__ import annotations

import hashlib
import lzma
import mmap
import struct
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


_LOCAL_HEADER = struct.Struct("<4s5HL2L2H")
"""signature, version, flags, method, time, date, crc, compressed and real size, name and
extra lengths: the fixed part of a zip entry's local header."""
_PIECE = 1 << 20


def first_bad_entry(archive: zipfile.ZipFile, path: Path) -> str | None:
    """The name of the first entry whose data does not match its CRC and size, else None.

    Why not `archive.testzip()`: it pushes every entry through `ZipExtFile`, about 20 us
    of Python per entry while holding the GIL. A cartridge has hundreds of small files,
    and the engine verifies in a worker thread while its event loop serves 50 jobs: that
    Python time is taken from the loop (bench_engine_loop.py). Here each entry costs a
    few Python operations, and the work (inflate, CRC) runs in zlib, which releases the
    GIL; half the time of `testzip` in all. Deflated and stored entries (all Canvas
    writes) are checked this way; any other method goes through zipfile.
    """
    with open(path, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
        view = memoryview(data)
        try:
            for info in archive.infolist():
                if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) or info.flag_bits & 0x1:
                    if not _zipfile_checks(archive, info):
                        return info.filename
                    continue
                try:
                    signature, *_, name_length, extra_length = _LOCAL_HEADER.unpack_from(data, info.header_offset)
                except struct.error:
                    return info.filename  # the header lies beyond the end of the file
                if signature != b"PK\x03\x04":
                    return info.filename
                start = info.header_offset + _LOCAL_HEADER.size + name_length + extra_length
                with view[start:start + info.compress_size] as body:
                    crc, size = _inflate_crc(body, info.compress_type)
                if crc != info.CRC or size != info.file_size:
                    return info.filename
        finally:
            view.release()
    return None


def _inflate_crc(body: memoryview, method: int) -> tuple[int, int]:
    """(CRC-32, length) of an entry's real bytes; the length is -1 when the compressed
    stream is cut short or damaged."""
    if method == zipfile.ZIP_STORED:
        return zlib.crc32(body), len(body)
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    crc = size = 0
    try:
        piece = inflater.decompress(body, _PIECE)
        while piece:
            crc, size = zlib.crc32(piece, crc), size + len(piece)
            piece = inflater.decompress(inflater.unconsumed_tail, _PIECE)
    except zlib.error:
        return crc, -1
    return crc, size if inflater.eof else -1


def _zipfile_checks(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """zipfile's own check of one entry (another compression method; an encrypted entry
    raises RuntimeError, which the caller reports as damaged). Each decompressor has its
    own way of saying the data is damaged: bz2 raises OSError, lzma LZMAError."""
    try:
        with archive.open(info) as member:
            while member.read(_PIECE):
                pass
    except (zipfile.BadZipFile, EOFError, OSError, lzma.LZMAError):
        return False
    return True


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
            bad = first_bad_entry(archive, path)
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
