"""What a file is before any parser reads it (standard library only: the fetcher uses it too)."""

from __future__ import annotations


def looks_like_html(data: bytes) -> bool:
    """True for an HTML page (an error or maintenance page saved or served in place of a file)."""
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<!doctype", b"<html")) or b"<html" in head


def ends_with_line_break(data: bytes) -> bool:
    """True when the last line is complete: LF (or CRLF), or CR in a file of CR-only lines.

    Every Treasury text file ends with a line break, so one that does not was cut short. A CR
    alone does not count in a file that uses LF: a CRLF file cut between CR and LF ends in CR.
    """
    return data.endswith(b"\n") or (data.endswith(b"\r") and b"\n" not in data)
