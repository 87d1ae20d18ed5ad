"""Did the selection land (every select key, Canvas's identifiers), extracting safely, and
`canvas-exports inspect`."""

from __future__ import annotations

import io
import json
import os
import struct
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest

from desktop_app.canvas.errors import CorruptPackageError
from desktop_app.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, main
from desktop_app.package.cartridge import read_contents
from desktop_app.package.extract import extract
from desktop_app.package.reader import PackageReader
from desktop_app.package.selection_check import check_selection, find_job
from tests.unit.package_support import DATA, canvas_identifiers, cc_bytes, files_zip_bytes, rewrite, write
from tests.unit.zips import make_zip

EVERY_KEY = {
    "pages": DATA.ids("wiki_pages")[:3],
    "assignments": DATA.ids("assignments")[:2],
    "quizzes": DATA.ids("quizzes")[:2],
    "discussion_topics": DATA.ids("discussion_topics")[:2],
    "announcements": DATA.ids("announcements")[:2],
    "calendar_events": DATA.ids("calendar_events")[:2],
    "rubrics": DATA.ids("rubrics")[:2],
    "files": DATA.ids("attachments")[:4],
    "modules": DATA.ids("context_modules")[:1],
    "module_items": DATA.ids("content_tags")[8:10],
}


def contents_of(path: Path):  # type: ignore[no-untyped-def]
    with PackageReader(path) as reader:
        return read_contents(reader)


def test_every_select_key_lands_in_the_demo_cartridge(tmp_path: Path) -> None:
    contents = contents_of(write(tmp_path, "sel.imscc", cc_bytes(EVERY_KEY)))
    check = check_selection(contents, EVERY_KEY)
    assert check.ok, check.summary()
    assert [(k.key, k.asked, k.found, k.method) for k in check.kinds] == [
        (key, len(EVERY_KEY[key]), len(EVERY_KEY[key]), "identifier")
        for key in [
            "modules",
            "module_items",
            "pages",
            "assignments",
            "quizzes",
            "discussion_topics",
            "announcements",
            "calendar_events",
            "rubrics",
            "files",
        ]
    ]
    assert check.summary().startswith("1 of 1 modules, 2 of 2 module items, 3 of 3 pages")


def test_a_missing_quiz_is_named_with_its_title_and_the_reason(tmp_path: Path) -> None:
    quiz = DATA.ids("quizzes")[3]  # Midterm Exam, in a selected module, left out of the package
    module = next(m for m in DATA.modules.values() if any(DATA.module_items[i].content_id == quiz for i in m.item_ids))

    def drop_quiz(name: str, data: bytes):  # type: ignore[no-untyped-def]
        if name == "imsmanifest.xml":
            text = data.decode()
            start = text.index(f'<resource identifier="quiz_{quiz}"')
            return name, (text[:start] + text[text.index("</resource>", start) + 11 :]).encode()
        return None if name.startswith(f"quiz_{quiz}/") else (name, data)

    selection = {"modules": [module.id], "quizzes": [quiz]}
    contents = contents_of(write(tmp_path, "nq.imscc", rewrite(cc_bytes(selection), drop_quiz)))
    check = check_selection(contents, selection)
    assert not check.ok
    assert check.summary() == (
        "1 of 1 modules, 0 of 1 quizzes: missing 'Midterm Exam' (New Quizzes are exported by their own tool)"
    )


@pytest.mark.parametrize("prefix, shard", [("i", None), ("g", 7), ("g", 1234)])
def test_canvas_md5_and_global_identifiers_match_by_identifier(tmp_path: Path, prefix: str, shard: int | None) -> None:
    path = write(tmp_path, "canvas.imscc", canvas_identifiers(cc_bytes(EVERY_KEY), prefix, shard))
    contents = contents_of(path)
    assert not contents.by_identifier(f"wiki_page_{EVERY_KEY['pages'][0]}")
    check = check_selection(contents, EVERY_KEY)
    assert check.ok, check.summary()
    assert {k.method for k in check.kinds} == {"identifier"}
    missing = check_selection(contents, {"pages": [*EVERY_KEY["pages"], 999]})
    assert missing.kinds[0].found == 3 and missing.kinds[0].missing == ["page 999"]


