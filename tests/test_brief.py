"""The release brief: written after every loaded release, rendered in headless Chromium.

Expected numbers are read by hand from the real files in ../shared/tic/releases; each carries
the file and line it comes from.
"""

from __future__ import annotations

import html
import re
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import query
from tests.support.browser import RenderedDom, chromium, dump_dom, page_parts, screenshot
from tic.settings import Settings

RELEASES = ("2023-03-15", "2026-06-18", "2026-07-14")
SECTIONS = [
    "headline",
    "top-holders",
    "buyers-sellers",
    "official-private",
    "net-purchases",
    "revisions",
]
CHARTS = {
    "holdings_by_holder",
    "top_holders",
    "movers_1m",
    "movers_3m",
    "movers_12m",
    "official_share",
    "net_purchases",
}
REVISION_CHARTS = {"largest_revisions", "revisions_per_file"}

needs_chromium = pytest.mark.skipif(
    chromium() is None, reason="chromium is not installed (apt-get install -y chromium)"
)


def test_countries_are_what_the_dimension_calls_countries(backfilled: Path) -> None:
    """It keeps countries and territories and drops totals, regions, memo lines, MFH groups,
    as the countries dimension's kind says under any name a file prints; the top holders and
    movers it shows are all of kind `country`."""
    from tic.brief.queries import read_brief_data

    kept = ["Japan", "China, Mainland", "Korea, South", "Cayman Islands", "Belgium-Luxembourg"]
    dropped = [
        "Grand Total",
        "All Other",
        "All Countries",
        "International",
        "Total Europe",
        "Total IROs",
        "Memo: Euro Area",
        "Of Which: Foreign Official",
        "Oil Exporters",
        "Carib Bnkng Ctrs",
    ]
    kinds: dict[str, set[str]] = {}
    for name, kind in query(
        backfilled,
        "select name, kind from countries, unnest(list_prepend(country, aliases)) as names(name)",
    ):
        kinds.setdefault(name, set()).add(kind)
    assert [name for name in kept if kinds.get(name) == {"country"}] == kept
    assert [name for name in dropped if "country" in kinds.get(name, set())] == []

    brief = read_brief_data(backfilled / "tic.duckdb")
    shown = set(brief.top_holders["country"]).union(*(m["country"] for m in brief.movers.values()))
    assert set().union(*(kinds[name] for name in shown)) == {"country"}


def test_backfill_leaves_one_brief_per_release(backfilled: Path) -> None:
    """It writes briefs/<release_date>.html after each of the three loaded releases."""
    briefs = sorted(path.name for path in (backfilled / "briefs").iterdir())
    assert briefs == [f"{release}.html" for release in RELEASES]


@pytest.fixture(scope="module")
def rendered(backfilled: Path) -> Callable[[str], RenderedDom]:
    """The DOM of a release's brief after Chromium loaded it (one browser run per release)."""
    doms: dict[str, RenderedDom] = {}

    def dom(release: str) -> RenderedDom:
        if release not in doms:
            doms[release] = dump_dom(backfilled / "briefs" / f"{release}.html")
        return doms[release]

    return dom


def _data(parts_data: list[tuple[str, str, str]], name: str) -> tuple[float, str]:
    """The machine value (usd_millions) and the text shown of the one <data> named `name`."""
    found = [(float(value), text) for data_name, value, text in parts_data if data_name == name]
    assert len(found) == 1, f"{name}: {found}"
    return found[0]


@needs_chromium
@pytest.mark.parametrize("release", RELEASES)
def test_brief_renders_every_part(rendered: Callable[[str], RenderedDom], release: str) -> None:
    """It renders in Chromium without console messages or anything to fetch, with every part
    and every chart as SVG marks, drawn once for wide screens and once for phones."""
    dom = rendered(release)
    parts = page_parts(dom.html)

    assert dom.console == []
    assert parts.external == []
    assert "url(http" not in dom.html and "@import" not in dom.html
    assert parts.section_ids == SECTIONS
    expected = CHARTS | (REVISION_CHARTS if release == "2026-07-14" else set())
    assert set(parts.charts) == expected
    for name, tags in parts.charts.items():
        assert tags.get("svg") == 2, name
        assert tags.get("path", 0) >= 6, f"{name} draws no marks: {tags}"
        assert tags.get("text", 0) >= 6, f"{name} has no title or axis labels: {tags}"


