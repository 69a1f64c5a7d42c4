"""The countries dimension, derived from the files themselves.

Tables 1-3 (and Form S) list countries in blocks, each closed by its regional total
(``Austria ... Kazakhstan, Total Europe``), so a country's region is the total that closes its
block. The MFH tables print names without codes; they get the code of the SLT name they match,
directly or through ``COUNTRY_ALIASES``. Pure: frames in, frames out.
"""

from __future__ import annotations

import polars as pl

from transforms.common import GRAND_TOTAL

IRO_REGION = "International and Regional Organizations"

# The region each total closes. An unknown "Total X" closes region "X".
REGION_BY_TOTAL = {
    "Total Europe": "Europe",
    "Total Latin America": "Latin America",
    "Total Caribbean": "Caribbean",
    "Total Latin America and Caribbean": "Latin America and Caribbean",
    "Total Asia": "Asia",
    "Total Africa": "Africa",
    "Total Other": "Other",
    "Total Regional Orgs.": IRO_REGION,
    "Total IROs": IRO_REGION,
}

# Names the MFH tables print for an entity the coded files name differently.
COUNTRY_ALIASES = {
    "Korea": "Korea, South",  # mfh.txt
    "Belgium-Luxembourg": "Belgium and Luxembourg",  # mfhhis01 before 2001; Form S 10308
}

# Files whose row order gives regions, best first: the SLT tables, then legacy Form S.
REGION_SOURCE_RANK = {"slt_table3": 1, "slt_table1": 2, "slt_table2": 3, "slt_table4": 4}
FORM_S_RANK = 5
UNRANKED = 9  # MFH tables: names without codes or regions

# DESIGN.md's kinds, from the parsers' row kinds.
KIND_BY_ROW_KIND = {
    "country": "country",
    "grand_total": "grand_total",
    "all_other": "all_other",
    "regional_total": "region_total",
    "memo": "memo_group",
    "country_group": "country_group",
    "issuer_sector": "sector",
    "holder_sector": "sector",
}

NAME_SCHEMA: dict[str, pl.DataType] = {
    "source": pl.Utf8(),
    "country": pl.Utf8(),
    "country_code": pl.Int32(),
    "row_kind": pl.Utf8(),
    "region": pl.Utf8(),
    "first_line": pl.Int32(),
}
COUNTRIES_SCHEMA: dict[str, pl.DataType] = {
    "country_code": pl.Int32(),
    "country": pl.Utf8(),
    "kind": pl.Utf8(),
    "region": pl.Utf8(),
    "aliases": pl.List(pl.Utf8()),
}
LOOKUP_SCHEMA: dict[str, pl.DataType] = {
    "printed_country": pl.Utf8(),
    "printed_code": pl.Int32(),
    "country": pl.Utf8(),
    "country_code": pl.Int32(),
    "kind": pl.Utf8(),
    "region": pl.Utf8(),
}


def source_rank(source: str) -> int:
    if source in REGION_SOURCE_RANK:
        return REGION_SOURCE_RANK[source]
    return FORM_S_RANK if source == "s1_globl" else UNRANKED


def printed_names(frame: pl.DataFrame) -> pl.DataFrame:
    """One row per name a parsed file prints (NAME_SCHEMA), with the region of its block.

    Holder splits are the Grand Total's parts and series-break columns repeat country rows,
    so neither is a name of its own.
    """
    names = (
        frame.filter(~pl.col("row_kind").is_in(["holder_split", "series_break_comparison"]))
        .group_by("source", "country", "country_code", "row_kind")
        .agg(first_line=pl.col("line_number").min())
        .sort("first_line")
    )
    rows = names.to_dicts()
    if rows and source_rank(str(rows[0]["source"])) < UNRANKED:
        _assign_regions(rows)
    return pl.DataFrame(rows, schema=NAME_SCHEMA, orient="row")


def _assign_regions(rows: list[dict[str, object]]) -> None:
    """Walk the rows in file order: a regional total closes the block of countries above it.

    A country whose TIC code starts with another digit than the total's (Canada, 29998, above
    the Latin American block) is a region of its own. Memo rows take the total they sit beside.
    """
    pending: list[dict[str, object]] = []
    last_region: str | None = None
    for row in rows:
        row["region"] = None
        kind, name = row["row_kind"], str(row["country"])
        if kind == "regional_total" and name.startswith("Total "):
            region = REGION_BY_TOTAL.get(name, name.removeprefix("Total "))
            row["region"] = region
            for member in pending:
                same_block = _leading_digit(member) in (None, _leading_digit(row))
                member["region"] = region if same_block else member["country"]
            pending, last_region = [], region
        elif kind == "memo" and not pending and last_region is not None:
            row["region"] = last_region
        elif kind in ("country", "memo"):
            pending.append(row)
        else:  # All Countries, Grand Total, sectors: outside every regional block
            pending, last_region = [], None


