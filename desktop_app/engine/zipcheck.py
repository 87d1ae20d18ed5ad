"""A zip package checked in flat memory, with zip bombs refused before they cost anything.

Order of the checks, cheapest first, so a hostile file is refused after a few reads:

1. the end record: how many entries, where the central directory is;
2. the central directory, read record by record and counted as it is read;
3. the layout: sorted by offset, each entry's header and data end before the next entry
   begins (several records pointing at the same bytes is the classic overlapping bomb),
   the last before the central directory;
4. the declared sizes against the package's own size;
5. then only, each entry's data: read through one reused window of the file, inflated in
   pieces of at most `PIECE` bytes, its CRC and length compared with the central
   directory's; inflating stops as soon as the output exceeds the declared size.

Step 5 need not read the file back for a stored or deflated entry whose CRC was computed
as the download wrote it (`StreamedEntries`, fed the package's bytes in order): that CRC
stands in for the read-back only where the central directory, after steps 1 to 4,
confirms the entry's offset, method, sizes and CRC, and its data ends before the next
entry. Anything else (bzip2, LZMA, a data descriptor, a mismatch) is read back as before.

Why not `zipfile`: `ZipFile` builds a `ZipInfo` for every record before anything can be
counted, `testzip` costs about 20 us of Python per entry while holding the GIL (taken from
the engine's event loop, bench_engine_loop.py), and its bzip2 and LZMA readers decompress
each read with no output limit (a few KiB of bzip2 can expand to gigabytes in one call).
Here each entry costs a few Python operations and the bulk of the work (read, inflate,
CRC) runs in C code that releases the GIL.
"""

from __future__ import annotations

import bz2
import lzma
import os
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from operator import attrgetter
from pathlib import Path
from typing import Callable, NamedTuple, Protocol, cast

# zlib-ng, not the system zlib: the same formats and API, with CRC-32 in carry-less
# multiply instructions and a faster inflate. Every byte of a package passes through one
# or both while it downloads; per GiB on the benchmark VM, CRC-32 costs 0.03 s instead of
# 0.19 s, and inflating deflated media (what Canvas's zips hold) 0.13 s instead of 0.34 s.
from zlib_ng import zlib_ng as zlib

from desktop_app.canvas.errors import CorruptPackageError

MAX_ENTRIES = 200_000
"""A course export has one entry per file, page, assignment and quiz part: a few thousand
for a big course, tens of thousands for the biggest. 200,000 leaves that room ten times
over while it bounds what a hostile central directory can cost: about half a second of
parsing and some tens of MB of entry list."""

MAX_EXPANSION_RATIO = 50
"""The most a package's entries may add up to, as a multiple of the package's own size.
Course content (HTML, XML, already-compressed media) shrinks 1x to 10x in a zip; a zip
bomb needs hundreds or thousands."""

EXPANSION_ALLOWANCE = 64 << 20
"""The ratio only counts above this total: a small cartridge of near-empty pages can pass
50x (its XML repeats itself), and inflating 64 MiB costs about a tenth of a second."""

MAX_UNCOMPRESSED_TOTAL = 64 << 30
"""64 GiB: above any course export Canvas produces (course quotas are counted in GB), and
checking that much is about a minute of zlib."""

WINDOW = 4 << 20
"""Bytes of the file read at a time, into one buffer reused for the whole check: a few
large reads for the disk, and the memory a check needs whatever the package's size."""

PIECE = 1 << 20
"""The most bytes one decompress call may return: memory per entry stays at this."""

FEED = 64 << 10
"""Compressed bytes handed to one decompress call. zlib copies the input it could not use
yet (when the output reached `PIECE`) into `unconsumed_tail`; a small feed keeps that copy
small however well the data compresses."""

_STORED, _DEFLATED, _BZIP2, _LZMA = 0, 8, 12, 14
_ENCRYPTED = 0x1
_DATA_DESCRIPTOR = 0x8
_LZMA_END_MARKER = 0x2
_UTF8_NAME = 0x800
_OVERFLOW = 0xFFFFFFFF  # a 32-bit field whose real value is in the zip64 extra field

