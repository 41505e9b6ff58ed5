"""Memory of processes that run replications back to back: kept for the next one, not given back.

A replication-year allocates and frees tens of MB of arrays (the per-truck columns, the stage
rows, the readouts' copies). glibc's malloc gives large freed blocks back to the kernel (an
``mmap`` per block over its threshold, and the top of the heap above 128 kB); the next
replication asks for them again and the kernel zeroes every page anew. Told to keep them, a
worker reuses the same memory: page faults over four replication-years of the baseline fell
from ~156,000 to ~55,000 and a worker's CPU per replication-year by ~10%
(``/usr/bin/time -v``, issue 13). The peak RSS does not change (~420 MB): the next replication
needs the same memory again, so a process holds what one replication needs, however many it
runs (tests/test_memory.py).

Only for processes bordersim owns (its worker processes and the command line's own process),
never on import: a notebook keeps its allocator's defaults. Linux with glibc only; elsewhere
:func:`keep_freed_memory` does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util

# mallopt parameters (glibc's malloc.h) and the values asked for.
M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_THRESHOLD = -1, -2, -3
TRIM_THRESHOLD = 1 << 30  # give the heap's top back only above 1 GiB free (default 128 kB)
TOP_PAD = 64 << 20  # grow the heap 64 MiB at a time (address space; pages count once touched)
MMAP_THRESHOLD = 32 << 20  # blocks up to 32 MiB (glibc's maximum) from the heap, not mmap

_done = False


def keep_freed_memory() -> bool:
    """Ask malloc to keep freed memory for reuse (once per process); True if it took."""
    global _done
    if _done:
        return True
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    ok = all(
        mallopt(param, value) == 1
        for param, value in (
            (M_MMAP_THRESHOLD, MMAP_THRESHOLD),
            (M_TRIM_THRESHOLD, TRIM_THRESHOLD),
            (M_TOP_PAD, TOP_PAD),
        )
    )
    _done = ok
    return ok


def kept(*_: object) -> bool:
    """Whether this process keeps freed memory (a task a test sends to a Dask worker)."""
    return _done
