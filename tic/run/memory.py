"""Hand freed heap memory back to the operating system between the heavy steps of a run."""

from __future__ import annotations

import contextlib
import ctypes
import gc


def give_back_free_memory() -> None:
    """Collect garbage and ask glibc to return free heap pages (malloc_trim).

    glibc keeps freed memory for reuse: what one release of a backfill freed (mostly Python
    objects and the gate's pandas copies) left the resident size 300-400 MB higher at the next.
    Where glibc is absent (macOS, musl) only the garbage collection runs.
    """
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
