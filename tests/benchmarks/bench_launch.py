"""Time from launch to a painted main window, side by side with a bare PySide6
QMainWindow in the same run (target: at most 1.5x).

Each run is a fresh process (`launch_child.py`) that stops at the main window's first
Paint event and prints when that happened; the parent measures from just before it
starts the process. Variants, alternating, medians of the runs:

* `bare`: QApplication + an empty QMainWindow (the baseline);
* `app --demo`: the app's own entry point, `main(["--demo"])`: the demo Canvas starts
  on the background thread, the user is signed in, the main window is painted: what
  `canvas-export-manager --demo` shows a user;
* `MainWindow only`: our window built and shown directly, without the demo Canvas or
  sign-in (what the window itself costs).

Offscreen Qt; each launch gets fresh, empty config and data folders (XDG_*), as on a
first start, so nothing of the user's is read or written.

    uv run python tests/benchmarks/bench_launch.py [--runs 5]
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


def launch(variant: str) -> float:
    """Milliseconds from starting the process to the main window's first paint."""
    with tempfile.TemporaryDirectory(prefix="bench-launch-") as home:
        env = child_env()
        env.update(QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=f"{home}/config", XDG_DATA_HOME=f"{home}/data",
                   XDG_CACHE_HOME=f"{home}/cache", XDG_STATE_HOME=f"{home}/state")
        started = time.monotonic()
        done = subprocess.run([sys.executable, str(CHILD), variant], env=env, capture_output=True, text=True,
                              timeout=120)
        lines = done.stdout.strip().splitlines()
        if done.returncode != 0 or not lines:
            raise RuntimeError(f"{variant} launch failed ({done.returncode}): {done.stderr[-2000:]}")
        return (float(lines[-1]) - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    banner("warm-up: one uncounted launch of each (file cache, .pyc files)")
    for variant in ("bare", "app", "window"):
        print(f"  {variant}: {launch(variant):.0f} ms", flush=True)
    banner(f"launch to first paint of the main window (ms), {args.runs} alternating runs")
    times = alternate(args.runs, {"bare": lambda: launch("bare"), "app --demo": lambda: launch("app"),
                                  "MainWindow only": lambda: launch("window")})
    bare, demo, window = median(times["bare"]), median(times["app --demo"]), median(times["MainWindow only"])
    banner("results")
    print(table(
        ["benchmark", "ours", "baseline", "ratio / target", "pass?"],
        [
            ["launch to painted main window (`--demo`: demo Canvas + sign-in)", f"{demo:.0f} ms",
             f"bare QMainWindow {bare:.0f} ms", f"{demo / bare:.2f}x (<= {TARGET}x)", verdict(demo / bare <= TARGET)],
            ["  our MainWindow alone (no demo Canvas, no sign-in)", f"{window:.0f} ms", f"{bare:.0f} ms",
             f"{window / bare:.2f}x", "info"],
        ],
    ))
    print("\nruns (ms): " + "; ".join(f"{k} {[round(v) for v in vs]}" for k, vs in times.items()))


if __name__ == "__main__":
    main()
