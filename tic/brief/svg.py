"""The brief's drawing kit: linear and band scales, axes, legends and titles as SVG markup.

Everything is computed here, in Python, so a chart costs a millisecond or two. Text is sized
with Helvetica's widths, widened a little for the sans-serif fonts browsers pick instead
(DejaVu Sans on Debian is the widest of them); labels over their limit end in an ellipsis.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from html import escape

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"
INK, MUTED, GRID, DOMAIN = "#1d1d1f", "#555", "#e4e4e0", "#888"
TITLE_PX, SUBTITLE_PX, LABEL_PX = 15, 12, 12
MINUS = "\u2212"  # a typographic minus, as in print

# Helvetica's advance widths in 1/1000 em for the characters " " (32) to "~" (126).
_ASCII_WIDTHS = (
    (278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278)
    + (556,) * 10
    + (278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500)
    + (667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278)
    + (278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222)
    + (833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584)
)
BROWSER_WIDER = 1.12  # DejaVu Sans against Helvetica, measured on the brief's country names
BOLD_WIDER = 1.2  # bold sans-serif faces run wider again


def text_width(text: str, size_px: float, bold: bool = False) -> float:
    """The width of `text` in px at `size_px`, as a browser's sans-serif is likely to draw it."""
    units = sum(
        _ASCII_WIDTHS[ord(c) - 32] if 32 <= ord(c) < 127 else 600 for c in text
    )  # 600: accented letters and symbols, a little wider than most
    return units * size_px / 1000 * BROWSER_WIDER * (BOLD_WIDER if bold else 1.0)


def clip(text: str, size_px: float, limit_px: float) -> str:
    """`text` cut to `limit_px`, with an ellipsis where it was cut."""
    if text_width(text, size_px) <= limit_px:
        return text
    while text and text_width(text + "…", size_px) > limit_px:
        text = text[:-1]
    return text.rstrip() + "…"


def wrap(text: str, size_px: float, limit_px: float, bold: bool = False) -> list[str]:
    """`text` broken between words into lines of at most `limit_px` (a longer word stays whole)."""
    lines: list[str] = []
    for word in text.split():
        if lines and text_width(f"{lines[-1]} {word}", size_px, bold) <= limit_px:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def nice_step(span: float, count: int) -> float:
    """A tick step of 1, 2 or 5 times a power of ten giving about `count` ticks over `span`
    (d3's rule, which Vega uses)."""
    raw = span / max(count, 1)
    step = 10.0 ** math.floor(math.log10(raw))
    ratio = raw / step
    return step * (10 if ratio >= 7.07 else 5 if ratio >= 3.16 else 2 if ratio >= 1.41 else 1)


def tick_step(ticks: Sequence[float]) -> float:
    """The step between evenly spaced ticks (1 for a single tick)."""
    return ticks[1] - ticks[0] if len(ticks) > 1 else 1.0


def amount_label(value: float, step: float) -> str:
    """A tick's number: thousands separated, as many decimals as the step needs."""
    decimals = max(0, -math.floor(math.log10(step))) if 0 < step < 1 else 0
    text = f"{value:,.{decimals}f}"
    return text.replace("-", MINUS) if value < 0 else text.lstrip("-")


@dataclass(frozen=True)
class Linear:
    """A linear scale from a domain of amounts to a range of px."""

    low: float
    high: float
    start_px: float
    end_px: float

    def __call__(self, value: float) -> float:
        if self.high == self.low:
            return self.start_px
        share = (value - self.low) / (self.high - self.low)
        return self.start_px + share * (self.end_px - self.start_px)

    @classmethod
    def nice(
        cls, values: Sequence[float], start_px: float, end_px: float, count: int
    ) -> tuple[Linear, list[float]]:
        """A scale over `values` and zero, its ends rounded out to a tick, and its ticks."""
        low, high = min([0.0, *values]), max([0.0, *values])
        if high == low:
            high = low + 1
        step = nice_step(high - low, count)
        low, high = math.floor(low / step) * step, math.ceil(high / step) * step
        ticks = [i * step for i in range(round(low / step), round(high / step) + 1)]
        return cls(low, high, start_px, end_px), ticks

    @classmethod
    def labelled(
        cls, values: Sequence[float], start_px: float, end_px: float, count: int
    ) -> tuple[Linear, list[float]]:
        """``nice`` with fewer ticks where their labels would touch (as Vega drops them)."""
        while True:
            scale, ticks = cls.nice(values, start_px, end_px, count)
            step = tick_step(ticks)
            widest = max(text_width(amount_label(t, step), LABEL_PX) for t in ticks)
            if count <= 2 or (widest + 10) * (len(ticks) - 1) <= abs(end_px - start_px):
                return scale, ticks
            count -= 1


