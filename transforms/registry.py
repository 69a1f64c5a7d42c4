"""Which parser reads which Treasury file, and the file's family name (``source``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from transforms.common import ParseError, decode_text
from transforms.sniff import ends_with_line_break, looks_like_html


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
        if data and not ends_with_line_break(data):
            # Every Treasury text file ends with a line break: without one the file was cut short,
            # and the last number may be cut too (12345 read as 123).
            last_line = data.count(b"\n") + 1
            raise ParseError(
                self.file_name,
                last_line,
                "the file ends in the middle of this line: it looks cut off",
                "Fetch the file again; the copy is incomplete.",
            )
        module_name, function_name = self.parser.split(":")
        module = __import__(f"transforms.{module_name}", fromlist=[function_name])
        parse: Callable[[str, str], pl.DataFrame] = getattr(module, function_name)
        return parse(decode_text(data), self.file_name)


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
