"""The brief's charts, drawn as inline SVG by tic/brief/svg.py.

Rankings are sorted bars, buyers and sellers a diverging bar, shares over time lines. Amounts
arrive in usd_millions and are drawn in billions; every axis says so. Each chart is drawn at two
widths (`WIDE`, `NARROW`) and the page shows one by screen width.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import polars as pl

from tic.brief.svg import (
    DOMAIN,
    INK,
    LABEL_PX,
    MINUS,
    Canvas,
    Header,
    Linear,
    amount_label,
    clip,
    lines_path,
    overhang_px,
    rect,
    text_width,
    tick_step,
    x_axis_amounts,
    y_axis_amounts,
    y_labels_px,
)

# Plot areas in px: the wide one for desktops, the narrow one fits a 390 px phone at 1:1.
WIDE = 440
NARROW = 220
RISE, FALL = "#1a7f5a", "#c0392b"
OFFICIAL, PRIVATE = "#1f5f99", "#e08a2c"
CATEGORY = ("#4c78a8", "#f58518", "#e45756", "#72b7b2", "#54a24b", "#eeca3b", "#b279a2")
SECURITY_LABELS = {
    "treasury_long_term": "Treasury bonds and notes",
    "agency": "Agency bonds",
    "corporate_bonds": "Corporate bonds",
    "equity": "Equities",
}
BILLIONS = "USD billions"
SECURITY_SHORT = {
    "us_long_term": "LT securities",
    "treasury": "Treasuries",
    "treasury_long_term": "LT Treasuries",
    "treasury_short_term": "ST Treasuries",
    "corporate_bonds": "corp. bonds",
    "foreign_long_term": "foreign LT",
}
ROW_PX = 24  # one bar of a ranking
X_AXIS_PX = 44  # tick labels and the axis title under a plot


def month_label(value: object) -> str:
    return f"{value:%b %Y}" if isinstance(value, date) else "?"


def _pads(width: int) -> tuple[float, float]:
    """Room left and right of the chart: browsers' fonts may run wider than measured."""
    return (28.0, 24.0) if width >= WIDE else (14.0, 10.0)


def _ticks(width: int) -> int:
    return 8 if width >= WIDE else 4


@dataclass(frozen=True)
class Segment:
    """One coloured piece of a bar: usd_millions (a count where the chart counts values; None
    for n.a., which draws nothing); `tip` is shown on hover."""

    value: float | None
    colour: str
    tip: str


def _tip(name: str, usd_millions: float | None) -> str:
    if usd_millions is None:
        return f"{name}: n.a."
    return f"{name}: {usd_millions / 1000:,.1f} bn".replace("-", MINUS)


def _stack(
    segments: Sequence[Segment], per_unit: float = 1000
) -> list[tuple[float, float, Segment]]:
    """Each segment's (from, to) in billions (or `per_unit` of what it counts): positives
    stacked up from zero, negatives down."""
    up = down = 0.0
    placed = []
    for segment in segments:
        if segment.value is None:
            continue
        value = segment.value / per_unit
        if value >= 0:
            placed.append((up, up + value, segment))
            up += value
        else:
            placed.append((down, down + value, segment))
            down += value
    return placed


def ranking(
    bars: Sequence[tuple[str, Sequence[Segment]]],
    *,
    width: int,
    title: str,
    subtitle: str,
    x_title: str,
    label_limit_px: float,
    label_px: float = LABEL_PX,
    legend: Sequence[tuple[str, str]] = (),
    in_billions: bool = True,
) -> str:
    """Horizontal bars, one row per label, in the order given; segments stack along a row."""
    left_pad, right_pad = _pads(width)
    labels = [clip(label, label_px, label_limit_px) for label, _ in bars]
    label_col = max((text_width(label, label_px) for label in labels), default=0.0) + 10
    placed = [_stack(segments, 1000 if in_billions else 1) for _, segments in bars]
    ends = [end for row in placed for piece in row for end in piece[:2]]
    plot_left = left_pad + label_col
    x, ticks = Linear.labelled(ends, plot_left, plot_left + width, _ticks(width))
    last = amount_label(ticks[-1], tick_step(ticks))
    right_pad = max(right_pad, overhang_px(last) + 6)
    total_width = plot_left + width + right_pad
    header = Header.of(title, subtitle, total_width - left_pad - right_pad, legend)
    top = 6 + header.height_px
    plot_height = ROW_PX * max(len(bars), 1)
    canvas = Canvas(total_width, top + plot_height + X_AXIS_PX + 6, title)
    header.draw(canvas, left_pad, 6)
    x_axis_amounts(canvas, x, ticks, top, top + plot_height, x_title)
    for row, (label, pieces) in enumerate(zip(labels, placed, strict=True)):
        middle = top + ROW_PX * row + ROW_PX / 2
        for start, end, segment in pieces:
            bar = rect(x(start), middle - 9.5, x(end), middle + 9.5)
            canvas.path(bar, fill=segment.colour, tip=segment.tip)
        canvas.text(plot_left - 8, middle + label_px * 0.35, label, size_px=label_px, anchor="end")
    zero = x(0.0)
    canvas.path(lines_path([(zero, top, zero, top + plot_height)]), stroke=DOMAIN)
    return canvas.markup()


