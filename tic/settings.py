"""Where things live: the data directory and the files under it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DATA_DIR_ENV = "TIC_DATA_DIR"


@dataclass(frozen=True)
class DataPaths:
    root: Path

    @property
    def database(self) -> Path:
        return self.root / "tic.duckdb"

    @property
    def parquet(self) -> Path:  # a symlink to the current snapshot
        return self.root / "parquet"

    @property
    def parquet_snapshots(self) -> Path:
        return self.root / "parquet-snapshots"

    @property
    def raw(self) -> Path:
        return self.root / "raw"

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    @property
    def quarantine(self) -> Path:
        return self.root / "quarantine"

    @property
    def lock(self) -> Path:
        return self.root / ".tic.lock"


def data_paths(data_dir: str | Path | None = None) -> DataPaths:
    """--data-dir, else $TIC_DATA_DIR, else ./data."""
    chosen = data_dir or os.environ.get(DATA_DIR_ENV) or "data"
    return DataPaths(Path(chosen).resolve())
