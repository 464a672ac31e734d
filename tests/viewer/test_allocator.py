"""Page-sized buffers come from the heap, where freed ones are reused, not from a fresh mapping each."""
import os
import subprocess
import sys

from core.allocator import keep_large_buffers

PROBE = """
import ctypes
from core.allocator import keep_large_buffers
assert keep_large_buffers()
libc = ctypes.CDLL(None)
libc.malloc.restype, libc.malloc.argtypes = ctypes.c_void_p, (ctypes.c_size_t,)
small, page = libc.malloc(64), libc.malloc(6 << 20)   # a phone-width RGBX page
print(abs(page - small))
"""


def test_thresholds_can_be_set_again():
    # create_app runs it for every app, and the tests make many apps in one process.
    assert keep_large_buffers()
    assert keep_large_buffers()


def test_a_page_buffer_comes_from_the_heap():
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True)
    # glibc's default would map a 6 MB block far away from the heap (near the top of the address space).
    assert int(out.stdout) < 1 << 30


ARENAS_PROBE = """
import ctypes, sys, threading
from core.allocator import limit_arenas
if sys.argv[1] != "default":
    assert limit_arenas(int(sys.argv[1]))
together = threading.Barrier(6)
def allocate():
    kept = [bytearray(4096) for _ in range(100)]   # malloc'd in this thread's arena
    together.wait()                                # all six threads alive at once
threads = [threading.Thread(target=allocate) for _ in range(6)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
ctypes.CDLL(None).malloc_stats()                   # one "Arena N:" block per arena, on stderr
"""


def _arenas(limit: str) -> int:
    out = subprocess.run([sys.executable, "-c", ARENAS_PROBE, limit], capture_output=True, text=True, check=True,
                         env={k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"})
    return out.stderr.count("Arena ")


def test_threads_share_the_limited_arenas():
    # gunicorn.conf.py's post_fork: a gthread worker's threads allocate in two arenas, not one each.
    assert _arenas("default") >= 4
    assert _arenas("2") <= 2