# Run in Chromium at the end of a copy of the page: every text of each chart shown at this
# width, as laid out, against its chart's edges and against the texts on its line.
OVERFLOW_PROBE = """<script>
const found = [];
for (const figure of document.querySelectorAll("figure.chart")) {
  for (const svg of figure.querySelectorAll("svg")) {
    if (!svg.getClientRects().length) continue;  // the variant hidden at this width
    const edge = svg.getBoundingClientRect();
    const lines = {};
    for (const text of svg.querySelectorAll("text")) {
      const box = text.getBoundingClientRect();
      const name = figure.dataset.chart + ": " + text.textContent;
      if (box.left < edge.left - 0.5 || box.right > edge.right + 0.5 ||
          box.top < edge.top - 0.5 || box.bottom > edge.bottom + 0.5) found.push("off " + name);
      if (!text.hasAttribute("transform")) {
        (lines[text.getAttribute("y")] ||= []).push([box.left, box.right, name]);
      }
    }
    for (const line of Object.values(lines)) {
      line.sort((a, b) => a[0] - b[0]);
      for (let i = 1; i < line.length; i++) {
        if (line[i][0] < line[i - 1][1] - 0.5) found.push("touches " + line[i][2]);
      }
    }
  }
}
document.body.dataset.overflow = JSON.stringify(found);
</script>"""


@needs_chromium
@pytest.mark.parametrize("release", ["2023-03-15", "2026-07-14"])
@pytest.mark.parametrize("width", [1280, 390])
def test_no_chart_text_runs_off_its_chart_or_into_another(
    backfilled: Path, tmp_path: Path, release: str, width: int
) -> None:
    """Titles, legends and axis labels stay inside their chart and clear of each other, on a
    desktop (the wide charts) and on a 390 px phone (the narrow ones), as Chromium lays out
    the page with its own fonts."""
    import json

    page = (backfilled / "briefs" / f"{release}.html").read_text()
    probed = tmp_path / "probed.html"
    probed.write_text(page.replace("</body>", OVERFLOW_PROBE + "</body>"))
    dom = dump_dom(probed, width)
    found = re.search(r'data-overflow="([^"]*)"', dom.html)
    assert found, "the probe did not run"
    assert json.loads(html.unescape(found.group(1))) == []


@needs_chromium
def test_headline_equals_the_warehouse_and_table3(
    backfilled: Path, rendered: Callable[[str], RenderedDom]
) -> None:
    """The latest brief's headline is Table 3's Grand Total for 2026-04, as official_private has
    it, shown in billions, with its change on the month and on the year."""
    parts = page_parts(rendered("2026-07-14").html)
    warehouse = query(
        backfilled,
        "select total_usd_millions, official_usd_millions, private_usd_millions "
        "from official_private where security = 'treasury' and measure = 'holdings' "
        "and period = date '2026-04-01'",
    )[0]
    # slt_table3.txt of 2026-06-18, lines 6698, 6774, 6850: Grand Total, Of Which: Foreign
    # Official, Of Which: Foreign Non-Official for 2026-04, column for_treas_pos.
    table3 = (9352646.0, 3906503.0, 5446143.0)
    shown = [_data(parts.data, f"{holder}_holdings") for holder in ("total", "official", "private")]
    assert tuple(value for value, _ in shown) == warehouse == table3
    assert [text for _, text in shown] == ["9,352.6", "3,906.5", "5,446.1"]
    # Same file, line 6699 (2026-03: 9348660) and line 6710 (2025-04: 9001029).
    assert _data(parts.data, "total_change_month") == (9352646 - 9348660, "+4.0")
    assert _data(parts.data, "total_change_year") == (9352646 - 9001029, "+351.6")


