"""The disk cache of un-watermarked page bitmaps, keyed by document, page and width.

Files: ``<root>/<document storage key>/<page>-<width>.bmpz`` (see :mod:`core.documents.render`).
Reading a file touches its mtime, so pruning removes the least recently used
files first once the folder grows past its limit.
"""
from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path

from core.documents.render import Bitmap, decode_bitmap


class PageCache:
    def __init__(self, root: Path, limit_mb: int) -> None:
        self.root = root
        self.limit = limit_mb * 1024 * 1024
        self._lock = threading.Lock()
        self._writes_since_prune = 0
        self._last_prune = 0.0

    def path(self, key: str, page: int, width: int) -> Path:
        if not key or "/" in key or key.startswith("."):
            raise ValueError("bad cache key")
        return self.root / key / f"{int(page)}-{int(width)}.bmpz"

    def get(self, key: str, page: int, width: int) -> Bitmap | None:
        path = self.path(key, page, width)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        try:
            os.utime(path)
            return decode_bitmap(data)
        except (OSError, ValueError):
            path.unlink(missing_ok=True)   # a damaged file is rendered again
            return None

    def has(self, key: str, page: int, width: int) -> bool:
        return self.path(key, page, width).exists()

    def purge(self, key: str) -> None:
        shutil.rmtree(self.root / key, ignore_errors=True)

    def note_write(self) -> None:
        """Called after files were added; prunes now and then rather than on every page."""
        with self._lock:
            self._writes_since_prune += 1
            due = self._writes_since_prune >= 32 or time.monotonic() - self._last_prune > 30
        if due:
            self.prune()

    def size(self) -> int:
        return sum(entry.stat().st_size for entry in self.root.glob("*/*.bmpz"))

    def prune(self) -> int:
        """Remove least recently used files until the cache is under 90 % of its limit."""
        with self._lock:
            self._writes_since_prune, self._last_prune = 0, time.monotonic()
            files = []
            for entry in self.root.glob("*/*.bmpz"):
                try:
                    stat = entry.stat()
                except FileNotFoundError:
                    continue
                files.append((stat.st_mtime, stat.st_size, entry))
            total = sum(size for _, size, _ in files)
            removed = 0
            if total <= self.limit:
                return 0
            for _, size, entry in sorted(files):
                if total <= self.limit * 0.9:
                    break
                entry.unlink(missing_ok=True)
                total -= size
                removed += 1
            return removed
