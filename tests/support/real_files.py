"""The real file of each family, where it lies under ../shared/tic, and a hand-made
npr_history.txt (no real copy exists) in its documented layout."""

from __future__ import annotations

from pathlib import Path

# file name -> (release folder or "layouts", file in it)
REAL_FILES = {
    "slt_table1.txt": ("2026-07-14", "slt_table1.txt"),
    "slt_table2.txt": ("2026-06-18", "slt_table2.txt"),
    "slt_table3.txt": ("2026-06-18", "slt_table3.txt"),
    "slt_table4.txt": ("layouts", "slt_table4-excerpt.txt"),
    "slt_table5.txt": ("2026-06-18", "slt_table5.txt"),
    "mfhhis01.txt": ("2026-06-18", "mfhhis01.txt"),
    "mfh.txt": ("2023-03-15", "mfh.txt"),
    "s1_globl.txt": ("2023-03-15", "s1_globl.txt"),
}
FILES = [*REAL_FILES, "npr_history.txt"]


def npr_history_bytes() -> bytes:
    """A hand-made npr_history.txt: indented titles, the 1 .. 32 row, months 2026-Jul back to
    1978-Jan, newest first, CRLF, a trailing blank line."""
    months = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    lines = [
        "\tTIC monthly reports on Cross-Border Portfolio Financial Flows",
        "\t(Millions of dollars, not seasonally adjusted)",
        "\t" + "\t".join(str(n) for n in range(1, 33)),
    ]
    for index in range(2026 * 12 + 6, 1978 * 12 - 1, -1):
        year, month = divmod(index, 12)
        values = [str((index % 97) * line - 40) for line in range(1, 33)]
        lines.append("\t".join([f"{year}-{months[month]}", *values]))
    return ("\r\n".join(lines) + "\r\n\t\r\n").encode()


def read_originals(shared_tic: Path) -> dict[str, bytes]:
    """File name -> the bytes of its real copy (npr_history.txt: the hand-made one)."""
    files = {
        name: (
            shared_tic / folder / path
            if folder == "layouts"
            else shared_tic / "releases" / folder / path
        ).read_bytes()
        for name, (folder, path) in REAL_FILES.items()
    }
    return files | {"npr_history.txt": npr_history_bytes()}