@needs_chromium
def test_brief_of_the_legacy_release_shows_mfh(rendered: Callable[[str], RenderedDom]) -> None:
    """The 2023-03-15 brief heads with mfh.txt's January 2023 Grand Total, private derived."""
    parts = page_parts(rendered("2023-03-15").html)
    # mfh.txt, line 52 (Grand Total) and line 55 (For. Official), first column: Jan 2023.
    assert _data(parts.data, "total_holdings") == (7402500.0, "7,402.5")
    assert _data(parts.data, "official_holdings") == (3713900.0, "3,713.9")
    assert _data(parts.data, "private_holdings") == (7402500.0 - 3713900.0, "3,688.6")


def test_top_holders_are_countries(backfilled: Path) -> None:
    """The top holders list countries only, Japan first with Table 3's 2026-04 figure."""
    from tic.brief.queries import read_brief_data

    holders = read_brief_data(backfilled / "tic.duckdb").top_holders
    # slt_table3.txt of 2026-06-18, line 4722: Japan 2026-04 for_treas_pos 1209889.
    assert holders.row(0)[:2] == ("Japan", 1209889.0)
    assert holders.height == 10
    page = (backfilled / "briefs" / "2026-07-14.html").read_text()
    chart = page.split('data-chart="top_holders"')[1].split("</figure>")[0]
    tips = re.findall(r"<title>([^<]*)</title>", chart)
    # each bar says its value on hover, biggest first, in both drawings (wide and phone)
    assert len(tips) == 20 and tips[0] == tips[10] == "Japan: 1,209.9 bn"
    aggregates = query(
        backfilled,
        "select distinct country from holdings where security = 'treasury' "
        "and (country like 'Total %' or country in ('Grand Total', 'All Other', 'International'))",
    )
    assert {row[0] for row in aggregates}.isdisjoint(holders["country"])


def test_revisions_show_first_published_against_now(backfilled: Path) -> None:
    """The 2026-07-14 brief's largest revision is Table 1's private holdings for 2024-12."""
    from tic.brief.queries import read_brief_data

    revisions = read_brief_data(backfilled / "tic.duckdb", date(2026, 7, 14)).revisions
    top = revisions.row(0, named=True)
    # slt_table1.txt line 7246 of 2026-06-18 and line 7342 of 2026-07-14: Of Which: Foreign
    # Non-Official (99991), 2024-12, for_lt_total_pos.
    assert (top["country"], top["security"], top["holder"], top["period"]) == (
        "Grand Total",
        "us_long_term",
        "private",
        date(2024, 12, 1),
    )
    assert (top["first_usd_millions"], top["now_usd_millions"]) == (25359171.0, 25212400.0)


def test_brief_of_an_earlier_release_reads_it_as_of_then(backfilled: Path, tmp_path: Path) -> None:
    """Written later from the as-of views, the 2026-06-18 brief is the page the run wrote
    right after that release (from the latest views of the time), byte for byte."""
    from tic.brief import write_brief

    again = write_brief(backfilled / "tic.duckdb", date(2026, 6, 18), tmp_path / "again.html")
    assert again.read_bytes() == (backfilled / "briefs" / "2026-06-18.html").read_bytes()


