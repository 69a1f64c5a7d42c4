"""The raw archive: every retrieved file's bytes, content-addressed, plus one record per retrieval.

Layout under the archive root (``<data_dir>/raw``)::

    objects/<sha[:2]>/<sha>    the bytes, read-only, written once and never touched again
    records/<stamp>-<sha[:12]>-<token>.json
                               one JSON record per retrieval (url, name, headers, times)
    index.json                 newest record per URL: a cache, rebuilt from records/ when stale

Paths are built from hashes and generated stamps only, never from a file name or URL, so a
name sent by a server cannot point outside the archive. Every write goes to a ``.tmp-`` file in
the destination directory, is fsynced, and is published by one link/rename; a leftover temp file
is never read and is removed by a later ``store``. One writer at a time (see DESIGN.md).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from tic.clock import utc_stamp
from tic.files import fsync_path
from tic.source.fetch import check_file_name

TEMP_PREFIX = ".tmp-"
STALE_TEMP_S = 60.0  # a temp file older than this belongs to no live writer
_SHA256 = re.compile(r"[0-9a-f]{64}")
_INDEX_VERSION = 1


class ArchiveError(RuntimeError):
    """The archive is missing an object or holds one whose bytes no longer match its hash."""


@dataclass(frozen=True)
class ArchivedFile:
    """Where one stored retrieval went."""

    name: str
    sha256: str
    bytes: int
    path: Path  # the object file
    record_path: Path  # the JSON record of this retrieval


class RawArchive:
    """Content-addressed store of raw release files under ``root`` (``<data_dir>/raw``)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.objects_dir = self.root / "objects"
        self.records_dir = self.root / "records"
        self.index_path = self.root / "index.json"

    def store(
        self,
        name: str,
        data: bytes,
        *,
        url: str,
        headers: dict[str, str],
        retrieved_at: str,
        release_date: str | None,
    ) -> ArchivedFile:
        """Keep ``data`` (once per content) and record this retrieval (always a new record)."""
        check_file_name(name)
        _check_utc_time(retrieved_at)
        if release_date is not None:
            date.fromisoformat(release_date)  # ValueError names the bad value
        self._clean_stale_temps()
        sha256 = hashlib.sha256(data).hexdigest()
        object_path = self._store_object(sha256, data)
        record = {
            "url": url,
            "name": name,
            "sha256": sha256,
            "bytes": len(data),
            "object": object_path.relative_to(self.root).as_posix(),
            "headers": {str(k): str(v) for k, v in headers.items()},
            "retrieved_at": retrieved_at,
            "release_date": release_date,
            "archived_at": utc_stamp(),  # breaks ties between equal retrieved_at
        }
        record_path = self._store_record(record)
        self._update_index(record)
        return ArchivedFile(name, sha256, len(data), object_path, record_path)

    def read(self, sha256: str) -> bytes:
        """The bytes of one object, after checking they still hash to ``sha256``."""
        path = self.object_path(sha256)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise ArchiveError(
                f"raw archive object {sha256} is missing ({path}); "
                "re-fetch the file or restore the archive from a backup"
            ) from None
        _verify(path, sha256, data)
        return data

    def object_path(self, sha256: str) -> Path:
        """Where the object with this hash lives (whether or not it exists)."""
        if not isinstance(sha256, str) or not _SHA256.fullmatch(sha256):
            raise ValueError(f"{sha256!r} is not a lowercase hex sha256")
        return self.objects_dir / sha256[:2] / sha256

    def latest_record(self, url: str) -> dict[str, Any] | None:
        """The newest retrieval record for ``url`` (by ``retrieved_at``), or None."""
        index = self._load_index()
        if index is None or index["record_count"] != self._count_records():
            index = self._rebuild_index()
        record = index["latest_by_url"].get(url)
        return dict(record) if record is not None else None

    def records(self) -> list[dict[str, Any]]:
        """Every retrieval record, oldest first."""
        found = [_read_json(path) for path in self._record_paths()]
        return sorted(found, key=_record_order)

    # -- objects ---------------------------------------------------------------------------

    def _store_object(self, sha256: str, data: bytes) -> Path:
        path = self.object_path(sha256)
        if path.exists():
            _verify(path, sha256, path.read_bytes())  # never rewritten, only checked
            return path
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = _write_temp(path.parent, data)
        if not _publish(temp, path):  # appeared meanwhile: keep the existing copy
            _verify(path, sha256, path.read_bytes())
        return path

    # -- records and index -----------------------------------------------------------------

    def _store_record(self, record: dict[str, Any]) -> Path:
        self.records_dir.mkdir(parents=True, exist_ok=True)
        payload = json.dumps(record, indent=2, sort_keys=True).encode() + b"\n"
        stamp = _utc(record["retrieved_at"]).strftime("%Y%m%dT%H%M%S%fZ")
        temp = _write_temp(self.records_dir, payload)
        while True:  # unique name: never overwrite an earlier record
            path = self.records_dir / f"{stamp}-{record['sha256'][:12]}-{secrets.token_hex(4)}.json"
            if _publish(temp, path):
                return path

    def _record_names(self) -> list[str]:
        if not self.records_dir.is_dir():
            return []
        return [
            entry.name
            for entry in os.scandir(self.records_dir)
            if entry.name.endswith(".json") and not entry.name.startswith(".")
        ]

    def _record_paths(self) -> list[Path]:
        return [self.records_dir / name for name in sorted(self._record_names())]

    def _count_records(self) -> int:
        return len(self._record_names())

    def _update_index(self, record: dict[str, Any]) -> None:
        index = self._load_index()
        if index is None or index["record_count"] != self._count_records() - 1:
            self._rebuild_index()  # stale or missing: the new record is on disk already
            return
        _keep_newest(index["latest_by_url"], record)
        index["record_count"] += 1
        self._write_index(index)

    def _rebuild_index(self) -> dict[str, Any]:
        latest: dict[str, dict[str, Any]] = {}
        records = self.records()
        for record in records:
            _keep_newest(latest, record)
        index = {"version": _INDEX_VERSION, "record_count": len(records), "latest_by_url": latest}
        if records:
            self._write_index(index)
        return index

    def _load_index(self) -> dict[str, Any] | None:
        try:
            index = _read_json(self.index_path)
        except (FileNotFoundError, ValueError):
            return None  # missing or damaged: it is only a cache
        if not isinstance(index, dict) or index.get("version") != _INDEX_VERSION:
            return None
        return index

    def _write_index(self, index: dict[str, Any]) -> None:
        payload = json.dumps(index, indent=1, sort_keys=True).encode()
        temp = _write_temp(self.root, payload, durable=False)  # a cache: rebuilt if lost
        os.replace(temp, self.index_path)  # the index, unlike objects and records, is replaced

    # -- leftovers -------------------------------------------------------------------------

    def _clean_stale_temps(self) -> None:
        cutoff = time.time() - STALE_TEMP_S
        patterns = (f"{TEMP_PREFIX}*", f"records/{TEMP_PREFIX}*", f"objects/*/{TEMP_PREFIX}*")
        for pattern in patterns:
            for temp in self.root.glob(pattern):
                with contextlib.suppress(FileNotFoundError):
                    if temp.stat().st_mtime < cutoff:
                        temp.unlink()


