"""The brief's charts: Vega-Lite specs built with altair, rendered to inline SVG by vl-convert.

Rankings are sorted bars, buyers and sellers a diverging bar, shares over time lines. Amounts
arrive in usd_millions and are drawn in billions; every axis says so.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from datetime import date
from typing import Any

import altair as alt
import polars as pl

# Each chart is drawn twice, and the page shows one by screen width: plot areas in px.
WIDE = 440
NARROW = 220  # a 390 px phone, labels and margins included, at 1:1
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"
RISE, FALL = "#1a7f5a", "#c0392b"
OFFICIAL, PRIVATE = "#1f5f99", "#e08a2c"
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


def svg(build: Callable[[int], alt.TopLevelMixin], width: int) -> str:
    """The chart `build(width)` as an SVG element to inline in the page (text stays text: no
    web fonts)."""
    import vl_convert
    from altair.utils.schemapi import debug_mode

    # The specs come from this module's code: skipping altair's schema checks (on every object
    # built, and on to_dict) saves about a second per brief.
    with debug_mode(False):
        spec = build(width).to_dict(validate=False)
    markup: str = vl_convert.vegalite_to_svg(spec)
    return markup


def _billions(frame: pl.DataFrame, *columns: str) -> list[dict[str, Any]]:
    """Rows for Vega-Lite: amounts in billions, dates as ISO text."""
    converted = frame.with_columns(
        [(pl.col(c) / 1000).alias(c.replace("usd_millions", "usd_billions")) for c in columns]
    ).drop(list(columns))
    return [
        {k: v.isoformat() if isinstance(v, date) else v for k, v in row.items()}
        for row in converted.to_dicts()
    ]


def _data(rows: list[dict[str, Any]]) -> Any:
    return alt.Data(values=rows)  # type: ignore[no-untyped-call]


def month_label(value: object) -> str:
    return f"{value:%b %Y}" if isinstance(value, date) else "?"


def _title(text: str, subtitle: str, width: int) -> alt.Title:
    """A title that wraps on a narrow chart instead of running off its edge."""
    if width >= WIDE:
        return alt.Title(text, subtitle=subtitle)
    return alt.Title(
        textwrap.wrap(text, width=(width + 90) // 8),
        subtitle=textwrap.wrap(subtitle, width=(width + 90) // 7),
    )


def _style(chart: alt.TopLevelMixin, width: int) -> alt.TopLevelMixin:
    # vl-convert sizes text with its own fonts; a browser's may be wider: leave room at the edges.
    side = 24 if width >= WIDE else 10
    padding = {"left": side + 4, "right": side, "top": 6, "bottom": 6}
    styled: alt.TopLevelMixin = (
        chart.configure(font=FONT, background="white", padding=padding)
        .configure_axis(
            labelFontSize=12,
            titleFontSize=12,
            labelLimit=190 if width >= WIDE else 100,
            labelSeparation=8,  # browsers' fonts run wider than vl-convert measures
        )
        .configure_axisX(tickCount=8 if width >= WIDE else 4)
        .configure_title(fontSize=15, anchor="start", subtitleFontSize=12, subtitleColor="#555")
    )
    return styled


def holdings_by_holder(split: pl.DataFrame, width: int = WIDE) -> alt.TopLevelMixin:
    """Official and private Treasury holdings, stacked, over the last 13 months."""
    recent = split.tail(13).unpivot(
        on=["official_usd_millions", "private_usd_millions"],
        index="period",
        variable_name="holder",
        value_name="usd_millions",
    )
    recent = recent.with_columns(
        pl.col("holder").str.replace("_usd_millions", "").str.to_titlecase()
    )
    chart = (
        alt.Chart(_data(_billions(recent, "usd_millions")))
        .mark_bar()
        .encode(
            x=alt.X("period:O", timeUnit="yearmonth", title=None, axis=alt.Axis(format="%b %y")),
            y=alt.Y("usd_billions:Q", title=f"Holdings, {BILLIONS}", stack="zero"),
            color=alt.Color(
                "holder:N",
                scale=alt.Scale(domain=["Official", "Private"], range=[OFFICIAL, PRIVATE]),
                legend=alt.Legend(title=None, orient="top"),
            ),
            order=alt.Order("holder:N"),
        )
        .properties(
            width=width,
            height=220,
            title=_title(
                "Foreign holdings of U.S. Treasuries by holder",
                "Grand Total, official and private, last 13 months",
                width,
            ),
        )
    )
    return _style(chart, width)


def top_holders(holders: pl.DataFrame, period: date, width: int = WIDE) -> alt.TopLevelMixin:
    chart = (
        alt.Chart(_data(_billions(holders, "usd_millions")))
        .mark_bar(color=OFFICIAL)
        .encode(
            x=alt.X("usd_billions:Q", title=f"Holdings, {BILLIONS}"),
            y=alt.Y("country:N", sort="-x", title=None),
        )
        .properties(
            width=width,
            height=24 * max(len(holders), 1),
            title=_title(
                f"The {len(holders)} largest foreign holders of Treasuries",
                f"Countries only, {period:%B %Y}",
                width,
            ),
        )
    )
    return _style(chart, width)


def movers(change: pl.DataFrame, months: int, width: int = WIDE) -> alt.TopLevelMixin:
    """Diverging bars: the countries whose holdings rose most (right) and fell most (left)."""
    start, end = change["from_period"].min(), change["to_period"].max()
    span = f"{month_label(start)} to {month_label(end)}" if change.height else "no data"
    rows = _billions(change.select("country", "change_usd_millions"), "change_usd_millions")
    chart = (
        alt.Chart(_data(rows))
        .mark_bar()
        .encode(
            x=alt.X("change_usd_billions:Q", title=f"Change, {BILLIONS}"),
            y=alt.Y("country:N", sort="-x", title=None),
            color=alt.condition(
                alt.datum.change_usd_billions > 0, alt.value(RISE), alt.value(FALL)
            ),
        )
        .properties(
            width=width,
            height=24 * max(change.height, 1),
            title=_title(
                f"Biggest buyers and sellers over {months} month{'s' if months > 1 else ''}",
                f"Countries only, change in holdings, {span}",
                width,
            ),
        )
    )
    return _style(chart, width)


def official_share(
    split: pl.DataFrame, breaks: pl.DataFrame, width: int = WIDE
) -> alt.TopLevelMixin:
    """Official and private shares of foreign Treasury holdings, with each series break."""
    years = split["period"].dt.year().to_list()
    year_format = "%Y" if years and years[-1] - years[0] >= 3 else "%b %y"
    shares = split.select(
        "period",
        Official=pl.col("official_usd_millions") / pl.col("total_usd_millions"),
        Private=pl.col("private_usd_millions") / pl.col("total_usd_millions"),
    ).unpivot(index="period", variable_name="holder", value_name="share")
    lines = (
        alt.Chart(_data(_billions(shares)))
        .mark_line(strokeWidth=2)
        .encode(
            x=alt.X("period:T", title=None, axis=alt.Axis(format=year_format)),
            y=alt.Y(
                "share:Q",
                title="Share of foreign holdings",
                axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1]),
            ),
            color=alt.Color(
                "holder:N",
                scale=alt.Scale(domain=["Official", "Private"], range=[OFFICIAL, PRIVATE]),
                legend=alt.Legend(title=None, orient="top"),
            ),
        )
    )
    marks = _data(_billions(breaks))
    rule = alt.Chart(marks).mark_rule(strokeDash=[4, 3], color="#333").encode(x="period:T")
    label = (
        alt.Chart(marks)
        .mark_text(align="right", dx=-4, fontSize=11, color="#333")
        .encode(x="period:T", y=alt.value(12), text="label:N")
    )
    start, end = split["period"].min(), split["period"].max()
    chart = (lines + rule + label).properties(
        width=width,
        height=240,
        title=_title(
            "Official versus private share of foreign Treasury holdings",
            f"{month_label(start)} to {month_label(end)}; dashed line: a series break",
            width,
        ),
    )
    return _style(chart, width)


def net_purchases(flows: pl.DataFrame, width: int = WIDE) -> alt.TopLevelMixin:
    """Monthly net foreign purchases by security type, stacked above and below zero."""
    labelled = flows.with_columns(pl.col("security").replace_strict(SECURITY_LABELS))
    chart = (
        alt.Chart(_data(_billions(labelled.drop("from_gross"), "usd_millions")))
        .mark_bar()
        .encode(
            x=alt.X("period:O", timeUnit="yearmonth", title=None, axis=alt.Axis(format="%b %y")),
            y=alt.Y("usd_billions:Q", title=f"Net purchases, {BILLIONS}", stack="zero"),
            color=alt.Color(
                "security:N",
                sort=list(SECURITY_LABELS.values()),
                scale=alt.Scale(scheme="tableau10"),
                legend=alt.Legend(title=None, orient="top", columns=2, columnPadding=48),
            ),
        )
        .properties(
            width=width,
            height=240,
            title=_title(
                "Net foreign purchases of U.S. long-term securities",
                "Grand Total by type, last 12 months; below zero: net sales",
                width,
            ),
        )
    )
    return _style(chart, width)


def largest_revisions(revisions: pl.DataFrame, width: int = WIDE) -> alt.TopLevelMixin:
    """Each revised value's change from first published to now, largest first; `label` names
    the value. On a phone the bars carry their rank only, and the table beside names them."""
    wide = width >= WIDE
    labelled = revisions.select(
        pl.col("label") if wide else pl.format("No. {}", pl.int_range(1, pl.len() + 1)),
        "revision_usd_millions",
    )
    chart = (
        alt.Chart(_data(_billions(labelled, "revision_usd_millions")))
        .mark_bar()
        .encode(
            x=alt.X("revision_usd_billions:Q", title=f"Revision, {BILLIONS}"),
            y=alt.Y(
                "label:N",
                sort=None,
                title=None,
                axis=alt.Axis(labelLimit=240, labelFontSize=11),
            ),
            color=alt.condition(
                alt.datum.revision_usd_billions > 0, alt.value(RISE), alt.value(FALL)
            ),
        )
        .properties(
            width=width - 120 if wide else width,
            height=24 * revisions.height,
            title=_title(
                "Largest revisions in this release",
                "Grand Total and countries; value now minus as first published",
                width,
            ),
        )
    )
    return _style(chart, width)


def revisions_per_file(counts: pl.DataFrame, width: int = WIDE) -> alt.TopLevelMixin:
    chart = (
        alt.Chart(_data(counts.to_dicts()))
        .mark_bar()
        .encode(
            x=alt.X("values_changed:Q", title="Values revised (count)"),
            y=alt.Y("source:N", title=None),
            color=alt.Color("dataset:N", legend=alt.Legend(title=None, orient="top")),
        )
        .properties(
            width=width,
            height=40 * counts["source"].n_unique(),
            title=_title("Values this release revised, per file", "", width),
        )
    )
    return _style(chart, width)
