"""The load stores only the gate's changed rows (``FileLoad.changed``): it must store exactly
what comparing every row of the file with the warehouse stores."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from expectations.gate import changed_rows
from transforms.common import PARSED_SCHEMA
from warehouse.load import FileLoad, apply_file, create_objects
from warehouse.versions import current_values

NEXT_RELEASE = date(2026, 8, 17)  # after the newest real release, 2026-07-14


def load_both_ways(
    database: Path, work: Path, released: date, frame: pl.DataFrame
) -> dict[str, tuple[int, pl.DataFrame]]:
    """(values stored, the source's versions after) for a load of every row of the frame and
    for a load of the gate's changed rows, each on its own copy of the database."""
    source = frame["source"][0]
    held = current_values(database, released, replacing={source}, sources={source})
    changed = changed_rows(frame, held.get(source))
    outcomes = {}
    for way, rows in (("every row", None), ("changed rows", changed)):
        copy = work / f"{way}.duckdb"
        shutil.copyfile(database, copy)
        con = duckdb.connect(str(copy))
        try:
            load = FileLoad(f"{source}.txt", source, "0" * 64, 0, None, frame, rows)
            stored = apply_file(con, released, load)
            versions = con.execute(
                "select * from internal.observation_versions where source = ? order by all",
                [source],
            ).pl()
        finally:
            con.close()
        outcomes[way] = (stored, versions)
    return outcomes


def test_a_revised_real_file_stores_the_same_versions_either_way(
    shared_tic: Path, backfilled: Path, tmp_path: Path
) -> None:
    """Table 3 of 2026-06-18 (the newest copy: 2026-07-14 brought Table 1 only) again as a
    later release, with the Grand Total's Treasury holdings of 2025-12 (9,267,204, line 6702)
    revised by +1."""
    from transforms.registry import parse_file

    data = (shared_tic / "releases" / "2026-06-18" / "slt_table3.txt").read_bytes()
    frame = parse_file("slt_table3.txt", data)
    hit = (
        (pl.col("country") == "Grand Total")
        & (pl.col("period") == date(2025, 12, 1))
        & (pl.col("security") == "treasury")
        & (pl.col("holder") == "all")
        & (pl.col("measure") == "holdings")
    )
    assert frame.filter(hit).select("line_number", "usd_millions").rows() == [(6702, 9267204.0)]
    revised = frame.with_columns(
        usd_millions=pl.when(hit).then(pl.col("usd_millions") + 1).otherwise("usd_millions")
    )
    outcomes = load_both_ways(backfilled / "tic.duckdb", tmp_path, NEXT_RELEASE, revised)
    assert outcomes["every row"][0] == outcomes["changed rows"][0] == 1
    assert outcomes["every row"][1].equals(outcomes["changed rows"][1])


def frame_of(*rows: tuple[int, float]) -> pl.DataFrame:
    """Austria's 2026-05 Treasury holdings, printed once per (code, amount) given."""
    return pl.DataFrame(
        [
            {
                "source": "slt_table3",
                "line_number": 10 + i,
                "dataset": "holdings",
                "period": date(2026, 5, 1),
                "country": "Austria",
                "country_code": code,
                "row_kind": "country",
                "security": "treasury",
                "holder": "all",
                "measure": "holdings",
                "usd_millions": amount,
            }
            for i, (code, amount) in enumerate(rows)
        ],
        schema=PARSED_SCHEMA,
    )


def test_a_key_held_under_two_codes_is_replaced_by_the_one_printed_now(tmp_path: Path) -> None:
    """A file printed Austria under two codes; the next prints it once, with one of them and
    the same amount. Both loads retire the two held versions and store the one printed."""
    database = tmp_path / "tic.duckdb"
    con = duckdb.connect(str(database))
    try:
        create_objects(con)
        first = FileLoad(
            "slt_table3.txt", "slt_table3", "1" * 64, 0, None, frame_of((10189, 5.0), (10190, 5.0))
        )
        assert apply_file(con, date(2026, 6, 18), first) == 2
    finally:
        con.close()

    outcomes = load_both_ways(database, tmp_path, date(2026, 7, 14), frame_of((10189, 5.0)))

    for stored, versions in outcomes.values():
        assert stored == 1
        current = versions.filter(pl.col("superseded_by").is_null())
        assert current.select("country_code", "usd_millions", "release_date").rows() == [
            (10189, 5.0, date(2026, 7, 14))
        ]