def test_other_identifiers_fall_back_to_titles_or_kind_and_say_so(tmp_path: Path) -> None:
    def rename(name: str, data: bytes):  # type: ignore[no-untyped-def]
        return name, (data.replace(b"wiki_page_", b"res-page-x") if name == "imsmanifest.xml" else data)

    selection = {"pages": EVERY_KEY["pages"]}
    contents = contents_of(write(tmp_path, "other.imscc", rewrite(cc_bytes(selection), rename)))
    by_kind = check_selection(contents, selection)
    assert by_kind.ok and by_kind.kinds[0].method == "kind" and "kind and count" in by_kind.summary()
    titles = {"pages": {i: DATA.content[i].title for i in selection["pages"]} | {999: "Not there"}}
    by_title = check_selection(contents, {"pages": [*selection["pages"], 999]}, titles=titles)
    assert by_title.kinds[0].method == "title" and by_title.kinds[0].found == 3
    assert by_title.kinds[0].missing == ["'Not there'"]


def test_a_zip_exports_selection_is_not_checkable_and_everything_means_nothing_to_compare(tmp_path: Path) -> None:
    contents = contents_of(write(tmp_path, "files.zip", files_zip_bytes()))
    zip_check = check_selection(contents, {"folders": [3001]}, export_type="zip")
    assert zip_check.ok and "not checkable" in zip_check.summary()
    assert check_selection(contents, {}).everything


def test_find_job_by_saved_path_then_by_sha256(tmp_path: Path) -> None:
    path = write(tmp_path, "a.imscc", b"PK data")
    copy = write(tmp_path, "copy.imscc", b"PK data")
    other = SimpleNamespace(saved_path=tmp_path / "elsewhere.imscc", sha256="0" * 64, size=7)
    saved = SimpleNamespace(saved_path=path, sha256="ab", size=7)
    assert find_job([other, saved], path, lambda p: "never") is saved
    calls: list[Path] = []
    by_hash = SimpleNamespace(saved_path=None, sha256="feed", size=7)
    assert find_job([by_hash], copy, lambda p: calls.append(p) or "feed") is by_hash
    assert (
        find_job([SimpleNamespace(saved_path=None, sha256="feed", size=8)], copy, lambda p: calls.append(p) or "x")
        is None
    )
    assert calls == [copy]  # no digest computed when no job has the file's size


# ------------------------------------------------------------------ extract


def test_extract_never_leaves_the_folder_and_never_overwrites(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "evil.zip",
        make_zip({"../../escape.txt": b"1", "/abs/x.txt": b"2", "C:\\win.txt": b"3", "dir/ok.txt": b"4"}),
    )
    dest = tmp_path / "out"
    dest.mkdir()
    (dest / "dir").mkdir()
    (dest / "dir" / "ok.txt").write_bytes(b"mine")
    with PackageReader(path) as reader:
        result = extract(reader, list(reader.entries), dest)
    assert not (tmp_path / "escape.txt").exists()
    assert sorted(str(p.relative_to(dest)) for p in dest.rglob("*") if p.is_file()) == [
        "abs/x.txt",
        "dir/ok (2).txt",
        "dir/ok.txt",
        "escape.txt",
        "win.txt",
    ]
    assert (dest / "dir" / "ok.txt").read_bytes() == b"mine" and (dest / "dir" / "ok (2).txt").read_bytes() == b"4"
    assert len(result.renamed) == 1 and result.skipped == []