def columns(
    bars: Sequence[tuple[date, Sequence[Segment]]],
    *,
    width: int,
    height: int,
    title: str,
    subtitle: str,
    y_title: str,
    legend: Sequence[tuple[str, str]],
    legend_columns: int = 0,
) -> str:
    """Stacked vertical bars, one per month (labels thinned so they never overlap)."""
    left_pad, right_pad = _pads(width)
    placed = [_stack(segments) for _, segments in bars]
    ends = [end for column in placed for piece in column for end in piece[:2]]
    _, ticks = Linear.nice(ends, 0, 1, 5)  # the labels size the axis, which places the plot
    axis_px = y_labels_px(ticks)
    band = width / max(len(bars), 1)
    labels = [f"{period:%b %y}" for period, _ in bars]
    right_pad = max(right_pad, overhang_px(labels[-1], band / 2) + 6) if labels else right_pad
    total_width = left_pad + axis_px + width + right_pad
    header = Header.of(title, subtitle, total_width - left_pad - right_pad, legend, legend_columns)
    plot_left, top = left_pad + axis_px, 6 + header.height_px
    y, ticks = Linear.nice(ends, top + height, top, 5)
    canvas = Canvas(total_width, top + height + 30, title)
    header.draw(canvas, left_pad, 6)
    y_axis_amounts(canvas, y, ticks, plot_left, plot_left + width, y_title)
    every = math.ceil((max(map(lambda t: text_width(t, LABEL_PX), labels), default=0) + 8) / band)
    for index, (pieces, label) in enumerate(zip(placed, labels, strict=True)):
        left = plot_left + band * index + band * 0.1
        for start, end, segment in pieces:
            canvas.path(
                rect(left, y(start), left + band * 0.8, y(end)),
                fill=segment.colour,
                tip=segment.tip,
            )
        if (len(bars) - 1 - index) % every == 0:  # the latest month always keeps its label
            canvas.text(left + band * 0.4, top + height + 18, label, anchor="middle")
    zero = y(0.0)
    canvas.path(lines_path([(plot_left, zero, plot_left + width, zero)]), stroke=INK)
    return canvas.markup()


def holdings_by_holder(split: pl.DataFrame, width: int = WIDE) -> str:
    """Official and private Treasury holdings, stacked, over the last 13 months."""
    bars = [
        (
            row["period"],
            [
                Segment(
                    row["official_usd_millions"],
                    OFFICIAL,
                    _tip("Official", row["official_usd_millions"]),
                ),
                Segment(
                    row["private_usd_millions"],
                    PRIVATE,
                    _tip("Private", row["private_usd_millions"]),
                ),
            ],
        )
        for row in split.tail(13).iter_rows(named=True)
    ]
    return columns(
        bars,
        width=width,
        height=220,
        title="Foreign holdings of U.S. Treasuries by holder",
        subtitle="Grand Total, official and private, last 13 months",
        y_title=f"Holdings, {BILLIONS}",
        legend=[("Official", OFFICIAL), ("Private", PRIVATE)],
    )


