"""The layering rule, checked so it cannot rot: Qt stays in desktop_app/ui/.

canvas/, engine/, app/, simulator/, the CLI and profiles must run without a display (cron,
CI, the frozen CLI), so none of them may import PySide6 or the ui package.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "desktop_app"
QT_FREE = [path for path in PACKAGE.rglob("*.py") if "ui" not in path.relative_to(PACKAGE).parts]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_the_rule_sees_the_core_modules() -> None:
    relative = {str(p.relative_to(PACKAGE)) for p in QT_FREE}
    assert {
        "cli.py",
        "canvas/client.py",
        "engine/engine.py",
        "simulator/server.py",
        "app/usecases.py",
        "app/jobs.py",
    } <= relative


def test_no_qt_outside_ui() -> None:
    offenders = {
        str(path.relative_to(PACKAGE)): sorted(
            m for m in imported_modules(path) if m.split(".")[0] in {"PySide6", "shiboken6"}
        )
        for path in QT_FREE
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_core_does_not_reach_into_ui() -> None:
    offenders = {
        str(path.relative_to(PACKAGE))
        for path in QT_FREE
        if any(m == "desktop_app.ui" or m.startswith("desktop_app.ui.") for m in imported_modules(path))
    }
    # The CLI may hand `--demo` over to the app entry, but only through a lazy import
    # inside that branch (checked below); everything else stays Qt-free.
    assert offenders <= {"cli.py"}


def test_cli_starts_without_loading_qt() -> None:
    import subprocess
    import sys

    probe = "import sys, desktop_app.cli; print('PySide6' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