@pytest.mark.skipif(not hasattr(os, "symlink") or os.name == "nt", reason="POSIX symlinks")
def test_extract_does_not_follow_symlinks_in_the_folder(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    dest = tmp_path / "out"
    dest.mkdir()
    (dest / "web").symlink_to(outside)
    (dest / "top.txt").symlink_to(outside / "planted.txt")
    path = write(tmp_path, "p.zip", make_zip({"web/a.txt": b"a", "top.txt": b"t"}))
    with PackageReader(path) as reader:
        result = extract(reader, list(reader.entries), dest)
    assert list(outside.iterdir()) == []
    assert [name for name, _ in result.skipped] == ["web/a.txt"]
    assert (dest / "top (2).txt").read_bytes() == b"t"


@pytest.fixture
def few_descriptors():  # type: ignore[no-untyped-def]
    """The process may open only 64 more files than it has open now (a desktop's limit is
    256 on macOS, 1024 on Linux: a big course's folders can outnumber either)."""
    resource = pytest.importorskip("resource")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    fd_dir = Path("/proc/self/fd") if Path("/proc/self/fd").is_dir() else Path("/dev/fd")
    resource.setrlimit(resource.RLIMIT_NOFILE, (len(os.listdir(fd_dir)) + 64, hard))
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_extract_all_of_a_package_with_more_folders_than_open_files_allowed(tmp_path: Path, few_descriptors) -> None:  # type: ignore[no-untyped-def]
    entries = {f"folder {n}/page.html": f"{n}".encode() for n in range(300)}
    entries.update({f"folder {n}/sub/again.txt": f"again {n}".encode() for n in range(0, 300, 7)})  # back to old ones
    with PackageReader(write(tmp_path, "many.zip", make_zip(entries))) as reader:
        result = extract(reader, list(reader.entries), tmp_path / "out")
    assert result.skipped == [] and len(result.written) == len(entries)
    assert all((tmp_path / "out" / name).read_bytes() == data for name, data in entries.items())


def test_extract_removes_an_entry_that_fails_its_checksum(tmp_path: Path) -> None:
    data = bytearray(make_zip({"a.txt": b"hello world" * 10}, __import__("zipfile").ZIP_STORED))
    data[data.find(b"hello")] = ord("j")
    with PackageReader(write(tmp_path, "bad.zip", bytes(data))) as reader:
        result = extract(reader, ["a.txt"], tmp_path / "out")
    assert result.written == [] and "checksum" in result.skipped[0][1]
    assert list((tmp_path / "out").iterdir()) == []


# ------------------------------------------------------------------ canvas-exports inspect


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_inspect_summarises_and_checks_the_job_that_saved_the_file(tmp_path: Path) -> None:
    from desktop_app.engine.status import JobStatus
    from desktop_app.engine.store import JobStore

    path = write(tmp_path, "course.imscc", cc_bytes({"pages": EVERY_KEY["pages"]}))
    code, out, _ = run("inspect", str(path))
    assert code == EXIT_OK and "Pages: 3" in out and "Selection" not in out
    with JobStore() as store:
        job = store.add(
            site="https://canvas.example",
            context="course:101",
            export_type="common_cartridge",
            state=JobStatus.DONE,
            selection={"pages": [*EVERY_KEY["pages"], 999]},
            saved_path=path,
        )
        good = store.add(
            site="https://canvas.example",
            context="course:101",
            export_type="common_cartridge",
            state=JobStatus.DONE,
            selection={"pages": EVERY_KEY["pages"]},
        )
    code, out, _ = run("inspect", str(path))
    assert code == EXIT_FAILED and f"Selection (job {job.id}): 3 of 4 pages: missing page 999" in out
    code, out, _ = run("inspect", str(path), "--job", str(good.id), "--json")
    report = json.loads(out)
    assert code == EXIT_OK and report["selection"]["ok"] and report["counts"] == {"pages": 3}
    assert run("inspect", str(path), "--job", "4242")[0] == EXIT_USAGE


def test_inspect_refuses_a_hostile_package_with_exit_1(tmp_path: Path) -> None:
    code, out, err = run("inspect", str(write(tmp_path, "x.imscc", b"<html>login</html>")))
    assert code == EXIT_FAILED and out == "" and "web page" in err and "Traceback" not in err


def _flip_a_byte_in(data: bytes, name: bytes) -> bytes:
    """A stored entry's first data byte changed: the zip opens, the entry fails its CRC."""
    out = bytearray(data)
    local = out.find(b"PK\x03\x04")
    while local >= 0:
        name_len, extra_len = struct.unpack_from("<HH", out, local + 26)
        if out[local + 30 : local + 30 + name_len] == name:
            out[local + 30 + name_len + extra_len] ^= 0xFF
            return bytes(out)
        local = out.find(b"PK\x03\x04", local + 4)
    raise AssertionError(f"{name!r} not in the zip")


def test_check_entries_is_the_readers_public_full_check(tmp_path: Path) -> None:
    sound = make_zip({"imsmanifest.xml": b"<manifest/>", "notes.txt": b"N" * 500}, zipfile.ZIP_STORED)
    with PackageReader(write(tmp_path, "sound.zip", sound)) as reader:
        reader.check_entries()  # nothing to say
    damaged = write(tmp_path, "damaged.zip", _flip_a_byte_in(sound, b"notes.txt"))
    with PackageReader(damaged) as reader:  # opening reads only the structure
        with pytest.raises(CorruptPackageError, match="'notes.txt' fails its checksum"):
            reader.check_entries()


def test_inspect_checks_every_entry_through_the_public_method(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    calls: list[Path] = []
    original = PackageReader.check_entries

    def spy(self: PackageReader) -> None:
        calls.append(self.path)
        original(self)

    monkeypatch.setattr(PackageReader, "check_entries", spy)
    sound = make_zip({"imsmanifest.xml": b"<manifest/>", "notes.txt": b"N" * 500}, zipfile.ZIP_STORED)
    path = write(tmp_path, "damaged.imscc", _flip_a_byte_in(sound, b"notes.txt"))
    code, out, err = run("inspect", str(path))
    assert calls == [path]
    assert code == EXIT_FAILED and out == "" and "'notes.txt' fails its checksum" in err


def test_inspect_lists_a_file_thousands_of_folders_deep_as_a_problem(tmp_path: Path) -> None:
    """A hostile files zip nesting one file 5,000 folders deep: the tree stops at
    MAX_FOLDER_DEPTH (walking it used to exhaust Python's recursion: a crash, exit 1)."""
    deep = "d/" * 5000 + "x.txt"
    path = write(tmp_path, "deep.zip", make_zip({deep: b"x", "ok.txt": b"y"}))
    code, out, err = run("inspect", str(path))
    assert "Traceback" not in err and "unexpected problem" not in err
    assert code == EXIT_OK and "Files: 2" in out and "more than 64 folders deep" in out


def test_a_manifest_nesting_module_items_thousands_deep_is_read(tmp_path: Path) -> None:
    items = "".join(f'<item identifier="i{n}"><title>Level {n}</title>' for n in range(5000)) + "</item>" * 5000
    manifest = (
        '<manifest identifier="m"><organizations><organization identifier="o">'
        f'<item identifier="LearningModules"><item identifier="m1"><title>Deep</title>{items}</item></item>'
        "</organization></organizations><resources/></manifest>"
    )
    path = write(tmp_path, "deep.imscc", make_zip({"imsmanifest.xml": manifest.encode()}))
    with PackageReader(path) as reader:
        (module,) = read_contents(reader).modules
    assert [(e.title, e.depth) for e in module.entries[:2]] == [("Level 0", 0), ("Level 1", 1)]
    assert (module.entries[-1].title, module.entries[-1].depth) == ("Level 4999", 4999)