_END = struct.Struct("<4s4H2LH")
"""End of central directory: signature, disk numbers (2), entries on this disk and in
all, central directory size and offset, comment length."""
_END64_LOCATOR = struct.Struct("<4sLQL")
"""Zip64 end locator, just before the end record: signature, disk, zip64 end offset, disks."""
_END64 = struct.Struct("<4sQ2H2L4Q")
"""Zip64 end of central directory: signature, record size, versions (2), disk numbers
(2), entries on this disk and in all, central directory size and offset."""
_CENTRAL = struct.Struct("<4s6H3L5H2L")
"""Central directory record: signature, versions (2), flags, method, time, date, CRC,
compressed and real size, name, extra and comment lengths, disk, internal and external
attributes, local header offset."""
_LOCAL = struct.Struct("<4s5H3L2H")
"""Local header: signature, version, flags, method, time, date, CRC, compressed and real
size, name and extra lengths."""


class Entry(NamedTuple):
    """One central directory record: what the entry claims to be."""

    name: str
    offset: int  # of its local header
    method: int
    flags: int
    crc: int
    compressed: int
    size: int
    name_length: int  # in bytes: where its data starts at the earliest


class Streamed(NamedTuple):
    """An entry as the download wrote it: where its local header put its data, and the
    CRC and length of the real (inflated) data that followed."""

    data_start: int
    method: int
    compressed: int
    crc: int
    size: int


class _EntryData:
    """The CRC and length of one stored or deflated entry's real data, fed its compressed
    bytes; inflating stops for good at the first byte past the declared size, or at
    damaged data (`failed`: the read-back then decides, with the central directory)."""

    def __init__(self, method: int, declared: int) -> None:
        self._decompressor = _DECOMPRESSORS[_DEFLATED]() if method == _DEFLATED else None
        self._declared = declared
        self.crc = self.size = 0
        self.failed = False

    @property
    def complete(self) -> bool:
        return not self.failed and (self._decompressor is None or self._decompressor.eof)

    def feed(self, data: memoryview) -> None:
        if self.failed:
            return
        if self._decompressor is None:
            self._add(data)
            return
        try:
            for at in range(0, len(data), FEED):
                for piece in _inflate_span(self._decompressor, data[at : at + FEED], self._declared - self.size):
                    self._add(piece)
                    if self.failed:
                        return  # before the generator is asked for more
        except _DAMAGE:
            self.failed = True

    def _add(self, piece: bytes | memoryview) -> None:
        self.size += len(piece)
        self.failed = self.failed or self.size > self._declared
        self.crc = zlib.crc32(piece, self.crc)


