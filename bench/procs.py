"""Run a command as a subprocess and measure it: wall time, peak RSS of its process tree,
and the phases Prefect's log lines reveal (start-up, temporary server, flow run, shutdown).

Linux only (reads /proc). No third-party dependency: psutil is not in the project.
"""

from __future__ import annotations

import os
import re
import subprocess
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")
SAMPLE_EVERY_S = 0.05

# Prefect's console format: "HH:MM:SS.mmm | LEVEL   | logger - message"
_LOG_LINE = re.compile(r"^(\d\d):(\d\d):(\d\d)\.(\d\d\d) \| \w+\s*\| (.*)$")
PHASE_MARKERS = {
    "server_starting": re.compile(r"Starting temporary server"),
    "flow_begins": re.compile(r"Beginning flow run"),
    "flow_finished": re.compile(r"Flow run '[^']*' - Finished in state"),
    "server_stopping": re.compile(r"Stopping temporary server"),
}


@dataclass
class ProcessRun:
    """What one subprocess did and cost."""

    argv: list[str]
    returncode: int
    wall_s: float
    tree_peak_rss_bytes: int  # peak of the summed RSS of the process and all descendants
    max_single_rss_bytes: int  # ru_maxrss from wait4: the largest single process of the tree
    cpu_s: float  # user + system of the process and its reaped descendants
    phases_s: dict[str, float] = field(default_factory=dict)
    output: str = ""

    def check(self) -> ProcessRun:
        if self.returncode != 0:
            tail = "\n".join(self.output.splitlines()[-15:])
            raise RuntimeError(f"{' '.join(self.argv)} exited {self.returncode}:\n{tail}")
        return self


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        # the command name may hold spaces or parentheses: split after the last ')'
        fields = stat[stat.rfind(b")") + 2 :].split()
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    return children


def tree_rss_bytes(root: int) -> int:
    """Summed resident set size of root and every descendant (shared pages counted per
    process, so an upper bound of the tree's real footprint)."""
    children = _children_map()
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, []))
        try:
            with open(f"/proc/{pid}/statm", "rb") as handle:
                total += int(handle.read().split()[1]) * PAGE_BYTES
        except (OSError, IndexError, ValueError):
            continue
    return total


class _TreeSampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self._done = pid, 0, threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            self.peak = max(self.peak, tree_rss_bytes(self.pid))
            self._done.wait(SAMPLE_EVERY_S)

    def stop(self) -> int:
        self._done.set()
        self.join()
        return self.peak


def run_measured(argv: list[str], env: dict[str, str], cwd: Path, log_path: Path) -> ProcessRun:
    """Run argv to completion, sampling its process tree's RSS; stdout and stderr go to
    log_path (one stream, so Prefect's timestamps stay in order)."""
    with open(log_path, "wb") as log:
        started_at = datetime.now()
        started = time.perf_counter()
        process = subprocess.Popen(argv, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
        sampler = _TreeSampler(process.pid)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        peak = sampler.stop()
    process.returncode = os.waitstatus_to_exitcode(status)
    output = log_path.read_text(errors="replace")
    return ProcessRun(
        argv=argv,
        returncode=process.returncode,
        wall_s=wall,
        tree_peak_rss_bytes=peak,
        max_single_rss_bytes=usage.ru_maxrss * 1024,
        cpu_s=usage.ru_utime + usage.ru_stime,
        phases_s=prefect_phases(output, started_at, wall),
        output=output,
    )


def prefect_phases(output: str, started_at: datetime, wall_s: float) -> dict[str, float]:
    """Seconds of each phase, from the wall clock times in Prefect's log lines:
    start-up (process start to "Starting temporary server"), server (to "Beginning flow run"),
    flow (to the flow's "Finished in state"), shutdown (to process exit)."""
    marks: dict[str, float] = {}
    for line in output.splitlines():
        found = _LOG_LINE.match(line)
        if not found:
            continue
        hours, minutes, seconds, millis, message = found.groups()
        moment = started_at.replace(
            hour=int(hours),
            minute=int(minutes),
            second=int(seconds),
            microsecond=int(millis) * 1000,
        )
        if moment < started_at - timedelta(seconds=1):  # the run crossed midnight
            moment += timedelta(days=1)
        offset = (moment - started_at).total_seconds()
        for name, marker in PHASE_MARKERS.items():
            if name not in marks and marker.search(message):
                marks[name] = offset
    if not {"server_starting", "flow_begins", "flow_finished"} <= marks.keys():
        return {}
    return {
        "startup": marks["server_starting"],
        "server": marks["flow_begins"] - marks["server_starting"],
        "flow": marks["flow_finished"] - marks["flow_begins"],
        "shutdown": wall_s - marks["flow_finished"],
    }
