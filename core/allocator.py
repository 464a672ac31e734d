"""glibc's malloc, tuned for this project's two large kinds of memory.

``keep_large_buffers``: keep page-sized buffers in the heap between pages.

A page bitmap is 5–15 MB. By default glibc serves blocks that large with a fresh
``mmap`` and unmaps them on free, so every page faults in a new zeroed bitmap;
on this project's virtual machines (nested paging) that was half the time of a
page served from the cache. Raising the mmap and trim thresholds lets freed
bitmaps be reused from the heap. The cost is that up to the trim threshold of
free memory stays with the process.

``give_back_memory``: after a large structure is freed (a directory index replaced, a build done), return the
heap's free pages to the system, which glibc would otherwise keep for reuse.

``limit_arenas``: at most a few malloc arenas in a threaded web process.

glibc gives each new thread an arena of its own, up to eight per core. A gthread worker's eight threads each
allocating a search's score dicts in their own arena kept each arena's free memory apart, and the directory
index's swap left it scattered over all of them: at 50,000 entries a worker held 253 MB where two arenas hold
218 (bench/directory.py --entries). Two let two threads allocate at once, which is what the GIL allows anyway.
"""
from __future__ import annotations

import ctypes
import logging
from typing import Any

log = logging.getLogger(__name__)
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8
MMAP_THRESHOLD = 32 << 20    # glibc's ceiling for this setting on 64-bit
TRIM_THRESHOLD = 64 << 20


def _mallopt() -> Any:
    """glibc's ``mallopt(param, value)``, or None on another C library."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return None
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return mallopt


def keep_large_buffers() -> bool:
    """Tune glibc's malloc for this process; False (and nothing changed) on another C library."""
    mallopt = _mallopt()
    if mallopt is None:
        return False
    done = bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    if not done:
        log.info("malloc thresholds not changed; page buffers come from mmap")
    return done


def limit_arenas(count: int) -> bool:
    """At most ``count`` arenas for the threads this process starts from now on; False on another C library.

    Call it before the threads exist: glibc fixes its arena limit when a thread first needs one."""
    mallopt = _mallopt()
    return mallopt is not None and bool(mallopt(M_ARENA_MAX, count))


def give_back_memory() -> None:
    """glibc's ``malloc_trim(0)``: freed heap pages back to the system (ctypes releases the GIL meanwhile)."""
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return   # not glibc
    trim.argtypes, trim.restype = (ctypes.c_size_t,), ctypes.c_int
    trim(0)