class StreamedEntries:
    """The CRC of every stored or deflated entry, computed from the package's bytes as
    they are written (fed in file order from byte 0), so that verification need not read
    them back.

    It follows the local headers: header, data, next header. It stops for good at the
    first thing that is not a local header (the central directory, a data descriptor whose
    sizes come only after the data, garbage): what was recorded until then stays, the rest
    is read back. bzip2 and LZMA entries are skipped (read back). Nothing here is trusted
    by itself: `Archive.check_entries` uses a record only where the central directory
    agrees with it. The zip-bomb bounds hold here too: at most `MAX_ENTRIES` headers, no
    entry inflated past the size its local header declares, and no more inflated in all
    than `expansion_limit` allows for the announced size (nothing when the size is not
    announced). A header is at most 30 + 2 x 65,535 bytes."""

    def __init__(self, package_size: int | None) -> None:
        self.entries: dict[int, Streamed] = {}
        """By local header offset."""
        self._offset = 0  # of the next byte fed
        self._header = bytearray()
        self._entry_offset = self._data_start = self._remaining = self._method = 0
        self._data: _EntryData | None = None
        self._inflate_left = expansion_limit(package_size) if package_size else 0
        self._headers_seen = 0
        self._stopped = False

    def feed(self, data: bytes | bytearray | memoryview) -> None:
        """The next bytes of the package."""
        view = memoryview(data)
        while view and not self._stopped:
            if self._remaining:
                view = self._feed_data(view)
            else:
                view = self._feed_header(view)

    def _feed_data(self, view: memoryview) -> memoryview:
        take = view[: self._remaining]
        if self._data is not None:
            self._data.feed(take)
        self._remaining -= len(take)
        self._offset += len(take)
        if not self._remaining:
            self._end_entry()
        return view[len(take) :]

    def _feed_header(self, view: memoryview) -> memoryview:
        """Gather the local header (fixed part, then name and extra field) across pieces."""
        take = view[: self._header_length() - len(self._header)]
        self._header += take
        self._offset += len(take)
        if len(self._header) >= _LOCAL.size:
            if self._header[:4] != b"PK\x03\x04":
                self._stopped = True  # the central directory (or anything else): nothing more to follow
            elif len(self._header) == self._header_length():
                self._start_entry()
        return view[len(take) :]

    def _header_length(self) -> int:
        """The local header's length, as far as it is known: its fixed part, then (once
        that has arrived) with its name and extra field."""
        if len(self._header) < _LOCAL.size:
            return _LOCAL.size
        *_, name_length, extra_length = _LOCAL.unpack_from(self._header)
        return _LOCAL.size + int(name_length) + int(extra_length)

    def _start_entry(self) -> None:
        (_, _, flags, method, _, _, _, compressed, size, name_length, _) = _LOCAL.unpack_from(self._header)
        sizes = self._local_sizes(flags, size, compressed, name_length)
        self._headers_seen += 1
        if sizes is None or self._headers_seen > MAX_ENTRIES:
            # Where the data ends (hence the next header) is unknown, or this is no
            # course export: parsing more headers would only cost time.
            self._stopped = True
            return
        size, compressed = sizes
        self._entry_offset = self._offset - len(self._header)
        self._data_start, self._remaining, self._method = self._offset, compressed, method
        self._data = self._entry_data(flags, method, compressed, size)
        self._header.clear()
        if not self._remaining:
            self._end_entry()

    def _local_sizes(self, flags: int, size: int, compressed: int, name_length: int) -> tuple[int, int] | None:
        """The entry's (real, compressed) sizes per its local header, from the zip64 extra
        field when a field overflows; None with a data descriptor (the sizes follow the
        data) or an unreadable zip64 field."""
        if flags & _DATA_DESCRIPTOR:
            return None
        if _OVERFLOW not in (size, compressed):
            return size, compressed
        try:
            size, compressed, _ = _zip64_values(
                memoryview(self._header)[_LOCAL.size + name_length :], size, compressed, 0
            )
        except (CorruptPackageError, struct.error):
            return None
        return size, compressed

    def _entry_data(self, flags: int, method: int, compressed: int, size: int) -> _EntryData | None:
        """What will compute the entry's CRC, or None when it is left to the read-back."""
        if flags & _ENCRYPTED:
            return None
        if method == _STORED:
            return _EntryData(method, compressed)
        if method == _DEFLATED and size <= self._inflate_left:
            self._inflate_left -= size
            return _EntryData(method, size)
        return None

    def _end_entry(self) -> None:
        data = self._data
        if data is not None and data.complete:
            self.entries[self._entry_offset] = Streamed(
                self._data_start, self._method, self._offset - self._data_start, data.crc, data.size
            )


class PackageFile(Protocol):
    """A package opened for reading (`open(path, "rb")`): what the checks use of it."""

    def fileno(self) -> int: ...

    def seek(self, offset: int, whence: int = ..., /) -> int: ...

    def readinto(self, buffer: bytearray, /) -> int | None: ...


