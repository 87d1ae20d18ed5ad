"""The Qt-free package reader: contents of real packages, rendering, search, hostile files."""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

import pytest

from desktop_app.canvas.errors import CorruptPackageError
from desktop_app.package.cartridge import read_contents
from desktop_app.package.qti import parse_quiz
from desktop_app.package.reader import PackageReader, safe_parts
from desktop_app.package.render import render_item, sanitize
from desktop_app.package.search import SearchIndex, index_texts
from tests.unit.package_support import DATA, cc_bytes, files_zip_bytes, qti_bytes, rewrite, write
from tests.unit.zips import make_zip


def open_contents(path: Path):  # type: ignore[no-untyped-def]
    reader = PackageReader(path)
    return reader, read_contents(reader)


def test_a_whole_course_cartridge_lists_every_kind_and_its_modules_in_order(tmp_path: Path) -> None:
    reader, contents = open_contents(write(tmp_path, "course.imscc", cc_bytes()))
    with reader:
        ids = DATA.ids
        assert contents.format == "common_cartridge"
        assert contents.title == "Analytical Engines: Foundations of Computing"
        assert contents.counts() == {
            "pages": len(ids("wiki_pages")),
            "assignments": len(ids("assignments")),
            "quizzes": len(ids("quizzes")),
            "discussion_topics": len(ids("discussion_topics")),
            "announcements": len(ids("announcements")),
            "calendar_events": len(ids("calendar_events")),
            "rubrics": len(ids("rubrics")),
            "files": len(ids("attachments")),
            "web_links": len(ids("context_modules")),
        }
        first = contents.modules[0]
        module = DATA.modules[ids("context_modules")[0]]
        assert [e.title for e in first.entries] == [DATA.module_items[i].title for i in module.item_ids]
        kinds = [contents.items[e.item_key].kind if e.item_key else None for e in first.entries]
        assert kinds == [None, "pages", "assignments", "quizzes", "discussion_topics", "files", "web_links"]
        assert contents.files_root.count == len(ids("attachments"))
        assert contents.files_root.size == sum(DATA.files[i].size for i in ids("attachments"))
        assert contents.problems == []


def test_qti_zip_and_files_zip(tmp_path: Path) -> None:
    reader, contents = open_contents(write(tmp_path, "quizzes.zip", qti_bytes()))
    with reader:
        assert contents.format == "qti" and contents.counts() == {"quizzes": len(DATA.ids("quizzes"))}
        quiz = contents.of_kind("quizzes")[0]
        rendered = render_item(reader, contents, quiz)
        assert rendered.title == "Quiz 1: Number Systems" and "(correct)" in rendered.html
    reader, contents = open_contents(write(tmp_path, "files.zip", files_zip_bytes()))
    with reader:
        assert contents.format == "files" and contents.files_root.count == len(contents.items) > 300
        assert "Lectures" in contents.files_root.folders


def test_rendering_a_page_assignment_quiz_and_web_link(tmp_path: Path) -> None:
    reader, contents = open_contents(write(tmp_path, "course.imscc", cc_bytes()))
    with reader:
        assignment = contents.of_kind("assignments")[0]
        html = render_item(reader, contents, assignment).html
        assert "Points:</b> 10.0" in html and "2026-" in html
        link = contents.of_kind("web_links")[0]
        assert 'href="https://www.cbi.umn.edu/"' in render_item(reader, contents, link).html
        quiz = render_item(reader, contents, contents.of_kind("quizzes")[0])
        correct = [q[2] for q in DATA.content[DATA.ids("quizzes")[0]].questions]
        assert quiz.html.count("(correct)") == len(correct)


def test_search_finds_text_after_indexing_and_titles_before(tmp_path: Path) -> None:
    reader, contents = open_contents(write(tmp_path, "course.imscc", cc_bytes()))
    with reader:
        index = SearchIndex(contents)
        assert index.search("question 3?") == set()  # text not indexed yet
        assert "quiz_901" in index.search("number systems")
        for key, title, text in index_texts(reader.clone(), contents):
            index.add(key, title, text)
        assert {"quiz_901", "quiz_902"} <= index.search("question 3?")
        assert index.search("nothing-like-this") == set()


