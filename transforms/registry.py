"""Which parser reads which Treasury file, and the file's family name (``source``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from transforms.common import ParseError, decode_text
from transforms.complete import NEXT_STEP, find_cut
from transforms.sniff import looks_like_html


@dataclass(frozen=True)
class FileFamily:
    file_name: str
    source: str
    parser: str  # "module:function", imported on use so one family's import cost stays its own
    required: bool  # a current release must serve it; legacy or optional files may be absent

    def parse(self, data: bytes) -> pl.DataFrame:
        if looks_like_html(data):
            raise ParseError(
                self.file_name,
                1,
                "this is an HTML page, not the Treasury's text file",
                "An error or maintenance page was saved in its place; fetch the file again.",
            )
        text = decode_text(data)
        cut = find_cut(self.file_name, text)
        if cut is not None:
            # Decided from the file's closing block, never from its last bytes: real copies may
            # lack the final line break, and a cut at a line end keeps one.
            raise ParseError(self.file_name, cut.line_number, cut.reason(), NEXT_STEP)
        module_name, function_name = self.parser.split(":")
        module = __import__(f"transforms.{module_name}", fromlist=[function_name])
        parse: Callable[[str, str], pl.DataFrame] = getattr(module, function_name)
        return parse(text, self.file_name)


FILE_FAMILIES: tuple[FileFamily, ...] = (
    FileFamily("slt_table1.txt", "slt_table1", "slt:parse_slt_table1", True),
    FileFamily("slt_table2.txt", "slt_table2", "slt:parse_slt_table2", True),
    FileFamily("slt_table3.txt", "slt_table3", "slt:parse_slt_table3", True),
    FileFamily("slt_table4.txt", "slt_table4", "slt:parse_slt_table4", False),
    FileFamily("slt_table5.txt", "slt_table5", "mfh_table5:parse_slt_table5", True),
    FileFamily("mfhhis01.txt", "mfhhis01", "mfh_history:parse_mfhhis01", True),
    FileFamily("mfh.txt", "mfh", "mfh_legacy:parse_mfh_txt", False),
    FileFamily("s1_globl.txt", "s1_globl", "form_s:parse_s1_globl", False),
    FileFamily("npr_history.txt", "npr_history", "npr_history:parse_npr_history", False),
)
FAMILY_BY_FILE = {family.file_name: family for family in FILE_FAMILIES}


def family_of(file_name: str) -> FileFamily:
    try:
        return FAMILY_BY_FILE[file_name]
    except KeyError:
        known = ", ".join(FAMILY_BY_FILE)
        raise ParseError(file_name, None, f"not a TIC file this pipeline knows ({known})") from None


def parse_file(file_name: str, data: bytes) -> pl.DataFrame:
    """Parse one file's bytes with its family's parser."""
    return family_of(file_name).parse(data)
