"""Page-sized buffers come from the heap, where freed ones are reused, not from a fresh mapping each."""
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