def test_tic_brief_command(
    backfilled: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`tic brief` prints the path it wrote; an unknown release is one line naming the loaded."""
    from cli.main import main

    output = tmp_path / "brief.html"
    argv = ["brief", "--data-dir", str(backfilled), "--output", str(output)]
    assert main(argv) == 0
    assert capsys.readouterr().out.strip() == str(output)
    assert output.read_text().startswith("<!doctype html>")

    assert main([*argv, "--release-date", "2026-01-01"]) == 1
    assert capsys.readouterr().err.strip() == (
        "tic brief: release 2026-01-01 is not loaded (loaded: 2023-03-15, 2026-06-18, "
        "2026-07-14); pick one of those"
    )


def test_status_gives_the_latest_brief(backfilled: Path) -> None:
    """`tic status` prints the path of the latest release's brief."""
    from warehouse.status import status_text

    text = status_text(Settings(data_dir=backfilled), today=date(2026, 7, 20))
    assert f"latest brief: {backfilled / 'briefs' / '2026-07-14.html'}" in text.splitlines()


@pytest.mark.slow
def test_a_failed_brief_never_fails_the_run(shared_tic: Path, tmp_path: Path) -> None:
    """A brief that cannot be written leaves the release loaded, briefs/<date>.error with the
    reason, and a FAILED line in `tic status`; `tic brief` then writes it and clears it."""
    from cli.main import main
    from tic.run.release import run_release
    from warehouse.status import status_text

    settings = Settings(data_dir=tmp_path)
    # A folder where the brief should go: the rename over it fails (IsADirectoryError).
    (tmp_path / "briefs" / "2023-03-15.html").mkdir(parents=True)
    result = run_release(
        str(shared_tic / "releases" / "2023-03-15"), settings, release_date=date(2023, 3, 15)
    )

    assert (result.outcome, result.brief_path) == ("loaded", None)
    assert query(tmp_path, "select release_date from releases") == [(date(2023, 3, 15),)]
    reason = (tmp_path / "briefs" / "2023-03-15.error").read_text()
    assert reason.startswith("IsADirectoryError")
    status = status_text(settings, today=date(2023, 3, 20))
    assert "brief of 2023-03-15: FAILED (IsADirectoryError" in status

    (tmp_path / "briefs" / "2023-03-15.html").rmdir()
    assert main(["brief", "--data-dir", str(tmp_path)]) == 0
    assert not (tmp_path / "briefs" / "2023-03-15.error").exists()
    assert f"latest brief: {tmp_path / 'briefs' / '2023-03-15.html'}" in status_text(
        settings, today=date(2023, 3, 20)
    )


@pytest.mark.slow
def test_a_backfill_alerts_each_release_with_its_brief(shared_tic: Path, tmp_path: Path) -> None:
    """In a backfill each `loaded` alert goes out in release order once its brief is written,
    and links it; a brief that cannot be written leaves the release loaded, its .error, and
    an alert that links the validation report instead."""
    from tests.support.webhook import WebhookReceiver
    from tic.run.release import run_backfill

    releases = tmp_path / "releases"
    releases.mkdir()
    for day in ("2023-03-15", "2026-06-18"):
        (releases / day).symlink_to(shared_tic / "releases" / day)
    data_dir = tmp_path / "data"
    (data_dir / "briefs" / "2026-06-18.html").mkdir(parents=True)  # the brief's rename fails
    with WebhookReceiver() as hook:
        settings = Settings(data_dir=data_dir, alert_webhook=hook.url)
        results = run_backfill(releases, settings)
        posts = [p for p in hook.posts if p["event"] == "loaded"]

    assert [(r.outcome, r.brief_path) for r in results] == [
        ("loaded", str(data_dir / "briefs" / "2023-03-15.html")),
        ("loaded", None),
    ]
    assert [(p["release_date"], p["report"]) for p in posts] == [
        ("2023-03-15", str(data_dir / "briefs" / "2023-03-15.html")),
        ("2026-06-18", results[1].report_path),
    ]
    assert (data_dir / "briefs" / "2026-06-18.error").read_text().startswith("IsADirectoryError")


@needs_chromium
@pytest.mark.parametrize(
    ("device", "width", "height"), [("desktop", 1280, 7200), ("phone", 390, 14000)]
)
def test_screenshots(
    backfilled: Path, tmp_path: Path, device: str, width: int, height: int
) -> None:
    """It renders the latest brief to a PNG at desktop and phone widths (kept for review in
    $TIC_BRIEF_SCREENSHOTS when set)."""
    import os

    shot = screenshot(
        backfilled / "briefs" / "2026-07-14.html", tmp_path / f"{device}.png", width, height
    )
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(png[16:20], "big") == width  # the IHDR's width: the window's
    keep = os.environ.get("TIC_BRIEF_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(keep) / shot.name)