def _keep_newest(latest: dict[str, dict[str, Any]], record: dict[str, Any]) -> None:
    current = latest.get(record["url"])
    if current is None or _record_order(record) >= _record_order(current):
        latest[record["url"]] = record


def _record_order(record: dict[str, Any]) -> tuple[datetime, str]:
    return _utc(record["retrieved_at"]), record.get("archived_at", "")


def _check_utc_time(value: str) -> None:
    try:
        _utc(value)
    except (TypeError, ValueError):
        raise ValueError(
            f"retrieved_at {value!r} is not an ISO 8601 time with a time zone "
            "(e.g. 2026-06-18T20:05:00Z)"
        ) from None


def _utc(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError(f"{value!r} has no time zone")
    return moment.astimezone(UTC)


def _verify(path: Path, sha256: str, data: bytes) -> None:
    actual = hashlib.sha256(data).hexdigest()
    if actual != sha256:
        raise ArchiveError(
            f"raw archive object {sha256} is corrupted: {path} now hashes to {actual}; "
            "it was not overwritten. Restore it from a backup or re-fetch the release, "
            "and check the disk"
        )


def _write_temp(directory: Path, data: bytes, *, durable: bool = True) -> Path:
    """Write ``data`` to a fresh read-only temp file in ``directory`` (fsynced if durable)."""
    temp = directory / f"{TEMP_PREFIX}{secrets.token_hex(8)}"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444)
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), 0o444)  # whatever the umask: published files are read-only
            handle.write(data)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return temp


def _publish(temp: Path, final: Path) -> bool:
    """Give ``temp`` the name ``final`` unless that name exists; False (temp removed) if it does.

    A hard link fails on an existing name, unlike rename, so nothing published is ever replaced.
    """
    try:
        os.link(temp, final)
    except FileExistsError:
        return False
    except OSError:  # a file system without hard links: check, then rename
        if final.exists():
            return False
        os.replace(temp, final)
        fsync_path(final.parent)
        return True
    finally:
        temp.unlink(missing_ok=True)
    fsync_path(final.parent)
    return True


def _read_json(path: Path) -> Any:
    return json.loads(path.read_bytes())
