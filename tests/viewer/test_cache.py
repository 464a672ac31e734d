"""The page-bitmap disk cache: its size limit, least-recently-used pruning and damaged files."""
from __future__ import annotations

import os
import time

import pytest

from core.documents.cache import PageCache
from core.documents.render import Bitmap, encode_bitmap, write_atomic

WIDTH, HEIGHT = 200, 300


def _bitmap(pixels: bytes) -> Bitmap:
    return Bitmap(WIDTH, HEIGHT, memoryview(bytearray(pixels)))


def _put(cache: PageCache, key: str, page: int, *, at: float) -> None:
    # Incompressible pixels, so that every file has a predictable size on disk.
    path = cache.path(key, page, WIDTH)
    write_atomic(path, encode_bitmap(_bitmap(os.urandom(WIDTH * HEIGHT * 4))))
    os.utime(path, (at, at))


def test_prune_keeps_the_cache_under_its_limit_and_drops_the_least_recently_used(tmp_path):
    cache = PageCache(tmp_path, limit_mb=1)
    start = time.time() - 1000
    for page in range(1, 7):                          # 6 × ~240 KB ≈ 1.4 MB, past the 1 MB limit
        _put(cache, "doc-a", page, at=start + page)
    assert cache.size() > cache.limit
    assert cache.get("doc-a", 1, WIDTH) is not None   # reading page 1 makes it the most recent

    removed = cache.prune()

    assert removed > 0 and cache.size() <= cache.limit * 0.9
    kept = {page for page in range(1, 7) if cache.has("doc-a", page, WIDTH)}
    assert 1 in kept and 6 in kept                   # just read, and the newest write
    assert 2 not in kept and 3 not in kept            # the oldest untouched pages went first
    assert cache.prune() == 0                         # under the limit: nothing more to do


def test_note_write_prunes_after_a_batch_of_writes(tmp_path):
    cache = PageCache(tmp_path, limit_mb=1)
    cache._last_prune = time.monotonic()              # as if just pruned: only the write count can trigger
    start = time.time() - 1000
    for page in range(1, 33):
        _put(cache, "doc-b", page, at=start + page)
        if page < 32:
            cache.note_write()
    assert cache.size() > cache.limit                 # 31 writes: no prune yet
    cache.note_write()                                # the 32nd write prunes
    assert cache.size() <= cache.limit * 0.9


def _whole() -> bytes:
    return encode_bitmap(_bitmap(bytes(WIDTH * HEIGHT * 4)))


@pytest.mark.parametrize("damage", [
    lambda: b"GYPB3 not really a bitmap",              # right magic, garbage body
    lambda: b"GY",                                      # shorter than the header
    lambda: _whole()[:-40],                              # truncated
    lambda: b"XXXXX" + _whole()[5:],                    # wrong magic
], ids=["garbage", "short", "truncated", "magic"])
def test_a_damaged_file_is_a_miss_and_is_removed(tmp_path, damage):
    cache = PageCache(tmp_path, limit_mb=8)
    path = cache.path("doc-c", 1, WIDTH)
    path.parent.mkdir(parents=True)
    path.write_bytes(damage())
    assert cache.get("doc-c", 1, WIDTH) is None
    assert not path.exists()


def test_purge_removes_one_documents_pages_only(tmp_path):
    cache = PageCache(tmp_path, limit_mb=8)
    _put(cache, "doc-d", 1, at=time.time())
    _put(cache, "doc-e", 1, at=time.time())
    cache.purge("doc-d")
    assert not cache.has("doc-d", 1, WIDTH) and cache.get("doc-e", 1, WIDTH) is not None


@pytest.mark.parametrize("key", ["", "../etc", "a/b", ".hidden"])
def test_keys_cannot_leave_the_cache_folder(tmp_path, key):
    with pytest.raises(ValueError):
        PageCache(tmp_path, limit_mb=8).path(key, 1, WIDTH)
