"""Download throughput and peak memory for a 1 GiB package, side by side with curl.

The whole real chain: the simulated Canvas host (Bearer token) answers the package URL
with a redirect to nginx on loopback, which serves a real 1 GiB zip fast enough that the
client is what limits the figure. Ours is the engine's download path
(`download_to_part` through `CanvasClient.open_package`: the Canvas hop with the token
through httpx, the nginx hop through `rawget` into 1 MiB blocks, written in a worker
thread while the next block downloads, fsync at the end), run in a child process whose peak RSS during the
download (VmHWM, reset after the imports) is compared with its RSS idle after the
imports. The baseline is `curl -s -L -o FILE URL` on the very same attachment URL,
alternating runs after one uncounted warm-up each. Also shown: `curl + fsync` (ours
makes the file durable, curl does not) and CPU seconds per GiB, steadier than wall time
when other people's jobs share the machine.

    uv run python tests/benchmarks/bench_download.py [--runs 5] [--size-mib 1024]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness  # noqa: E402
from harness import GiB, MiB, alternate, banner, big_package, median, run_child, table, verdict  # noqa: E402

TOKEN_ENV = "BENCH_CANVAS_TOKEN"  # the demo token reaches the child by environment, never argv
THROUGHPUT_TARGET = 0.8
MEMORY_TARGET_MB = 60.0


# ------------------------------------------------------------------ the child process


def _child(mode: str, base_url: str, url: str, part: str, size: int) -> None:
    """Imports what the engine's download needs; `idle` stops there, `download` downloads.

    Prints the RSS idle after the imports and the peak RSS during the download alone:
    the peak is reset (`/proc/self/clear_refs` 5) after the imports, whose transient
    allocations (bytecode compilation) would otherwise hide the download's own peak."""
    from desktop_app.canvas.client import CanvasClient
    from desktop_app.engine.download import DownloadPolicy, download_to_part, fsync_part
    from desktop_app.engine.partfile import open_part

    def status(field: str) -> int:
        with open("/proc/self/status") as lines:
            for line in lines:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
        return 0

    try:
        with open("/proc/self/clear_refs", "w") as reset:
            reset.write("5")
        peak_reset = True
    except OSError:
        peak_reset = False
    idle = status("VmRSS")
    if mode == "idle":
        print(json.dumps({"idle": idle, "peak": status("VmHWM"), "peak_reset": peak_reset}))
        return
    calls = [0]

    def on_bytes(done: int, total: int | None) -> None:  # what the engine's callback costs
        calls[0] += 1

    async def run() -> tuple[float, float]:
        async with CanvasClient(base_url, os.environ[TOKEN_ENV]) as client:
            cpu = _cpu(resource.RUSAGE_SELF)
            started = time.perf_counter()
            with open_part(Path(part)) as part_file:  # opened and locked as the engine does
                assert part_file.try_lock()
                result = await download_to_part(
                    client, url, part_file, expected_size=size, on_bytes=on_bytes, policy=DownloadPolicy()
                )
                await fsync_part(part_file)  # the engine's fsync before the commit (here without the zip check)
            elapsed = time.perf_counter() - started
            assert result.size == size, result
            return elapsed, _cpu(resource.RUSAGE_SELF) - cpu

    seconds, cpu = asyncio.run(run())
    print(
        json.dumps(
            {
                "seconds": seconds,
                "cpu": cpu,
                "idle": idle,
                "peak": status("VmHWM"),
                "peak_reset": peak_reset,
                "callbacks": calls[0],
            }
        )
    )


def _cpu(who: int) -> float:
    """User + system CPU seconds (all threads): steadier than wall time on a shared machine."""
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


# ------------------------------------------------------------------ the parent


async def _prepare_export(base_url: str, token: str) -> int:
    """Create one export at the simulator and wait (real time, it takes 0.05 s) until done."""
    from desktop_app.canvas.client import CanvasClient
    from desktop_app.canvas.models import Context, ExportType

    async with CanvasClient(base_url, token) as client:
        ctx = Context.parse("course:101")
        export = await client.create_export(ctx, ExportType.COMMON_CARTRIDGE)
        for _ in range(200):
            export = await client.get_export(ctx, export.id)
            if not export.workflow_state.is_running:
                return export.id
            await asyncio.sleep(0.05)
    raise RuntimeError("the simulator's export did not finish")


