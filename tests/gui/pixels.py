"""Reading what was painted: small pixel checks shared by the GUI tests."""

from __future__ import annotations


def arrow_direction(header, section: int) -> str:  # type: ignore[no-untyped-def]
    """ "up" or "down": which way the sort arrow drawn at the right of a section points
    (its widest row of ink is at the top for a down arrow)."""
    image = header.grab().toImage()
    x0, width = header.sectionViewportPosition(section), header.sectionSize(section)
    background = image.pixelColor(x0 + width // 2, 2).lightness()
    rows = []
    for y in range(1, image.height() - 1):
        ink = sum(
            1
            for x in range(x0 + width - 24, x0 + width - 2)
            if abs(image.pixelColor(x, y).lightness() - background) > 60
        )
        if ink:
            rows.append(ink)
    assert len(rows) >= 3, "no sort arrow drawn"
    return "down" if rows[0] > rows[-1] else "up"