def _leading_digit(row: dict[str, object]) -> str | None:
    code = row["country_code"]
    return None if code is None else str(code)[0]


def build_countries(names: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The dimension (COUNTRIES_SCHEMA) and the lookup (LOOKUP_SCHEMA) from every printed
    (name, code) to its row.

    ``names`` stacks ``printed_names`` of every loaded file with a ``release_date`` column: a
    code's canonical name and region come from the best-ranked source's newest copy. An
    uncoded name that matches no coded name or alias keeps a row of its own (code NULL).
    """
    ranked = names.with_columns(
        rank=pl.col("source").replace_strict(
            {s: source_rank(s) for s in names["source"].unique()}, return_dtype=pl.Int32
        )
    ).sort(["rank", "release_date"], descending=[False, True])
    entries: dict[int | str, Entry] = {}
    printed: list[tuple[str, int | None, int | str]] = []
    for row in ranked.filter(pl.col("country_code").is_not_null()).iter_rows(named=True):
        code = int(row["country_code"])
        entry = entries.setdefault(code, Entry(code, row["country"], row["row_kind"]))
        entry.add(row["country"], row["region"])
        printed.append((row["country"], code, code))
    by_name = _names_to_codes(entries)
    for row in ranked.filter(pl.col("country_code").is_null()).iter_rows(named=True):
        target = COUNTRY_ALIASES.get(row["country"], row["country"])
        key: int | str = by_name.get(target, target)
        entry = entries.setdefault(key, Entry(None, target, row["row_kind"]))
        entry.add(row["country"], None)
        printed.append((row["country"], None, key))
    countries = pl.DataFrame(
        [entry.dimension_row() for entry in entries.values()], schema=COUNTRIES_SCHEMA, orient="row"
    ).sort("country_code", "country", nulls_last=True)
    lookup = pl.DataFrame(
        [
            {"printed_country": name, "printed_code": code} | entries[key].lookup_row()
            for name, code, key in printed
        ],
        schema=LOOKUP_SCHEMA,
        orient="row",
    ).unique(["printed_country", "printed_code"], keep="first", maintain_order=True)
    return countries, lookup


class Entry:
    """One row of the dimension while it is being built."""

    def __init__(self, code: int | None, name: str, row_kind: str) -> None:
        self.code, self.name, self.row_kind = code, name, row_kind
        self.region: str | None = None
        self.aliases: list[str] = []

    def add(self, name: str, region: str | None) -> None:
        """Another printing of this entry: a new name is an alias; the first region wins."""
        if name != self.name and name not in self.aliases:
            self.aliases.append(name)
        if self.region is None:
            self.region = region

    @property
    def kind(self) -> str:
        if self.name == "All Countries":
            return "all_countries"
        if self.name == GRAND_TOTAL:
            return "grand_total"
        kind = KIND_BY_ROW_KIND.get(self.row_kind, self.row_kind)
        if kind == "country" and self.region == IRO_REGION:
            return "international_organization"
        return kind

    def dimension_row(self) -> dict[str, object]:
        region = self.region if self.kind in REGIONAL_KINDS else None
        return {
            "country_code": self.code,
            "country": self.name,
            "kind": self.kind,
            "region": region,
            "aliases": sorted(self.aliases),
        }

    def lookup_row(self) -> dict[str, object]:
        row = self.dimension_row()
        return {"country": self.name, "country_code": self.code, "kind": row["kind"]} | {
            "region": row["region"]
        }


REGIONAL_KINDS = frozenset({"country", "international_organization", "region_total", "memo_group"})


def _names_to_codes(entries: dict[int | str, Entry]) -> dict[str, int]:
    """Every coded name and alias -> its code. A name printed for two codes (sector rows such
    as "Of Which: Depository Institutions") resolves to the lower code."""
    by_name: dict[str, int] = {}
    for code in sorted((c for c in entries if isinstance(c, int)), reverse=True):
        entry = entries[code]
        for name in (*entry.aliases, entry.name):
            by_name[name] = code
    return by_name
