"""Package names from attachment.display_name: inside the folder, valid everywhere."""

from __future__ import annotations

import pytest

from desktop_app.engine.download import MAX_NAME_BYTES, safe_filename
from desktop_app.engine.partfile import commit_part, numbered, open_part


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("biology-101-export.imscc", "biology-101-export.imscc"),
        ("../../etc/passwd", "_.._etc_passwd"),
        ("..", "export.zip"),
        ("...", "export.zip"),
        ("a/b\\c.zip", "a_b_c.zip"),
        ("tab\there\x00nul\x1f.zip", "tab_here_nul_.zip"),
        ("CON", "_CON"),
        ("nul.imscc", "_nul.imscc"),
        ("Com1.zip", "_Com1.zip"),
        ("console.zip", "console.zip"),
        ("trailing. . ", "trailing"),
        ("  spaced  .zip", "spaced.zip"),
        ('what?<is>:"this"|*.zip', "what__is___this___.zip"),
        (".hidden.zip", "hidden.zip"),
        ("", "export.zip"),
    ],
)
def test_safe_filename(raw: str, expected: str) -> None:
    assert safe_filename(raw) == expected


def test_long_name_keeps_extension_and_byte_limit() -> None:
    name = safe_filename("é" * 300 + ".imscc")
    assert name.endswith(".imscc")
    assert len(name.encode("utf-8")) <= MAX_NAME_BYTES
    assert "\ufffd" not in name  # no character cut in half


def test_long_ascii_name() -> None:
    name = safe_filename("x" * 1000 + ".zip")
    assert len(name.encode()) == MAX_NAME_BYTES and name.endswith(".zip")


def test_numbered_keeps_extension() -> None:
    assert numbered("course.imscc", 1) == "course.imscc"
    assert numbered("course.imscc", 2) == "course (2).imscc"
    assert numbered("noext", 3) == "noext (3)"


def test_commit_never_overwrites(tmp_path) -> None:
    (tmp_path / "pkg.zip").write_bytes(b"old")
    (tmp_path / "pkg (2).zip").write_bytes(b"old2")
    part = tmp_path / "pkg.zip.7.part"
    part.write_bytes(b"new")
    with open_part(part) as opened:
        final = commit_part(opened, tmp_path, "pkg.zip")
    assert final == tmp_path / "pkg (3).zip"
    assert final.read_bytes() == b"new"
    assert (tmp_path / "pkg.zip").read_bytes() == b"old"
    assert not part.exists()


def test_commit_without_hard_links(tmp_path, monkeypatch) -> None:
    import errno
    import os

    def no_links(src, dst, **_):
        raise OSError(errno.EPERM, "links not supported")

    monkeypatch.setattr(os, "link", no_links)
    (tmp_path / "pkg.zip").write_bytes(b"old")
    part = tmp_path / "pkg.zip.7.part"
    part.write_bytes(b"new")
    with open_part(part) as opened:
        final = commit_part(opened, tmp_path, "pkg.zip")
    assert final.name == "pkg (2).zip" and final.read_bytes() == b"new"
    assert (tmp_path / "pkg.zip").read_bytes() == b"old"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("invoice\u202egpj.exe", "invoicegpj.exe"),  # U+202E would show "invoiceexe.jpg"
        ("\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069\u200e\u200fname.zip", "name.zip"),
        ("report\ud800.zip", "report_.zip"),  # a lone surrogate from JSON's "\ud800"
        ("c1\x9b[2J.zip", "c1_[2J.zip"),
    ],
)
def test_safe_filename_drops_bidi_controls_and_replaces_unencodable(raw: str, expected: str) -> None:
    name = safe_filename(raw)
    assert name == expected
    name.encode("utf-8")  # every file system can take it


@pytest.mark.parametrize(
    "raw", ["CONIN$", "conout$.zip", "COM\u00b9", "com\u00b2.imscc", "LPT\u00b3.zip", "COM0", "lpt0.zip"]
)
def test_windows_reserved_names_with_superscripts_and_console_buffers(raw: str) -> None:
    assert safe_filename(raw) == "_" + raw
