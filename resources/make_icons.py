"""Generate every raster app icon from the one SVG master, resources/icons/app.svg.

Why a script and checked-in output: the PNG/ICO/ICNS files are inputs to PyInstaller on
all three platforms and to the Linux package, and none of those build steps should need a
rendering step of its own. So the generated files live in resources/icons/generated/ and
this script is re-run by hand whenever app.svg changes:

    uv run python resources/make_icons.py           # (re)write resources/icons/generated/
    uv run python resources/make_icons.py --check   # exit 1 if the checked-in files are stale

Rendering uses QtSvg (part of pyside6-essentials, already a dependency), so no Cairo,
Inkscape or Pillow is needed. Qt does ship "ico" and "icns" image writers, but each writes
only ONE image per file; Windows wants several sizes in one .ico (16 px in Explorer lists,
256 px in large-icon views) and macOS several in one .icns, so both containers are written
here. Both formats are small and documented:

- ICO: ICONDIR + ICONDIRENTRY table; each image is either a 32-bit BGRA DIB (the form every
  Windows version and tool reads, used below 256 px) or a PNG (used for 256 px, as Windows
  Vista+ and Inno Setup/PyInstaller expect for the large size).
- ICNS: "icns" + big-endian total length, then (OSType, length, data) elements; the
  ic07..ic14 / icp4 / icp5 types hold PNG data (macOS 10.7+), plus a "TOC " element.

This is a build tool, not application code: the "no PySide6 outside desktop_app/ui/" rule
is about the app's layers and does not apply here.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import struct
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # runs on headless build machines

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt  # noqa: E402
from PySide6.QtGui import QGuiApplication, QImage, QImageReader, QPainter  # noqa: E402
from PySide6.QtSvg import QSvgRenderer  # noqa: E402

APP_ID = "canvas-export-manager"
RESOURCES = Path(__file__).resolve().parent
MASTER = RESOURCES / "icons" / "app.svg"
OUT_DIR = RESOURCES / "icons" / "generated"

#: freedesktop hicolor sizes installed by the Linux package (and used as window icons).
HICOLOR_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)
#: sizes Windows actually asks for (shell lists, taskbar, Alt-Tab, large icon view).
ICO_SIZES = (16, 24, 32, 48, 64, 256)
#: ICNS element types holding PNG data, with their pixel size (1x and @2x variants).
ICNS_TYPES = (
    (b"icp4", 16),
    (b"icp5", 32),
    (b"ic11", 32),
    (b"ic12", 64),
    (b"ic07", 128),
    (b"ic13", 256),
    (b"ic08", 256),
    (b"ic14", 512),
    (b"ic09", 512),
    (b"ic10", 1024),
)


def render(renderer: QSvgRenderer, size: int) -> QImage:
    """Render the master at exactly size x size (vector -> pixels, never a downscale)."""
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    return image.convertToFormat(QImage.Format.Format_ARGB32)


def png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise RuntimeError("Qt could not encode a PNG")
    buffer.close()
    return bytes(data.data())


def dib_bytes(image: QImage) -> bytes:
    """A 32-bit ICO DIB: BITMAPINFOHEADER, BGRA rows bottom-up, then the 1-bit AND mask.

    Format_ARGB32 is stored as B,G,R,A bytes on little-endian machines, which is exactly
    the DIB byte order, so rows are copied as they are (straight, not premultiplied, alpha).
    """
    if sys.byteorder != "little":  # pragma: no cover - every supported build host is LE
        raise RuntimeError("dib_bytes assumes a little-endian host")
    w, h = image.width(), image.height()
    image = image.convertToFormat(QImage.Format.Format_ARGB32)
    raw = bytes(image.constBits())
    stride = image.bytesPerLine()
    rows = [raw[y * stride : y * stride + w * 4] for y in range(h)]
    mask_stride = ((w + 31) // 32) * 4
    mask_rows = []
    for row in rows:
        bits = bytearray(mask_stride)
        for x in range(w):
            if row[x * 4 + 3] == 0:  # fully transparent -> masked out
                bits[x // 8] |= 0x80 >> (x % 8)
        mask_rows.append(bytes(bits))
    pixels = b"".join(reversed(rows))
    mask = b"".join(reversed(mask_rows))
    header = struct.pack("<IiiHHIIiiII", 40, w, h * 2, 1, 32, 0, len(pixels) + len(mask), 0, 0, 0, 0)
    return header + pixels + mask


def ico_bytes(images: dict[int, QImage]) -> bytes:
    entries, blobs = [], []
    offset = 6 + 16 * len(images)
    for size in sorted(images):
        blob = png_bytes(images[size]) if size >= 256 else dib_bytes(images[size])
        dim = 0 if size >= 256 else size  # 0 means 256 in ICONDIRENTRY
        entries.append(struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(blob), offset))
        blobs.append(blob)
        offset += len(blob)
    return struct.pack("<HHH", 0, 1, len(images)) + b"".join(entries) + b"".join(blobs)


def icns_bytes(pngs: dict[int, bytes]) -> bytes:
    elements = [ostype + struct.pack(">I", 8 + len(pngs[size])) + pngs[size] for ostype, size in ICNS_TYPES]
    toc_body = b"".join(e[:8] for e in elements)
    toc = b"TOC " + struct.pack(">I", 8 + len(toc_body)) + toc_body
    body = toc + b"".join(elements)
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def generate(out_dir: Path) -> list[Path]:
    """Write all generated icons below out_dir and return the paths written."""
    renderer = QSvgRenderer(str(MASTER))
    if not renderer.isValid():
        raise SystemExit(f"make_icons: {MASTER.name} is not a valid SVG for QtSvg")
    sizes = sorted(set(HICOLOR_SIZES) | set(ICO_SIZES) | {s for _, s in ICNS_TYPES})
    images = {size: render(renderer, size) for size in sizes}
    pngs = {size: png_bytes(img) for size, img in images.items()}
    written = []
    for size in HICOLOR_SIZES:
        path = out_dir / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(pngs[size])
        written.append(path)
    ico = out_dir / f"{APP_ID}.ico"
    ico.write_bytes(ico_bytes({s: images[s] for s in ICO_SIZES}))
    icns = out_dir / f"{APP_ID}.icns"
    icns.write_bytes(icns_bytes(pngs))
    written += [ico, icns]
    verify_containers(ico, icns)
    return written


def verify_containers(ico: Path, icns: Path) -> None:
    """Read both containers back with Qt's own readers: a malformed file fails here, not in an installer."""
    reader = QImageReader(str(ico), b"ico")
    found = []
    for _ in range(reader.imageCount()):
        img = reader.read()
        if img.isNull():
            raise SystemExit(f"make_icons: Qt cannot read an image in {ico.name}: {reader.errorString()}")
        found.append(img.width())
        reader.jumpToNextImage()
    if sorted(found) != sorted(ICO_SIZES):
        raise SystemExit(f"make_icons: {ico.name} holds sizes {found}, expected {list(ICO_SIZES)}")
    # The ICNS file is checked by walking it here: Qt's icns reader warns "Table of contents
    # contains a bad entry" even on files written by Qt's own icns writer, so it proves nothing.
    data = icns.read_bytes()
    if data[:4] != b"icns" or struct.unpack(">I", data[4:8])[0] != len(data):
        raise SystemExit(f"make_icons: {icns.name} has a bad header")
    pos, seen = 8, {}
    while pos < len(data):
        ostype, length = data[pos : pos + 4], struct.unpack(">I", data[pos + 4 : pos + 8])[0]
        body = data[pos + 8 : pos + length]
        if ostype != b"TOC ":
            if body[:8] != b"\x89PNG\r\n\x1a\n":
                raise SystemExit(f"make_icons: {icns.name} element {ostype!r} is not a PNG")
            seen[ostype] = struct.unpack(">I", body[16:20])[0]  # IHDR width
        pos += length
    if pos != len(data) or seen != {t: s for t, s in ICNS_TYPES}:
        raise SystemExit(f"make_icons: {icns.name} elements {seen} do not match {ICNS_TYPES}")