def top_holders(holders: pl.DataFrame, period: date, width: int = WIDE) -> str:
    rows = holders.sort("usd_millions", descending=True).iter_rows(named=True)
    return ranking(
        [
            (
                r["country"],
                [Segment(r["usd_millions"], OFFICIAL, _tip(r["country"], r["usd_millions"]))],
            )
            for r in rows
        ],
        width=width,
        title=f"The {len(holders)} largest foreign holders of Treasuries",
        subtitle=f"Countries only, {period:%B %Y}",
        x_title=f"Holdings, {BILLIONS}",
        label_limit_px=190 if width >= WIDE else 100,
    )


def movers(change: pl.DataFrame, months: int, width: int = WIDE) -> str:
    """Diverging bars: the countries whose holdings rose most (right) and fell most (left)."""
    start, end = change["from_period"].min(), change["to_period"].max()
    span = f"{month_label(start)} to {month_label(end)}" if change.height else "no data"
    rows = change.sort("change_usd_millions", descending=True).iter_rows(named=True)
    bars = [(r["country"], [_signed(r["change_usd_millions"], r["country"])]) for r in rows]
    return ranking(
        bars,
        width=width,
        title=f"Biggest buyers and sellers over {months} month{'s' if months > 1 else ''}",
        subtitle=f"Countries only, change in holdings, {span}",
        x_title=f"Change, {BILLIONS}",
        label_limit_px=190 if width >= WIDE else 100,
    )


def _signed(usd_millions: float | None, name: str) -> Segment:
    rise = usd_millions is not None and usd_millions > 0
    return Segment(usd_millions, RISE if rise else FALL, _tip(name, usd_millions))


def official_share(split: pl.DataFrame, breaks: pl.DataFrame, width: int = WIDE) -> str:
    """Official and private shares of foreign Treasury holdings, with each series break."""
    left_pad, right_pad = _pads(width)
    share_ticks = [i / 5 for i in range(6)]
    axis_px = y_labels_px(share_ticks, _percent)
    periods: list[date] = split["period"].to_list()
    first, last = periods[0].toordinal(), periods[-1].toordinal()
    time_ticks = _time_ticks(periods[0], periods[-1], _ticks(width))
    for tick, label in time_ticks[-1:]:
        room = (last - tick.toordinal()) / max(last - first, 1) * width
        right_pad = max(right_pad, overhang_px(label, room) + 6)
    total_width = left_pad + axis_px + width + right_pad
    start, end = split["period"].min(), split["period"].max()
    header = Header.of(
        "Official versus private share of foreign Treasury holdings",
        f"{month_label(start)} to {month_label(end)}; dashed line: a series break",
        total_width - left_pad - right_pad,
        [("Official", OFFICIAL), ("Private", PRIVATE)],
    )
    plot_left, top, height = left_pad + axis_px, 6 + header.height_px, 240
    canvas = Canvas(total_width, top + height + 30, "Official versus private share")
    header.draw(canvas, left_pad, 6)
    y = Linear(0.0, 1.0, top + height, top)
    y_axis_amounts(
        canvas, y, share_ticks, plot_left, plot_left + width, "Share of foreign holdings", _percent
    )
    x = Linear(float(first), float(last), plot_left, plot_left + width)
    for tick, label in time_ticks:
        canvas.path(
            lines_path(
                [(x(tick.toordinal()), top + height, x(tick.toordinal()), top + height + 5)]
            ),
            stroke=DOMAIN,
        )
        canvas.text(x(tick.toordinal()), top + height + 18, label, anchor="middle")
    canvas.path(
        lines_path([(plot_left, top + height, plot_left + width, top + height)]), stroke=DOMAIN
    )
    totals = split["total_usd_millions"].to_list()
    for column, colour in (("official_usd_millions", OFFICIAL), ("private_usd_millions", PRIVATE)):
        points = [
            (x(p.toordinal()), y(v / t))
            for p, v, t in zip(periods, split[column].to_list(), totals, strict=True)
            if t and v is not None
        ]
        d = "M" + "L".join(f"{px:.1f},{py:.1f}" for px, py in points)
        canvas.path(d, stroke=colour, stroke_px=2)
    for index, row in enumerate(breaks.iter_rows(named=True)):
        at = x(row["period"].toordinal())
        canvas.path(lines_path([(at, top, at, top + height)]), stroke="#333", dash="4,3")
        # left of its line where it fits there, else right of it; one line lower per break
        left = at - 4 - text_width(row["label"], 11) >= plot_left
        canvas.text(
            at - 4 if left else at + 4,
            top + 12 + 14 * index,
            row["label"],
            size_px=11,
            anchor="end" if left else "start",
            fill="#333",
        )
    return canvas.markup()


