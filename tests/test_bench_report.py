"""bench/report.py writes only bench/run.py's own section of bench/results.md."""

from __future__ import annotations

import shutil
from pathlib import Path

from bench.report import write_section

RESULTS = Path(__file__).resolve().parents[1] / "bench" / "results.md"
# bench/run.py's heading, or a hand-edited one ("..., before this change)"): its start.
HEADING = "## Full benchmark"
END = "<!-- end of the bench/run.py section; hand-written sections may follow -->"
NEW_SECTION = f"## Full benchmark (`bench/run.py`)\n\nnew figures\n\n{END}\n"


def test_it_replaces_its_section_and_keeps_the_hand_written_ones(tmp_path: Path) -> None:
    """It keeps everything above the run.py heading and below its end marker (the quiet-machine
    figures, the PostgreSQL mirror) byte for byte and puts the new section between them."""
    results = tmp_path / "results.md"
    shutil.copyfile(RESULTS, results)
    original = RESULTS.read_text()
    above = original[: original.index(HEADING)]
    below = original[original.index(END) + len(END) + 1 :]
    assert "## Quiet-machine figures" in above and "## PostgreSQL mirror" in below

    write_section(results, NEW_SECTION)

    assert results.read_text() == above + NEW_SECTION + below
    write_section(results, NEW_SECTION)
    assert results.read_text() == above + NEW_SECTION + below


def test_without_a_section_it_adds_one_at_the_end(tmp_path: Path) -> None:
    """It appends its section to a file that has none, and starts a missing file with a title."""
    hand_written = tmp_path / "notes.md"
    hand_written.write_text("# Benchmark results\n\nBy hand.\n")
    write_section(hand_written, NEW_SECTION)
    assert hand_written.read_text() == "# Benchmark results\n\nBy hand.\n\n" + NEW_SECTION

    missing = tmp_path / "missing.md"
    write_section(missing, NEW_SECTION)
    assert missing.read_text() == "# Benchmark results\n\n" + NEW_SECTION
    assert sorted(p.name for p in tmp_path.iterdir()) == ["missing.md", "notes.md"]
