"""The release brief: one self-contained HTML page of charts and numbers per loaded release.

``write_brief`` writes one on demand (``tic brief``); ``write_release_brief`` is what a release
run calls after a loaded release: it never raises, and leaves ``<date>.error`` beside the brief
when the brief could not be written, so that ``tic status`` shows the failure.
"""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

from tic.files import write_atomic

log = logging.getLogger(__name__)


def write_brief(database: Path, release_date: date | None, output: Path) -> Path:
    """Write the brief of a loaded release (default: the latest) to ``output``."""
    from tic.brief.page import render_page
    from tic.brief.queries import read_brief_data

    page = render_page(read_brief_data(database, release_date))
    output.parent.mkdir(parents=True, exist_ok=True)
    return write_atomic(output, page)


def brief_path(briefs: Path, release_date: date) -> Path:
    return briefs / f"{release_date.isoformat()}.html"


def error_path(briefs: Path, release_date: date) -> Path:
    return briefs / f"{release_date.isoformat()}.error"


def write_release_brief(database: Path, briefs: Path, release_date: date) -> Path | None:
    """The brief of a release just loaded, in ``briefs/``; None (logged, and the reason kept in
    ``briefs/<date>.error``) when it cannot be written: a brief never fails the run."""
    failure = error_path(briefs, release_date)
    try:
        path = write_brief(database, release_date, brief_path(briefs, release_date))
    except Exception as error:
        reason = " ".join(str(error).split()) or type(error).__name__
        log.warning("release %s is loaded, but its brief failed: %s", release_date, reason)
        try:
            briefs.mkdir(parents=True, exist_ok=True)
            write_atomic(failure, f"{type(error).__name__}: {reason}\n")
        except OSError as record_error:
            log.warning("could not record the brief's failure in %s: %s", failure, record_error)
        return None
    failure.unlink(missing_ok=True)
    return path
