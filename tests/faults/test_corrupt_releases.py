"""Ten ways a real file can arrive broken, each run through `tic run` end to end.

The warehouse holds the real releases 2023-03-15 and 2026-06-18; the real 2026-07-14
slt_table1.txt arrives with one corruption. Each is stopped by the check meant for it (a gate
check, or the parser's layout check where the bytes cannot be parsed), the run exits 1 naming
the file, and the published warehouse stays exactly as it was. A new country code is the one
exception by design: it is reported as a warning and loaded, not dropped.
tests/expectations/test_gate_corruptions.py shows the same checks on parsed frames, with their
counts and example rows.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import query
from tests.faults.conftest import JULY, JULY_FILE, newest_run, published_state, without_lines

pytestmark = pytest.mark.prefect

CRLF = b"\r\n"
# Rows of May 2026 (the release's newest month) in the real file, up to the first value or two.
GRAND_TOTAL_MAY = b"Grand Total\t99996\t2026-05\t39173511\t"
OFFICIAL_MAY = b"Of Which: Foreign Official\t99990\t2026-05\t6816025\t"
JAPAN_MAY = b"Japan\t42609\t2026-05\t3048199\t"
BRAZIL_MAY = b"Brazil\t30309\t2026-05\t197332\t926\t400\t167725\t"  # last: treasury holdings
AUSTRIA = b"Austria\t10189\t"
HEADER = b"country\tcountry_code\tdate\tfor_lt_total_pos\t"
UNIQUE_KEYS = (
    "expect_compound_columns_to_be_unique(period, country, country_code, security, "
    "holder, measure, row_kind)"
)


def replace_once(data: bytes, old: bytes, new: bytes) -> bytes:
    assert data.count(old) == 1, old
    return data.replace(old, new)


def duplicate_line(data: bytes, start: bytes) -> bytes:
    lines = data.split(CRLF)
    [index] = [i for i, line in enumerate(lines) if line.startswith(start)]
    return CRLF.join([*lines[: index + 1], lines[index], *lines[index + 1 :]])


def without_month(data: bytes, month: bytes) -> bytes:
    """Every data row of one month (the third cell) removed."""
    lines = data.split(CRLF)
    kept = [line for line in lines if line.split(b"\t")[2:3] != [month]]
    assert len(lines) - len(kept) > 100
    return CRLF.join(kept)


def cut_at_line(data: bytes, fraction: float) -> bytes:
    """The file cut after the line ending nearest below `fraction` of its bytes."""
    end = data.rindex(CRLF, 0, int(len(data) * fraction)) + len(CRLF)
    return data[:end]


HTML_PAGE = (
    b"<!DOCTYPE html>\r\n<html><head><title>Scheduled maintenance</title></head>\r\n"
    b"<body><h1>treasury.gov is undergoing maintenance</h1></body></html>\r\n"
)

# name -> (how the file is corrupted, the check that must stop it)
QUARANTINED: dict[str, tuple[Callable[[bytes], bytes], str, str]] = {
    "wrong total": (
        lambda d: replace_once(d, GRAND_TOTAL_MAY, GRAND_TOTAL_MAY.replace(b"39173", b"39174")),
        "cross_table",
        "official_plus_private_equals_total",
    ),
    "duplicated row": (
        lambda d: duplicate_line(d, b"Austria\t10189\t2026-05\t"),
        "slt_table1",
        UNIQUE_KEYS,
    ),
    "negative holding": (
        lambda d: replace_once(d, JAPAN_MAY, JAPAN_MAY.replace(b"\t3048199", b"\t-3048199")),
        "slt_table1",
        "expect_column_values_to_be_between(usd_millions, measure == holdings)",
    ),
    "missing month": (
        lambda d: without_month(d, b"2025-06"),
        "slt_table1",
        "periods_contiguous",
    ),
    "value off by a factor of 1000": (
        lambda d: replace_once(d, BRAZIL_MAY, BRAZIL_MAY.replace(b"\t167725\t", b"\t167725000\t")),
        "slt_table1",
        "amounts_not_off_by_factor_1000",
    ),
    "official figure above the total": (
        lambda d: replace_once(d, OFFICIAL_MAY, OFFICIAL_MAY.replace(b"\t6816025", b"\t49816025")),
        "cross_table",
        "official_not_above_total",
    ),
    "rows lost inside the file": (
        lambda d: without_lines(d, 4000, 6000),
        "slt_table1",
        "row_count_per_period_not_below_past",
    ),
}

# name -> (how the file is corrupted, what the one error line says after the file name)
UNPARSEABLE: dict[str, tuple[Callable[[bytes], bytes], str]] = {
    "renamed column header": (
        lambda d: replace_once(d, HEADER, HEADER.replace(b"_total_pos", b"_total_hold")),
        "line 9: machine-name header is 'country country_code date for_lt_total_hold ",
    ),
    "truncated at a line end": (
        lambda d: cut_at_line(d, 0.5),
        "line 4806: the file ends here, without the notes and column definitions that close "
        "every SLT table: it looks cut off. Fetch the file again; the copy is incomplete.",
    ),
    "truncated mid-line": (
        lambda d: d[: len(d) // 2],
        "line 4807: the file ends here, without the notes and column definitions that close "
        "every SLT table: it looks cut off. Fetch the file again; the copy is incomplete.",
    ),
    "HTML page in place of the file": (
        lambda d: HTML_PAGE,
        "line 1: this is an HTML page, not the Treasury's text file. An error or maintenance "
        "page was saved in its place; fetch the file again.",
    ),
}


@pytest.fixture(scope="module")
def original(releases: Path) -> bytes:
    return (releases / JULY / JULY_FILE).read_bytes()


def release_folder(tmp_path: Path, data: bytes) -> Path:
    folder = tmp_path / "source" / JULY
    folder.mkdir(parents=True)
    (folder / JULY_FILE).write_bytes(data)
    return folder


def run_with(tic, warehouse: Path, tmp_path: Path, data: bytes):
    """`tic run` on a release folder holding `data` as the July slt_table1.txt."""
    folder = release_folder(tmp_path, data)
    return tic("run", "--source", str(folder), "--data-dir", str(warehouse))


def failed_errors(data_dir: Path) -> set[tuple[str, str]]:
    """(suite, check_name) of every error check that failed in the newest run."""
    rows = query(
        data_dir,
        "select suite, check_name from validation_results "
        "where run_id = (select run_id from runs limit 1) and severity = 'error' and not success",
    )
    return set(rows)


@pytest.mark.parametrize("name", QUARANTINED)
def test_gate_quarantines_a_corrupted_file_and_publishes_nothing(
    name: str, tic, warehouse: Path, tmp_path: Path, original: bytes
) -> None:
    corrupt, suite, check = QUARANTINED[name]
    before = published_state(warehouse)

    result = run_with(tic, warehouse, tmp_path, corrupt(original))

    assert result.code == 1
    line = result.error_line("run")
    assert line.startswith(f"tic run: release {JULY} quarantined: {JULY_FILE}: "), line
    assert (suite, check) in failed_errors(warehouse), line
    assert published_state(warehouse) == before
    assert newest_run(warehouse)[0] == "quarantined"
    assert len(list((warehouse / "quarantine").glob(f"{JULY}-*/manifest.json"))) == 1


@pytest.mark.parametrize("name", UNPARSEABLE)
def test_parser_refuses_an_unreadable_file_and_publishes_nothing(
    name: str, tic, warehouse: Path, tmp_path: Path, original: bytes
) -> None:
    corrupt, says = UNPARSEABLE[name]
    before = published_state(warehouse)

    result = run_with(tic, warehouse, tmp_path, corrupt(original))

    assert result.code == 1
    line = result.error_line("run")
    assert line.startswith(f"tic run: {JULY_FILE} "), line
    assert says in line
    assert published_state(warehouse) == before
    assert newest_run(warehouse)[0] == "failed"


def test_new_country_code_is_reported_as_a_warning_and_loaded(
    tic, warehouse: Path, tmp_path: Path, original: bytes
) -> None:
    """A new code is not an error: the release loads with the code as written, and `tic status`
    shows the warning."""
    renumbered = original.replace(AUSTRIA, b"Austria\t10190\t")

    result = run_with(tic, warehouse, tmp_path, renumbered)

    assert result.code == 0, result.stderr[-3000:]
    warnings = query(
        warehouse,
        "select check_name, failed_rows from validation_results "
        "where run_id = (select run_id from runs limit 1) and severity = 'warning' "
        "and not success",
    )
    austria_rows = original.count(AUSTRIA) * 15  # 15 values per row of Table 1
    assert ("expect_column_values_to_be_in_set(country_code)", austria_rows) in warnings
    assert query(
        warehouse,
        "select distinct country_code from holdings where country = 'Austria' "
        "and period = DATE '2026-05-01'",
    ) == [(10190,)]
    status = tic("status", "--data-dir", str(warehouse))
    assert "expect_column_values_to_be_in_set(country_code)" in status.stdout
