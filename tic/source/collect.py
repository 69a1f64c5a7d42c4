"""Collect a release's files from a folder or over HTTP, and keep them in the raw archive."""

from __future__ import annotations

import hashlib
import socket
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from tic.clock import utc_stamp
from tic.errors import ReleaseError
from tic.failpoints import crash_point
from tic.source.archive import RawArchive
from tic.source.fetch import (
    MANUAL_RUN,
    FetchError,
    RetryPolicy,
    fetch_file,
    is_url,
    new_session,
)
from transforms.registry import FILE_FAMILIES

# How a file was obtained: a 200, a 304 (bytes from the archive), or read from a folder.
FileStatus = Literal["downloaded", "not_modified", "read"]


@dataclass(frozen=True)
class ReleaseFile:
    """One file of a release as collected from the source and kept in the raw archive."""

    name: str
    data: bytes
    url: str
    status: FileStatus
    headers: dict[str, str] = field(default_factory=dict)
    retrieved_at: str = ""

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def collect_directory(directory: Path) -> list[ReleaseFile]:
    """The known TIC files in a folder (other files are ignored)."""
    if not directory.is_dir():
        raise ReleaseError(f"source {directory} is not a directory or an http(s) URL")
    found = []
    for family in FILE_FAMILIES:
        path = directory / family.file_name
        if path.is_symlink() and not path.resolve().is_relative_to(directory.resolve()):
            raise ReleaseError(
                f"{path} is a link to {path.resolve()}, outside the release folder; "
                "copy the real file into the folder"
            )
        if path.is_file():
            found.append(
                ReleaseFile(
                    family.file_name,
                    path.read_bytes(),
                    path.resolve().as_uri(),
                    "read",
                    retrieved_at=utc_stamp(),
                )
            )
    if not found:
        known = ", ".join(f.file_name for f in FILE_FAMILIES)
        raise ReleaseError(f"{directory} holds none of the TIC files ({known})")
    return found


def collect_http(
    base_url: str, archive: RawArchive, policy: RetryPolicy = MANUAL_RUN
) -> list[ReleaseFile]:
    """Conditional GET of every known file; a 304 answers with the archived copy.

    A 404 is an error for files every release serves and a skip for legacy or optional ones.
    """
    session = new_session()
    collected = []
    for family in FILE_FAMILIES:
        url = base_url if base_url.endswith("/") else base_url + "/"
        previous = archive.latest_record(url + family.file_name)
        headers = (previous or {}).get("headers", {})
        try:
            fetched = fetch_file(
                session,
                url,
                family.file_name,
                etag=headers.get("ETag"),
                last_modified=headers.get("Last-Modified"),
                policy=policy,
            )
        except FetchError as error:
            if error.status_code == 404 and not family.required:
                continue
            raise
        if fetched.status == "not_modified":
            if previous is None:
                raise ReleaseError(
                    f"{fetched.url}: 304 without an archived copy; clear raw/ records"
                )
            data = archive.read(previous["sha256"])
        elif fetched.data is not None:
            data = fetched.data
        else:
            raise ReleaseError(f"{fetched.url}: a {fetched.status} answer without a body")
        crash_point("during_download")
        collected.append(
            ReleaseFile(
                family.file_name,
                data,
                fetched.url,
                fetched.status,
                fetched.headers,
                fetched.retrieved_at,
            )
        )
    return collected


def archive_files(archive: RawArchive, files: list[ReleaseFile], release_date: date | None) -> None:
    """Keep every downloaded or read file in the raw archive (a 304 is already there)."""
    for item in files:
        if item.status == "not_modified":
            continue
        archive.store(
            item.name,
            item.data,
            url=item.url,
            headers=item.headers,
            retrieved_at=item.retrieved_at,
            release_date=release_date.isoformat() if release_date else None,
        )


def check_source(source: str, *, resolve_host: bool = True) -> str:
    """The source made absolute, or a ReleaseError saying what is wrong with it, before a run
    starts anything: a folder must hold TIC files; a URL must be http(s) with a host name that
    resolves (no network, or a mistyped host, fails here in milliseconds). A long-lived
    `tic serve` passes resolve_host=False: the network may well come back before its polls."""
    if not is_url(source):
        directory = Path(source).resolve()
        if not directory.is_dir():
            raise ReleaseError(
                f"source {source} is not a folder or an http(s) URL; pass --source DIR or URL"
            )
        names = ", ".join(f.file_name for f in FILE_FAMILIES)
        if not any((directory / f.file_name).is_file() for f in FILE_FAMILIES):
            raise ReleaseError(f"source {directory} holds none of the TIC files ({names})")
        return str(directory)
    parts = urlsplit(source)
    if not parts.hostname:
        raise ReleaseError(
            f"source {source!r} has no host name; pass a URL like https://host/path/"
        )
    if not resolve_host:
        return source
    try:
        socket.getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise ReleaseError(
            f"source {source}: could not resolve the host name {parts.hostname!r} (DNS lookup "
            f"failed: {error.args[-1] if error.args else error}); check the network connection "
            "and the host name in the URL"
        ) from None
    return source


def collect(source: str, raw: Path, policy: RetryPolicy = MANUAL_RUN) -> list[ReleaseFile]:
    """The release's files from an http(s) base URL or a folder."""
    if is_url(source):
        return collect_http(source, RawArchive(raw), policy)
    return collect_directory(Path(source))
