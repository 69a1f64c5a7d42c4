"""Every parser reads every layout variant of its real file to the same values.

Each real file is rewritten the ways other real copies differ (tests/support/variants.py) and
parsed through the registry, completeness check included; the frame must equal the original's,
line numbers and all. npr_history has no real copy: its file is hand-made to the documented
layout, back to January 1978.
"""

from __future__ import annotations

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from tests.support.real_files import FILES
from tests.support.variants import VARIANTS, every_variant
from transforms.registry import parse_file

# (file, variant) pairs that leave the real bytes as they are, and why.
NOT_APPLICABLE = {
    **{
        (f"slt_table{n}.txt", "titles one column left"): "titles start in the first cell"
        for n in (1, 2, 3, 4)
    },
    **{
        (f"slt_table{n}.txt", "whole numbers without .0"): "whole millions already"
        for n in (1, 2, 3, 4)
    },
    ("slt_table5.txt", "titles one column left"): "titles start in the first cell",
    ("s1_globl.txt", "whole numbers without .0"): "whole millions already",
    ("s1_globl.txt", "no trailing blank lines"): "the real file has none",
    ("slt_table1.txt", "no trailing blank lines"): "the real file has none",
    ("slt_table2.txt", "no trailing blank lines"): "the real file has none",
    ("slt_table3.txt", "no trailing blank lines"): "the real file has none",
    ("slt_table4.txt", "no trailing blank lines"): "the real file has none",
    ("slt_table5.txt", "no trailing blank lines"): "the real file has none",
    ("npr_history.txt", "whole numbers without .0"): "whole millions already",
}


@pytest.mark.parametrize("variant", VARIANTS, ids=list(VARIANTS))
@pytest.mark.parametrize("file_name", FILES)
def test_a_layout_variant_parses_to_the_same_values(
    file_name: str, variant: str, originals: dict[str, bytes], parsed: dict[str, pl.DataFrame]
) -> None:
    """It reads the file rewritten one way other real copies differ to the same frame."""
    original = originals[file_name]
    rewritten = VARIANTS[variant](file_name, original)
    if (file_name, variant) in NOT_APPLICABLE:
        assert rewritten == original
        pytest.skip(NOT_APPLICABLE[(file_name, variant)])
    assert rewritten != original
    assert_frame_equal(parse_file(file_name, rewritten), parsed[file_name])


@pytest.mark.parametrize("file_name", FILES)
def test_every_variant_at_once_parses_to_the_same_values(
    file_name: str, originals: dict[str, bytes], parsed: dict[str, pl.DataFrame]
) -> None:
    """It reads the file with every variant applied together (LF and no final line break
    included) to the same frame."""
    rewritten = every_variant(file_name, originals[file_name])
    assert not rewritten.endswith(b"\n")
    assert_frame_equal(parse_file(file_name, rewritten), parsed[file_name])


def test_whole_numbers_variant_really_drops_decimals(originals: dict[str, bytes]) -> None:
    """The rewrite under test prints Japan's 2022-08 holding in mfh.txt as 1196, not 1196.0
    (mfh.txt line 13: "Japan ... 1116.4  1196.0  1230.7")."""
    rewritten = VARIANTS["whole numbers without .0"]("mfh.txt", originals["mfh.txt"])
    japan = next(line for line in rewritten.splitlines() if line.startswith(b"Japan"))
    assert b"    1196  " in japan and b"1196.0" not in japan
