"""The default download folder per Canvas site and course."""

from __future__ import annotations

from pathlib import Path

from desktop_app.canvas.models import Context
from desktop_app.engine.download import MAX_NAME_BYTES
from desktop_app.engine.folders import (
    context_folder_name,
    default_dest_dir,
    site_folder_name,
)


def test_site_is_its_host_without_scheme_port_or_path() -> None:
    assert site_folder_name("https://Canvas.School.edu") == "canvas.school.edu"
    assert site_folder_name("http://127.0.0.1:54321") == "127.0.0.1"  # the demo's port changes every start
    assert site_folder_name("https://canvas.example.edu:8443/") == "canvas.example.edu"


def test_course_and_group_folders_carry_name_and_id() -> None:
    assert context_folder_name(Context.parse("course:4021"), "Linear Algebra") == "Linear Algebra (course 4021)"
    assert context_folder_name(Context.parse("group:7"), "Project Team") == "Project Team (group 7)"
    assert context_folder_name(Context.parse("user:self"), "whatever") == "My files"
    assert context_folder_name(Context.parse("course:12")) == "Course 12"  # name not known


def test_names_are_safe_on_every_platform() -> None:
    assert context_folder_name(Context.parse("course:1"), "Math 101/102: Proofs? <draft>") == (
        "Math 101-102 - Proofs_ _draft_ (course 1)"
    )
    assert context_folder_name(Context.parse("course:2"), "..") == "(course 2)"
    assert context_folder_name(Context.parse("course:3"), "  Two\n lines  ") == "Two lines (course 3)"
    long = context_folder_name(Context.parse("course:4"), "Ä" * 400)
    assert long.endswith("… (course 4)") and len(long.encode()) <= MAX_NAME_BYTES


def test_default_dest_dir_puts_site_then_course_under_the_chosen_folder(tmp_path: Path) -> None:
    dest = default_dest_dir(tmp_path, "https://canvas.school.edu", Context.parse("course:101"), "History of Computing")
    assert dest == tmp_path / "canvas.school.edu" / "History of Computing (course 101)"
    assert not dest.exists()  # created on demand by the download
