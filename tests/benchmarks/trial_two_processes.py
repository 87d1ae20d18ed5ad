"""Two processes racing for one export, many times over, at random moments.

    uv run python tests/benchmarks/trial_two_processes.py [--trials N]

Each trial runs real `canvas-exports` processes against the simulated Canvas (its files
host slowed so the races overlap) and checks the outcome:

* **download**: two `download course:ID EXPORT --to DIR` into one folder, each with its
  own job store, the second started after a random delay (0-3 s) into the first one's
  download. Counted: both exit 0 and report the same path; exactly one file in the
  folder; it is byte-identical to the package.
* **resume**: two `resume` at once (a random 0-1 s apart) on one job store holding one
  job that has not reached Canvas yet. Counted: exactly one POST at Canvas; the job
  ends Done with a package identical to Canvas's.

Prints one line per trial and the totals (corrupt files, extra POSTs). Not a test:
it takes minutes, and its randomness is the point.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests" / "integration"))

from engine_support import CLI, cli_env, posts  # noqa: E402

from desktop_app.engine.status import Goal, JobStatus  # noqa: E402
from desktop_app.engine.store import JobStore  # noqa: E402
from desktop_app.simulator import SimulatedCanvas  # noqa: E402

FILES_SPEED = 2_000_000
"""Bytes per second of the simulated files host: the 6.7 MB course zip takes ~3 s."""


def run(home: Path, sim: SimulatedCanvas, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [*CLI, *args], env=cli_env(home, sim), cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def download_trial(root: Path, rng: random.Random) -> tuple[bool, str]:
    sim = SimulatedCanvas(export_duration=0.3).start()
    try:
        course = sim.data.main_course_id
        made = subprocess.run(
            [*CLI, "create", f"course:{course}", "--type", "zip", "--wait"],
            env=cli_env(root / "maker", sim),
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=100,
        )
        export_id = int(made.stdout.split()[1].rstrip(":"))
        dest = root / "shared"
        sim.faults.slow_files(FILES_SPEED)
        first = run(root / "a", sim, "download", f"course:{course}", str(export_id), "--to", str(dest))
        delay = rng.uniform(0, 3)
        time.sleep(delay)  # the random moment the second process starts is the trial itself, not a wait
        second = run(root / "b", sim, "download", f"course:{course}", str(export_id), "--to", str(dest))
        out1, err1 = first.communicate(timeout=100)
        out2, err2 = second.communicate(timeout=100)
        files = sorted(dest.iterdir()) if dest.is_dir() else []
        paths = {
            out1.strip().splitlines()[-1] if out1.strip() else "",
            out2.strip().splitlines()[-1] if out2.strip() else "",
        }
        good = (
            (first.returncode, second.returncode) == (0, 0)
            and len(paths) == 1
            and len(files) == 1
            and digest(files[0].read_bytes()) == digest(sim.package_bytes(export_id))
        )
        line = f"second started {delay:.2f} s in; exits {first.returncode}/{second.returncode}; files {[f.name for f in files]}"
        return good, line if good else f"{line}\n{err1}{err2}"
    finally:
        sim.stop()


def resume_trial(root: Path, rng: random.Random) -> tuple[bool, int, str]:
    sim = SimulatedCanvas(export_duration=0.3).start()
    try:
        home = root / "home"
        with JobStore(home / "data" / "canvas-export-manager" / "jobs.sqlite3") as store:
            job = store.add(
                site=sim.base_url,
                context=f"course:{sim.data.main_course_id}",
                export_type="zip",
                state=JobStatus.INTERRUPTED,
                goal=Goal.SAVED,
                dest_dir=root / "dl",
            )
        sim.faults.slow_files(FILES_SPEED)
        first = run(home, sim, "resume")
        delay = rng.uniform(0, 1)
        time.sleep(delay)  # the random moment the second process starts is the trial itself, not a wait
        second = run(home, sim, "resume")
        _, err1 = first.communicate(timeout=100)
        _, err2 = second.communicate(timeout=100)
        with JobStore(home / "data" / "canvas-export-manager" / "jobs.sqlite3") as store:
            done = store.get(job.id)
        count = len(posts(sim))
        good = (
            done is not None
            and done.state is JobStatus.DONE
            and done.saved_path is not None
            and digest(done.saved_path.read_bytes()) == digest(sim.package_bytes(done.export_id))
        )
        line = f"second started {delay:.2f} s in; exits {first.returncode}/{second.returncode}; POSTs {count}"
        return good, count, line if good else f"{line}\n{err1}{err2}"
    finally:
        sim.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    bad_downloads = bad_resumes = extra_posts = 0
    for n in range(args.trials):
        with tempfile.TemporaryDirectory() as tmp:
            ok, line = download_trial(Path(tmp), rng)
        bad_downloads += not ok
        print(f"download {n + 1}: {'ok' if ok else 'BAD'}  {line}", flush=True)
        with tempfile.TemporaryDirectory() as tmp:
            ok, count, line = resume_trial(Path(tmp), rng)
        bad_resumes += not ok
        extra_posts += max(0, count - 1)
        print(f"resume   {n + 1}: {'ok' if ok else 'BAD'}  {line}", flush=True)
    print(f"\n{args.trials} download trials: {bad_downloads} bad (corrupt, duplicated or diverging paths)")
    print(f"{args.trials} resume trials: {bad_resumes} bad, {extra_posts} extra POSTs")


if __name__ == "__main__":
    main()