class _Decompressor(Protocol):
    """What zlib, bz2 and lzma decompressors have in common."""

    @property
    def eof(self) -> bool: ...

    def decompress(self, data: bytes | memoryview, max_length: int) -> bytes: ...


def _damaged(detail: str) -> CorruptPackageError:
    return CorruptPackageError("The package is damaged: its zip structure cannot be read.", detail=detail)


def _refused(reason: str) -> CorruptPackageError:
    return CorruptPackageError(f"The package is not a valid export: {reason}.", detail=reason)


def _bad_entry(entry: Entry, detail: str) -> CorruptPackageError:
    return CorruptPackageError(
        f"The package is damaged: '{entry.name}' fails its checksum.", detail=f"{entry.name}: {detail}"
    )


def _uncheckable_entry(entry: Entry, what: str) -> CorruptPackageError:
    """An entry whose bytes this app cannot read: it says what the entry is, since its
    bytes may well be sound (it is no checksum failure)."""
    return CorruptPackageError(f"The package cannot be checked: '{entry.name}' {what}.", detail=f"{entry.name}: {what}")


class _Window:
    """Bytes of the file through one reused buffer of `WINDOW` bytes. The checks read
    forward, so most requests are served from the buffer; a request that is not reads
    the next `WINDOW` bytes from its start. A returned view is valid until the next call."""

    def __init__(self, fh: PackageFile) -> None:
        self._fh = fh
        self._buffer = bytearray(WINDOW)
        self._view = memoryview(self._buffer)
        self._start = self._length = 0

    def read(self, start: int, length: int) -> memoryview:
        """Exactly `length` (at most `WINDOW`) bytes from `start`."""
        offset = start - self._start
        if offset < 0 or offset + length > self._length:
            self._fh.seek(start)
            self._start, self._length, offset = start, self._fh.readinto(self._buffer) or 0, 0
        if offset + length > self._length:
            raise _damaged(f"{length} bytes at {start} lie beyond the end of the file")
        return self._view[offset : offset + length]

    def spans(self, start: int, length: int, step: int) -> Iterator[memoryview]:
        """`length` bytes from `start`, in views of at most `step` bytes."""
        end = start + length
        while start < end:
            size = min(step, end - start)
            yield self.read(start, size)
            start += size


