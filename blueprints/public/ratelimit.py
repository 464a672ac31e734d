"""An in-process sliding-window rate limit for the citizens' look-ups (/verify, /optout by number).

The limit (``VERIFY_RATE_PER_MINUTE`` per client IP, default 20 a minute) is kept in this process's
memory: each gunicorn worker counts on its own, so with N workers a client gets at most N times the
limit. That bound is enough to stop enumeration of the line list, and it needs no shared store.
"""
from __future__ import annotations

import math
import threading
import time
from collections import deque


class SlidingWindowLimiter:
    def __init__(self, limit: int, window_s: float = 60.0, max_keys: int = 100_000) -> None:
        self.limit = limit
        self.window_s = window_s
        self.max_keys = max_keys
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> tuple[bool, int]:
        """Count one request for ``key``: (allowed, seconds until the next one would be allowed)."""
        now = time.monotonic()
        with self._lock:
            if len(self._hits) >= self.max_keys:
                self._forget_idle(now)
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.window_s:
                hits.popleft()
            if len(hits) >= self.limit:
                return False, max(1, math.ceil(hits[0] + self.window_s - now))
            hits.append(now)
            return True, 0

    def _forget_idle(self, now: float) -> None:
        """Drop keys with no hit inside the window, so memory stays bounded."""
        for key in [k for k, hits in self._hits.items() if not hits or hits[-1] <= now - self.window_s]:
            del self._hits[key]
