"""verify_package against hostile packages: flat memory, zip bombs and XML bombs refused.

Every hostile file is built here with struct and zipfile, small, so each test shows the
refusal comes from the layout or the declared sizes, not from inflating the bomb.
"""

from __future__ import annotations

import bz2
import json
import os
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import pytest
from zips import make_zip

from desktop_app.canvas.errors import CorruptPackageError
from desktop_app.engine import verify as verify_module
from desktop_app.engine import zipcheck
from desktop_app.engine.verify import MAX_MANIFEST_BYTES, verify_package

MANIFEST = b'<?xml version="1.0" encoding="UTF-8"?><manifest identifier="m"><resources/></manifest>'
CENTRAL = struct.Struct("<4s6H3L5H2L")
END = struct.Struct("<4s4H2LH")


PEAK_GROWTH_CHILD = """
import json, resource, sys
from pathlib import Path
from desktop_app.engine.verify import verify_package

def peak():
    # Linux: VmHWM, the peak of this program only. ru_maxrss starts at the RSS of the
    # process that forked it (the test runner's, hundreds of MB), which hides any growth.
    try:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmHWM:"))
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # bytes on macOS

before = peak()
entries = verify_package(Path(sys.argv[1]), None).entries
print(json.dumps([entries, peak() - before]))
"""
"""Verifies the package named in argv[1]; prints its entry count and the growth of the
process's peak resident memory, in bytes."""


STREAM_PIECE = 4096
"""Pieces the streamed CRCs are fed in: smaller than most headers here, so gathering a
header across pieces is exercised too."""


def streamed_entries(data: bytes) -> zipcheck.StreamedEntries:
    """The stored entries' CRCs as a download computes them while writing `data`."""
    streamed = zipcheck.StreamedEntries(len(data))
    for at in range(0, len(data), STREAM_PIECE):
        streamed.feed(data[at : at + STREAM_PIECE])
    return streamed


def verify_bytes(tmp_path: Path, data: bytes, name: str = "course.imscc"):
    """verify_package twice: reading every entry back, and with the CRCs streamed as the
    download computes them. Both must come to the same verdict: a CRC streamed from the
    bytes may replace a read-back, never a check."""
    path = tmp_path / name
    path.write_bytes(data)
    outcomes: list = []
    for streamed in (None, streamed_entries(data)):
        try:
            outcomes.append(verify_package(path, len(data), streamed=streamed))
        except CorruptPackageError as err:
            outcomes.append(err)
    read_back, with_stream = outcomes
    if isinstance(read_back, CorruptPackageError):
        assert isinstance(with_stream, CorruptPackageError) and str(with_stream) == str(read_back), with_stream
        raise read_back
    assert with_stream == read_back
    return read_back


def hand_made_zip(
    name: bytes, method: int, body: bytes, crc: int, size: int, records: int = 1, *, flags: int = 0
) -> bytes:
    """One local entry, and `records` central directory records that all point at it."""
    local = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, flags, method, 0, 0, crc, len(body), size, len(name), 0)
    record = (
        CENTRAL.pack(b"PK\x01\x02", 20, 20, flags, method, 0, 0, crc, len(body), size, len(name), 0, 0, 0, 0, 0, 0)
        + name
    )
    start = len(local) + len(name) + len(body)
    directory = record * records
    end = END.pack(b"PK\x05\x06", 0, 0, records, records, len(directory), start, 0)
    return local + name + body + directory + end


def raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


