"""The gate's Great Expectations suites run beside the load (tic/run/steps.py): the release is
loaded into the unpublished working copy meanwhile, and a failed suite drops that copy."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import polars as pl

from expectations.gate import start_gate
from tests.test_release_flow import fingerprint
from tic.run.steps import Rejected, publish_release
from tic.settings import DataPaths
from tic.source.collect import ReleaseFile
from transforms.registry import parse_file
from warehouse.versions import current_values

NEXT_RELEASE = date(2026, 8, 17)  # after the newest real release, 2026-07-14
# In the 2026-07-14 slt_table1.txt, Austria's May 2026 line: its equity valuation change is
# 3,060 (the last of its 15 values); the holder "nobody" is no holder any file prints.
AUSTRIA_MAY_EQUITY_VALUATION = (
    (pl.col("country") == "Austria")
    & (pl.col("period") == date(2026, 5, 1))
    & (pl.col("security") == "equity")
    & (pl.col("measure") == "valuation_change")
)


def test_a_release_only_the_suites_reject_publishes_nothing(
    shared_tic: Path, backfilled: Path, tmp_path: Path
) -> None:
    """A holder outside the known set passes every polars check, so the release is loaded
    into the working copy while the suites run; their failure drops the copy: the published
    warehouse is as it was, the run record is never made and no working file is left."""
    data_dir = tmp_path / "data"
    shutil.copytree(backfilled, data_dir, symlinks=True)
    before = fingerprint(data_dir)
    name = "slt_table1.txt"
    data = (shared_tic / "releases" / "2026-07-14" / name).read_bytes()
    parsed = parse_file(name, data)
    assert parsed.filter(AUSTRIA_MAY_EQUITY_VALUATION)["usd_millions"].to_list() == [3060.0]
    frames = {
        "slt_table1": parsed.with_columns(
            holder=pl.when(AUSTRIA_MAY_EQUITY_VALUATION)
            .then(pl.lit("nobody"))
            .otherwise(pl.col("holder"))
        )
    }
    paths = DataPaths(data_dir)
    current = current_values(
        paths.database, NEXT_RELEASE, replacing={"slt_table1"}, sources={"slt_table1"}
    )
    gate = start_gate(frames, release_date=NEXT_RELEASE, current=dict(current), calendar=None)
    assert not gate.failed_already  # the load runs beside the suites

    def never_recorded(*_: object) -> None:
        raise AssertionError("a rejected release must not get a loaded run record")

    files = [ReleaseFile(name, data, str(shared_tic / name), "downloaded")]
    outcome = publish_release(paths, files, frames, gate, never_recorded)  # type: ignore[arg-type]

    assert isinstance(outcome, Rejected)
    assert [check.check_name for check in outcome.report.errors] == [
        "expect_column_values_to_be_in_set(holder)"
    ]
    assert outcome.report.errors[0].failed_rows == 1
    assert fingerprint(data_dir) == before
    assert not list(data_dir.glob(".tic.duckdb.*"))
