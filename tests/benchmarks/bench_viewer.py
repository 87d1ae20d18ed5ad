"""Package viewer on a 2 GiB package with 20,000 files (2,000 of them pages): first paint,
memory above the idle app, search after background indexing. Prints a markdown table.

    uv run python tests/benchmarks/bench_viewer.py [--runs 3] [--keep]

The package (stored random data, so it is as large on disk as it says) is written once to
the temporary folder. Each run is a fresh process: a QApplication with an idle main window
is the baseline (its resident memory), then the viewer opens the package; the clock runs
from the call to the first frame painted with the tree (central directory and manifest
only), memory is the peak RSS above the baseline once the text is indexed, and search is
`PackageViewer.apply_search` (index + tree filter) for a few queries.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

FILES, PAGES, TARGET = 20_000, 2_000, 2 << 30
WORDS = (
    "engine loom card bernoulli note difference logic binary algorithm store mill compiler punch "
    "lovelace babbage jacquard menabrea analytical operation variable"
).split()


def build(path: Path) -> None:
    block = os.urandom(1 << 20)
    each = (TARGET - PAGES * 2000) // (FILES - PAGES)
    resources, org = [], []
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        for n in range(PAGES):
            words = " ".join(WORDS[(n * 7 + k) % len(WORDS)] for k in range(250))
            z.writestr(
                f"wiki_content/page-{n}.html",
                f"<html><head><title>Page {n}</title></head><body><p>{words} token{n}</p></body></html>",
                zipfile.ZIP_DEFLATED,
            )
            resources.append(
                f'<resource identifier="wiki_page_{n}" type="webcontent" href="wiki_content/page-{n}.html">'
                f'<file href="wiki_content/page-{n}.html"/></resource>'
            )
        for n in range(FILES - PAGES):
            start = (n * 4099) % ((1 << 20) - 1)
            data = (block[start:] + block)[:each] if each <= (1 << 20) else (block * (each // len(block) + 1))[:each]
            name = f"web_resources/folder {n % 40}/sub {n % 7}/file-{n}.bin"
            z.writestr(name, data)
            resources.append(
                f'<resource identifier="attachment_{n}" type="webcontent" href="{name}"><file href="{name}"/></resource>'
            )
        for m in range(20):
            items = "".join(
                f'<item identifier="content_tag_{m}_{k}" identifierref="wiki_page_{m * 50 + k}"><title>Item {k}</title></item>'
                for k in range(50)
            )
            org.append(f'<item identifier="context_module_{m}"><title>Module {m}</title>{items}</item>')
        z.writestr(
            "imsmanifest.xml",
            '<?xml version="1.0"?><manifest identifier="m" '
            'xmlns="http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"><metadata><schema>IMS Common Cartridge'
            '</schema></metadata><organizations><organization><item identifier="LearningModules">'
            + "".join(org)
            + "</item></organization></organizations><resources>"
            + "".join(resources)
            + "</resources></manifest>",
            zipfile.ZIP_DEFLATED,
        )


CHILD = r"""
import os, sys, time, json, resource, statistics
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from PySide6.QtCore import QEventLoop, QTimer, QEvent, QObject
from PySide6.QtWidgets import QApplication, QMainWindow, QLabel
def rss(): return int(open("/proc/self/statm").read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
app = QApplication([])
idle = QMainWindow(); idle.setCentralWidget(QLabel("idle")); idle.resize(800, 600); idle.show()
import desktop_app.ui.package_viewer as pv  # the module is part of the idle app
for _ in range(20): app.processEvents()
base = rss()
def wait(signal, ms=120000):
    loop = QEventLoop(); signal.connect(loop.quit); QTimer.singleShot(ms, loop.quit); loop.exec()
class Painted(QObject):
    def __init__(self): super().__init__(); self.at = None
    def eventFilter(self, obj, ev):
        if ev.type() == QEvent.Type.Paint and self.at is None and viewer.contents is not None:
            self.at = time.perf_counter()
        return False
t0 = time.perf_counter()
viewer = pv.open_package_viewer(sys.argv[1], jobs=lambda: [])
painted = Painted(); viewer.tree.viewport().installEventFilter(painted)
done = []
viewer.indexFinished.connect(lambda: done.append(time.perf_counter()))
wait(viewer.ready)
while painted.at is None: app.processEvents()
first = painted.at - t0
while not done: app.processEvents()
indexing = done[0] - t0
searches = []
for q in ("token1999", "babbage lovelace", "page 12", "nothing-matches-this"):
    t = time.perf_counter(); viewer.apply_search(q); searches.append(time.perf_counter() - t)
    viewer.apply_search("")
only = []
for q in ("token1999", "babbage lovelace", "analytical mill"):
    t = time.perf_counter(); viewer.index.search(q); only.append(time.perf_counter() - t)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"first": first, "mem": peak - base, "base": base, "index": indexing,
                  "search": statistics.median(searches), "search_max": max(searches),
                  "search_only": statistics.median(only), "indexed": viewer.index.indexed}))
viewer.shutdown()
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the 2 GiB package")
    args = parser.parse_args()
    path = Path(tempfile.gettempdir()) / "bench-viewer-2gib.imscc"
    if not path.exists() or path.stat().st_size < TARGET * 0.95:
        t = time.perf_counter()
        build(path)
        print(f"built {path.stat().st_size / 2**30:.2f} GiB in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    root = Path(__file__).resolve().parents[2]
    runs = []
    for _ in range(args.runs):
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(path)],
            capture_output=True,
            text=True,
            cwd=root,
            env={**os.environ, "PYTHONPATH": str(root)},
            check=True,
        )
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    ms = lambda key: " / ".join(f"{r[key] * 1000:.0f}" for r in runs)  # noqa: E731
    print("| benchmark (2 GiB, 20,000 files, 2,000 pages) | runs | median | target | pass? |")
    print("|---|---|---|---|---|")
    print(
        f"| first paint of the viewer with its tree | {ms('first')} ms | {med['first'] * 1000:.0f} ms | < 1 s | "
        f"{'yes' if med['first'] < 1 else 'no'} |"
    )
    print(
        f"| peak memory above the idle app (idle: {med['base'] / 1e6:.0f} MB) | "
        + " / ".join(f"{r['mem'] / 1e6:.0f}" for r in runs)
        + f" MB | {med['mem'] / 1e6:.0f} MB | < 100 MB | "
        f"{'yes' if med['mem'] < 100e6 else 'no'} |"
    )
    print(
        f"| search covers the text of {runs[0]['indexed']:,} pages (from opening) | {ms('index')} ms | "
        f"{med['index'] * 1000:.0f} ms | | info |"
    )
    print(
        f"| search + filtering the tree, median of 4 queries | {ms('search')} ms | {med['search'] * 1000:.0f} ms | "
        f"< 200 ms | {'yes' if med['search'] < 0.2 else 'no'} |"
    )
    print(
        f"| — the slowest query | {ms('search_max')} ms | {med['search_max'] * 1000:.0f} ms | < 200 ms | "
        f"{'yes' if med['search_max'] < 0.2 else 'no'} |"
    )
    print(f"| — the index lookup alone | {ms('search_only')} ms | {med['search_only'] * 1000:.1f} ms | | info |")
    if not args.keep:
        path.unlink()


if __name__ == "__main__":
    main()
