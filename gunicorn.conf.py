"""gunicorn settings for the web app: ``gunicorn -c gunicorn.conf.py 'app:create_app()'``.

Used by ``make run`` (scripts/run_stack.py) and by deploy/systemd/goyang-web.service. Every figure can be
changed from the environment (the systemd EnvironmentFile); docs/operations.md explains each choice.
"""
from __future__ import annotations

import os
from pathlib import Path


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the CPUs this process may use, not the host's total
    except AttributeError:  # not Linux
        return os.cpu_count() or 2


wsgi_app = "app:create_app()"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:5000").split(",")
# One process per core keeps every core busy with Python; threads cover the waits on the database, the
# renderer children and the providers. On 2 cores: 2 workers x 8 threads = 16 requests at once.
workers = _int("WEB_CONCURRENCY", _cores())
threads = _int("GUNICORN_THREADS", 8)
worker_class = "gthread"

# Keep-alive must outlast the reverse proxy's idle upstream connections (nginx `keepalive_timeout` in the
# upstream block, 60 s by default; a cloud load balancer's idle timeout, also usually 60 s). If gunicorn
# closed first, the proxy could send the next request down a socket gunicorn is just closing, and that
# visitor would get a 502. At 75 s the proxy always closes first. gthread parks idle connections in its
# poller, so they hold no thread.
keepalive = _int("GUNICORN_KEEPALIVE", 75)
# Each worker tells the master it is alive by touching a file, between requests too: in RAM, not on disk
# (gunicorn's own advice; /dev/shm is a tmpfs on Linux). gunicorn makes the file with mkstemp and unlinks it.
SHM = "/dev/shm"  # noqa: S108 - see above: a private, unlinked mkstemp file
worker_tmp_dir = os.environ.get("GUNICORN_WORKER_TMP_DIR") or (SHM if os.path.isdir(SHM) else None)
# A worker silent this long is killed and replaced (gthread's main loop reports in while requests run).
timeout = _int("GUNICORN_TIMEOUT", 60)
# On SIGTERM or a restart, requests in flight get this long to finish before their worker is killed.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)

accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# The path without its query string: /verify?n=... carries a citizen's number and signed page URLs carry
# tokens, and no log line may hold either (docs/operations.md, "Health and logs"). X-Forwarded-For is the
# visitor behind the proxy; %(L)s is the request's time in seconds.
access_log_format = '%(h)s "%({x-forwarded-for}i)s" %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(L)ss "%(a)s"'

# gunicornc's control socket: only where asked for. Its default path (~/.gunicorn/gunicorn.ctl) is one per
# user, so two gunicorns of one user (make run and a test server) would fight over it.
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "")
control_socket_disable = not control_socket

PROMETHEUS_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR")


def on_starting(server) -> None:
    """The metrics files of a previous run would be summed into this one's: start from an empty directory.
    Only here, in the master before any worker exists (a reload keeps the live workers' files)."""
    if PROMETHEUS_DIR:
        directory = Path(PROMETHEUS_DIR)
        directory.mkdir(parents=True, exist_ok=True)
        for leftover in directory.glob("*.db"):  # prometheus-client's files only, whatever else is there
            leftover.unlink()


def post_fork(server, worker) -> None:
    """Two malloc arenas for the worker's threads, not glibc's eight per core (core.allocator.limit_arenas),
    unless MALLOC_ARENA_MAX says otherwise (glibc has read it already)."""
    if "MALLOC_ARENA_MAX" not in os.environ:
        from core.allocator import limit_arenas

        limit_arenas(_int("WEB_MALLOC_ARENAS", 2))


def child_exit(server, worker) -> None:
    """A dead worker's gauges leave the sums; its counters stay counted (prometheus-client's rule)."""
    if PROMETHEUS_DIR:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
