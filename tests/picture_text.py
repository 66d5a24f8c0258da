"""Every text of a matplotlib figure, where the renderer puts it: for the tests that no text overlaps another
or leaves the figure."""

from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.text import Text

TOLERANCE = 1.0  # pixels: anti-aliasing may touch


def _drawn_tick_labels(fig: Figure) -> tuple[set, list]:
    """Every tick label, and those the axes draw (a label outside the view limits exists but is not drawn)."""
    every, drawn = set(), []
    for ax in fig.get_axes():
        for axis in (ax.xaxis, ax.yaxis):
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                every |= {id(tick.label1), id(tick.label2)}
            for tick in axis._update_ticks():  # the ticks within the view limits: what matplotlib draws
                drawn += [label for label in (tick.label1, tick.label2) if label.get_visible()]
    return every, drawn


def texts(fig: Figure) -> list[tuple[str, object]]:
    """(text, bounding box in pixels) of every visible, non-empty text of ``fig`` once drawn."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    ticks, drawn = _drawn_tick_labels(fig)
    found = []
    for artist in [a for a in fig.findobj(Text) if id(a) not in ticks] + drawn:
        if not artist.get_visible() or not artist.get_text().strip() or artist.get_alpha() == 0:
            continue
        if artist.axes is not None and not artist.axes.get_visible():
            continue
        box = artist.get_window_extent(renderer)
        if box.width > 0 and box.height > 0:
            found.append((artist.get_text(), box))
    return found


def problems(fig: Figure) -> list[str]:
    """Texts that leave the figure, and pairs of texts that overlap."""
    width, height = fig.bbox.width, fig.bbox.height
    placed = texts(fig)
    out = [
        f"leaves the figure: {text!r} {tuple(round(v) for v in box.extents)}"
        for text, box in placed
        if box.x0 < -TOLERANCE or box.y0 < -TOLERANCE or box.x1 > width + TOLERANCE or box.y1 > height + TOLERANCE
    ]
    for i, (a, box_a) in enumerate(placed):
        for b, box_b in placed[i + 1 :]:
            overlap_x = min(box_a.x1, box_b.x1) - max(box_a.x0, box_b.x0)
            overlap_y = min(box_a.y1, box_b.y1) - max(box_a.y0, box_b.y0)
            if overlap_x > TOLERANCE and overlap_y > TOLERANCE:
                out.append(f"overlap: {a!r} and {b!r}")
    return out