class Archive:
    """An open package whose layout passed the checks: `entries` in file order, none
    overlapping, their declared sizes within the limits."""

    def __init__(self, fh: PackageFile) -> None:
        size = os.fstat(fh.fileno()).st_size
        self._window = _Window(fh)
        count, directory_start, directory_end = _central_directory(self._window, size)
        if count > MAX_ENTRIES:
            raise _refused(f"it lists {count:,} entries, more than the {MAX_ENTRIES:,} a course export can have")
        entries = _records(self._window, directory_start, directory_end)
        if len(entries) != count:
            raise _damaged(f"the central directory holds {len(entries)} entries, its end record says {count}")
        entries.sort(key=attrgetter("offset"))
        self._next_start = _next_starts(entries, directory_start)
        _check_expansion(entries, size)
        self.entries = entries

    def with_file(self, fh: PackageFile) -> "Archive":
        """The same checked layout read through another handle of the same file (and its
        own window): for a second thread, since a window is one shared buffer."""
        twin = object.__new__(Archive)
        twin._window, twin._next_start, twin.entries = _Window(fh), self._next_start, self.entries
        return twin

    def find(self, name: str) -> Entry | None:
        return next((entry for entry in self.entries if entry.name == name), None)

    def check_entries(self, streamed: StreamedEntries | None = None) -> None:
        """Raise unless every entry's data matches its CRC and declared size. An entry
        whose CRC was `streamed` as the file was written, and whose record there agrees
        with the central directory, is not read back."""
        for entry in self.entries:
            if streamed is not None and self._confirmed(entry, streamed.entries.get(entry.offset)):
                continue
            crc = size = 0
            try:
                for piece in self._pieces(entry):
                    crc, size = zlib.crc32(piece, crc), size + len(piece)
            except _DAMAGE as err:
                raise _bad_entry(entry, str(err) or type(err).__name__) from err
            if crc != entry.crc or size != entry.size:
                raise _bad_entry(entry, f"CRC {crc:08x} and {size} bytes, expected {entry.crc:08x} and {entry.size}")

    def _confirmed(self, entry: Entry, streamed: Streamed | None) -> bool:
        """Does the central directory confirm what was streamed for this entry: same
        method, sizes and CRC, data starting where its local header said and ending
        before the next entry (the checks `_data_span` makes when it reads the entry
        back; for a stored entry, equal sizes follow from the real size being the bytes
        that were streamed)?"""
        return (
            streamed is not None
            and not entry.flags & _ENCRYPTED
            and streamed.method == entry.method
            and streamed.compressed == entry.compressed
            and streamed.size == entry.size
            and streamed.crc == entry.crc
            and streamed.data_start + streamed.compressed <= self._next_start[entry.offset]
        )

    def pieces(self, entry: Entry) -> Iterator[bytes | memoryview]:
        """The entry's real bytes in pieces (each valid until the next is asked for); a
        damaged stream, or one longer than the entry declares, raises. The CRC is the
        caller's to check."""
        try:
            yield from self._pieces(entry)
        except _DAMAGE as err:
            raise _bad_entry(entry, str(err) or type(err).__name__) from err

    def _pieces(self, entry: Entry) -> Iterator[bytes | memoryview]:
        if entry.flags & _ENCRYPTED:
            raise _uncheckable_entry(entry, "is encrypted")
        start, length = self._data_span(entry)
        if entry.method == _STORED:
            yield from self._window.spans(start, length, WINDOW)
            return
        decompressor: _Decompressor
        if entry.method == _LZMA:
            decompressor, header = _lzma_decompressor(self._window, start, entry.size)
            start, length = start + header, length - header
        elif entry.method in _DECOMPRESSORS:
            decompressor = _DECOMPRESSORS[entry.method]()
        else:
            raise _uncheckable_entry(entry, f"uses compression method {entry.method}, which this app cannot check")
        yield from _inflated(self._window.spans(start, length, FEED), decompressor, entry)
        if not (decompressor.eof or entry.method == _LZMA and not entry.flags & _LZMA_END_MARKER):
            raise _bad_entry(entry, "the compressed data ends early")

    def _data_span(self, entry: Entry) -> tuple[int, int]:
        """Where the entry's data starts, per its local header, and its length; the
        local header may not push the data into the next entry."""
        signature, *_, name_length, extra_length = _LOCAL.unpack(self._window.read(entry.offset, _LOCAL.size))
        if signature != b"PK\x03\x04":
            raise _bad_entry(entry, f"no local header at {entry.offset}")
        start = entry.offset + _LOCAL.size + name_length + extra_length
        if start + entry.compressed > self._next_start[entry.offset]:
            raise _refused(f"its entries overlap ('{entry.name}' runs into the next one)")
        if entry.method == _STORED and entry.compressed != entry.size:
            raise _bad_entry(entry, f"stored in {entry.compressed} bytes but declares {entry.size}")
        return start, entry.compressed


_ZLIB_ERROR = cast("type[Exception]", zlib.error)  # zlib-ng's stub calls the class an instance
_DAMAGE = (_ZLIB_ERROR, lzma.LZMAError, OSError, EOFError, ValueError, struct.error)
"""What the decompressors raise on damaged data (bz2: OSError, after its end: EOFError)."""

_DECOMPRESSORS: dict[int, Callable[[], _Decompressor]] = {
    _DEFLATED: lambda: zlib.decompressobj(-zlib.MAX_WBITS),
    _BZIP2: bz2.BZ2Decompressor,
}


