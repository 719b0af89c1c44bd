"""Charts drawn on the server as SVG (SPEC §8: attendance trend, score distribution, a
person's score over time, open cases by age).

No JavaScript and no library: the figures are small, the page must work on a tablet and
when printed, and the Content-Security-Policy allows no inline styles — so colours come from
CSS classes (``compliance/static/css/app.css``, ``.chart …``). Each chart scales to the width
of its container (``viewBox``), keeps 14-unit text (readable at 768 px), carries a title and
an ``aria-label``, and every bar or point has a ``<title>`` with its exact value.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from markupsafe import Markup, escape

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 16, 40


@dataclass(frozen=True)
class Series:
    name: str
    css: str  # a class of app.css: s1…s5, ok, warn, bad, muted
    values: Sequence[float | int | Decimal | None]


def _num(value) -> float:
    return float(value) if value is not None else 0.0


def _fmt(value) -> str:
    if value is None:
        return "—"
    value = float(value)
    return str(int(value)) if value.is_integer() else f"{value:.2f}".rstrip("0").rstrip(".")


def _frame(label: str, body: list[str], legend: Sequence[Series] = ()) -> Markup:
    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
             f'preserveAspectRatio="xMidYMid meet" aria-label="{escape(label)}">',
             f"<title>{escape(label)}</title>", *body]
    x = LEFT
    for series in legend if len(legend) > 1 else ():
        parts.append(f'<rect class="{series.css}" x="{x}" y="{HEIGHT - 14}" width="12" '
                     f'height="12" rx="2"/><text class="legend" x="{x + 16}" '
                     f'y="{HEIGHT - 3}">{escape(series.name)}</text>')
        x += 28 + 14 * len(series.name)
    parts.append("</svg>")
    return Markup("".join(parts))


def _axis(top: float, bottom_value: float = 0.0, steps: int = 4) -> list[str]:
    """Horizontal grid lines with their values on the left."""
    lines = []
    plot_h = HEIGHT - TOP - BOTTOM
    for i in range(steps + 1):
        value = bottom_value + (top - bottom_value) * i / steps
        y = TOP + plot_h - plot_h * i / steps
        lines.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" '
                     f'y2="{y:.1f}"/><text class="axis" x="{LEFT - 6}" y="{y + 5:.1f}" '
                     f'text-anchor="end">{_fmt(round(value, 2))}</text>')
    return lines


def _nice_top(largest: float) -> float:
    if largest <= 0:
        return 1.0
    for step in (1, 2, 3, 5, 10, 15, 20, 25, 30, 40, 50, 75, 100, 150, 200, 250, 500, 1000,
                 2000, 2500, 5000, 10000):
        if largest <= step * 4:
            return float(step * 4)
    return largest


def _x_labels(labels: Sequence[str], slot: float) -> list[str]:
    """Category labels, thinned so that they never overlap (one every ``every`` slots)."""
    widest = max((len(str(label)) for label in labels), default=1)
    every = max(1, int((widest * 8 + 6) // max(slot, 1)) + 1)
    out = []
    for i, label in enumerate(labels):
        if i % every == 0 or i == len(labels) - 1 and len(labels) <= every:
            x = LEFT + slot * (i + 0.5)
            out.append(f'<text class="axis" x="{x:.1f}" y="{HEIGHT - BOTTOM + 18}" '
                       f'text-anchor="middle">{escape(label)}</text>')
    return out


def bar_chart(label: str, labels: Sequence[str], series: Sequence[Series], *,
              stacked: bool = False, top: float | None = None) -> Markup:
    """Bars per category: grouped (side by side) or stacked."""
    count = len(labels)
    if count == 0:
        return _frame(label, [f'<text class="axis" x="{WIDTH / 2}" y="{HEIGHT / 2}" '
                              f'text-anchor="middle">—</text>'])
    sums = [sum(_num(s.values[i]) for s in series) for i in range(count)]
    largest = max(sums) if stacked else max((_num(v) for s in series for v in s.values),
                                            default=0)
    top = top or _nice_top(largest)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / count
    body = _axis(top)
    bars = 1 if stacked else max(1, len(series))
    bar_w = max(2.0, slot * 0.7 / bars)
    for i, category in enumerate(labels):
        base = 0.0
        for j, s in enumerate(series):
            value = _num(s.values[i])
            h = plot_h * value / top if top else 0
            x = LEFT + slot * i + (slot - bar_w * bars) / 2 + (0 if stacked else bar_w * j)
            y = TOP + plot_h - h - (plot_h * base / top if stacked else 0)
            body.append(f'<rect class="{s.css}" x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" '
                        f'height="{max(h, 0):.1f}"><title>{escape(category)} · '
                        f'{escape(s.name)}: {_fmt(s.values[i])}</title></rect>')
            if stacked:
                base += value
    body += _x_labels(labels, slot)
    return _frame(label, body, series)


def line_chart(label: str, labels: Sequence[str], series: Sequence[Series], *,
               bottom: float = 0.0, top: float = 100.0) -> Markup:
    """Lines over categories (days, quarters); a missing value breaks the line."""
    count = len(labels)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(count, 1)
    body = _axis(top, bottom)

    def y_of(value) -> float:
        clipped = min(max(_num(value), bottom), top)
        return TOP + plot_h - plot_h * (clipped - bottom) / ((top - bottom) or 1)

    for s in series:
        run: list[str] = []
        for i, value in enumerate(s.values):
            x = LEFT + slot * (i + 0.5)
            if value is None:
                if len(run) > 1:
                    body.append(f'<polyline class="line {s.css}" points="{" ".join(run)}"/>')
                run = []
                continue
            run.append(f"{x:.1f},{y_of(value):.1f}")
            body.append(f'<circle class="dot {s.css}" cx="{x:.1f}" cy="{y_of(value):.1f}" r="4">'
                        f'<title>{escape(labels[i])} · {escape(s.name)}: {_fmt(value)}</title>'
                        f'</circle>')
        if len(run) > 1:
            body.append(f'<polyline class="line {s.css}" points="{" ".join(run)}"/>')
    body += _x_labels(labels, slot)
    return _frame(label, body, series)


def histogram(values: Sequence[Decimal | float], edges: Sequence[int]
              ) -> tuple[list[str], list[int]]:
    """Counts of ``values`` in the bins ``[edges[i], edges[i+1])``, the last bin closed
    (``[90, 100]``); labels like ``60–70``. Values below the first edge join the first bin."""
    counts = [0] * (len(edges) - 1)
    for value in values:
        v = float(value)
        index = len(counts) - 1
        for i in range(len(counts)):
            if v < edges[i + 1]:
                index = i
                break
        counts[index] += 1
    labels = [f"<{edges[1]}" if i == 0 and edges[0] == 0 else f"{edges[i]}–{edges[i + 1]}"
              for i in range(len(counts))]
    return labels, counts
