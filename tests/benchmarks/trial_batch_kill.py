"""`kill -9` at random moments of a 50-course batch, then `batch resume`, many times.

    uv run python tests/benchmarks/trial_batch_kill.py [--trials 10] [--courses 50]

Each trial runs real `canvas-exports` processes against the simulated Canvas as an
admin: `batch start --account self --wait` (at most 5 at Canvas), a `kill -9` at a random
moment of it, then `batch resume 1 --wait`. Counted per trial: the exports Canvas
created per course (POSTs that succeeded; exactly one each is right), the courses whose
package is saved and matches `SHA256SUMS` and its size in the report, and the exit code
of the resume. Prints one line per trial and the totals. Not a test: it takes minutes,
and its randomness is the point.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests" / "integration"))

from engine_support import CLI, cli_env, posts  # noqa: E402

from desktop_app.simulator import ADMIN_TOKEN, SimulatedCanvas  # noqa: E402

EXPORT_SECONDS = 0.6
"""How long each export takes at the simulated Canvas: 50 courses, 5 at once, ~8 s."""


def verified(folder: Path) -> int:
    """Packages listed in SHA256SUMS whose bytes match (and exist)."""
    good = 0
    for line in (folder / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        digest, name = line.split("  ", 1)
        path = folder / name
        if path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() == digest:
            good += 1
    return good


def trial(number: int, courses: int, rng: random.Random) -> dict[str, object]:
    sim = SimulatedCanvas(bulk_courses=courses - 3, export_duration=EXPORT_SECONDS).start()
    home = Path(tempfile.mkdtemp(prefix="cem-trial-"))
    folder = home / "archive"
    env = cli_env(home, sim, token=ADMIN_TOKEN)
    try:
        start = subprocess.Popen(
            [*CLI, "batch", "start", "--account", "self", "--type", "zip", "--to", str(folder), "--wait"],
            env=env,
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        kill_at = rng.uniform(0.5, 9.0)
        time.sleep(kill_at)  # the random moment of the kill is the trial's point, not synchronisation
        start.send_signal(signal.SIGKILL)
        start.wait()
        before = len([p for p in posts(sim) if p.status is not None and p.status < 300])
        began = time.monotonic()
        resumed = subprocess.run(
            [*CLI, "batch", "resume", "1", "--wait"], env=env, cwd=REPO, capture_output=True, text=True
        )
        seconds = time.monotonic() - began
        made = Counter(p.path for p in posts(sim) if p.status is not None and p.status < 300)
        rows = list(csv.DictReader((folder / "report.csv").open(encoding="utf-8"))) if folder.exists() else []
        return {
            "trial": number,
            "kill_at": kill_at,
            "posts_before": before,
            "courses_exported": len(made),
            "extra_exports": sum(n - 1 for n in made.values()),
            "saved": sum(r["state"] == "saved" for r in rows),
            "verified": verified(folder) if (folder / "SHA256SUMS").exists() else 0,
            "exit": resumed.returncode,
            "resume_s": seconds,
        }
    finally:
        sim.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--courses", type=int, default=50)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    results = []
    print(
        f"{'trial':>5} {'kill at':>8} {'POSTs before':>12} {'exported':>8} {'extra':>5} {'saved':>5} {'verified':>8} {'exit':>4} {'resume':>7}"
    )
    for n in range(1, args.trials + 1):
        r = trial(n, args.courses, rng)
        results.append(r)
        print(
            f"{r['trial']:>5} {r['kill_at']:>7.1f}s {r['posts_before']:>12} {r['courses_exported']:>8} "
            f"{r['extra_exports']:>5} {r['saved']:>5} {r['verified']:>8} {r['exit']:>4} {r['resume_s']:>6.1f}s",
            flush=True,
        )
    bad = [
        r
        for r in results
        if r["extra_exports"] or r["saved"] != args.courses or r["verified"] != args.courses or r["exit"]
    ]
    print(
        f"\n{len(results)} trials of {args.courses} courses: {sum(int(r['extra_exports']) for r in results)} extra exports, "
        f"{sum(args.courses - int(r['verified']) for r in results)} courses not saved and verified, {len(bad)} bad trials"
    )


if __name__ == "__main__":
    main()
