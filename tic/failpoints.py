"""Fail points for crash tests: TIC_CRASH_AT=<name> kills the process there with SIGKILL.

The run arms the point named by its settings (``Settings.crash_at``); unset in normal runs.
Tests use it to prove that a run killed at any stage leaves the published warehouse as it was.
"""

from __future__ import annotations

import os
import signal

CRASH_ENV = "TIC_CRASH_AT"
FAIL_POINTS = (
    "during_download",  # after the first file of an HTTP release arrived
    "after_archive",
    "during_parse",  # after the first file was parsed
    "during_validation",  # after the frames were handed to the gate
    "during_load",  # after the first file was applied to the working copy
    "before_commit",  # working copy and Parquet snapshot written, not yet renamed
    "after_commit",  # database renamed into place, Parquet link not yet swapped
)


_armed: str | None = None


def arm(name: str | None) -> None:
    """Die at the fail point ``name`` from now on (None disarms)."""
    global _armed
    if name is not None and name not in FAIL_POINTS:
        raise ValueError(f"{CRASH_ENV}={name!r} is not a fail point: {', '.join(FAIL_POINTS)}")
    _armed = name


def crash_point(name: str) -> None:
    if _armed == name:
        os.kill(os.getpid(), signal.SIGKILL)
