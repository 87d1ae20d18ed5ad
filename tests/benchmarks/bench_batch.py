"""A term-end batch at scale: 500 courses, exports taking 2 s at Canvas, at most 5 at once.

    uv run python tests/benchmarks/bench_batch.py [--courses 500] [--export-seconds 2] [--max-at-canvas 5]

Runs the real command line (`canvas-exports batch start --account self --wait`, as an
admin) against the simulated Canvas with a Canvas-like throttle (a leaky bucket of 600,
draining 10 units/s, 50 units up front per request in flight, each request costing a
random 0.01–0.4 units as Canvas's CPU-and-database cost does). Reports what the admin
waits for and what Canvas pays:

* wall time from the command's start to the last line (the report's path), against the
  ideal `courses x export seconds / max at Canvas` (the exports alone, back to back);
* API requests per course (the files host excluded), and their kinds;
* throttled answers (403 "Rate Limit Exceeded" or 429) as a share of the API requests;
* the command's peak RSS (ru_maxrss of the child).
"""

from __future__ import annotations

import argparse
import csv
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests" / "integration"))

from engine_support import CLI, cli_env  # noqa: E402

from desktop_app.simulator import ADMIN_TOKEN, SimulatedCanvas  # noqa: E402
from desktop_app.simulator.auth import ThrottleSettings  # noqa: E402

REQUEST_COST = (0.01, 0.4)


def kind_of(path: str) -> str:
    return re.sub(r"\d+", "N", path.split("?")[0].removeprefix("/api/v1/"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--courses", type=int, default=500)
    parser.add_argument("--export-seconds", type=float, default=2.0)
    parser.add_argument("--max-at-canvas", type=int, default=5)
    parser.add_argument(
        "--request-cost",
        type=float,
        default=None,
        help="every request costs this many units (a busy Canvas; default: a random 0.01-0.4)",
    )
    args = parser.parse_args()

    throttle = ThrottleSettings(request_cost=args.request_cost or REQUEST_COST)
    with SimulatedCanvas(bulk_courses=args.courses - 3, export_duration=args.export_seconds, throttle=throttle) as sim:
        home = Path(tempfile.mkdtemp(prefix="cem-bench-batch-"))
        folder = home / "archive"
        command = [*CLI, "batch", "start", "--account", "self", "--type", "zip", "--to", str(folder)]
        command += ["--max-at-canvas", str(args.max_at_canvas), "--wait"]
        began = time.monotonic()
        done = subprocess.run(
            command, env=cli_env(home, sim, token=ADMIN_TOKEN), cwd=REPO, capture_output=True, text=True
        )
        wall = time.monotonic() - began
        peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        api = [r for r in sim.request_log if r.status is not None]
        throttled = [r for r in api if r.status in (403, 429)]
        rows = list(csv.DictReader((folder / "report.csv").open(encoding="utf-8")))

    ideal = args.courses * args.export_seconds / args.max_at_canvas
    saved = sum(r["state"] == "saved" for r in rows)
    print(f"courses: {args.courses}, export {args.export_seconds:g} s each, at most {args.max_at_canvas} at Canvas")
    print(f"exit code: {done.returncode}; saved {saved} of {len(rows)}")
    print(f"wall: {wall:.1f} s; ideal {ideal:.0f} s; ratio {wall / ideal:.2f}x (target <= 1.3x)")
    print(f"API requests: {len(api)} = {len(api) / args.courses:.1f} per course (target <= 12)")
    print(f"throttled answers: {len(throttled)} = {100 * len(throttled) / max(1, len(api)):.2f}% (target < 1%)")
    print(f"peak RSS of the command: {peak_kib / 1024:.0f} MB (target < 150 MB)")
    print("requests by kind:")
    for kind, count in Counter(kind_of(r.path) for r in api).most_common(12):
        print(f"  {count / args.courses:5.2f} per course  {kind}")
    if done.returncode:
        print(done.stderr[-2000:])


if __name__ == "__main__":
    main()