@dataclass
class Canvas:
    """SVG elements in drawing order; ``markup`` wraps them in an <svg> of the given size."""

    width_px: float
    height_px: float
    label: str
    parts: list[str] = field(default_factory=list)

    def path(
        self,
        d: str,
        *,
        fill: str = "none",
        stroke: str | None = None,
        stroke_px: float = 1.0,
        dash: str | None = None,
        tip: str | None = None,
    ) -> None:
        attributes = f'd="{d}" fill="{fill}"'
        if stroke:
            attributes += f' stroke="{stroke}" stroke-width="{stroke_px:g}"'
        if dash:
            attributes += f' stroke-dasharray="{dash}"'
        if tip is None:
            self.parts.append(f"<path {attributes}/>")
        else:
            self.parts.append(f"<path {attributes}><title>{escape(tip)}</title></path>")

    def text(
        self,
        x: float,
        y: float,
        text: str,
        *,
        size_px: float = LABEL_PX,
        anchor: str = "start",
        fill: str = INK,
        bold: bool = False,
        rotate: bool = False,
    ) -> None:
        """Text whose baseline is at `y` (or, rotated, read bottom to top with its centre at x)."""
        attributes = f'x="{x:.1f}" y="{y:.1f}" font-size="{size_px}" fill="{fill}"'
        if anchor != "start":
            attributes += f' text-anchor="{anchor}"'
        if bold:
            attributes += ' font-weight="bold"'
        if rotate:
            attributes += f' transform="rotate(-90 {x:.1f} {y:.1f})"'
        self.parts.append(f"<text {attributes}>{escape(text)}</text>")

    def markup(self) -> str:
        w, h = math.ceil(self.width_px), math.ceil(self.height_px)
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
            f'viewBox="0 0 {w} {h}" font-family="{escape(FONT)}" role="img" '
            f'aria-label="{escape(self.label)}"><rect width="{w}" height="{h}" fill="white"/>'
            + "".join(self.parts)
            + "</svg>"
        )


def rect(x0: float, y0: float, x1: float, y1: float) -> str:
    """A rectangle's path between two corners, in either order."""
    left, right, top, bottom = min(x0, x1), max(x0, x1), min(y0, y1), max(y0, y1)
    return f"M{left:.1f},{top:.1f}H{right:.1f}V{bottom:.1f}H{left:.1f}Z"


def lines_path(segments: Sequence[tuple[float, float, float, float]]) -> str:
    """One path drawing each (x0, y0, x1, y1) segment."""
    return "".join(f"M{x0:.1f},{y0:.1f}L{x1:.1f},{y1:.1f}" for x0, y0, x1, y1 in segments)


