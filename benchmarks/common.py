"""Helpers for benchmarks: best-of timing, peak memory of the process, a uniform printed line."""

from __future__ import annotations

import platform
import resource
import time
from typing import Callable


def best_of(function: Callable[[], object], repeat: int = 3) -> float:
    """The fastest of `repeat` wall-clock runs, in seconds (the least disturbed by other load)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far, MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def children_peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def machine() -> str:
    import os

    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            cpu = next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def line(label: str, value: str, note: str = "") -> None:
    print(f"  {label:<58} {value:>18}  {note}")
