"""TIC country codes and MFH country names seen in the real files, kept as constants.

A code or name outside these lists is not dropped: the gate reports it as a warning so a person
can add it here (a new country in the Treasury's list), add an alias to
``transforms.countries.COUNTRY_ALIASES`` (a new spelling of a known country) or fix the parser
(a misread cell). The countries dimension loads it either way, under its own name.
Regenerate from a folder of release folders with
``uv run python -m expectations.known_countries ../shared/tic/releases``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import polars as pl

from transforms.countries import COUNTRY_ALIASES

# Derived from slt_table1..3 (2026-06-18, 2026-07-14) and s1_globl (2023-03-15). The holder
# splits (99990, 99991) are parsed as Grand Total 99996 parts, so they do not appear here.
KNOWN_COUNTRY_CODES: dict[int, str] = {
    10189: "Austria",
    10251: "Belgium",
    10308: "Belgium and Luxembourg",
    10405: "Cyprus",
    10502: "Denmark",
    10707: "Finland",
    10804: "France",
    11002: "Germany",
    11207: "Greece",
    11401: "Ireland",
    11509: "Italy",
    11703: "Luxembourg",
    12009: "Monaco",
    12106: "Netherlands",
    12203: "Norway",
    12319: "Portugal",
    12505: "Spain",
    12602: "Sweden",
    12688: "Switzerland",
    12807: "Turkey",
    13005: "United Kingdom",
    13006: "Guernsey",
    13007: "Jersey",
    13056: "Channel Islands and Isle of Man",
    13218: "Serbia",
    15202: "Bulgaria",
    15288: "Czech Republic",
    15504: "Hungary",
    15768: "Poland",
    15806: "Romania",
    16004: "German Democratic Republic",
    16101: "Russia",
    16403: "Ukraine",
    16543: "Kazakhstan",
    16713: "Memo: Euro Area",
    16721: "Memo: European Union",
    19992: "Total Europe",
    29998: "Canada",
    30104: "Argentina",
    30155: "Barbados",
    30228: "Anguilla",
    30309: "Brazil",
    30406: "Chile",
    30503: "Colombia",
    30589: "Costa Rica",
    30708: "Cuba",
    31003: "Ecuador",
    31208: "Guatemala",
    31607: "Jamaica",
    31704: "Mexico",
    31887: "Panama",
    32204: "Peru",
    32409: "Trinidad and Tobago",
    32603: "Uruguay",
    32719: "Venezuela",
    34401: "Total Caribbean",
    35254: "Aruba",
    35319: "Bahamas",
    35602: "Bermuda",
    35807: "British Virgin Islands",
    36005: "British West Indies",
    36137: "Cayman Islands",
    36188: "Curacao",
    37206: "Netherlands Antilles",
    37303: "Saint Kitts and Nevis",
    39942: "Total Latin America",
    39993: "Total Latin America and Caribbean",
    41408: "China, Mainland",
    42005: "Hong Kong",
    42102: "India",
    42218: "Indonesia",
    42501: "Israel",
    42609: "Japan",
    43001: "Korea, South",
    43109: "Kuwait",
    43419: "Lebanon",
    43605: "Malaysia",
    44709: "Pakistan",
    44806: "Philippines",
    45608: "Saudi Arabia",
    46019: "Singapore",
    46205: "Syria",
    46302: "Taiwan",
    46418: "Thailand",
    46604: "United Arab Emirates",
    49999: "Total Asia",
    53201: "Liberia",
    53805: "Mauritius",
    54003: "Morocco",
    55719: "South Africa",
    57002: "Egypt",
    59994: "Total Africa",
    60089: "Australia",
    61689: "New Zealand",
    69906: "Total Other",
    69995: "All Countries",
    72907: "International",
    76929: "Total Regional Orgs.",
    79995: "Total IROs",
    81647: "Of Which: Other Financial Organizations",
    81655: "Of Which: Non-Financial Organizations",
    81663: "Of Which: Depository Institutions",
    82643: "Of Which: Depository Institutions",
    82644: "Of Which: Foreign Official Depository Institutions",
    82645: "Of Which: Foreign Non-Official Depository Institutions",
    82651: "Of Which: Other Financial Organizations",
    82652: "Of Which: Foreign Official Other Financial Organizations",
    82653: "Of Which: Foreign Non-Official Other Financial Organizations",
    82678: "Of Which: Non-Financial Organizations",
    82679: "Of Which: Foreign Official Non-Financial Organizations",
    82680: "Of Which: Foreign Non-Official Non-Financial Organizations",
    82686: "Of Which: State & Local General Government",
    82687: "Of Which: Foreign Official State & Local General Government",
    82688: "Of Which: Foreign Non-Official State & Local General Government",
    84018: "Of Which: Fund Shares",
    84019: "Of Which: Foreign Official Fund Shares",
    84020: "Of Which: Foreign Non-Official Fund Shares",
    89991: "Of Which: Asset-Backed Securities",
    89992: "Of Which: Foreign Official Asset-Backed Securities",
    89993: "Of Which: Foreign Non-Official Asset-Backed Securities",
    99996: "Grand Total",
}

# Names only the MFH tables (slt_table5, mfhhis01, mfh.txt) print: no coded file lists them,
# so they enter the countries dimension with a NULL code. Every other MFH name must match a
# coded name or an alias (transforms.countries.COUNTRY_ALIASES).
MFH_ONLY_NAMES: frozenset[str] = frozenset(
    {
        "All Other",
        "Carib Bnkng Ctrs",
        "El Salvador",
        "Iraq",
        "Oil Exporters",
        "Oman",
        "Vietnam",
    }
)

# The uncoded names the countries dimension resolves; the gate warns about any other.
KNOWN_UNCODED_COUNTRIES: frozenset[str] = (
    frozenset(KNOWN_COUNTRY_CODES.values()) | frozenset(COUNTRY_ALIASES) | MFH_ONLY_NAMES
)


def derive_known_countries(frames: list[pl.DataFrame]) -> tuple[dict[int, str], set[str]]:
    """Codes (with their newest name) found in parsed frames, oldest first, and the uncoded
    names that match no coded name or alias."""
    codes: dict[int, str] = {}
    names: set[str] = set()
    for frame in frames:
        rows = frame.filter(pl.col("row_kind") != "holder_split").select("country_code", "country")
        for code, name in rows.unique().iter_rows():
            if code is None:
                names.add(name)
            else:
                codes[code] = name
    return codes, names - set(codes.values()) - set(COUNTRY_ALIASES)


def main(releases: Path) -> None:
    """Print the constants above for every file under ``releases/<date>/``."""
    from transforms.registry import FAMILY_BY_FILE, parse_file

    frames = [
        parse_file(path.name, path.read_bytes())
        for folder in sorted(releases.iterdir())
        for path in sorted(folder.iterdir())
        if path.name in FAMILY_BY_FILE
    ]
    codes, names = derive_known_countries(frames)
    print("KNOWN_COUNTRY_CODES: dict[int, str] = {")
    for code in sorted(codes):
        print(f"    {code}: {codes[code]!r},")
    print("}\nMFH_ONLY_NAMES: frozenset[str] = frozenset({")
    for name in sorted(names):
        print(f"    {name!r},")
    print("})")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
