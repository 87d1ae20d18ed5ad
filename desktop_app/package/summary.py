"""What `canvas-exports inspect` reports: a package's summary and, when the job that saved
it is known, the selection check. Qt-free; the viewer shows the same facts."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop_app.package.cartridge import KIND_LABEL, Contents, read_contents
from desktop_app.package.reader import PackageReader
from desktop_app.package.search import index_texts
from desktop_app.package.selection_check import SelectionCheck, check_selection
from desktop_app.sizes import human_size

FORMAT_LABEL = {"common_cartridge": "Common Cartridge", "qti": "QTI", "files": "Files zip"}


@dataclass
class PackageSummary:
    path: Path
    size: int
    entries: int
    contents: Contents
    check: SelectionCheck | None = None
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        c = self.contents
        return {
            "path": str(self.path),
            "title": c.title,
            "format": c.format,
            "size": self.size,
            "entries": self.entries,
            "counts": c.counts(),
            "modules": [{"title": m.title, "items": len(m.entries)} for m in c.modules],
            "files": {"count": c.files_root.count, "bytes": c.files_root.size},
            "problems": c.problems,
            "problem_count": c.problem_count,
            "selection": self.check.to_json() if self.check else None,
            "notes": self.notes,
        }

    def lines(self) -> list[str]:
        c = self.contents
        out = [f"{c.title} ({FORMAT_LABEL.get(c.format, c.format)}, {human_size(self.size)}, {self.entries} entries)"]
        for kind, count in c.counts().items():
            extra = f" ({human_size(c.files_root.size)})" if kind == "files" else ""
            out.append(f"  {KIND_LABEL[kind]}: {count}{extra}")
        if c.modules:
            out.append(f"Modules: {len(c.modules)}")
            out += [f"  {m.title}: {len(m.entries)} item{'s' if len(m.entries) != 1 else ''}" for m in c.modules]
        if c.problem_count:
            out.append(f"Problems: {c.problem_count}")
            out += [f"  {p}" for p in c.problems[:20]]
            if c.problem_count > 20:
                out.append(f"  … and {c.problem_count - 20} more")
        out += self.notes
        if self.check is not None:
            who = f" (job {self.check.job_id})" if self.check.job_id is not None else ""
            out.append(f"Selection{who}: {self.check.summary()}")
        return out


def inspect_package(path: Path, *, job: Any = None, verify: bool = True) -> PackageSummary:
    """Open, check and summarise; CorruptPackageError when the package is not sound."""
    with PackageReader(path) as reader:
        if verify:
            reader.check_entries()  # every entry's CRC and length, in flat memory
        contents = read_contents(reader)
        for key, title, _ in index_texts(reader, contents):  # real titles for the report
            contents.items[key].title = title
        summary = PackageSummary(path, reader.size, len(reader.entries), contents)
    if job is not None:
        summary.check = check_selection(contents, job.selection, export_type=job.export_type, job_id=job.id)
    return summary