@contextmanager
def open_archive(path: Path) -> Iterator[Archive]:
    """The package at `path`, its layout checked (CorruptPackageError otherwise)."""
    with open(path, "rb") as fh:
        try:
            archive = Archive(fh)
        except (struct.error, ValueError) as err:
            raise _damaged(str(err)) from err
        yield archive


def _central_directory(window: _Window, size: int) -> tuple[int, int, int]:
    """(entry count, start, end) of the central directory, from the end record (the
    zip64 one when there is one), which must leave the directory inside the file."""
    tail_start = max(0, size - _END.size - 0xFFFF)  # the end record, then a comment of up to 64 KiB
    tail = bytes(window.read(tail_start, size - tail_start))
    at = tail.rfind(b"PK\x05\x06")
    if at < 0:
        raise _damaged("no end of central directory record")
    _, disk, directory_disk, _, count, directory_size, directory_offset, _ = _END.unpack_from(tail, at)
    end_at = tail_start + at
    locator_at = end_at - _END64_LOCATOR.size
    if tail_start <= locator_at and tail[locator_at - tail_start :].startswith(b"PK\x06\x07"):
        _, _, end_at, _ = _END64_LOCATOR.unpack_from(tail, locator_at - tail_start)
        if end_at + _END64.size > locator_at:
            raise _damaged("the zip64 end record lies outside the file")
        (signature, _, _, _, disk, directory_disk, _, count, directory_size, directory_offset) = _END64.unpack(
            window.read(end_at, _END64.size)
        )
        if signature != b"PK\x06\x06":
            raise _damaged("no zip64 end of central directory record")
    if disk or directory_disk:
        raise _damaged("a zip split over several disks")
    if directory_offset + directory_size > end_at:
        raise _damaged("the central directory runs past its end record")
    return count, directory_offset, directory_offset + directory_size


def _records(window: _Window, start: int, end: int) -> list[Entry]:
    """The central directory's records, refused as soon as there are more than
    `MAX_ENTRIES`, whatever the end record said."""
    entries: list[Entry] = []
    at = start
    while at < end:
        if len(entries) == MAX_ENTRIES:
            raise _refused(f"it holds more than the {MAX_ENTRIES:,} entries a course export can have")
        (
            signature,
            _,
            _,
            flags,
            method,
            _,
            _,
            crc,
            compressed,
            size,
            name_length,
            extra_length,
            comment_length,
            _,
            _,
            _,
            offset,
        ) = _CENTRAL.unpack(window.read(at, _CENTRAL.size))
        if signature != b"PK\x01\x02":
            raise _damaged(f"no central directory record at {at}")
        variable = window.read(at + _CENTRAL.size, name_length + extra_length)
        name = str(variable[:name_length], "utf-8" if flags & _UTF8_NAME else "cp437", "replace")
        if _OVERFLOW in (size, compressed, offset):
            size, compressed, offset = _zip64_values(variable[name_length:], size, compressed, offset)
        entries.append(Entry(name, offset, method, flags, crc, compressed, size, name_length))
        at += _CENTRAL.size + name_length + extra_length + comment_length
    if at != end:
        raise _damaged("the last central directory record runs past the directory's end")
    return entries


def _zip64_values(extra: memoryview, size: int, compressed: int, offset: int) -> tuple[int, int, int]:
    """The real values of the fields that say 0xFFFFFFFF: the zip64 extra field (id 1)
    holds them in this order, only those that overflow."""
    at = 0
    while at + 4 <= len(extra):
        kind, length = struct.unpack_from("<2H", extra, at)
        if kind == 1:
            values = list(struct.unpack_from(f"<{length // 8}Q", extra, at + 4))
            fields = [size, compressed, offset]
            for index, value in enumerate(fields):
                if value == _OVERFLOW:
                    if not values:
                        raise _damaged("a zip64 extra field shorter than its entry needs")
                    fields[index] = values.pop(0)
            return fields[0], fields[1], fields[2]
        at += 4 + length
    raise _damaged("a zip64 entry without its zip64 extra field")


