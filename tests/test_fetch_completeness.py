"""The fetcher takes a whole body in any real layout variant and retries one cut short, judging
from the file's structure, not its last bytes (real files over loopback HTTP)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.http_server import TicSiteServer, WrongContentLength
from tests.support.real_files import read_originals
from tests.support.variants import every_variant
from tic.source.fetch import FetchError, fetch_file, new_session

FAST = {"timeout": (1.0, 1.0), "backoff_s": 0.0, "sleep": lambda _s: None}
RELEASE = "2026-06-18"
# Files served by the loopback site (Table 4 and npr_history have no real release copy, but the
# fetcher only looks at the name, so their files are served too).
SERVED = (
    "slt_table1.txt",
    "slt_table4.txt",
    "slt_table5.txt",
    "mfhhis01.txt",
    "mfh.txt",
    "s1_globl.txt",
    "npr_history.txt",
)


@pytest.fixture(scope="module")
def variant_site(shared_tic: Path, tmp_path_factory: pytest.TempPathFactory):
    """A site serving each file with every variant applied: LF, no trailing blank lines, no
    final line break, titles further left, whole numbers without .0."""
    originals = read_originals(shared_tic)
    folder = tmp_path_factory.mktemp("variant-site") / RELEASE
    folder.mkdir()
    for name in SERVED:
        (folder / name).write_bytes(every_variant(name, originals[name]))
    with TicSiteServer(folder.parent, as_of=RELEASE) as server:
        yield server, folder


@pytest.fixture()
def session():
    session = new_session()
    session.trust_env = False
    yield session
    session.close()


@pytest.mark.parametrize("name", SERVED)
def test_a_whole_file_without_a_final_line_break_is_taken(variant_site, session, name) -> None:
    """It downloads a complete file that has LF endings and no final line break."""
    site, folder = variant_site
    served = (folder / name).read_bytes()
    assert not served.endswith(b"\n")

    fetched = fetch_file(session, site.base_url, name, **FAST)

    assert fetched.status == "downloaded"
    assert fetched.data == served


@pytest.mark.parametrize("name", SERVED)
def test_a_body_cut_at_a_line_end_is_retried_then_refused(variant_site, session, name) -> None:
    """A Content-Length that stops the body exactly after its last line but one looks like a
    whole file to HTTP; the fetcher sees the closing block is missing, retries, and gives up
    naming the file, the line and what is missing."""
    site, folder = variant_site
    served = (folder / name).read_bytes()
    cut = served.rindex(b"\n") + 1  # the last line is lost, its line break kept
    site.inject(name, WrongContentLength(delta=cut - len(served), times=99))

    with pytest.raises(FetchError, match=rf"^{name} .*: the body ends at line \d+ after") as error:
        fetch_file(session, site.base_url, name, retries=2, **FAST)

    assert "it looks cut off (gave up after 3 attempts)" in str(error.value)
    site.clear_faults()