def _percent(value: float, step: float) -> str:
    return f"{value:.0%}"


def _time_ticks(first: date, last: date, count: int) -> list[tuple[date, str]]:
    """Ticks on Januaries every 1, 2, 5, 10 or 20 years, or on months for a span under 3 years."""
    years = (last - first).days / 365.25
    if years >= 3:
        step = next((s for s in (1, 2, 5, 10, 20) if years / s <= count), 50)
        return [
            (date(year, 1, 1), f"{year}")
            for year in range(first.year, last.year + 1)
            if year % step == 0 and first <= date(year, 1, 1) <= last
        ]
    months = (last.year - first.year) * 12 + last.month - first.month
    step = next((s for s in (1, 2, 3, 6, 12) if months / s <= count), 12)
    ticks = []
    for index in range(0, months + 1):
        year, month = divmod(first.month - 1 + index, 12)
        if (month % step) == 0:
            tick = date(first.year + year, month + 1, 1)
            if first <= tick <= last:
                ticks.append((tick, f"{tick:%b %y}"))
    return ticks


def net_purchases(flows: pl.DataFrame, width: int = WIDE) -> str:
    """Monthly net foreign purchases by security type, stacked above and below zero."""
    colours = dict(zip(SECURITY_LABELS, CATEGORY, strict=False))
    order = {security: i for i, security in enumerate(SECURITY_LABELS)}
    by_month: dict[date, list[Segment]] = {}
    ordered = flows.sort("period", pl.col("security").replace_strict(order, return_dtype=pl.Int32))
    for row in ordered.iter_rows(named=True):
        label = SECURITY_LABELS[row["security"]]
        by_month.setdefault(row["period"], []).append(
            Segment(row["usd_millions"], colours[row["security"]], _tip(label, row["usd_millions"]))
        )
    present = [s for s in SECURITY_LABELS if s in set(flows["security"].to_list())]
    return columns(
        list(by_month.items()),
        width=width,
        height=240,
        title="Net foreign purchases of U.S. long-term securities",
        subtitle="Grand Total by type, last 12 months; below zero: net sales",
        y_title=f"Net purchases, {BILLIONS}",
        legend=[(SECURITY_LABELS[s], colours[s]) for s in present],
        legend_columns=2,
    )


def largest_revisions(revisions: pl.DataFrame, width: int = WIDE) -> str:
    """Each revised value's change from first published to now, largest first; `label` names
    the value. On a phone the bars carry their rank only, and the table beside names them."""
    wide = width >= WIDE
    bars = []
    for number, row in enumerate(revisions.iter_rows(named=True), start=1):
        label = row["label"] if wide else f"No. {number}"
        bars.append((label, [_signed(row["revision_usd_millions"], row["label"])]))
    return ranking(
        bars,
        width=width - 120 if wide else width,
        title="Largest revisions in this release",
        subtitle="Grand Total and countries; value now minus as first published",
        x_title=f"Revision, {BILLIONS}",
        label_limit_px=280,  # the wide plot is 120 px narrower to leave them room
        label_px=11,
    )


def revisions_per_file(counts: pl.DataFrame, width: int = WIDE) -> str:
    datasets = sorted(set(counts["dataset"].to_list()))
    colours = dict(zip(datasets, CATEGORY, strict=False))
    rows: dict[str, list[Segment]] = {}
    for row in counts.iter_rows(named=True):
        rows.setdefault(row["source"], []).append(
            Segment(
                row["values_changed"],
                colours[row["dataset"]],
                f"{row['source']} {row['dataset']}: {row['values_changed']:,} values",
            )
        )
    return ranking(
        list(rows.items()),
        width=width,
        title="Values this release revised, per file",
        subtitle="",
        x_title="Values revised (count)",
        label_limit_px=190 if width >= WIDE else 100,
        legend=[(dataset, colours[dataset]) for dataset in datasets],
        in_billions=False,
    )
