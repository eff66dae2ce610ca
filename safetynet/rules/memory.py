"""Process memory tuning for whole-city batch runs (CLI and benchmark only, never on import).

A batch run allocates and frees the same few-megabyte numpy temporaries thousands of times.
With glibc's defaults each is a fresh ``mmap`` (or heap memory trimmed back to the system), and
every first touch of a 4 KiB page is a page fault: on this machine the faults cost more than the
arithmetic. Keeping freed memory in the process makes the temporaries reuse warm pages.
"""

from __future__ import annotations

import ctypes
import sys

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_M_ARENA_MAX = -8


def keep_freed_memory() -> bool:
    """Ask glibc to keep freed blocks for reuse: blocks up to 64 MiB come from the heap, the heap
    is trimmed only past 1 GiB free, and threads share one arena. True if it applied."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        return bool(
            libc.mallopt(_M_MMAP_THRESHOLD, 64 << 20)
            and libc.mallopt(_M_TRIM_THRESHOLD, 1 << 30)
            and libc.mallopt(_M_ARENA_MAX, 1)
        )
    except (OSError, AttributeError):  # not glibc
        return False
