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


def check_indicator_rect(view, index):  # type: ignore[no-untyped-def]
    """Where the style draws the check box of `index`'s row (scrolled into view)."""
    from PySide6.QtWidgets import QStyle, QStyleOptionViewItem

    view.scrollTo(index)
    option = QStyleOptionViewItem()
    view.initViewItemOption(option)
    option.rect = view.visualRect(index)
    option.features |= QStyleOptionViewItem.ViewItemFeature.HasCheckIndicator
    return view.style().subElementRect(QStyle.SubElement.SE_ItemViewItemCheckIndicator, option, view)


def check_box_outline_contrast(view, index) -> float:  # type: ignore[no-untyped-def]
    """How far the outline of the check box painted on `index`'s row stands from the view's
    Base colour: the WCAG contrast of the median pixel on the box's edge, as painted."""
    from statistics import median

    from PySide6.QtGui import QPalette

    from desktop_app.ui.style import contrast

    box = check_indicator_rect(view, index)
    image = view.viewport().grab().toImage()
    assert image.devicePixelRatio() == 1 and view.viewport().rect().contains(box)
    edge = [(x, y) for x in range(box.left(), box.right() + 1) for y in (box.top(), box.bottom())]
    edge += [(x, y) for y in range(box.top() + 1, box.bottom()) for x in (box.left(), box.right())]
    base = view.palette().color(QPalette.ColorRole.Base)
    return median(contrast(image.pixelColor(x, y), base) for x, y in edge)


def indicator_outline_contrast(button) -> float:  # type: ignore[no-untyped-def]
    """How far the outline of a check box's or radio button's indicator, as painted, stands
    from the background it sits on (the button's background role, Window in a dialog): for
    each of 24 points around the indicator's edge, the strongest WCAG contrast of the
    pixels within one pixel of it (a circle's edge is antialiased); the median of those."""
    import math
    from statistics import median

    from PySide6.QtWidgets import QRadioButton, QStyle, QStyleOptionButton

    from desktop_app.ui.style import contrast

    radio = isinstance(button, QRadioButton)
    option = QStyleOptionButton()
    button.initStyleOption(option)
    element = QStyle.SubElement.SE_RadioButtonIndicator if radio else QStyle.SubElement.SE_CheckBoxIndicator
    box = button.style().subElementRect(element, option, button)
    image = button.grab().toImage()
    assert image.devicePixelRatio() == 1 and button.rect().contains(box)
    background = button.palette().color(button.backgroundRole())
    cx, cy = box.left() + box.width() / 2, box.top() + box.height() / 2
    half_w, half_h = (box.width() - 1) / 2, (box.height() - 1) / 2

    def edge_point(angle: float) -> tuple[float, float]:
        dx, dy = math.cos(angle), math.sin(angle)
        if radio:
            return cx + dx * half_w, cy + dy * half_h
        scale = min(half_w / abs(dx) if dx else math.inf, half_h / abs(dy) if dy else math.inf)
        return cx + dx * scale, cy + dy * scale

    strongest = []
    for step in range(24):
        x, y = edge_point(2 * math.pi * step / 24)
        near = [(round(x) + i, round(y) + j) for i in (-1, 0, 1) for j in (-1, 0, 1)]
        near = [(px, py) for px, py in near if image.rect().contains(px, py)]
        strongest.append(max(contrast(image.pixelColor(px, py), background) for px, py in near))
    return median(strongest)