def _next_starts(entries: list[Entry], directory_start: int) -> dict[int, int]:
    """Where the next entry (the central directory after the last) starts, by offset,
    refusing any entry whose header and data cannot end before it: the local header is
    at least as long as its fixed part and the name."""
    following = [entry.offset for entry in entries[1:]] + [directory_start]
    for entry, next_start in zip(entries, following, strict=True):
        if entry.offset + _LOCAL.size + entry.name_length + entry.compressed > next_start:
            raise _refused(f"its entries overlap ('{entry.name}' runs into the next one)")
    return dict(zip((entry.offset for entry in entries), following, strict=True))


def expansion_limit(package_size: int) -> int:
    """The most a package of this size may declare for its entries in all."""
    return min(MAX_UNCOMPRESSED_TOTAL, max(EXPANSION_ALLOWANCE, MAX_EXPANSION_RATIO * package_size))


def _check_expansion(entries: list[Entry], package_size: int) -> None:
    """Refuse declared sizes no course export has: the check would inflate them all."""
    total = sum(entry.size for entry in entries)
    if total > MAX_UNCOMPRESSED_TOTAL:
        raise _refused(f"its entries add up to {total:,} bytes, above the {MAX_UNCOMPRESSED_TOTAL:,}-byte ceiling")
    if total > expansion_limit(package_size):
        raise _refused(
            f"its entries add up to {total:,} bytes, more than {MAX_EXPANSION_RATIO} times "
            f"the package's {package_size:,}"
        )


def _lzma_decompressor(window: _Window, start: int, declared: int) -> tuple[lzma.LZMADecompressor, int]:
    """A raw LZMA1 decompressor from a zip LZMA header (version, properties length, then
    lc/lp/pb and the dictionary size), and that header's length. liblzma allocates the
    whole dictionary the header asks for (up to 4 GiB); none larger than the declared
    output is ever needed, so none larger is given (4 KiB is LZMA's least)."""
    _, properties_length = struct.unpack("<2H", window.read(start, 4))
    (packed, dictionary_size) = struct.unpack_from("<BL", window.read(start + 4, properties_length))
    pb, rest = divmod(packed, 45)
    lp, lc = divmod(rest, 9)
    dictionary_size = max(4096, min(dictionary_size, declared))
    lzma1 = {"id": lzma.FILTER_LZMA1, "lc": lc, "lp": lp, "pb": pb, "dict_size": dictionary_size}
    return lzma.LZMADecompressor(lzma.FORMAT_RAW, filters=[lzma1]), 4 + properties_length


def _inflated(spans: Iterator[memoryview], decompressor: _Decompressor, entry: Entry) -> Iterator[bytes]:
    """The decompressed output, in pieces of at most `PIECE` bytes, refused as soon as it
    exceeds the entry's declared size: a lying size costs one piece, not the whole bomb."""
    declared, produced = entry.size, 0
    for span in spans:
        for piece in _inflate_span(decompressor, span, declared - produced):
            produced += len(piece)
            if produced > declared:
                raise _refused(f"'{entry.name}' inflates to more than the {declared:,} bytes it declares")
            yield piece
        if decompressor.eof:
            return


def _inflate_span(decompressor: _Decompressor, span: bytes | memoryview, room: int) -> Iterator[bytes]:
    """The output of one span of compressed input, in pieces of at most `PIECE` bytes,
    until the span is used up or the stream ends. No call may return more than `room`
    + 1 bytes in all, so output past the declared size shows after one piece; the caller
    stops there."""
    data = span
    while not decompressor.eof and room >= 0:  # a limit of 0 would mean none
        limit = min(PIECE, room + 1)
        piece = decompressor.decompress(data, limit)
        room -= len(piece)
        yield piece
        # zlib keeps unused input in unconsumed_tail; bz2 and lzma keep it inside.
        # A full piece may leave output pending with no input left: ask again.
        data = getattr(decompressor, "unconsumed_tail", b"")
        if not data and len(piece) < limit:
            break
