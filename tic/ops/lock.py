"""One writer at a time: an exclusive advisory lock on <data_dir>/.tic.lock."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path


class RunInProgress(RuntimeError):
    pass


@contextlib.contextmanager
def run_lock(path: Path) -> Iterator[None]:
    """Hold the data directory's writer lock, or raise RunInProgress at once.

    The kernel drops the lock when the process dies, so a killed run never leaves it stuck.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise RunInProgress(
                f"another tic run (pid {holder}) is writing {path.parent}; "
                "this run did nothing: wait for it to finish"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
