"""Byte counts as people read them, in one place for the window, the command line and
the engine's messages (1000-based units, like file managers on Linux and macOS)."""

from __future__ import annotations


def human_size(size: int | None) -> str:
    """``"512 bytes"``, ``"6.7 MB"``, ``"1.1 GB"``; empty for an unknown size."""
    if size is None:
        return ""
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if value < 1000 or unit == "TB":
            return f"{int(value)} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1000
    return ""  # unreachable
