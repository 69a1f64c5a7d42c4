"""The Treasury's release calendar: which data month each release publishes."""

from __future__ import annotations

from datetime import date
from importlib import resources
from pathlib import Path

import polars as pl


def load_calendar(path: str | Path | None = None) -> pl.DataFrame:
    """release_date, data_month (first of month): the shipped calendar unless a path is given
    (``Settings.release_calendar``, $TIC_RELEASE_CALENDAR)."""
    source = Path(path) if path else resources.files("tic.ops") / "release_calendar.csv"
    frame = pl.read_csv(
        source.read_bytes(), schema={"release_date": pl.Utf8, "data_month": pl.Utf8}
    )
    return frame.select(
        pl.col("release_date").str.to_date("%Y-%m-%d"),
        (pl.col("data_month") + "-01").str.to_date("%Y-%m-%d").alias("data_month"),
    ).sort("release_date")


def release_for_month(calendar: pl.DataFrame, data_month: date) -> date | None:
    """The release that publishes data_month (the last one, when a shutdown merged months)."""
    hits: list[date] = calendar.filter(pl.col("data_month") == data_month)["release_date"].to_list()
    return max(hits, default=None)


def expected_month(calendar: pl.DataFrame, release_date: date) -> date | None:
    """The newest data month the calendar gives to release_date."""
    hits: list[date] = calendar.filter(pl.col("release_date") == release_date)[
        "data_month"
    ].to_list()
    return max(hits, default=None)
