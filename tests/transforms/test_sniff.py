"""What a file is before parsing: an HTML page, or a file cut in the middle of a line."""

from __future__ import annotations

import pytest

from transforms.sniff import ends_with_line_break, looks_like_html


@pytest.mark.parametrize(
    ("data", "complete"),
    [
        (b"a\tb\r\nc\td\r\n", True),  # CRLF, as the Treasury writes
        (b"a\tb\nc\td\n", True),  # LF
        (b"a\tb\rc\td\r", True),  # CR-only lines
        (b"a\tb\r\nc\td\r", False),  # a CRLF file cut between CR and LF
        (b"a\tb\r\nc\td", False),  # cut mid-line
        (b"a\tb\nc\t12", False),
    ],
)
def test_a_complete_last_line_ends_with_a_line_break(data: bytes, complete: bool) -> None:
    assert ends_with_line_break(data) is complete


@pytest.mark.parametrize(
    ("data", "html"),
    [
        (b"<!DOCTYPE html>\n<html><body>maintenance</body></html>\n", True),
        (b"\xef\xbb\xbf  <HTML><body>down</body></HTML>", True),
        (b"Table 1\r\ncountry\tcountry_code\tdate\r\n", False),
    ],
)
def test_an_html_page_is_recognised(data: bytes, html: bool) -> None:
    assert looks_like_html(data) is html