PIXEL_TOLERANCE = 2
"""Largest difference per colour channel between a fresh render and the checked-in one.
Qt's raster engine takes other SIMD paths on other processors, and its antialiasing then
differs by one step in a handful of edge pixels (seen: 8 of 65,536 pixels at 128 px,
by 1): the same icon, not a stale one."""


def same_icon(fresh: Path, checked_in: Path) -> bool:
    """Byte-identical, or the same images pixel for pixel within PIXEL_TOLERANCE."""
    if filecmp.cmp(fresh, checked_in, shallow=False):
        return True
    ours, theirs = _frames(fresh), _frames(checked_in)
    return len(ours) == len(theirs) and all(_close(a, b) for a, b in zip(ours, theirs, strict=True))


def _frames(path: Path) -> list[QImage]:
    """Every image in a PNG, ICO or ICNS file, in file order, as ARGB32."""
    if path.suffix == ".icns":
        data, pos, found = path.read_bytes(), 8, []
        while pos + 8 <= len(data):
            ostype, length = data[pos : pos + 4], struct.unpack(">I", data[pos + 4 : pos + 8])[0]
            if ostype != b"TOC ":
                found.append(QImage.fromData(data[pos + 8 : pos + length], "PNG"))
            pos += max(length, 8)
    else:
        reader = QImageReader(str(path))
        found = []
        for _ in range(max(1, reader.imageCount())):
            found.append(reader.read())
            reader.jumpToNextImage()
    return [image.convertToFormat(QImage.Format.Format_ARGB32) for image in found]


def _close(a: QImage, b: QImage) -> bool:
    if a.isNull() or b.isNull() or a.size() != b.size():
        return False
    pixels_a, pixels_b = bytes(a.constBits()), bytes(b.constBits())
    return len(pixels_a) == len(pixels_b) and all(
        abs(x - y) <= PIXEL_TOLERANCE for x, y in zip(pixels_a, pixels_b, strict=True) if x != y
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the checked-in files instead of writing")
    args = parser.parse_args(argv)
    _app = QGuiApplication.instance() or QGuiApplication([])
    if not args.check:
        for path in generate(OUT_DIR):
            print(path.relative_to(RESOURCES.parent))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        stale = [
            p.relative_to(tmp)
            for p in generate(Path(tmp))
            if not (OUT_DIR / p.relative_to(tmp)).is_file() or not same_icon(p, OUT_DIR / p.relative_to(tmp))
        ]
    if stale:
        print("make_icons: stale or missing, re-run resources/make_icons.py:", *stale, sep="\n  ")
        return 1
    print("make_icons: generated icons are up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
