"""What a file is before any parser reads it (standard library only: the fetcher uses it too)."""

from __future__ import annotations


def looks_like_html(data: bytes) -> bool:
    """True for an HTML page (an error or maintenance page saved or served in place of a file)."""
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<!doctype", b"<html")) or b"<html" in head
