"""A release that fails the quality gate is quarantined: `tic run` exits non-zero with the file,
the check and example rows, and the published warehouse is unchanged."""

from __future__ import annotations

import shutil
from pathlib import Path

from cli.main import main
from tests.conftest import query
from tests.test_release_flow import fingerprint

# Line 7248 of the real 2026-07-14 slt_table1.txt: Foreign Official, 2026-05, first value is
# its holdings of all U.S. long-term securities (6,816,025); the Grand Total is 39,173,511.
OFFICIAL_2026_05 = "Of Which: Foreign Official\t99990\t2026-05\t6816025\t"
OFFICIAL_ABOVE_TOTAL = "Of Which: Foreign Official\t99990\t2026-05\t49816025\t"


def run_args(release: Path, data_dir: Path) -> list[str]:
    # A later vintage of the same release date would be refused; use a new date.
    source = ["--source", str(release), "--release-date", "2026-08-17"]
    return ["run", *source, "--data-dir", str(data_dir)]


def test_corrupt_release_is_quarantined_and_nothing_published(
    shared_tic: Path, backfilled: Path, prefect_harness, tmp_path: Path, capsys
) -> None:
    """It stops a release whose official holdings exceed the total and keeps the warehouse."""
    data_dir = tmp_path / "data"
    shutil.copytree(backfilled, data_dir, symlinks=True)
    con_rows = query(data_dir, "select count(*) from releases")
    before = fingerprint(data_dir)

    release = tmp_path / "2026-07-14"
    release.mkdir()
    text = (shared_tic / "releases" / "2026-07-14" / "slt_table1.txt").read_bytes().decode()
    assert text.count(OFFICIAL_2026_05) == 1
    (release / "slt_table1.txt").write_text(
        text.replace(OFFICIAL_2026_05, OFFICIAL_ABOVE_TOTAL), newline=""
    )
    code = main(run_args(release, data_dir))

    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert code == 1
    assert "quarantined" in error
    assert "slt_table1.txt" in error
    assert "official" in error
    assert fingerprint(data_dir) == before
    assert query(data_dir, "select count(*) from releases") == con_rows
    outcome, report = query(data_dir, "select outcome, report_path from runs limit 1")[0]
    assert outcome == "quarantined"
    assert Path(report).is_file()
    assert Path(report).is_relative_to(data_dir / "quarantine")


def test_same_bad_bytes_are_not_validated_again(
    shared_tic: Path, backfilled: Path, prefect_harness, tmp_path: Path, capsys
) -> None:
    """It answers a second poll of the same rejected files from the quarantine, with one
    quarantine folder and a non-zero exit each time."""
    data_dir = tmp_path / "data"
    shutil.copytree(backfilled, data_dir, symlinks=True)
    release = tmp_path / "release"
    release.mkdir()
    text = (shared_tic / "releases" / "2026-07-14" / "slt_table1.txt").read_bytes().decode()
    (release / "slt_table1.txt").write_text(
        text.replace(OFFICIAL_2026_05, OFFICIAL_ABOVE_TOTAL), newline=""
    )
    args = run_args(release, data_dir)
    assert main(args) == 1
    assert main(args) == 1
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert "still quarantined" in error
    assert "slt_table1.txt" in error
    assert len(list((data_dir / "quarantine").iterdir())) == 1
    outcomes = query(data_dir, "select outcome from runs order by started_at desc limit 2")
    assert outcomes == [("quarantined",), ("quarantined",)]
