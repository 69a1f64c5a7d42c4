"""The briefs of a backfill, drawn by a second process while the next release loads.

A brief costs about 1.3 s, nearly all of it rendering charts in a library that holds the GIL,
so a thread would not overlap it with anything. A backfill hands each loaded release's brief
to one worker process instead, with a hard link to the database as that release published it:
the next publish renames a new file over ``tic.duckdb`` and leaves the linked one as it was.
Briefs come back in release order; whatever goes wrong in the worker, the brief is drawn here
instead, and a brief still never fails a run (``tic.brief.write_release_brief``).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import shutil
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import date
from pathlib import Path
from types import TracebackType

from tic.brief import write_release_brief
from tic.settings import DataPaths

log = logging.getLogger(__name__)


class BackgroundBriefs:
    """``submit`` after each publish; ``finished`` yields (release date, brief path or None)
    in submission order. Leaving the block waits for every brief."""

    def __init__(self, paths: DataPaths) -> None:
        self._paths = paths
        self._pool: ProcessPoolExecutor | None = None
        self._pending: deque[tuple[date, Path, Future[Path | None] | None]] = deque()

    def __enter__(self) -> BackgroundBriefs:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        for _ in self.finished(wait=True):  # briefs of releases that did load
            pass
        if self._pool is not None:
            self._pool.shutdown(wait=True)

    def submit(self, release_date: date) -> None:
        snapshot = self._snapshot(release_date)
        future: Future[Path | None] | None
        try:
            future = self._worker().submit(
                write_release_brief, snapshot, self._paths.briefs, release_date
            )
        except Exception as error:  # the worker cannot start or has died: draw it here
            log.warning("brief worker unavailable (%s); drawing briefs in this process", error)
            future = None
        self._pending.append((release_date, snapshot, future))

    def finished(self, *, wait: bool) -> Iterator[tuple[date, Path | None]]:
        """The briefs done so far, oldest first (all of them with ``wait``)."""
        while self._pending:
            release_date, snapshot, future = self._pending[0]
            if not wait and future is not None and not future.done():
                return
            self._pending.popleft()
            yield release_date, self._result(release_date, snapshot, future)

    def _result(
        self, release_date: date, snapshot: Path, future: Future[Path | None] | None
    ) -> Path | None:
        try:
            if future is not None:
                try:
                    return future.result()
                except Exception as error:  # the worker died, or could not send its result
                    log.warning("brief worker failed on %s: %s", release_date, error)
            return write_release_brief(snapshot, self._paths.briefs, release_date)
        finally:
            snapshot.unlink(missing_ok=True)

    def _worker(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # spawn, not fork: this process runs DuckDB and polars thread pools
            context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(max_workers=1, mp_context=context)
        return self._pool

    def _snapshot(self, release_date: date) -> Path:
        """The published database as it is now, under a name of its own (a hard link, or a
        copy where the file system has none)."""
        snapshot = self._paths.root / f".brief-{release_date.isoformat()}.duckdb"
        snapshot.unlink(missing_ok=True)
        try:
            os.link(self._paths.database, snapshot)
        except OSError:
            shutil.copyfile(self._paths.database, snapshot)
        return snapshot
