"""The machine-name columns of Form SLT Tables 1 to 4 and what each holds (standard library only:
the completeness check of transforms/complete.py reads them too)."""

from __future__ import annotations

KEY_COLUMNS = ("country", "country_code", "date")

_POS, _NET, _VAL = "holdings", "net_purchases", "valuation_change"


def _three(prefix: str, security: str) -> dict[str, tuple[str, str]]:
    return {
        f"{prefix}_pos": (security, _POS),
        f"{prefix}_net": (security, _NET),
        f"{prefix}_valchg": (security, _VAL),
    }


# machine column -> (security, measure), per file, in the file's column order.
SLT_COLUMNS: dict[str, dict[str, tuple[str, str]]] = {
    "slt_table1": _three("for_lt_total", "us_long_term")
    | _three("for_lt_treas", "treasury_long_term")
    | _three("for_lt_agcy", "agency")
    | _three("for_lt_corp", "corporate_bonds")
    | _three("for_lt_eqty", "equity"),
    "slt_table2": _three("us_lt_total", "foreign_long_term")
    | _three("us_lt_govt_bond", "foreign_government_bonds")
    | _three("us_lt_corp_bond", "foreign_corporate_bonds")
    | _three("us_lt_eqty", "foreign_equity"),
    "slt_table3": {
        "for_treas_pos": ("treasury", _POS),
        "for_treas_net": ("treasury", _NET),
        "for_lt_treas_pos": ("treasury_long_term", _POS),
        "for_lt_treas_net": ("treasury_long_term", _NET),
        "for_lt_treas_valchg": ("treasury_long_term", _VAL),
        "for_st_treas_pos": ("treasury_short_term", _POS),
        "for_st_treas_net": ("treasury_short_term", _NET),
    },
}

_T4_FOREIGNERS = {
    "total": "us_long_term",
    "treas": "treasury_long_term",
    "agcy": "agency",
    "corp": "corporate_bonds",
    "eqty": "equity",
}
_T4_US = {
    "total": "foreign_long_term",
    "govt_bond": "foreign_government_bonds",
    "corp_bond": "foreign_corporate_bonds",
    "eqty": "foreign_equity",
}
# U.S. sales to foreigners are the foreigners' gross purchases, and the reverse.
SLT_COLUMNS["slt_table4"] = (
    {f"for_lt_{k}_sale": (s, "gross_purchases") for k, s in _T4_FOREIGNERS.items()}
    | {f"us_lt_{k}_sale": (s, "gross_sales") for k, s in _T4_US.items()}
    | {f"for_lt_{k}_pur": (s, "gross_sales") for k, s in _T4_FOREIGNERS.items()}
    | {f"us_lt_{k}_pur": (s, "gross_purchases") for k, s in _T4_US.items()}
)