@dataclass(frozen=True)
class Header:
    """A chart's title, subtitle and legend, wrapped to the chart's width."""

    title: list[str]
    subtitle: list[str]
    legend: list[tuple[str, str]]  # (label, colour)
    legend_columns: int
    width_px: float

    TITLE_LINE, SUBTITLE_LINE, LEGEND_LINE = 19.0, 15.0, 18.0

    @classmethod
    def of(
        cls,
        title: str,
        subtitle: str,
        width_px: float,
        legend: Sequence[tuple[str, str]] = (),
        legend_columns: int = 0,
    ) -> Header:
        columns = legend_columns or len(legend)
        while columns > 1 and columns * _legend_column_px(legend) > width_px:
            columns -= 1
        return cls(
            wrap(title, TITLE_PX, width_px, bold=True),
            wrap(subtitle, SUBTITLE_PX, width_px) if subtitle else [],
            list(legend),
            columns,
            width_px,
        )

    @property
    def height_px(self) -> float:
        rows = math.ceil(len(self.legend) / self.legend_columns) if self.legend else 0
        return (
            len(self.title) * self.TITLE_LINE
            + len(self.subtitle) * self.SUBTITLE_LINE
            + (rows * self.LEGEND_LINE + 4 if rows else 0)
            + 8
        )

    def draw(self, canvas: Canvas, x: float, y: float) -> None:
        for line in self.title:
            y += self.TITLE_LINE
            canvas.text(x, y - 4, line, size_px=TITLE_PX, bold=True)
        for line in self.subtitle:
            y += self.SUBTITLE_LINE
            canvas.text(x, y - 3, line, size_px=SUBTITLE_PX, fill=MUTED)
        column_px = max((text_width(label, LABEL_PX) + 34 for label, _ in self.legend), default=0.0)
        for index, (label, colour) in enumerate(self.legend):
            row, column = divmod(index, self.legend_columns)
            left = x + column * column_px
            top = y + 6 + row * self.LEGEND_LINE
            canvas.path(rect(left, top + 2, left + 10, top + 12), fill=colour)
            canvas.text(left + 15, top + 11, label)


def _legend_column_px(legend: Sequence[tuple[str, str]]) -> float:
    """A legend column: the swatch, its widest label and a gap."""
    return max((text_width(label, LABEL_PX) + 34 for label, _ in legend), default=0.0)


def overhang_px(label: str, room_px: float = 0.0) -> float:
    """How far a label centred on a plot's last px runs past it, beyond `room_px` it has."""
    return max(0.0, text_width(label, LABEL_PX) / 2 - room_px)


def x_axis_amounts(
    canvas: Canvas, scale: Linear, ticks: Sequence[float], top: float, bottom: float, title: str
) -> None:
    """Vertical grid lines at the ticks, their labels and the axis title below the plot."""
    step = tick_step(ticks)
    canvas.path(lines_path([(scale(t), top, scale(t), bottom) for t in ticks]), stroke=GRID)
    canvas.path(
        lines_path([(scale(t), bottom, scale(t), bottom + 5) for t in ticks]), stroke=DOMAIN
    )
    for tick in ticks:
        canvas.text(scale(tick), bottom + 18, amount_label(tick, step), anchor="middle")
    middle = (scale.start_px + scale.end_px) / 2
    canvas.text(middle, bottom + 36, title, anchor="middle", bold=True)


def y_axis_amounts(
    canvas: Canvas,
    scale: Linear,
    ticks: Sequence[float],
    left: float,
    right: float,
    title: str,
    label: Callable[[float, float], str] = amount_label,
) -> None:
    """Horizontal grid lines at the ticks, labels left of the plot, the title read upwards at
    the canvas's left edge."""
    step = tick_step(ticks)
    canvas.path(lines_path([(left, scale(t), right, scale(t)) for t in ticks]), stroke=GRID)
    canvas.path(lines_path([(left - 5, scale(t), left, scale(t)) for t in ticks]), stroke=DOMAIN)
    for tick in ticks:
        canvas.text(left - 8, scale(tick) + 4, label(tick, step), anchor="end")
    middle = (scale.start_px + scale.end_px) / 2
    title_x = left - 12 - max(text_width(label(t, step), LABEL_PX) for t in ticks)
    canvas.text(title_x, middle, title, anchor="middle", bold=True, rotate=True)


def y_labels_px(
    ticks: Sequence[float], label: Callable[[float, float], str] = amount_label
) -> float:
    """The room a y axis takes left of the plot: its widest label, the tick, the title."""
    step = tick_step(ticks)
    return max(text_width(label(t, step), LABEL_PX) for t in ticks) + 12 + 16
