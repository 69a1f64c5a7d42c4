"""The brief as one self-contained HTML page: inline CSS and SVG, no script, no font, no link
to fetch, so it opens from disk or an e-mail attachment with no network."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import partial
from html import escape

import polars as pl

from tic.brief import charts
from tic.brief.queries import SHARES_SINCE, BriefData, months_before

SOURCE_LABELS = {
    "slt_table3": "Table 3",
    "slt_table5": "Table 5",
    "mfhhis01": "MFH history",
    "mfh": "MFH (legacy mfh.txt)",
}

CSS = """
:root { color-scheme: light; }
body { margin: 0; font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial,
  sans-serif; color: #1d1d1f; background: #f6f6f3; }
main { max-width: 1180px; margin: 0 auto; padding: 16px; }
header p { color: #444; margin: 4px 0; }
h1 { font-size: 1.7rem; margin: 8px 0; }
h2 { font-size: 1.25rem; margin: 0 0 8px; }
h3 { font-size: 1.05rem; margin: 12px 0 6px; }
section.part { background: white; border-radius: 8px; padding: 16px; margin: 16px 0;
  box-shadow: 0 1px 2px rgba(0,0,0,.08); }
.row { display: flex; flex-wrap: wrap; gap: 20px 32px; align-items: flex-start; }
figure.chart { flex: 1 1 520px; max-width: 640px; min-width: 0; margin: 0; }
figure.chart svg { width: 100%; height: auto; display: block; }
figure.chart .narrow { display: none; }
@media (max-width: 640px) {
  main { padding: 8px; }
  section.part { padding: 12px 10px; }
  figure.chart .wide { display: none; }
  figure.chart .narrow { display: block; }
  figure.chart { flex-basis: 100%; }
  h1 { font-size: 1.45rem; }
}
table.numbers { flex: 1 1 300px; border-collapse: collapse; font-variant-numeric: tabular-nums;
  font-size: .95rem; align-self: flex-start; }
table.numbers caption { text-align: left; font-weight: 600; padding-bottom: 4px; }
table.numbers th, table.numbers td { padding: 3px 8px; border-bottom: 1px solid #e4e4e0;
  text-align: right; }
table.numbers th:first-child, table.numbers td:first-child { text-align: left; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 8px 0 16px; padding: 0; }
.card { flex: 1 1 200px; border: 1px solid #e4e4e0; border-radius: 6px; padding: 10px 12px; }
.card dt { color: #555; font-size: .9rem; }
.card dd { margin: 0; }
.card .big { font-size: 1.7rem; font-weight: 650; font-variant-numeric: tabular-nums; }
.card .change { color: #444; font-size: .9rem; font-variant-numeric: tabular-nums; }
.up { color: #1a7f5a; } .down { color: #c0392b; }
.note { color: #555; font-size: .9rem; }
"""


def billions(usd_millions: float) -> str:
    return f"{usd_millions / 1000:,.1f}"


def signed_billions(usd_millions: float) -> str:
    return f"{usd_millions / 1000:+,.1f}"


def render_page(data: BriefData) -> str:
    release = data.release
    body = "\n".join(
        [
            _header(data),
            _headline(data),
            _top_holders(data),
            _movers(data),
            _shares(data),
            _net_purchases(data),
            _revisions(data),
        ]
    )
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>TIC release brief {release.release_date}</title>
<style>{CSS}</style>
</head>
<body>
<main>
{body}
</main>
</body>
</html>
"""


def _figure(name: str, build: Callable[[int], str]) -> str:
    """The chart drawn for a wide screen and for a phone; the CSS shows one of them."""
    wide, narrow = build(charts.WIDE), build(charts.NARROW)
    return (
        f'<figure class="chart" data-chart="{name}">'
        f'<div class="wide">{wide}</div><div class="narrow">{narrow}</div></figure>'
    )


def _table(caption: str, head: list[str], rows: list[list[str]]) -> str:
    header = "".join(f"<th>{escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return (
        f'<table class="numbers"><caption>{escape(caption)}</caption>'
        f"<thead><tr>{header}</tr></thead><tbody>{body}</tbody></table>"
    )


def _amount(usd_millions: float, name: str, signed: bool = False) -> str:
    """An amount shown in billions, carrying the warehouse's millions for machines."""
    text = signed_billions(usd_millions) if signed else billions(usd_millions)
    return f'<data data-name="{name}" value="{usd_millions:.0f}">{text}</data>'


def _header(data: BriefData) -> str:
    release = data.release
    files = ", ".join(release.files)
    return f"""<header>
<h1>TIC release of {release.release_date:%-d %B %Y}: the brief</h1>
<p>Files in this release: {escape(files)} ({escape(release.status)}).</p>
<p>Amounts in U.S. dollars, billions (the warehouse stores millions). Figures are the
warehouse's contract views as they stood after this release.</p>
</header>"""


def _headline(data: BriefData) -> str:
    split = data.treasury_split
    latest = split.row(-1, named=True)
    period: date = latest["period"]
    month_ago = _row_at(split, months_before(period, 1))
    year_ago = _row_at(split, months_before(period, 12))
    cards = []
    for holder, label in (
        ("total", "All foreign holders"),
        ("official", "Official"),
        ("private", "Private"),
    ):
        column = f"{holder}_usd_millions"
        changes = []
        for span, earlier in (("month", month_ago), ("year", year_ago)):
            if earlier is None:
                changes.append(f"on the {span}: not available")
                continue
            change = latest[column] - earlier[column]
            css = "up" if change > 0 else "down" if change < 0 else ""
            pct = change / earlier[column] if earlier[column] else 0.0
            changes.append(
                f'<span class="{css}">{_amount(change, f"{holder}_change_{span}", signed=True)}'
                f" ({pct:+.2%})</span> on the {span}"
            )
        cards.append(
            f'<div class="card"><dt>{label}</dt>'
            f'<dd class="big">${_amount(latest[column], f"{holder}_holdings")} bn</dd>'
            f'<dd class="change">{"<br>".join(changes)}</dd></div>'
        )
    source = SOURCE_LABELS.get(latest["source"], latest["source"])
    derived = (
        " Private = total minus official (the file gives no private row)."
        if latest["private_is_derived"]
        else ""
    )
    rows = [
        [
            f"{row['period']:%b %Y}",
            billions(row["total_usd_millions"]),
            billions(row["official_usd_millions"]),
            billions(row["private_usd_millions"]),
        ]
        for row in split.tail(13).reverse().iter_rows(named=True)
    ]
    return f"""<section class="part" id="headline">
<h2>Foreign holdings of U.S. Treasuries, {period:%B %Y}</h2>
<dl class="cards">{"".join(cards)}</dl>
<p class="note">Grand Total from {escape(source)}; USD billions.{derived}</p>
<div class="row">{_figure("holdings_by_holder", partial(charts.holdings_by_holder, split))}
{_table("Holdings, USD billions", ["Month", "Total", "Official", "Private"], rows)}</div>
</section>"""


def _row_at(split: pl.DataFrame, period: date) -> dict[str, object] | None:
    rows = split.filter(pl.col("period") == period)
    return rows.row(0, named=True) if rows.height else None


def _top_holders(data: BriefData) -> str:
    holders = data.top_holders
    period = data.latest_holdings_period
    rows = [
        [
            escape(row["country"]),
            _amount(row["usd_millions"], "holder"),
            f"{row['share_of_total']:.1%}",
        ]
        for row in holders.iter_rows(named=True)
    ]
    return f"""<section class="part" id="top-holders">
<h2>Top holders</h2>
<div class="row">{_figure("top_holders", partial(charts.top_holders, holders, period))}
{_table(f"Treasury holdings, {period:%B %Y}", ["Country", "USD bn", "Share of total"], rows)}</div>
</section>"""


def _movers(data: BriefData) -> str:
    parts = []
    for months, change in data.movers.items():
        title = f"Over {months} month{'s' if months > 1 else ''}"
        if change.is_empty():
            parts.append(f'<h3>{title}</h3><p class="note">No month {months} back to compare.</p>')
            continue
        rows = [
            [
                escape(row["country"]),
                billions(row["from_usd_millions"]),
                billions(row["to_usd_millions"]),
                _amount(row["change_usd_millions"], "change", True),
            ]
            for row in change.iter_rows(named=True)
        ]
        start, end = change["from_period"][0], change["to_period"][0]
        parts.append(
            f'<h3>{title}</h3><div class="row">'
            f"{_figure(f'movers_{months}m', partial(charts.movers, change, months))}"
            + _table(
                f"USD billions, {start:%b %Y} to {end:%b %Y}",
                ["Country", f"{start:%b %Y}", f"{end:%b %Y}", "Change"],
                rows,
            )
            + "</div>"
        )
    return f"""<section class="part" id="buyers-sellers">
<h2>Biggest buyers and sellers of Treasuries among countries</h2>
<p class="note">Change in each country's Treasury holdings (purchases and price changes);
aggregates and regional totals left out.</p>
{"".join(parts)}
</section>"""


def _series_breaks(split: pl.DataFrame) -> pl.DataFrame:
    """The months where the Grand Total's file changes (MFH history to Table 3 in 2020)."""
    marked = split.with_columns(previous=pl.col("source").shift(1)).filter(
        pl.col("previous").is_not_null() & (pl.col("source") != pl.col("previous"))
    )
    return marked.select(
        "period",
        label=pl.format(
            "{} to {}",
            pl.col("previous").replace(SOURCE_LABELS),
            pl.col("source").replace(SOURCE_LABELS),
        ),
    )


def _shares(data: BriefData) -> str:
    split = data.treasury_split.filter(pl.col("period") >= SHARES_SINCE)
    breaks = _series_breaks(split)
    shown = [split.row(0, named=True)]
    for period in breaks["period"]:
        shown += [r for r in split.filter(pl.col("period") == period).iter_rows(named=True)]
    shown.append(split.row(-1, named=True))
    rows = [
        [
            f"{row['period']:%b %Y}",
            f"{row['official_usd_millions'] / row['total_usd_millions']:.1%}",
            f"{row['private_usd_millions'] / row['total_usd_millions']:.1%}",
            escape(SOURCE_LABELS.get(row["source"], row["source"])),
        ]
        for row in shown
    ]
    breaks_note = "; ".join(
        f"{r['period']:%B %Y}: {r['label']}" for r in breaks.iter_rows(named=True)
    )
    return f"""<section class="part" id="official-private">
<h2>Official versus private holders</h2>
<p class="note">Series breaks: {escape(breaks_note or "none in this span")}.</p>
<div class="row">{_figure("official_share", partial(charts.official_share, split, breaks))}
{_table("Share of foreign Treasury holdings", ["Month", "Official", "Private", "File"], rows)}</div>
</section>"""


def _net_purchases(data: BriefData) -> str:
    flows = data.net_purchases
    if flows.is_empty():
        return """<section class="part" id="net-purchases"><h2>Net foreign purchases</h2>
<p class="note">No flows of U.S. long-term securities as of this release.</p></section>"""
    totals = dict(flows.group_by("security").agg(pl.col("usd_millions").sum()).iter_rows())
    rows = [
        [escape(label), _amount(totals[security], "net_purchases", True)]
        for security, label in charts.SECURITY_LABELS.items()
        if security in totals
    ]
    rows.append(["All four types", _amount(sum(totals.values()), "net_purchases_total", True)])
    start, end = flows["period"].min(), flows["period"].max()
    gross = (
        " Form S gives gross figures only: net = gross purchases minus gross sales by foreigners."
        if flows["from_gross"].any()
        else ""
    )
    return f"""<section class="part" id="net-purchases">
<h2>Net foreign purchases of U.S. long-term securities</h2>
<p class="note">Purchases minus sales by foreign residents, {charts.month_label(start)} to
{charts.month_label(end)}.{gross}</p>
<div class="row">{_figure("net_purchases", partial(charts.net_purchases, flows))}
{_table("12-month sum, USD billions", ["Security", "Net purchases"], rows)}</div>
</section>"""


def revision_label(row: dict[str, object]) -> str:
    """A short name for a revised value: "Grand Total, LT securities, private, Dec 2024"."""
    security = str(row["security"])
    parts = [str(row["country"]), charts.SECURITY_SHORT.get(security, security.replace("_", " "))]
    if row["holder"] != "all":
        parts.append(str(row["holder"]))
    if row["measure"] != "holdings":
        parts.append(str(row["measure"]).replace("_", " "))
    period = row["period"]
    parts.append(f"{period:%b %Y}" if isinstance(period, date) else str(period))
    return ", ".join(parts)


def _revisions(data: BriefData) -> str:
    revisions, counts = data.revisions, data.revisions_per_file
    if counts.is_empty():
        return """<section class="part" id="revisions"><h2>What this release revised</h2>
<p class="note">Nothing: this release changed no value an earlier release had published.</p>
</section>"""
    revisions = revisions.with_columns(
        label=pl.Series(
            [revision_label(r) for r in revisions.iter_rows(named=True)], dtype=pl.String
        )
    )
    rows = [
        [
            f"{number}. {escape(r['label'])}",
            billions(r["first_usd_millions"]),
            billions(r["now_usd_millions"]),
            _amount(r["revision_usd_millions"], "revision", True),
        ]
        for number, r in enumerate(revisions.iter_rows(named=True), start=1)
    ]
    count_rows = [
        [escape(r["source"]), escape(r["dataset"]), f"{r['values_changed']:,}"]
        for r in counts.iter_rows(named=True)
    ]
    largest = (
        _figure("largest_revisions", partial(charts.largest_revisions, revisions))
        if revisions.height
        else '<p class="note">No Grand Total or country value was revised.</p>'
    )
    return f"""<section class="part" id="revisions">
<h2>What this release revised</h2>
<div class="row">{largest}
{_table("Largest revisions, USD billions", ["Value", "First published", "Now", "Change"], rows)}
</div>
<div class="row">{_figure("revisions_per_file", partial(charts.revisions_per_file, counts))}
{_table("Values revised per file", ["File", "Dataset", "Values"], count_rows)}</div>
</section>"""
