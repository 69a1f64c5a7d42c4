"""Whether a file arrived whole, decided from its structure, one rule per file family.

Real copies may lack trailing blank lines or even the final line break, so the last bytes say
nothing. What every copy keeps is its closing block, and a file cut anywhere (at a line end or
mid-row) loses it or part of it:

- SLT Tables 1 to 4 close with "Column definitions:", one line per machine column in order
  (Table 4 has a "Purchase and sale note:" block before them);
- Table 5 and the legacy mfh.txt close with their notes, whose last paragraph is the one on
  TIC Form BL2;
- mfhhis01.txt closes, after its oldest year, with a footnote for every marker (``6/``) the
  table uses, the last footnote ending its sentence;
- s1_globl.txt ends with the Grand Total's rows, down to its oldest month, January 1977;
- npr_history.txt ends with its oldest month, January 1978.

Standard library only: the fetcher runs these on every downloaded body, before it archives it.
A file whose table header is missing or changed is left to its parser, which names the change.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from transforms.slt_layout import KEY_COLUMNS, SLT_COLUMNS

SLT_KEY_COLUMNS = list(KEY_COLUMNS)
COLUMN_DEFINITIONS = "column definitions:"
PURCHASE_AND_SALE_NOTE = "purchase and sale note:"
MFH_CLOSING_NOTE = "form bl2"  # the last note of Table 5 and mfh.txt names TIC Form BL2
FORM_S_FIRST_MONTH = "1977-01"  # every Form S series starts here (s1_globl.txt)
NPR_FIRST_MONTH = "1978-Jan"  # the press-release history starts here (../shared/tic README)

_FOOTNOTE_MARKER = re.compile(r"(?<![\d/])(\d{1,2})/(?![\d/])")
_FOOTNOTE_START = re.compile(r'^\s*"?\s*(\d{1,2})/\s')
# The month cell of a Form S data row (name, code, month, [1] .. [12]); no other cell of the
# file looks like YYYY-MM.
_FORM_S_MONTH = re.compile(r"\t *(\d{4}-\d\d) *\t")


@dataclass(frozen=True)
class Cut:
    """Where an incomplete file ends (1-based line) and what is missing after it."""

    line_number: int
    missing: str

    def reason(self) -> str:
        return f"the file ends here, without {self.missing}: it looks cut off"


NEXT_STEP = "Fetch the file again; the copy is incomplete."


def find_cut(file_name: str, text: str) -> Cut | None:
    """The Cut of an incomplete file, None for a whole one (or a file name with no rule).

    A file whose layout is not recognised at all (no header) is left to its parser, which
    names what is wrong.
    """
    rule = RULES.get(file_name)
    if rule is None:
        return None
    lines = text.removeprefix("\ufeff").splitlines()
    return rule(lines)


def find_cut_in_bytes(file_name: str, data: bytes) -> Cut | None:
    return find_cut(file_name, data.decode("utf-8-sig", errors="replace"))


# -- helpers ---------------------------------------------------------------------------------


def _cells(line: str) -> list[str]:
    cells = [cell.strip() for cell in line.split("\t")]
    while cells and not cells[-1]:
        cells.pop()
    return cells


def _is_blank(line: str) -> bool:
    return not line.replace("\t", "").strip().strip('"').strip()


def _last_filled(lines: list[str]) -> int:
    """1-based number of the last non-blank line (0 for an empty file)."""
    for index in range(len(lines) - 1, -1, -1):
        if not _is_blank(lines[index]):
            return index + 1
    return 0


def _label(line: str) -> str:
    return line.split("\t", 1)[0].strip().strip('"').strip().casefold()


def _ends_sentence(line: str) -> bool:
    return line.rstrip(' \t"').endswith((".", ".)"))


def _last_paragraph(lines: list[str], start: int) -> list[str]:
    """The non-blank lines of the last paragraph at or after index ``start``."""
    paragraph: list[str] = []
    after_blank = False
    for line in lines[start:]:
        if _is_blank(line):
            after_blank = True
            continue
        if after_blank:
            paragraph, after_blank = [], False
        paragraph.append(line)
    return paragraph


# -- SLT Tables 1 to 4 -----------------------------------------------------------------------


def _slt_rule(source: str) -> Callable[[list[str]], Cut | None]:
    expected = [*KEY_COLUMNS, *SLT_COLUMNS[source]]
    purchase_and_sale_note = source == "slt_table4"

    def rule(lines: list[str]) -> Cut | None:
        header = next(
            (i for i, line in enumerate(lines) if _cells(line)[:3] == SLT_KEY_COLUMNS), None
        )
        if header is None or _cells(lines[header]) != expected:
            return None  # no header, or a changed one: the parser says which
        end = _last_filled(lines)
        labels = [_label(line) for line in lines[header + 1 :]]
        if COLUMN_DEFINITIONS not in labels:
            return Cut(end, "the notes and column definitions that close every SLT table")
        definitions = header + 1 + labels.index(COLUMN_DEFINITIONS)
        if purchase_and_sale_note and PURCHASE_AND_SALE_NOTE not in labels[: definitions - header]:
            return Cut(end, "the 'Purchase and sale note:' block before the column definitions")
        defined = {line.split(":", 1)[0].strip() for line in lines[definitions + 1 :]}
        missing = [column for column in expected[3:] if column not in defined]
        if missing:
            return Cut(end, f"the column definition of {missing[0]!r} that closes the table")
        return None

    return rule


# -- Major Foreign Holders: Table 5, mfh.txt, mfhhis01.txt ------------------------------------


def _country_row(lines: list[str]) -> int | None:
    """Index of the first 'Country' header row (tab-delimited or fixed-width)."""
    for index, line in enumerate(lines):
        words = line.split()
        if words and words[0].strip('"').casefold() == "country":
            return index
    return None


def _mfh_notes_rule(lines: list[str]) -> Cut | None:
    header = _country_row(lines)
    if header is None:
        return None
    end = _last_filled(lines)
    closing = _last_paragraph(lines, header + 1)
    text = " ".join(closing).casefold()
    if MFH_CLOSING_NOTE not in text or not _ends_sentence(closing[-1]):
        return Cut(end, "the closing note on TIC Form BL2 that ends the table's notes")
    return None


def _has_number(line: str) -> bool:
    for cell in line.split("\t")[1:]:
        value = cell.strip().strip('"').replace(",", "")
        try:
            float(value)
        except ValueError:
            continue
        return True
    return False


def _history_rule(lines: list[str]) -> Cut | None:
    header = _country_row(lines)
    if header is None:
        return None
    end = _last_filled(lines)
    last_row = max((i for i in range(header, len(lines)) if _has_number(lines[i])), default=header)
    used = {m for line in lines[: last_row + 1] for m in _FOOTNOTE_MARKER.findall(line)}
    starts = [_FOOTNOTE_START.match(line) for line in lines[last_row + 1 :]]
    defined = {match[1] for match in starts if match}
    if not defined:
        return Cut(end, "the footnote block that follows the oldest year")
    missing = sorted(used - defined, key=int)
    if missing:
        return Cut(end, f"footnote {missing[0]}/, which the table refers to")
    if not _ends_sentence(lines[end - 1]):
        return Cut(end, "the end of the last footnote's sentence")
    return None


# -- Form S and the press-release history -----------------------------------------------------


def _form_s_rule(lines: list[str]) -> Cut | None:
    last = next((line for line in reversed(lines) if _FORM_S_MONTH.search(line)), None)
    if last is None:
        return None
    label, _, month = (cell.strip().strip('"').strip() for cell in last.split("\t", 3)[:3])
    end = _last_filled(lines)
    if label != "Grand Total":
        return Cut(end, "the Grand Total rows that end the file")
    if month != FORM_S_FIRST_MONTH:
        return Cut(end, f"the Grand Total's rows down to {FORM_S_FIRST_MONTH}, the oldest month")
    return None


def _npr_rule(lines: list[str]) -> Cut | None:
    months = [
        _label(line) for line in lines if re.match(r"^\s*\d{4}-[A-Za-z]{3}\s*$", _label(line))
    ]
    if not months:
        return None
    if months[-1] != NPR_FIRST_MONTH.casefold():
        return Cut(_last_filled(lines), f"the month rows down to {NPR_FIRST_MONTH}, the oldest")
    return None


RULES: dict[str, Callable[[list[str]], Cut | None]] = {
    "slt_table1.txt": _slt_rule("slt_table1"),
    "slt_table2.txt": _slt_rule("slt_table2"),
    "slt_table3.txt": _slt_rule("slt_table3"),
    "slt_table4.txt": _slt_rule("slt_table4"),
    "slt_table5.txt": _mfh_notes_rule,
    "mfh.txt": _mfh_notes_rule,
    "mfhhis01.txt": _history_rule,
    "s1_globl.txt": _form_s_rule,
    "npr_history.txt": _npr_rule,
}
