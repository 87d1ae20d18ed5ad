"""Time from launch to a painted main window, side by side with a bare PySide6
QMainWindow in the same run (target: at most 1.5x).

Each run is a fresh process (`launch_child.py`) that stops once the main window's first
frame is finished (the window and all its child widgets painted) and prints when that
happened; the parent measures from just before it starts the process. Variants,
alternating, medians of the runs:

* `bare`: QApplication + an empty QMainWindow (the baseline);
* `app --demo`: the app's own entry point, `main(["--demo"])`, to the first frame of its
  main window: what `canvas-export-manager --demo` shows a user first (the window's
  menus and status bar, and its starting page saying "Connecting to the demo Canvas…";
  the background thread, the demo Canvas, the sign-in and the window's panels come once
  that frame is painted);
* `MainWindow only` (information): our window with all its panels, built and shown at
  once, without the demo Canvas or sign-in (what a window made after sign-in costs);
* `same widgets, plain PySide6` (information): `plain_window.py`, a window with the
  same kinds and numbers of widgets built with standard Qt models and no app code: how
  much of the gap the widgets themselves cost;
* `--demo until ready` (information): the same launch until the signed-in window lists
  the demo user's courses, i.e. when the user can start working.

Offscreen Qt; each launch gets fresh, empty config and data folders (XDG_*), as on a
first start, so nothing of the user's is read or written.

Bytecode: launches use cached .pyc files (in a folder of their own under the temp
folder, filled by the warm-up launches), as an installed app does (PyInstaller bundles
and pip installs carry compiled bytecode). PYTHONDONTWRITEBYTECODE, which some shells
set, would otherwise make every launch compile every module it imports from source
(a cost that falls almost only on our side: a bare PySide6 window runs very little
Python). `--no-pyc` measures that case anyway.

    uv run python tests/benchmarks/bench_launch.py [--runs 5] [--no-pyc]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import alternate, banner, child_env, median, table, verdict  # noqa: E402

CHILD = Path(__file__).resolve().parent / "launch_child.py"
TARGET = 1.5
PYCACHE = Path(tempfile.gettempdir()) / "canvas-export-bench" / "pycache"
"""The launches' own bytecode cache (PYTHONPYCACHEPREFIX): nothing is written next to
the sources or into the virtual environment."""


def launch(variant: str, *, pyc: bool = True) -> float:
    """Milliseconds from starting the process to the main window's first finished frame."""
    with tempfile.TemporaryDirectory(prefix="bench-launch-") as home:
        env = child_env()
        if pyc:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
        else:
            env["PYTHONDONTWRITEBYTECODE"] = "1"
            env.pop("PYTHONPYCACHEPREFIX", None)
        env.update(
            QT_QPA_PLATFORM="offscreen",
            XDG_CONFIG_HOME=f"{home}/config",
            XDG_DATA_HOME=f"{home}/data",
            XDG_CACHE_HOME=f"{home}/cache",
            XDG_STATE_HOME=f"{home}/state",
        )
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, str(CHILD), variant], env=env, capture_output=True, text=True, timeout=120
        )
        lines = done.stdout.strip().splitlines()
        if done.returncode != 0 or not lines:
            raise RuntimeError(f"{variant} launch failed ({done.returncode}): {done.stderr[-2000:]}")
        return (float(lines[-1]) - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--no-pyc", action="store_true", help="no bytecode cache: every launch compiles every Python module from source"
    )
    args = parser.parse_args()
    pyc = not args.no_pyc

    banner("warm-up: one uncounted launch of each (file cache" + (", .pyc files)" if pyc else "; no .pyc files)"))
    for variant in ("bare", "app", "window", "widgets", "ready"):
        print(f"  {variant}: {launch(variant, pyc=pyc):.0f} ms", flush=True)
    banner(
        f"launch to the main window's first frame (ms), {args.runs} alternating runs"
        + ("" if pyc else ", compiling from source")
    )
    times = alternate(
        args.runs,
        {
            "bare": lambda: launch("bare", pyc=pyc),
            "app --demo": lambda: launch("app", pyc=pyc),
            "MainWindow only": lambda: launch("window", pyc=pyc),
            "same widgets, plain PySide6": lambda: launch("widgets", pyc=pyc),
            "--demo until ready": lambda: launch("ready", pyc=pyc),
        },
    )
    bare, demo, window = median(times["bare"]), median(times["app --demo"]), median(times["MainWindow only"])
    plain = median(times["same widgets, plain PySide6"])
    ready = median(times["--demo until ready"])
    banner("results")
    print(
        table(
            ["benchmark", "ours", "baseline", "ratio / target", "pass?"],
            [
                [
                    "launch to the main window's first frame (`--demo`)",
                    f"{demo:.0f} ms",
                    f"bare QMainWindow {bare:.0f} ms",
                    f"{demo / bare:.2f}x (<= {TARGET}x)",
                    verdict(demo / bare <= TARGET),
                ],
                [
                    "  our MainWindow with all its panels, built at once (no demo Canvas, no sign-in)",
                    f"{window:.0f} ms",
                    f"{bare:.0f} ms",
                    f"{window / bare:.2f}x",
                    "info",
                ],
                [
                    "  a plain PySide6 window with the same kinds of widgets, no app code",
                    f"{plain:.0f} ms",
                    f"{bare:.0f} ms",
                    f"{plain / bare:.2f}x",
                    "info",
                ],
                [
                    "  `--demo` until signed in with the courses listed",
                    f"{ready:.0f} ms",
                    f"{bare:.0f} ms",
                    f"{ready / bare:.2f}x",
                    "info",
                ],
            ],
        )
    )
    print("\nruns (ms): " + "; ".join(f"{k} {[round(v) for v in vs]}" for k, vs in times.items()))


if __name__ == "__main__":
    main()