def deflate_bomb(gib: int) -> bytes:
    """A raw deflate stream of `gib` GiB of zeros, built from one 16 MiB block repeated:
    after a full flush the compressor starts afresh, so each block's bytes are the same."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    block = compressor.compress(bytes(16 << 20)) + compressor.flush(zlib.Z_FULL_FLUSH)
    return block * (64 * gib) + compressor.flush()


def test_memory_stays_flat_whatever_the_package_size(tmp_path: Path) -> None:
    """A 65 MB package of stored random data and deflated text, verified in a fresh
    interpreter: its peak resident memory grows by a few MB (a whole-file mapping grew
    it by the package's size)."""
    pytest.importorskip("resource")  # the child uses it; not on Windows
    path = tmp_path / "big.imscc"
    with zipfile.ZipFile(path, "w", compresslevel=1) as zf:
        zf.writestr("imsmanifest.xml", MANIFEST, zipfile.ZIP_DEFLATED)
        zf.writestr("media/video.bin", os.urandom(48 << 20), zipfile.ZIP_STORED)
        zf.writestr("web/log.txt", os.urandom(12 << 20).hex().encode(), zipfile.ZIP_DEFLATED)
    done = subprocess.run(
        [sys.executable, "-c", PEAK_GROWTH_CHILD, str(path)], capture_output=True, text=True, check=True
    )
    entries, growth = json.loads(done.stdout)
    assert entries == 3
    assert path.stat().st_size > 60 << 20
    assert growth < 40 << 20, f"peak RSS grew by {growth / (1 << 20):.1f} MiB"


def test_records_sharing_the_same_bytes_are_refused(tmp_path: Path) -> None:
    """The overlapping bomb: 20,000 central directory records, one deflated entry of 1 MiB.
    Checked, it would inflate 20 GiB; it is refused from the directory alone."""
    body, data = raw_deflate(bytes(1 << 20)), bytes(1 << 20)
    bomb = hand_made_zip(b"imsmanifest.xml", 8, body, zlib.crc32(data), len(data), records=20_000)
    with pytest.raises(CorruptPackageError, match="not a valid export: its entries overlap"):
        verify_bytes(tmp_path, bomb)


def test_an_entry_running_into_the_next_is_refused(tmp_path: Path) -> None:
    """Each entry's data may not cover the next entry's header (the quoted-overlap bomb)."""
    data = bytearray(make_zip({"imsmanifest.xml": MANIFEST, "b.txt": b"b" * 100}, zipfile.ZIP_STORED))
    directory = data.index(b"PK\x01\x02")
    compressed_size_at = directory + 20  # the first record's compressed size
    struct.pack_into("<L", data, compressed_size_at, struct.unpack_from("<L", data, compressed_size_at)[0] + 40)
    with pytest.raises(CorruptPackageError, match="overlap"):
        verify_bytes(tmp_path, bytes(data))


def test_an_entry_running_into_the_central_directory_is_refused(tmp_path: Path) -> None:
    entry = hand_made_zip(b"a.txt", 0, b"abc", zlib.crc32(b"abc"), 3)
    data = bytearray(entry)
    directory = data.index(b"PK\x01\x02")
    struct.pack_into("<2L", data, directory + 20, 30, 30)  # compressed and real size
    with pytest.raises(CorruptPackageError, match="overlap"):
        verify_bytes(tmp_path, bytes(data), "files.zip")


def test_a_local_header_pushing_data_into_the_next_entry_is_refused(tmp_path: Path) -> None:
    """The central directory leaves room, the local header's own lengths do not."""
    data = bytearray(make_zip({"imsmanifest.xml": MANIFEST, "b.txt": b"b" * 100}, zipfile.ZIP_STORED))
    struct.pack_into("<H", data, 28, 200)  # the first local header's extra length
    with pytest.raises(CorruptPackageError, match="overlap"):
        verify_bytes(tmp_path, bytes(data))


def test_declared_sizes_far_above_the_package_are_refused(tmp_path: Path) -> None:
    """Honest headers, absurd ratio: a few KB declaring 3 GiB is refused before inflating."""
    data = bytearray(make_zip({"imsmanifest.xml": MANIFEST, "a.bin": b"a", "b.bin": b"b", "c.bin": b"c"}))
    for at, name in _central_records(bytes(data)):
        if name != b"imsmanifest.xml":
            struct.pack_into("<L", data, at + 24, 1 << 30)  # real size: 1 GiB each
    with pytest.raises(CorruptPackageError, match=r"not a valid export: .*more than 50 times"):
        verify_bytes(tmp_path, bytes(data))


def test_declared_total_above_the_ceiling_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(zipcheck, "MAX_UNCOMPRESSED_TOTAL", 1000)
    data = make_zip({"imsmanifest.xml": MANIFEST, "a.bin": os.urandom(2000)})
    with pytest.raises(CorruptPackageError, match="not a valid export: .*ceiling"):
        verify_bytes(tmp_path, data)


def test_a_small_package_may_expand_more_than_the_ratio(tmp_path: Path) -> None:
    """Below the allowance the ratio does not count: 4 MB of repeated XML is no bomb."""
    data = make_zip({"imsmanifest.xml": MANIFEST, "quiz.xml": b"<item/>" * 600_000})
    assert len(data) * zipcheck.MAX_EXPANSION_RATIO < 4_000_000
    assert verify_bytes(tmp_path, data).entries == 2


def test_deflate_output_beyond_the_declared_size_stops_at_once(tmp_path: Path) -> None:
    """4 GiB of zeros declaring 1 MiB: inflating stops after the first piece past 1 MiB
    (inflating it all would take seconds)."""
    body = deflate_bomb(4)
    bomb = hand_made_zip(b"data.bin", 8, body, 0, 1 << 20)
    with pytest.raises(CorruptPackageError, match="not a valid export: 'data.bin' inflates to more than the 1,048,576"):
        verify_bytes(tmp_path, bomb, "files.zip")


def test_bzip2_output_beyond_the_declared_size_stops_at_once(tmp_path: Path) -> None:
    """bzip2 shrinks 32 MiB of zeros to a few dozen bytes; zipfile's reader would inflate
    it in one call. Here it stops after 1001 bytes."""
    bomb = hand_made_zip(b"quiz.xml", 12, bz2.compress(bytes(32 << 20)), 0, 1000)
    with pytest.raises(CorruptPackageError, match="'quiz.xml' inflates to more than the 1,000 bytes"):
        verify_bytes(tmp_path, bomb, "files.zip")


def test_more_entries_than_the_limit_in_the_end_record(tmp_path: Path) -> None:
    data = bytearray(make_zip({"imsmanifest.xml": MANIFEST}))
    end = data.rindex(b"PK\x05\x06")
    struct.pack_into("<2H", data, end + 8, 0xFFFF, 0xFFFF)
    data[end:end] = _zip64_end(end, entries=zipcheck.MAX_ENTRIES + 1, directory=_directory_span(bytes(data)))
    with pytest.raises(CorruptPackageError, match="not a valid export: it lists 200,001 entries"):
        verify_bytes(tmp_path, bytes(data))


def test_more_records_than_the_limit_whatever_the_end_record_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(zipcheck, "MAX_ENTRIES", 50)
    data = bytearray(make_zip({f"f{i}.txt": b"x" for i in range(51)}))
    struct.pack_into("<2H", data, data.rindex(b"PK\x05\x06") + 8, 3, 3)
    with pytest.raises(CorruptPackageError, match="more than the 50 entries"):
        verify_bytes(tmp_path, bytes(data), "files.zip")


def test_names_that_would_escape_a_folder_are_not_a_reason_to_refuse(tmp_path: Path) -> None:
    """Canvas writes display names as they are; the app never extracts a package."""
    names = ["../up.txt", "/absolute.txt", "C:/drive.txt", "..\\windows.txt", "a/../../b.txt"]
    data = make_zip({"imsmanifest.xml": MANIFEST, **{name: b"x" for name in names}})
    assert verify_bytes(tmp_path, data).entries == 6


def test_zip64_records_are_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Exports above 4 GiB use zip64 sizes and end records; zipfile writes them for small
    files when its limits are lowered."""
    monkeypatch.setattr(zipfile, "ZIP64_LIMIT", 100)
    monkeypatch.setattr(zipfile, "ZIP_FILECOUNT_LIMIT", 2)
    data = make_zip({"imsmanifest.xml": MANIFEST, "a.bin": os.urandom(500), "b.txt": b"b" * 5000})
    assert b"PK\x06\x06" in data and b"\xff\xff\xff\xff" in data
    assert verify_bytes(tmp_path, data).entries == 3


def test_a_stored_entry_declaring_another_size_is_damaged(tmp_path: Path) -> None:
    bomb = hand_made_zip(b"a.txt", 0, b"abc", zlib.crc32(b"abc"), 1 << 20)
    with pytest.raises(CorruptPackageError, match="a.txt"):
        verify_bytes(tmp_path, bomb, "files.zip")


@pytest.mark.parametrize(
    ("flags", "method", "says"),
    [
        (0x1, 0, "'secret.txt' is encrypted"),
        (0, 99, "'secret.txt' uses compression method 99, which this app cannot check"),
    ],
    ids=["encrypted", "unknown-method"],
)
def test_an_entry_that_cannot_be_checked_says_why_not_that_it_fails_its_checksum(
    tmp_path: Path, flags: int, method: int, says: str
) -> None:
    """Its bytes may be perfectly sound: "fails its checksum" sent people looking for a
    damaged download when the package was encrypted or compressed in an unusual way."""
    data = hand_made_zip(b"secret.txt", method, b"abc", zlib.crc32(b"abc"), 3, flags=flags)
    with pytest.raises(CorruptPackageError) as refused:
        verify_bytes(tmp_path, data, "files.zip")
    assert says in str(refused.value) and "checksum" not in str(refused.value)


@pytest.mark.parametrize(
    "manifest",
    [
        b'<?xml version="1.0"?><!DOCTYPE m [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]><m>&d;&d;&d;</m>',
        b'<?xml version="1.0"?><!DOCTYPE m [<!ENTITY secret SYSTEM "file:///etc/passwd">]><m>&secret;</m>',
        b'<?xml version="1.0"?><manifest><resources></manifest>',
    ],
    ids=["billion-laughs", "external-entity", "malformed"],
)
def test_a_manifest_that_is_not_plain_xml_is_refused(tmp_path: Path, manifest: bytes) -> None:
    data = make_zip({"imsmanifest.xml": manifest, "a.html": b"<p/>"})
    with pytest.raises(CorruptPackageError, match="not a valid export: its imsmanifest.xml is not plain"):
        verify_bytes(tmp_path, data)
    assert verify_bytes(tmp_path, data, "course.zip").entries == 2  # a plain zip's XML is not read


def test_a_manifest_above_the_cap_is_refused_before_it_is_read(tmp_path: Path) -> None:
    manifest = b"<manifest>" + b"<r/>" * (MAX_MANIFEST_BYTES // 4) + b"</manifest>"
    with pytest.raises(CorruptPackageError, match="imsmanifest.xml declares"):
        verify_bytes(tmp_path, make_zip({"imsmanifest.xml": manifest}))


def test_a_large_manifest_is_parsed_piece_by_piece(tmp_path: Path) -> None:
    manifest = b"<manifest>" + b'<resource identifier="r" href="a.html"/>' * 100_000 + b"</manifest>"
    assert len(manifest) > 2 * zipcheck.PIECE
    assert verify_bytes(tmp_path, make_zip({"imsmanifest.xml": manifest})).entries == 1


def test_a_given_sha256_is_used_without_reading_the_file_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_second_read(path: Path) -> str:
        raise AssertionError("the file was read again for its SHA-256")

    monkeypatch.setattr(verify_module, "sha256_of", no_second_read)
    data = make_zip({"imsmanifest.xml": MANIFEST})
    path = tmp_path / "c.imscc"
    path.write_bytes(data)
    assert verify_package(path, len(data), sha256="ab" * 32).sha256 == "ab" * 32


def _central_records(data: bytes) -> list[tuple[int, bytes]]:
    """(offset, name) of each central directory record."""
    records, at = [], data.find(b"PK\x01\x02")
    while at >= 0:
        name_length = struct.unpack_from("<H", data, at + 28)[0]
        records.append((at, data[at + 46 : at + 46 + name_length]))
        at = data.find(b"PK\x01\x02", at + 46 + name_length)
    return records


def _directory_span(data: bytes) -> tuple[int, int]:
    """(offset, size) of the central directory, from the end record."""
    size, offset = struct.unpack_from("<2L", data, data.rindex(b"PK\x05\x06") + 12)
    return offset, size


def _zip64_end(at: int, *, entries: int, directory: tuple[int, int]) -> bytes:
    """A zip64 end record (at offset `at`) and its locator, declaring `entries`."""
    offset, size = directory
    record = struct.pack("<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, entries, entries, size, offset)
    return record + struct.pack("<4sLQL", b"PK\x06\x07", 0, at, 1)
