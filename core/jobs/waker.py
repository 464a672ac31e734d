"""How an idle worker waits for new work: LISTEN/NOTIFY on PostgreSQL, a short poll on SQLite; ``poke`` wakes
it from another thread of the same process (a job finished).

The LISTEN connection is the worker's only long-lived one, so it is the one a database restart or
``pg_terminate_backend`` breaks: the waker then polls while it reconnects with backoff, and wakes the worker
once it is back (notifications sent meanwhile are lost, so the worker must look)."""
from __future__ import annotations

import contextlib
import logging
import select
import socket
import time

from sqlalchemy.engine import Engine

from core.jobs.queue import CHANNEL

log = logging.getLogger("jobs.waker")

SQLITE_POLL_SECONDS = 0.02     # a poll is one lock-free SELECT
DISCONNECTED_POLL_SECONDS = 0.5
RECONNECT_MIN_S, RECONNECT_MAX_S = 0.5, 10.0


class Waker:
    def __init__(self, engine: Engine) -> None:
        self._conn = None
        self._read, self._write = socket.socketpair()
        self._read.setblocking(False)
        self._write.setblocking(False)
        self._dsn = None
        self._retry_at, self._delay = 0.0, RECONNECT_MIN_S
        if engine.dialect.name == "postgresql":
            self._dsn = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
            self._connect()

    def _connect(self) -> bool:
        import psycopg  # the driver in requirements.txt; only needed for LISTEN

        try:
            conn = psycopg.connect(self._dsn, autocommit=True, connect_timeout=5, application_name="jobs-listen")
            conn.execute(f"LISTEN {CHANNEL}")
        except psycopg.Error as exc:
            log.warning("LISTEN connection failed (%s); polling, retrying in %.1f s", type(exc).__name__, self._delay)
            self._retry_at = time.monotonic() + self._delay
            self._delay = min(RECONNECT_MAX_S, self._delay * 2)
            return False
        if self._delay > RECONNECT_MIN_S:
            log.info("LISTEN connection restored")
        self._conn, self._delay = conn, RECONNECT_MIN_S
        return True

    def _drop(self, exc: Exception) -> None:
        log.warning("LISTEN connection lost (%s); polling while reconnecting", type(exc).__name__)
        with contextlib.suppress(Exception):
            self._conn.close()
        self._conn = None
        self._retry_at = time.monotonic()

    def poke(self) -> None:
        with contextlib.suppress(OSError):  # a full buffer already means "wake up"
            self._write.send(b"x")

    def wait(self, timeout: float) -> bool:
        """Block until a notification, a poke or ``timeout`` seconds (at most 20 ms on SQLite, 0.5 s while the
        LISTEN connection is down). True when woken before the timeout."""
        if self._dsn and self._conn is None and time.monotonic() >= self._retry_at and self._connect():
            return True  # back: whatever was notified meanwhile is lost, so look now
        if self._conn is None:
            timeout = min(timeout, DISCONNECTED_POLL_SECONDS if self._dsn else SQLITE_POLL_SECONDS)
        sources = [self._read] + ([self._conn.fileno()] if self._conn is not None else [])
        ready, _, _ = select.select(sources, [], [], max(0.0, timeout))
        if self._read in ready:
            with contextlib.suppress(OSError):
                self._read.recv(4096)
        if self._conn is not None and self._conn.fileno() in ready:
            try:
                for _ in self._conn.notifies(timeout=0, stop_after=10000):
                    pass
            except Exception as exc:  # noqa: BLE001 - any failure of this connection means: reconnect
                self._drop(exc)
        return bool(ready)

    def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()
            self._conn = None
        self._read.close()
        self._write.close()