def test_sanitize_drops_scripts_and_resolves_the_file_base(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "p.imscc",
        make_zip({"imsmanifest.xml": b"<manifest/>", "web_resources/a b.png": b"x", "wiki_content/p.html": b""}),
    )
    with PackageReader(path) as reader:
        html, text, _, blocked = sanitize(
            '<p onclick="x()" style="color:red">Hi<script>alert(1)</script></p>'
            '<img src="$IMS-CC-FILEBASE$/a%20b.png"><img src="%24IMS-CC-FILEBASE%24/a b.png?canvas_download=1">'
            '<img src="https://tracker.example/p.gif" alt="pixel"><img src="../../etc/passwd">'
            '<iframe src="https://evil.example"></iframe><a href="javascript:alert(1)">j</a>'
            '<a href="https://example.org/x">web</a>',
            reader,
            None,
            "wiki_content/p.html",
        )
        assert "script" not in html and "onclick" not in html and "style" not in html and "iframe" not in html
        assert html.count('src="pkg:web_resources/a%20b.png"') == 2
        assert "tracker.example" not in html and blocked == 2
        assert "javascript" not in html and 'href="https://example.org/x"' in html
        assert text.startswith("Hi")


def test_qti_answers_marked_correct() -> None:
    quiz = parse_quiz(b"""<questestinterop><assessment title="T"><section><item title="Q"><itemmetadata><qtimetadata>
      <qtimetadatafield><fieldlabel>question_type</fieldlabel><fieldentry>multiple_answers_question</fieldentry></qtimetadatafield>
      </qtimetadata></itemmetadata><presentation><material><mattext>&lt;p&gt;Pick&lt;/p&gt;</mattext></material>
      <response_lid ident="r"><render_choice><response_label ident="a"><material><mattext>A</mattext></material></response_label>
      <response_label ident="b"><material><mattext>B</mattext></material></response_label></render_choice></response_lid>
      </presentation><resprocessing><respcondition><conditionvar><and><varequal respident="r">b</varequal></and></conditionvar>
      <setvar action="Set">100</setvar></respcondition></resprocessing></item></section></assessment></questestinterop>""")
    assert quiz.title == "T" and quiz.questions[0].kind == "multiple_answers_question"
    assert [(a.text, a.correct) for a in quiz.questions[0].answers] == [("A", False), ("B", True)]


# ------------------------------------------------------------------ hostile packages


@pytest.mark.parametrize(
    "name, parts, flagged",
    [
        ("../../etc/passwd", ("etc", "passwd"), True),
        ("/abs/x.txt", ("abs", "x.txt"), True),
        ("C:\\Windows\\x.dll", ("Windows", "x.dll"), True),
        ("web_resources/a/./b.txt", ("web_resources", "a", "b.txt"), False),
        ("web_resources/CON.txt", ("web_resources", "_CON.txt"), True),
        ("a/b:c?.txt", ("a", "b_c_.txt"), True),
    ],
)
def test_entry_names_are_neutralised(name: str, parts: tuple[str, ...], flagged: bool) -> None:
    got, reason = safe_parts(name)
    assert got == parts and bool(reason) is flagged


def test_unsafe_names_are_listed_as_problems_not_used(tmp_path: Path) -> None:
    path = write(tmp_path, "evil.zip", make_zip({"../../escape.txt": b"x", "/abs.txt": b"y", "ok.txt": b"z"}))
    reader, contents = open_contents(path)
    with reader:
        assert contents.format == "files"
        assert sum("never used as a path" in p for p in contents.problems) == 2


def test_a_manifest_pointing_at_missing_files_is_reported(tmp_path: Path) -> None:
    def drop(name: str, data: bytes):  # type: ignore[no-untyped-def]
        return None if name.startswith("wiki_content/welcome") or name.startswith("quiz_901/") else (name, data)

    path = write(tmp_path, "holes.imscc", rewrite(cc_bytes(), drop))
    reader, contents = open_contents(path)
    with reader:
        page = contents.by_identifier("wiki_page_401")
        assert page is not None and page.missing
        assert any("welcome-to-cs-101.html" in p for p in contents.problems)
        assert "does not hold it" in render_item(reader, contents, page).html
        assert contents.by_identifier("quiz_901").missing


@pytest.mark.parametrize(
    "payload, message",
    [
        (b"<html><body>Sign in</body></html>", "web page"),
        (b"not a zip at all", "not a zip"),
        (b"PK\x03\x04 truncated", "damaged"),
    ],
)
def test_files_that_are_not_packages_are_refused(tmp_path: Path, payload: bytes, message: str) -> None:
    with pytest.raises(CorruptPackageError, match=message):
        PackageReader(write(tmp_path, "x.imscc", payload))


