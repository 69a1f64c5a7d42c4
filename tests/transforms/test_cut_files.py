"""A file cut short is refused, for every family, wherever the cut falls.

Each real file (npr_history: the hand-made one of test_variants) is cut at line ends and in the
middle of lines. Every cut that loses a non-blank line must fail with a ParseError naming the
file; past the table's header the message says the file looks cut off and what is missing. A cut
that only drops trailing blank lines is the "no trailing blank lines" variant and loads the same.
Files of up to 1,000 lines (Tables 4 and 5, mfh.txt) are cut at every line end; the larger ones
at their first 30 line ends, the last 100 before their trailing blank lines (the last data rows
and the whole closing block), 60 spread evenly between, and 3 among the trailing blank lines.
"""

from __future__ import annotations

import itertools

import polars as pl
import pytest

from tests.support.real_files import FILES
from transforms.common import ParseError
from transforms.registry import parse_file

EVERY_LINE_UP_TO = 1_000  # files with more lines are sampled as the module docstring says


def line_ends(data: bytes) -> list[int]:
    """Byte offsets just after each line break."""
    return [index + 1 for index, byte in enumerate(data) if byte == 0x0A]


def is_blank(line: bytes) -> bool:
    return not line.replace(b"\t", b"").strip().strip(b'"').strip()


def last_content_end(data: bytes) -> int:
    """Offset just after the last non-blank line's break (or the end of the data)."""
    lines = data.splitlines(keepends=True)
    while lines and is_blank(lines[-1]):
        lines.pop()
    return len(b"".join(lines))


def cuts_to_try(data: bytes) -> list[int]:
    """Line ends to cut at: all of them in a small file; else the first 30, the last 100 before
    the trailing blank lines, 60 spread evenly between, and the first 3 trailing ones."""
    ends = line_ends(data)
    if len(ends) <= EVERY_LINE_UP_TO:
        return ends
    complete_from = last_content_end(data)
    content = [end for end in ends if end < complete_from]
    trailing = [end for end in ends if end >= complete_from][:3]
    spread = content[30:-100][:: max(1, (len(content) - 130) // 60)]
    return sorted({*content[:30], *spread, *content[-100:], *trailing})


@pytest.mark.parametrize("file_name", FILES)
def test_a_file_cut_at_any_line_end_is_refused(
    file_name: str,
    originals: dict[str, bytes],
    parsed: dict[str, pl.DataFrame],
) -> None:
    """It refuses the file cut after any line that has content after it; a cut among the trailing
    blank lines loads the same values."""
    data = originals[file_name]
    complete_from = last_content_end(data)
    header_line = parsed[file_name]["line_number"].min() - 1
    tried = 0
    for end in cuts_to_try(data):
        if end >= complete_from:
            assert parse_file(file_name, data[:end]).equals(parsed[file_name])
            continue
        tried += 1
        with pytest.raises(ParseError) as refused:
            parse_file(file_name, data[:end])
        message = str(refused.value)
        assert message.startswith(file_name), message
        if data[:end].count(b"\n") > header_line:
            assert "it looks cut off" in message, message
    assert tried > 20


@pytest.mark.parametrize("file_name", FILES)
def test_a_file_cut_mid_row_is_refused(
    file_name: str,
    originals: dict[str, bytes],
    parsed: dict[str, pl.DataFrame],
) -> None:
    """It refuses the file cut in the middle of a line (a number may be cut too: 12345 read as
    123), halfway through each line tried but the last non-blank one, whose loss the structure
    cannot show (the fetch's Content-Length check is what catches that)."""
    data = originals[file_name]
    complete_from = last_content_end(data)
    ends = cuts_to_try(data)
    for start, end in itertools.pairwise(ends):
        middle = (start + end) // 2
        if end >= complete_from or is_blank(data[start:end]):
            continue
        with pytest.raises(ParseError, match=rf"^{file_name}"):
            parse_file(file_name, data[:middle])
