"""verify_package on crafted files: every way a package can be wrong."""

from __future__ import annotations

import hashlib
import io
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from zips import make_zip

from desktop_app.canvas.errors import CorruptPackageError, LoginPageError, SizeMismatchError
from desktop_app.engine import zipcheck
from desktop_app.engine.verify import verify_package
from desktop_app.engine.zipcheck import StreamedEntries


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_good_cartridge(tmp_path: Path) -> None:
    data = make_zip({"imsmanifest.xml": b"<manifest/>", "wiki_content/page.html": b"<p>hi</p>" * 100})
    path = write(tmp_path, "course.imscc", data)
    result = verify_package(path, len(data))
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert result.size == len(data) and result.entries == 2


def test_name_argument_decides_the_type(tmp_path: Path) -> None:
    data = make_zip({"a.txt": b"a"})
    path = write(tmp_path, "course.imscc.12.part", data)
    verify_package(path, len(data))  # a .part is just a zip
    with pytest.raises(CorruptPackageError, match="imsmanifest.xml"):
        verify_package(path, len(data), name="course.imscc")


def test_zip_without_manifest_is_fine(tmp_path: Path) -> None:
    data = make_zip({"files/a.pdf": b"%PDF"})
    verify_package(write(tmp_path, "files.zip", data), len(data))


def test_size_mismatch(tmp_path: Path) -> None:
    data = make_zip({"imsmanifest.xml": b"x"})
    with pytest.raises(SizeMismatchError):
        verify_package(write(tmp_path, "c.imscc", data), len(data) + 1)


def test_login_page(tmp_path: Path) -> None:
    page = b"\n  <!DOCTYPE html><html><body>Log in to Canvas</body></html>"
    with pytest.raises(LoginPageError):
        verify_package(write(tmp_path, "c.imscc", page), len(page))


def test_not_a_zip(tmp_path: Path) -> None:
    with pytest.raises(CorruptPackageError, match="not a zip"):
        verify_package(write(tmp_path, "c.zip", b"%PDF-1.4 hello"), 14)


def test_truncated_zip(tmp_path: Path) -> None:
    data = make_zip({"imsmanifest.xml": b"x" * 1000, "b.bin": bytes(range(256)) * 100})
    cut = data[: len(data) - 30]  # the central directory's end is gone
    with pytest.raises(CorruptPackageError):
        verify_package(write(tmp_path, "c.imscc", cut), len(cut))


def test_crc_error(tmp_path: Path) -> None:
    payload = b"A" * 5000
    data = bytearray(make_zip({"imsmanifest.xml": b"<m/>", "big.txt": payload}, zipfile.ZIP_STORED))
    offset = bytes(data).find(payload)
    data[offset + 100] = ord("B")  # one flipped byte inside a stored member
    with pytest.raises(CorruptPackageError, match="big.txt"):
        verify_package(write(tmp_path, "c.imscc", bytes(data)), len(data))


def test_large_deflated_entry_checked_piece_by_piece(tmp_path: Path) -> None:
    """An entry bigger than the 1 MiB inflate piece: good as written, damaged when one
    byte near its end changes."""
    import random

    rng = random.Random(7)
    payload = bytes(rng.getrandbits(8) for _ in range(300_000)) * 8  # ~2.4 MB, compresses a little
    data = make_zip({"imsmanifest.xml": b"<m/>", "media/video.bin": payload})
    verify_package(write(tmp_path, "good.imscc", data), len(data))

    damaged = bytearray(data)
    entry = zipfile.ZipFile(io.BytesIO(data)).getinfo("media/video.bin")
    damaged[entry.header_offset + 30 + len("media/video.bin") + entry.compress_size - 10] ^= 0xFF
    with pytest.raises(CorruptPackageError, match="video.bin"):
        verify_package(write(tmp_path, "bad.imscc", bytes(damaged)), len(damaged))


def test_damaged_deflate_stream(tmp_path: Path) -> None:
    data = bytearray(make_zip({"imsmanifest.xml": b"<m/>", "page.html": b"<p>hello</p>" * 2000}))
    entry = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("page.html")
    start = entry.header_offset + 30 + len("page.html")
    data[start : start + 8] = b"\xff" * 8  # not a valid deflate block any more
    with pytest.raises(CorruptPackageError, match="page.html"):
        verify_package(write(tmp_path, "c.imscc", bytes(data)), len(data))


