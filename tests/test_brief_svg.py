"""The brief's drawing kit (tic/brief/svg.py): ticks, labels and text sizes, by hand.

The widths are Helvetica's (1/1000 em, from its AFM metrics) times BROWSER_WIDER, 1.12."""

from __future__ import annotations

import re

import pytest

from tic.brief.svg import Linear, amount_label, clip, nice_step, text_width, wrap


def test_text_width_adds_helvetica_widths() -> None:
    # J 500 + a 556 + p 556 + a 556 + n 556 = 2,724 units; at 12 px: 32.688 px, times 1.12.
    assert text_width("Japan", 12) == pytest.approx(36.61, abs=0.01)
    # 'é' is outside the table: 600 units.
    assert text_width("é", 10) == pytest.approx(6.72)


def test_clip_keeps_a_label_that_fits_and_cuts_one_that_does_not() -> None:
    assert clip("Japan", 12, 40) == "Japan"
    cut = clip("United Kingdom", 12, 60)
    assert cut.endswith("…") and text_width(cut, 12) <= 60
    assert "United Kingdom".startswith(cut[:-1])


def test_wrap_breaks_between_words() -> None:
    assert wrap("The 10 largest foreign holders of Treasuries", 15, 200, bold=True) == [
        "The 10 largest foreign",
        "holders of Treasuries",
    ]


@pytest.mark.parametrize(
    ("span", "count", "step"),
    [(1209.9, 8, 200), (1209.9, 4, 200), (1500, 4, 500), (0.9, 5, 0.2), (62.4, 8, 10)],
)
def test_nice_step_is_one_two_or_five_times_ten_to_a_power(
    span: float, count: int, step: float
) -> None:
    # 1209.9 / 8 = 151 -> 100 x 1.51 -> 2 (>= 1.41); 1209.9 / 4 = 302 -> 3.02 -> 2;
    # 1500 / 4 = 375 -> 3.75 -> 5 (>= 3.16); 0.9 / 5 = 0.18 -> 1.8 -> 2; 62.4 / 8 = 7.8 -> 10.
    assert nice_step(span, count) == pytest.approx(step)


def test_a_scale_reaches_zero_and_rounds_out_to_ticks() -> None:
    scale, ticks = Linear.nice([-42.4, 18.3], 100, 320, 4)
    # span 60.7 / 4 = 15.2 -> 10 x 1.52 -> 20: from -60 to 20.
    assert ticks == [-60, -40, -20, 0, 20]
    assert (scale(-60), scale(0), scale(20)) == (100, 265, 320)


def test_labelled_ticks_thin_out_until_their_labels_do_not_touch() -> None:
    _, crowded = Linear.nice([1209.9], 0, 220, 4)
    _, ticks = Linear.labelled([1209.9], 0, 220, 4)
    assert len(crowded) == 8  # 0 to 1,400 by 200: "1,000" to "1,400" would touch at 220 px
    assert ticks == [0, 500, 1000, 1500]


def test_amount_labels_use_separators_and_a_typographic_minus() -> None:
    assert amount_label(1200, 200) == "1,200"
    assert amount_label(-40, 20) == "\u221240"
    assert amount_label(0.4, 0.2) == "0.4"
    assert amount_label(-0.0, 20) == "0"


def test_a_month_without_an_official_figure_draws_no_official_bar() -> None:
    """An n.a. amount (null) draws nothing and does not stop the chart."""
    from datetime import date

    import polars as pl

    from tic.brief.charts import holdings_by_holder

    split = pl.DataFrame(
        {
            "period": [date(2026, 3, 1), date(2026, 4, 1)],
            "official_usd_millions": [None, 3_900_000.0],
            "private_usd_millions": [5_400_000.0, 5_450_000.0],
        }
    )
    tips = re.findall(r"<title>([^<]*)</title>", holdings_by_holder(split))
    assert tips == ["Private: 5,400.0 bn", "Official: 3,900.0 bn", "Private: 5,450.0 bn"]


def test_a_series_break_near_the_start_is_labelled_right_of_its_line() -> None:
    from datetime import date

    import polars as pl

    from tic.brief.charts import NARROW, official_share

    months = [date(2000 + i // 12, i % 12 + 1, 1) for i in range(300)]
    split = pl.DataFrame(
        {
            "period": months,
            "official_usd_millions": [60.0] * 300,
            "private_usd_millions": [40.0] * 300,
            "total_usd_millions": [100.0] * 300,
        }
    )
    breaks = pl.DataFrame({"period": [date(2001, 1, 1)], "label": ["MFH history to Table 3"]})
    markup = official_share(split, breaks, NARROW)
    label = re.search(r'<text x="([\d.]+)"[^>]*>MFH history to Table 3</text>', markup)
    assert label and 'text-anchor="end"' not in label.group(0)
