"""One function run on a thread of its own, its result (or error) collected later."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


def on_a_thread(
    name: str, function: Callable[P, T], *args: P.args, **kwargs: P.kwargs
) -> Future[T]:
    """Start ``function(*args, **kwargs)`` on a new thread named ``name``; ``result()`` waits
    for it and raises its error in the caller's thread."""
    runner = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
    started = runner.submit(function, *args, **kwargs)
    runner.shutdown(wait=False)  # the thread ends with its one task
    return started