def test_entry_pointing_outside_its_local_header(tmp_path: Path) -> None:
    """The central directory names an offset where no entry starts."""
    data = bytearray(make_zip({"imsmanifest.xml": b"<m/>", "b.txt": b"b" * 100}))
    data[0:4] = b"XXXX"  # the first entry's local header signature
    with pytest.raises(CorruptPackageError, match="imsmanifest.xml"):
        verify_package(write(tmp_path, "c.imscc", b"PK" + bytes(data[2:])), len(data))


@pytest.mark.parametrize("method", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_other_compression_methods_go_through_zipfile(tmp_path: Path, method: int) -> None:
    payload = b"quiz " * 5000
    data = make_zip({"imsmanifest.xml": b"<m/>", "q.xml": payload}, method)
    assert verify_package(write(tmp_path, "good.imscc", data), len(data)).entries == 2

    damaged = bytearray(data)
    entry = zipfile.ZipFile(io.BytesIO(data)).getinfo("q.xml")
    middle = entry.header_offset + 30 + len("q.xml") + entry.compress_size // 2
    for at in range(middle - 4, middle + 4):  # one byte alone can land on an unused table bit
        damaged[at] ^= 0xFF
    with pytest.raises(CorruptPackageError):
        verify_package(write(tmp_path, "bad.imscc", bytes(damaged)), len(damaged))


def test_empty_entries_and_folders(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("imsmanifest.xml", b"<m/>")
        zf.writestr("web_resources/", b"")
        zf.writestr("empty.txt", b"")
    data = buf.getvalue()
    assert verify_package(write(tmp_path, "c.imscc", data), len(data)).entries == 3


def test_damage_anywhere_is_reported_as_a_package_error(tmp_path: Path) -> None:
    """Whatever bytes are damaged (headers, data, central directory), verification ends in
    a PackageError with a plain message, never another exception; and a damaged file is
    never called sound unless the damage missed everything the zip format checks."""
    import random

    from desktop_app.canvas.errors import PackageError

    rng = random.Random(2026)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("imsmanifest.xml", b"<manifest>" + b"x" * 300 + b"</manifest>", zipfile.ZIP_DEFLATED)
        zf.writestr("stored.txt", b"plain " * 200, zipfile.ZIP_STORED)
        zf.writestr("web/a.html", bytes(rng.getrandbits(8) for _ in range(4000)), zipfile.ZIP_DEFLATED)
        zf.writestr("quiz.xml", b"<q/>" * 500, zipfile.ZIP_BZIP2)
    good = buf.getvalue()
    path = tmp_path / "fuzz.imscc"
    sound = 0
    for _ in range(400):
        damaged = bytearray(good)
        for _ in range(rng.randint(1, 3)):
            damaged[rng.randrange(2, len(damaged))] ^= 1 << rng.randrange(8)  # keep the "PK" start
        path.write_bytes(bytes(damaged))
        try:
            verify_package(path, len(damaged))
            sound += 1
        except PackageError as err:
            assert str(err)
    # bits in unchecked fields (times, version numbers, comments) change nothing that matters
    assert sound < 40  # 6 with this seed


# ---------------------------------------------------------------- CRCs streamed while writing


def streamed_entries(data: bytes, piece: int) -> StreamedEntries:
    streamed = StreamedEntries(len(data))
    for at in range(0, len(data), piece):
        streamed.feed(data[at : at + piece])
    return streamed


def read_back_names(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the entries the check reads back from the file."""
    names: list[str] = []
    real = zipcheck.Archive._pieces

    def pieces(self: zipcheck.Archive, entry: zipcheck.Entry):
        names.append(entry.name)
        return real(self, entry)

    monkeypatch.setattr(zipcheck.Archive, "_pieces", pieces)
    return names


MIXED = {"imsmanifest.xml": b"<manifest/>", "media/a.bin": bytes(range(256)) * 400, "empty/": b"", "b.bin": b"b" * 3000}


@pytest.mark.parametrize("piece", [1, 7, 4096, 1 << 20])
@pytest.mark.parametrize("method", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_entries_streamed_while_writing_are_not_read_back(
    tmp_path: Path, piece: int, method: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = make_zip(MIXED, method)
    names = read_back_names(monkeypatch)
    result = verify_package(write(tmp_path, "c.imscc", data), len(data), streamed=streamed_entries(data, piece))
    assert result.entries == 4
    assert names == ["imsmanifest.xml"]  # the manifest is parsed, nothing else is read


def test_bzip2_entries_are_read_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = make_zip(MIXED, zipfile.ZIP_BZIP2)
    names = read_back_names(monkeypatch)
    verify_package(write(tmp_path, "c.zip", data), len(data), streamed=streamed_entries(data, 4096))
    assert sorted(names) == sorted(MIXED)


def test_nothing_is_inflated_while_streaming_a_package_of_unannounced_size(tmp_path: Path) -> None:
    """The expansion bound needs the package's size: without it, deflated entries wait
    for the read-back, which checks the central directory's declared sizes first."""
    data = make_zip(MIXED)
    streamed = StreamedEntries(None)
    streamed.feed(data)
    assert [entry.size for entry in streamed.entries.values()] == [0]  # the empty folder: nothing to inflate


def test_streaming_inflates_no_more_than_the_expansion_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(zipcheck, "EXPANSION_ALLOWANCE", 150_000)
    monkeypatch.setattr(zipcheck, "MAX_EXPANSION_RATIO", 1)
    data = make_zip({"a.txt": b"a" * 100_000, "b.txt": b"b" * 100_000})  # 200 KB declared, a few hundred bytes
    streamed = StreamedEntries(len(data))
    streamed.feed(data)
    assert [entry.size for entry in streamed.entries.values()] == [100_000]  # b.txt is left to the read-back


def test_a_central_directory_disagreeing_with_the_streamed_crc_is_read_back_and_refused(tmp_path: Path) -> None:
    data = bytearray(make_zip(MIXED, zipfile.ZIP_STORED))
    streamed = streamed_entries(bytes(data), 4096)
    crc_at = data.index(b"PK\x01\x02") + 16  # the first record's CRC
    struct.pack_into("<L", data, crc_at, struct.unpack_from("<L", data, crc_at)[0] ^ 1)
    with pytest.raises(CorruptPackageError, match="fails its checksum"):
        verify_package(write(tmp_path, "c.imscc", bytes(data)), len(data), streamed=streamed)


def test_entries_with_a_data_descriptor_stop_the_stream_and_are_read_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """zipfile writing to a pipe puts the sizes after the data (flag bit 3): the next
    header cannot be found while streaming, so the rest is read back."""

    class Pipe(io.RawIOBase):
        def __init__(self) -> None:
            self.data = bytearray()

        def writable(self) -> bool:
            return True

        def write(self, b) -> int:  # type: ignore[override]
            self.data += b
            return len(b)

    pipe = Pipe()
    with zipfile.ZipFile(pipe, "w", zipfile.ZIP_STORED) as zf:
        for name, payload in MIXED.items():
            with zf.open(name, "w") as out:
                out.write(payload)
    data = bytes(pipe.data)
    streamed = streamed_entries(data, 4096)
    assert streamed.entries == {}
    names = read_back_names(monkeypatch)
    verify_package(write(tmp_path, "c.imscc", data), len(data), streamed=streamed)
    assert sorted(names) == sorted([*MIXED, "imsmanifest.xml"])  # the manifest is also parsed


def test_streaming_stops_after_more_headers_than_a_course_export_has(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(zipcheck, "MAX_ENTRIES", 3)
    data = make_zip({f"{n}.txt": b"x" for n in range(6)}, zipfile.ZIP_STORED)
    streamed = StreamedEntries(len(data))
    streamed.feed(data)
    assert len(streamed.entries) == 3


def test_a_zip64_local_header_gives_its_sizes_from_the_extra_field() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open("big.txt", "w", force_zip64=True) as out:  # 0xFFFFFFFF in the header, sizes in the extra
            out.write(b"text " * 1000)
    data = buf.getvalue()
    streamed = StreamedEntries(len(data))
    streamed.feed(data)
    assert [(entry.size, entry.crc) for entry in streamed.entries.values()] == [(5000, zlib.crc32(b"text " * 1000))]
