"""verify_package on a 1 GiB package: time and peak memory, beside `sha256sum` and `unzip -tq`.

The package (stored entries of random data and an imsmanifest.xml) is generated once,
in the temp folder, and deleted at the end. Ours runs in a child process, its peak RSS
read from VmHWM after a reset (`/proc/self/clear_refs` 5) that drops the imports'
transient peak, so the figure is the verification's own. Two cases: the zip check alone
(the caller passes the SHA-256 it computed while downloading, as the engine does) and
with the SHA-256 read here too. The baselines' peaks come from GNU time (`%M`): a child's
ru_maxrss starts at its parent's RSS at fork time, so wait4 from this process would
count the benchmark's own memory. Figures only, no verdict.

    uv run python tests/benchmarks/bench_verify.py [--runs 3] [--size-mib 1024]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import GiB, MiB, alternate, banner, big_package, median, run_child, table  # noqa: E402

GNU_TIME = "/usr/bin/time"


def _child(path: str, with_sha256: bool) -> None:
    """Verifies `path` once; prints seconds, RSS after the imports and peak RSS (bytes)."""
    from desktop_app.engine.verify import verify_package

    def status(field: str) -> int:
        with open("/proc/self/status") as lines:
            return next(int(line.split()[1]) * 1024 for line in lines if line.startswith(field + ":"))

    with open("/proc/self/clear_refs", "w") as reset:
        reset.write("5")  # VmHWM := VmRSS
    idle = status("VmRSS")
    started = time.perf_counter()
    verify_package(Path(path), None, sha256=None if with_sha256 else "0" * 64)
    print(json.dumps({"seconds": time.perf_counter() - started, "idle": idle, "peak": status("VmHWM")}))


def _ours(path: Path, with_sha256: bool, peaks: list[int]) -> float:
    out, _ = run_child([sys.executable, __file__, "--child", str(path), "sha256" if with_sha256 else "given"])
    facts = json.loads(out)
    peaks.append(facts["peak"] - facts["idle"])
    return facts["seconds"]


def _tool(argv: list[str], peaks: list[int]) -> float:
    """Runs a baseline under GNU time; its peak RSS (bytes) goes to `peaks`."""
    started = time.perf_counter()
    done = subprocess.run(
        [GNU_TIME, "-f", "%M", *argv], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=True
    )
    elapsed = time.perf_counter() - started
    peaks.append(int(done.stderr.split()[-1]) * 1024)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--size-mib", type=int, default=GiB // MiB)
    args = parser.parse_args()
    path = big_package(args.size_mib * MiB, name=f"verify-bench-{args.size_mib}MiB.imscc")
    try:
        subprocess.run(
            ["cat", str(path)], stdout=subprocess.DEVNULL, check=True
        )  # every case starts from the page cache
        peaks: dict[str, list[int]] = {}
        cases = {
            "verify_package (SHA-256 given)": lambda: _ours(path, False, peaks.setdefault("given", [])),
            "verify_package (SHA-256 read too)": lambda: _ours(path, True, peaks.setdefault("sha", [])),
            "sha256sum": lambda: _tool(["sha256sum", str(path)], peaks.setdefault("sha256sum", [])),
            "unzip -tq": lambda: _tool(["unzip", "-tq", str(path)], peaks.setdefault("unzip", [])),
        }
        banner(f"{path.stat().st_size / MiB:.0f} MiB package, {args.runs} alternating runs")
        times = alternate(args.runs, cases)
        rows = [
            [
                name,
                f"{median(times[name]):.2f}",
                f"{path.stat().st_size / MiB / median(times[name]):.0f}",
                f"{max(peaks[key]) / MiB:.1f}",
            ]
            for name, key in zip(cases, ("given", "sha", "sha256sum", "unzip"), strict=True)
        ]
        print(table(["case", "median s", "MiB/s", "peak RSS MiB (ours: growth over idle)"], rows))
    finally:
        path.unlink(missing_ok=True)


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "--child":
        _child(sys.argv[2], sys.argv[3] == "sha256")
    else:
        main()
