"""Parse throughput per file family, against a bare ``polars.read_csv`` of the same data rows."""

from __future__ import annotations

import io
import statistics
from dataclasses import dataclass
from pathlib import Path
from time import perf_counter

import polars as pl

from transforms.registry import FILE_FAMILIES


@dataclass(frozen=True)
class ParseFigure:
    source: str
    file_name: str
    release: str
    file_bytes: int
    data_row_bytes: int
    rows_out: int
    parse_s: float  # median, the family's parser on the whole file (decode included)
    bare_s: float  # median, pl.read_csv of the data rows only

    @property
    def parse_mb_s(self) -> float:
        return self.file_bytes / 1e6 / self.parse_s

    @property
    def bare_mb_s(self) -> float:
        return self.data_row_bytes / 1e6 / self.bare_s

    @property
    def ratio(self) -> float:
        return self.parse_s / self.bare_s


def newest_copies(releases: Path) -> dict[str, Path]:
    """The newest copy of every known file in the release folders."""
    found: dict[str, Path] = {}
    for folder in sorted(p for p in releases.iterdir() if p.is_dir()):
        for family in FILE_FAMILIES:
            if (folder / family.file_name).is_file():
                found[family.file_name] = folder / family.file_name
    return found


def data_rows(data: bytes, line_numbers: list[int]) -> bytes:
    """The lines the parser took values from, as one LF-separated block."""
    lines = data.decode("utf-8-sig", errors="replace").splitlines()
    return "\n".join(lines[n - 1] for n in sorted(set(line_numbers))).encode()


def bare_read(rows: bytes) -> pl.DataFrame:
    """What polars does alone: tab-separated cells, types inferred from every row."""
    return pl.read_csv(
        io.BytesIO(rows),
        separator="\t",
        has_header=False,
        truncate_ragged_lines=True,
        infer_schema_length=None,
        quote_char='"',
    )


def _median_time(call, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = perf_counter()
        call()
        times.append(perf_counter() - started)
    return statistics.median(times)


def measure_parsing(releases: Path, repeat: int) -> list[ParseFigure]:
    figures = []
    families = {family.file_name: family for family in FILE_FAMILIES}
    for file_name, path in newest_copies(releases).items():
        family = families[file_name]
        data = path.read_bytes()
        frame = family.parse(data)  # warm-up: imports the parser module
        rows = data_rows(data, frame["line_number"].to_list())
        bare_read(rows)
        figures.append(
            ParseFigure(
                source=family.source,
                file_name=file_name,
                release=path.parent.name,
                file_bytes=len(data),
                data_row_bytes=len(rows),
                rows_out=frame.height,
                parse_s=_median_time(lambda f=family, d=data: f.parse(d), repeat),
                bare_s=_median_time(lambda r=rows: bare_read(r), repeat),
            )
        )
    return figures
