"""A helper thread that runs a short job beside the caller, on another CPU.

Splitting a page's work over two threads only pays if the two really run at once. Left to itself,
Linux wakes a helper on the CPU of the thread that woke it (it expects the waker to sleep soon), and
for a job of a few milliseconds the helper then runs after the caller rather than beside it: measured
here, two 2 ms halves took 3.5–4 ms instead of 2. So before each job the helper is allowed every CPU
but the caller's, which puts it on an idle one.
"""
from __future__ import annotations

import contextlib
import ctypes
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


def _sched_getcpu() -> Callable[[], int] | None:
    try:
        getcpu = ctypes.CDLL(None).sched_getcpu
    except (OSError, AttributeError):
        return None
    getcpu.restype = ctypes.c_int
    return getcpu


class SideThread:
    """One worker thread. :meth:`try_submit` hands it a job if it is free, else returns None: the
    caller then does the work itself, so that many callers at once never queue behind one helper."""

    def __init__(self, name: str) -> None:
        self._cpus = frozenset(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else frozenset()
        self._getcpu = _sched_getcpu()
        self._free = threading.Semaphore(1)
        self._tid: int | None = None
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name, initializer=self._started)
        self._pool.submit(int).result()   # start the thread now, so that its id is known

    def _started(self) -> None:
        self._tid = threading.get_native_id()

    def try_submit(self, fn: Callable[..., T], *args: object) -> Future[T] | None:
        if not self._free.acquire(blocking=False):
            return None
        self._place()
        return self._pool.submit(self._run, fn, args)

    def _run(self, fn: Callable[..., T], args: tuple) -> T:
        try:
            return fn(*args)
        finally:
            self._free.release()   # before the result is out, so that a caller who has it may submit again

    def _place(self) -> None:
        if self._getcpu is None or self._tid is None or len(self._cpus) < 2:
            return
        others = self._cpus - {self._getcpu()}
        # A placement hint only: should it fail, the job still runs, just perhaps not at once.
        with contextlib.suppress(OSError):
            os.sched_setaffinity(self._tid, others or self._cpus)


_threads: dict[str, SideThread] = {}
_lock = threading.Lock()


def side_thread(name: str) -> SideThread:
    """This process's helper called ``name``, started on first use (and anew in a forked child, where
    the parent's thread does not exist)."""
    with _lock:
        if name not in _threads:
            _threads[name] = SideThread(name)
        return _threads[name]


os.register_at_fork(after_in_child=_threads.clear)
