"""Every TIC_* setting in one object, read from the environment once and passed down.

``load_settings()`` is called by the entry points (the CLI, the Prefect flows, the benchmark);
everything below them takes a ``Settings`` or the ``DataPaths`` it gives.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_MAX_DAYS_OVERDUE = 3
TREASURY_BASE_URL = "https://ticdata.treasury.gov/resource-center/data-chart-center/tic/Documents/"


class SettingsError(ValueError):
    """A TIC_* variable holds a value the pipeline cannot use; the message names it."""


class Settings(BaseSettings):
    """The pipeline's configuration; each field is the environment variable TIC_<NAME>."""

    model_config = SettingsConfigDict(env_prefix="TIC_", frozen=True, extra="ignore")

    data_dir: Path = Field(Path("data"), description="warehouse folder")
    source: str = Field(TREASURY_BASE_URL, description="scheduled runs' http(s) URL or folder")
    release_calendar: Path | None = Field(None, description="release calendar CSV override")
    max_days_overdue: int = Field(
        DEFAULT_MAX_DAYS_OVERDUE, ge=0, description="days after its date a release is late"
    )
    crash_at: str | None = Field(None, description="crash tests only: a fail point to die at")
    postgres_url: str | None = Field(None, description="PostgreSQL mirror, postgresql://...")
    postgres_reader: str = Field("tic_reader", description="read-only role of the mirror")
    postgres_logged: bool = Field(
        False, description="WAL-logged mirror tables (to read them on a streaming replica)"
    )
    alert_webhook: str | None = Field(None, description="URL that receives alert JSON posts")

    @property
    def paths(self) -> DataPaths:
        return DataPaths(self.data_dir.resolve())

    def with_data_dir(self, data_dir: str | Path | None) -> Settings:
        """These settings with --data-dir applied (None keeps $TIC_DATA_DIR or ./data)."""
        return self if data_dir is None else self.model_copy(update={"data_dir": Path(data_dir)})


def load_settings(**overrides: object) -> Settings:
    """Read TIC_* once; a bad value is one line naming the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        first = error.errors()[0]
        name = f"TIC_{str(first['loc'][0]).upper()}" if first["loc"] else "TIC_*"
        raise SettingsError(
            f"{name}={first.get('input')!r}: {first['msg']}; fix or unset it"
        ) from None


@dataclass(frozen=True)
class DataPaths:
    """Where things live under the data directory."""

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
    def briefs(self) -> Path:
        return self.root / "briefs"

    @property
    def run_log(self) -> Path:  # runs that published nothing, merged at the next publish
        return self.root / "runs.jsonl"

    @property
    def lock(self) -> Path:
        return self.root / ".tic.lock"
