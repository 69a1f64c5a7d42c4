"""Time stamps, one precision everywhere: UTC, to the microsecond."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    return datetime.now(UTC)


def utc_stamp() -> str:
    """ISO 8601 with a Z, e.g. 2026-07-14T20:00:01.123456Z (sorts as text)."""
    return utc_now().isoformat(timespec="microseconds").replace("+00:00", "Z")