async def _attachment(base_url: str, token: str, export_id: int) -> tuple[str, int]:
    from desktop_app.canvas.client import CanvasClient
    from desktop_app.canvas.models import Context

    async with CanvasClient(base_url, token) as client:
        export = await client.get_export(Context.parse("course:101"), export_id)
        assert export.attachment is not None
        return export.attachment.url, export.attachment.size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--size-mib", type=int, default=1024)
    args = parser.parse_args()

    from static_server import serve_folder

    from desktop_app.simulator import TEACHER_TOKEN, SimulatedCanvas

    curl = shutil.which("curl")
    if curl is None:
        raise SystemExit("curl is needed for the baseline")
    package = big_package(args.size_mib * MiB)
    size = package.stat().st_size
    env = harness.child_env()
    env[TOKEN_ENV] = TEACHER_TOKEN

    with (
        tempfile.TemporaryDirectory(prefix="bench-dl-", dir=harness.BENCH_DIR) as out_dir,
        serve_folder(package.parent) as static,
        SimulatedCanvas(export_duration=0.05) as sim,
    ):
        export_id = asyncio.run(_prepare_export(sim.base_url, TEACHER_TOKEN))
        sim.serve_package_from(export_id, f"{static}/{package.name}", size)
        url, announced = asyncio.run(_attachment(sim.base_url, TEACHER_TOKEN, export_id))
        assert announced == size, (announced, size)
        if url.startswith("/"):
            url = sim.base_url + url
        target = Path(out_dir) / "download.imscc"
        part = Path(out_dir) / "download.imscc.part"
        growth: list[int] = []
        cpu_ours: list[float] = []
        cpu_curl: list[float] = []
        curl_sync: list[float] = []

        def clean() -> None:
            for path in (target, part):
                path.unlink(missing_ok=True)
            os.sync()  # every run starts with no dirty pages left by the one before

        def ours() -> float:
            clean()
            out, _ = run_child(
                [sys.executable, __file__, "--child", "download", sim.base_url, url, str(part), str(size)], env=env
            )
            assert part.stat().st_size == size
            facts = json.loads(out)
            growth.append(facts["peak"] - facts["idle"])
            cpu_ours.append(facts["cpu"])
            return size / MiB / facts["seconds"]

        def with_curl() -> float:
            clean()
            cpu = _cpu(resource.RUSAGE_CHILDREN)
            done = subprocess.run(
                [curl, "-s", "-S", "-L", "-o", str(target), "-w", "%{time_total}", url],
                check=True,
                capture_output=True,
                text=True,
            )
            assert target.stat().st_size == size, "curl did not fetch the whole package"
            seconds = float(done.stdout.strip())
            cpu_curl.append(_cpu(resource.RUSAGE_CHILDREN) - cpu)
            started = time.perf_counter()
            fd = os.open(target, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
            curl_sync.append(size / MiB / (seconds + time.perf_counter() - started))
            return size / MiB / seconds

        banner("warm-up (first writes into fresh memory and disk blocks are slow on a VM), not counted")
        ours(), with_curl()
        growth.clear(), curl_sync.clear(), cpu_ours.clear(), cpu_curl.clear()
        banner(f"download of a {size / MiB:.0f} MiB package (MiB/s), {args.runs} alternating runs")
        speeds = alternate(args.runs, {"ours": ours, "curl": with_curl})
        clean()

        idle: list[int] = []
        for _ in range(3):
            out, _ = run_child(
                [sys.executable, __file__, "--child", "idle", sim.base_url, url, str(part), "0"], env=env
            )
            idle.append(json.loads(out)["idle"])

    ours_mbs, curl_mbs, sync_mbs = median(speeds["ours"]), median(speeds["curl"]), median(curl_sync)
    ratio = ours_mbs / curl_mbs
    extra_mb = median(growth) / 1e6
    banner("results")
    print(
        table(
            ["benchmark", "ours", "baseline", "ratio / target", "pass?"],
            [
                [
                    f"download {size / MiB:.0f} MiB via redirect to nginx",
                    f"{ours_mbs:.0f} MiB/s",
                    f"curl {curl_mbs:.0f} MiB/s",
                    f"{ratio:.2f}x (>= {THROUGHPUT_TARGET}x)",
                    verdict(ratio >= THROUGHPUT_TARGET),
                ],
                [
                    "  same, baseline curl + fsync (ours fsyncs)",
                    f"{ours_mbs:.0f} MiB/s",
                    f"{sync_mbs:.0f} MiB/s",
                    f"{ours_mbs / sync_mbs:.2f}x",
                    "info",
                ],
                [
                    "  CPU seconds per GiB (user + sys, all threads)",
                    f"{median(cpu_ours) * GiB / size:.2f} s",
                    f"curl {median(cpu_curl) * GiB / size:.2f} s",
                    f"{median(cpu_curl) / median(cpu_ours):.2f}x",
                    "info",
                ],
                [
                    "peak RSS while downloading, above idle",
                    f"{extra_mb:.1f} MB",
                    f"idle {median(idle) / 1e6:.1f} MB",
                    f"< {MEMORY_TARGET_MB:.0f} MB",
                    verdict(extra_mb < MEMORY_TARGET_MB),
                ],
            ],
        )
    )
    print(
        f"\nruns (MiB/s): ours {[round(v) for v in speeds['ours']]}, curl {[round(v) for v in speeds['curl']]}; "
        f"peak above idle {[round(g / 1e6, 1) for g in growth]} MB"
    )


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "--child":
        mode, base, url, part, size = sys.argv[2:7]
        _child(mode, base, url, part, int(size))
    else:
        main()