def test_a_billion_laughs_manifest_is_refused(tmp_path: Path) -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE m [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><manifest>&b;</manifest>'
    with PackageReader(write(tmp_path, "bomb.imscc", make_zip({"imsmanifest.xml": bomb}))) as reader:
        with pytest.raises(CorruptPackageError, match="not plain, well-formed XML"):
            read_contents(reader)


def test_an_entry_whose_size_lies_is_an_error_on_read(tmp_path: Path) -> None:
    data = bytearray(make_zip({"imsmanifest.xml": b"<manifest/>", "big.txt": b"A" * 10_000}))
    central = data.rfind(b"PK\x01\x02")  # the last central record: big.txt; its sizes sit at +20 and +24
    struct.pack_into("<L", data, central + 24, 100)  # declares 100 bytes, inflates to 10,000
    path = write(tmp_path, "liar.zip", bytes(data))
    with PackageReader(path) as reader:
        with pytest.raises(CorruptPackageError, match="more than the 100 bytes"):
            reader.read("big.txt")


def test_overlapping_entries_are_refused_at_open(tmp_path: Path) -> None:
    data = bytearray(make_zip({"a.txt": b"A" * 1000, "b.txt": b"B" * 1000}, zipfile.ZIP_STORED))
    first = data.find(b"PK\x01\x02")
    second = data.find(b"PK\x01\x02", first + 4)
    offset = struct.unpack_from("<L", data, first + 42)[0]
    struct.pack_into("<L", data, second + 42, offset)  # both records point at the same bytes
    with pytest.raises(CorruptPackageError, match="overlap"):
        PackageReader(write(tmp_path, "overlap.zip", bytes(data)))


# ------------------------------------------------------------------ Canvas's single-file layouts
def test_canvas_course_settings_lists_every_event_rubric_and_tool(tmp_path: Path) -> None:
    from tests.unit.package_support import (
        EVENT_KEYS,
        LINK_KEY,
        LTI_KEY,
        OLD_TOOL_KEY,
        OTHER_RUBRIC_KEY,
        RUBRIC_KEY,
        canvas_layout_cc,
    )

    reader, contents = open_contents(write(tmp_path, "canvas.imscc", canvas_layout_cc()))
    with reader:
        assert contents.problems == []
        assert contents.counts() == {
            "assignments": 1,
            "calendar_events": 2,
            "rubrics": 2,
            "web_links": 1,
            "external_tools": 2,
        }
        assert sorted((i.identifier, i.title) for i in contents.of_kind("calendar_events")) == sorted(
            zip(EVENT_KEYS, ("Midterm review", "Field trip"), strict=True)
        )
        assert {i.identifier: i.title for i in contents.of_kind("rubrics")} == {
            RUBRIC_KEY: "Essay rubric",
            OTHER_RUBRIC_KEY: "Lab report rubric",
        }
        assert {i.identifier: i.title for i in contents.of_kind("external_tools")} == {
            LTI_KEY: "Lab simulator",
            OLD_TOOL_KEY: "Citation helper",
        }
        assert contents.of_kind("web_links")[0].title == "Style guide"
        kinds = [contents.items[e.item_key].kind for e in contents.modules[0].entries]
        assert kinds == ["assignments", "external_tools", "web_links"]

        event = render_item(reader, contents, contents.by_identifier(EVENT_KEYS[0]))
        assert "Starts:</b> 2026-10-05T14:00:00" in event.html and "<b>questions</b>" in event.html
        rubric = render_item(reader, contents, contents.by_identifier(OTHER_RUBRIC_KEY))
        assert "Method" in rubric.html and "Argument" not in rubric.html  # its own element, not the first
        lti = render_item(reader, contents, contents.by_identifier(LTI_KEY)).html
        assert "https://lab.example.org/lti/launch" in lti and "Runs the circuit lab" in lti
        old = render_item(reader, contents, contents.by_identifier(OLD_TOOL_KEY)).html
        assert "https://cite.example.org/launch" in old and "Formats references" in old
        link = render_item(reader, contents, contents.by_identifier(LINK_KEY)).html
        assert 'href="https://style.example.org/guide"' in link


def test_an_assignment_shows_the_criteria_of_its_rubric_from_rubrics_xml(tmp_path: Path) -> None:
    from tests.unit.package_support import ASSIGNMENT_KEY, canvas_layout_cc

    reader, contents = open_contents(write(tmp_path, "canvas.imscc", canvas_layout_cc()))
    with reader:
        html = render_item(reader, contents, contents.by_identifier(ASSIGNMENT_KEY)).html
        assert "Rubric: Essay rubric" in html
        for text in ("Argument", "Convincing (6.0)", "Unclear (0.0)", "Sources cited", "All cited (4.0)"):
            assert text in html
        assert "Method" not in html  # the other rubric's criterion
        assert "Points:</b> 10.0" in html and "Write 800 words." in html


def test_the_selection_check_finds_canvas_keyed_events_and_rubrics(tmp_path: Path) -> None:
    from desktop_app.package.selection_check import check_selection
    from tests.unit.package_support import canvas_layout_cc

    reader, contents = open_contents(write(tmp_path, "canvas.imscc", canvas_layout_cc()))
    with reader:
        check = check_selection(contents, {"calendar_events": [81, 82, 83], "rubrics": [71, 72]})
    assert check.summary() == "2 of 3 calendar events: missing calendar event 83, 2 of 2 rubrics"
