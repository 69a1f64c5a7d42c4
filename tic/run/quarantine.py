"""A release that fails validation is kept aside with its report; nothing is published."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tic.files import write_atomic
from tic.source.collect import ReleaseFile

if TYPE_CHECKING:
    from expectations.results import GateReport


def quarantine_release(
    root: Path, run_id: str, release_date: date | None, files: list[ReleaseFile], report: GateReport
) -> Path:
    """Write <root>/<release_date>-<run_id>/ with the HTML report and the files' manifest.

    The raw bytes stay in the content-addressed archive (raw/objects/<sha256>).
    """
    from expectations.report import write_report

    folder = root / f"{release_date or 'undated'}-{run_id}"
    folder.mkdir(parents=True, exist_ok=True)
    manifest = {
        "release_date": str(release_date),
        "run_id": run_id,
        "files": [{"name": f.name, "sha256": f.sha256, "url": f.url} for f in files],
        "failure": report.failure_message(),
        "summary": report.summary(),
    }
    report_path = write_report(report, folder)
    # The manifest last, whole or not at all: already_quarantined trusts any manifest it finds.
    write_atomic(folder / "manifest.json", json.dumps(manifest, indent=2))
    return report_path


def already_quarantined(root: Path, files: list[ReleaseFile]) -> dict[str, Any] | None:
    """The manifest of an earlier quarantine of exactly these files' bytes, if any.

    A scheduled poll then reports the standing rejection instead of validating the same
    bytes again and filling quarantine/ with copies.
    """
    wanted = sorted((f.name, f.sha256) for f in files)
    for manifest_path in sorted(root.glob("*/manifest.json")):
        manifest: dict[str, Any] = json.loads(manifest_path.read_text())
        if sorted((f["name"], f["sha256"]) for f in manifest["files"]) == wanted:
            return manifest | {"folder": str(manifest_path.parent)}
    return None
