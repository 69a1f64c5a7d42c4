"""Layout drift in the real slt_table1.txt of 2026-07-14: bytes edited the way the Treasury might.

Harmless changes (line endings, a byte-order mark, title wording, blank lines, a new country) are
absorbed and the same values load; a changed machine-name header or a broken data row fails with
the file, the line and the expected layout, and the warehouse stays as it was.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from tests.conftest import query
from tests.faults.conftest import (
    JULY,
    JULY_FILE,
    VOLATILE_COLUMNS,
    content_state,
    newest_run,
    published_state,
    without_lines,
)
from transforms.common import ParseError
from transforms.registry import parse_file

pytestmark = pytest.mark.prefect

CRLF = b"\r\n"
HEADER_LINE = 9  # 1-based line of the machine-name row in the real file
# The slt_table1 machine-name row as DESIGN.md and the README of ../shared/tic give it.
EXPECTED_HEADER = (
    "country country_code date for_lt_total_pos for_lt_total_net for_lt_total_valchg "
    "for_lt_treas_pos for_lt_treas_net for_lt_treas_valchg for_lt_agcy_pos for_lt_agcy_net "
    "for_lt_agcy_valchg for_lt_corp_pos for_lt_corp_net for_lt_corp_valchg for_lt_eqty_pos "
    "for_lt_eqty_net for_lt_eqty_valchg"
)
VALUE_COLUMNS = 15
NEW_COUNTRY = b"\t".join(  # Austria's May 2026 row under a new name and code
    b"Atlantis 19999 2026-05 52446 34 3048 3967 -167 -19 4 0 0 2755 43 7 45720 158 3060".split()
)
NEW_COUNTRY_HOLDINGS = {  # security -> usd_millions, as written in NEW_COUNTRY
    "us_long_term": 52446.0,
    "treasury_long_term": 3967.0,
    "agency": 4.0,
    "corporate_bonds": 2755.0,
    "equity": 45720.0,
}


@pytest.fixture(scope="module")
def original(releases: Path) -> bytes:
    return (releases / JULY / JULY_FILE).read_bytes()


def lines_of(data: bytes) -> list[bytes]:
    return data.split(CRLF)


def data_line_count(data: bytes) -> int:
    """Data rows of the real file, counted on its text: from the machine-name row to the first
    blank line."""
    lines = lines_of(data)
    count = 0
    for line in lines[HEADER_LINE:]:
        if not line.replace(b"\t", b"").strip():
            break
        count += 1
    return count


def edit_columns(data: bytes, edit) -> bytes:
    """Apply edit(cells) to the header row and every data row."""
    lines = lines_of(data)
    end = HEADER_LINE + data_line_count(data)
    for index in range(HEADER_LINE - 1, end):
        lines[index] = b"\t".join(edit(lines[index].split(b"\t")))
    return CRLF.join(lines)


def insert_lines(data: bytes, at: int, new: list[bytes]) -> bytes:
    """Insert lines before 1-based line `at`."""
    lines = lines_of(data)
    return CRLF.join(lines[: at - 1] + new + lines[at - 1 :])


def retitled(data: bytes) -> bytes:
    lines = lines_of(data)
    lines[0] = b"Table 1. U.S. long-term securities held by foreign residents (revised layout)"
    lines[2] = b"A positive number denotes net U.S. sales to foreigners"
    return CRLF.join(lines)


HARMLESS = {
    "LF line endings": lambda d: d.replace(CRLF, b"\n"),
    "UTF-8 byte-order mark": lambda d: b"\xef\xbb\xbf" + d,
    "title lines reworded": retitled,
    "blank lines above the header": lambda d: insert_lines(d, 7, [b"", b"\t\t\t", b""]),
    "blank lines between header and data": lambda d: insert_lines(d, HEADER_LINE + 1, [b"", b""]),
    "blank lines after the notes": lambda d: d + CRLF * 3,
    "blank lines inside the data": lambda d: insert_lines(d, 4000, [b"", b"\t\t\t"]),
    "all of these at once": lambda d: (
        b"\xef\xbb\xbf"
        + insert_lines(insert_lines(retitled(d), 4000, [b""]), HEADER_LINE + 1, [b""]).replace(
            CRLF, b"\n"
        )
        + b"\n\n"
    ),
}


def frame_values(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.drop("line_number").sort(frame.drop("line_number").columns)


def value(frame: pl.DataFrame, country: str, period: str, security: str, measure: str) -> float:
    found = frame.filter(
        (pl.col("country") == country)
        & (pl.col("holder") == "all")
        & (pl.col("period") == date.fromisoformat(period + "-01"))
        & (pl.col("security") == security)
        & (pl.col("measure") == measure)
    )["usd_millions"]
    assert found.len() == 1
    return found[0]


@pytest.mark.parametrize("change", HARMLESS.values(), ids=HARMLESS.keys())
def test_harmless_change_parses_to_the_same_values(original: bytes, change) -> None:
    """It reads every data row and the same values from a file whose line endings, byte-order
    mark, title lines or blank lines changed."""
    frame = parse_file(JULY_FILE, change(original))
    assert frame.height == data_line_count(original) * VALUE_COLUMNS
    assert value(frame, "Grand Total", "2025-12", "us_long_term", "holdings") == 36_479_400
    assert value(frame, "International", "2023-02", "us_long_term", "net_purchases") == -433
    assert value(frame, "International", "2024-01", "us_long_term", "net_purchases") == -14_296
    assert frame_values(frame).equals(frame_values(parse_file(JULY_FILE, original)))


def header_moved(cells: list[bytes]) -> list[bytes]:
    return [*cells[:3], cells[4], cells[3], *cells[5:]]


def header_renamed(cells: list[bytes]) -> list[bytes]:
    return [b"for_lt_agency_pos" if c == b"for_lt_agcy_pos" else c for c in cells]


def column_added(cells: list[bytes]) -> list[bytes]:
    return [*cells, b"for_lt_other_pos" if cells[0] == b"country" else b"1"]


def security_type_added(cells: list[bytes]) -> list[bytes]:
    if cells[0] == b"country":
        return [*cells, b"for_lt_abs_pos", b"for_lt_abs_net", b"for_lt_abs_valchg"]
    return [*cells, b"10", b"1", b"0"]


def header_of(edit) -> str:
    names = EXPECTED_HEADER.encode().split(b" ")
    return b" ".join(edit(names)).decode()


HEADER_CHANGES = {
    "column moved": header_moved,
    "column renamed": header_renamed,
    "column added": column_added,
    "security type added": security_type_added,
}


@pytest.mark.parametrize("edit", HEADER_CHANGES.values(), ids=HEADER_CHANGES.keys())
def test_changed_machine_header_is_refused_with_line_and_expected_layout(original, edit) -> None:
    """It refuses a machine-name header whose columns were moved, renamed or added, naming the
    file, the line, the header found and the header expected."""
    with pytest.raises(ParseError) as raised:
        parse_file(JULY_FILE, edit_columns(original, edit))
    assert str(raised.value).startswith(
        f"{JULY_FILE} line {HEADER_LINE}: machine-name header is '{header_of(edit)}'; "
        f"expected '{EXPECTED_HEADER}'."
    )


def test_moved_header_names_over_unmoved_data_are_refused(original: bytes) -> None:
    """It refuses a header whose two first value columns swapped even when the data did not
    (the layout is known by its header, not by the numbers)."""
    lines = lines_of(original)
    lines[HEADER_LINE - 1] = b"\t".join(header_moved(lines[HEADER_LINE - 1].split(b"\t")))
    with pytest.raises(ParseError, match=f"{JULY_FILE} line {HEADER_LINE}: machine-name header"):
        parse_file(JULY_FILE, CRLF.join(lines))


def with_row(data: bytes, line_number: int, edit) -> bytes:
    lines = lines_of(data)
    lines[line_number - 1] = b"\t".join(edit(lines[line_number - 1].split(b"\t")))
    return CRLF.join(lines)


def test_a_data_row_with_an_extra_cell_is_refused(original: bytes) -> None:
    """It names the line of a data row with one cell more than the header."""
    with pytest.raises(ParseError, match=f"{JULY_FILE} line 1000: 19 cells where the header has"):
        parse_file(JULY_FILE, with_row(original, 1000, lambda c: [*c, b"7"]))


def test_a_cell_that_is_not_a_number_is_refused(original: bytes) -> None:
    """It names the line, the column and the cell that is not a number."""

    def garble(cells: list[bytes]) -> list[bytes]:
        return [*cells[:3], b"12a4", *cells[4:]]

    with pytest.raises(
        ParseError,
        match=f"{JULY_FILE} line 2000: column 'for_lt_total_pos' holds '12a4', which is not a",
    ):
        parse_file(JULY_FILE, with_row(original, 2000, garble))


def test_a_malformed_row_after_a_blank_line_is_refused_not_dropped(original: bytes) -> None:
    """A blank line inside the data does not hide the rows after it: a broken date just after
    it is refused, naming its line, instead of ending the data block there."""

    def bad_date(cells: list[bytes]) -> list[bytes]:
        return [*cells[:2], b"2021-2", *cells[3:]]

    split = insert_lines(with_row(original, 4000, bad_date), 4000, [b""])
    with pytest.raises(ParseError, match=f"{JULY_FILE} line 4001: date '2021-2' is not YYYY-MM"):
        parse_file(JULY_FILE, split)


# -- through `tic run`: what the operator sees, and what is (not) published ---------------------


def release_folder(tmp_path: Path, data: bytes) -> Path:
    folder = tmp_path / "source" / JULY
    folder.mkdir(parents=True)
    (folder / JULY_FILE).write_bytes(data)
    return folder


@pytest.mark.parametrize(
    "edit",
    [HEADER_CHANGES["column renamed"], HEADER_CHANGES["security type added"]],
    ids=["column renamed", "security type added"],
)
def test_run_refuses_a_changed_header_and_keeps_the_warehouse(
    tic, warehouse: Path, tmp_path: Path, original: bytes, edit
) -> None:
    """`tic run` exits 1 with one line naming the file, the line and the expected header, and
    the warehouse is unchanged."""
    folder = release_folder(tmp_path, edit_columns(original, edit))
    before = published_state(warehouse)

    result = tic("run", "--source", str(folder), "--data-dir", str(warehouse))

    assert result.code == 1
    assert result.error_line("run").startswith(
        f"tic run: {JULY_FILE} line {HEADER_LINE}: machine-name header is '{header_of(edit)}'; "
        f"expected '{EXPECTED_HEADER}'. The file's layout is not the one this parser knows"
    )
    assert published_state(warehouse) == before
    assert newest_run(warehouse)[0] == "failed"


def test_run_quarantines_a_file_that_lost_rows(
    tic, warehouse: Path, tmp_path: Path, original: bytes
) -> None:
    """`tic run` quarantines the release when the data block lost its second half (a file cut
    short on the server, still well formed): one line naming the file and the failed check, the
    report and the file's hash kept in the quarantine folder, the warehouse unchanged."""
    last_data_line = HEADER_LINE + data_line_count(original)
    data = without_lines(original, 4000, last_data_line)
    folder = release_folder(tmp_path, data)
    before = published_state(warehouse)

    result = tic("run", "--source", str(folder), "--data-dir", str(warehouse))

    assert result.code == 1
    line = result.error_line("run")
    assert line.startswith(
        f"tic run: release {JULY} quarantined: {JULY_FILE}: row_count_per_period_not_below_past "
        "failed"
    ), line
    assert "(report: " in line
    assert published_state(warehouse) == before
    assert newest_run(warehouse)[0] == "quarantined"
    [manifest_path] = (warehouse / "quarantine").glob("*/manifest.json")
    manifest = json.loads(manifest_path.read_text())
    assert manifest["files"][0]["name"] == JULY_FILE
    assert manifest["files"][0]["sha256"] == hashlib.sha256(data).hexdigest()


def test_run_absorbs_harmless_changes_and_loads_a_new_country(
    tic, warehouse: Path, tmp_path: Path, original: bytes, july_reference: Path
) -> None:
    """`tic run` loads a file with a byte-order mark, LF endings, reworded titles, extra blank
    lines and one new country row: the new country's values as written, every other value as
    from the real file."""
    changed = HARMLESS["all of these at once"](original)
    data = changed.replace(b"\nAustria\t", b"\n" + NEW_COUNTRY + b"\nAustria\t", 1)
    folder = release_folder(tmp_path, data)

    result = tic("run", "--source", str(folder), "--data-dir", str(warehouse))

    assert result.code == 0, result.stderr[-3000:]
    atlantis = query(
        warehouse,
        "select security, usd_millions from holdings where country = 'Atlantis' "
        "and period = date '2026-05-01' and holder = 'all'",
    )
    assert dict(atlantis) == NEW_COUNTRY_HOLDINGS
    file_facts = VOLATILE_COLUMNS | {"sha256", "sha256s", "bytes", "rows_parsed", "rows_changed"}
    others = "country <> 'Atlantis'"
    assert content_state(warehouse, exclude=file_facts, where=others) == content_state(
        july_reference, exclude=file_facts, where=others
    )
