"""What a file is before parsing: an HTML page saved in place of the Treasury's file."""

from __future__ import annotations

import pytest

from transforms.sniff import looks_like_html


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
