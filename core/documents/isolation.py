"""Run untrusted work in limited child processes (see :mod:`core.documents.sandbox`).

Conversion uses a fresh child per file. Rendering uses a small pool of long-lived
children, so that a page costs one render and not one interpreter start; a child
that overruns its time is killed and replaced, one that crashes is replaced, and
either way only the request for that page fails.
"""
from __future__ import annotations

import atexit
import contextlib
import fcntl
import json
import logging
import os
import queue
import select
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from core.documents import DocumentError
from core.documents.render import Bitmap
from core.documents.sandbox import FRAME
from core.i18n import N_

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[2]
F_SETPIPE_SZ = getattr(fcntl, "F_SETPIPE_SZ", 1031)


@dataclass(frozen=True)
class Limits:
    timeout: float = 60.0
    memory_mb: int = 1024


def _command(mode: str, limits: Limits, cpu: bool) -> list[str]:
    args = [sys.executable, "-m", "core.documents.sandbox", mode, "--memory-mb", str(limits.memory_mb)]
    if cpu:
        args += ["--cpu-seconds", str(int(limits.timeout) + 1)]
    return args


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    # NumPy (for the JPEG encoder) starts a BLAS thread with its own buffers per CPU; on a large server
    # that alone could pass the child's address-space limit, and the child does no linear algebra.
    env.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    return env


def run_convert(job: dict, limits: Limits) -> dict:
    """Convert and sanitise one file in a fresh child; raises :class:`DocumentError` on any failure."""
    try:
        # Our own module with a fixed argv; the untrusted file is only ever data.
        done = subprocess.run(_command("convert", limits, cpu=True), input=json.dumps(job).encode(),  # noqa: S603
                              capture_output=True, timeout=limits.timeout, cwd=ROOT, env=_env(), check=False)
    except subprocess.TimeoutExpired as exc:
        raise DocumentError(N_("변환이 %(seconds)s초 안에 끝나지 않아 중단했습니다. "
                               "파일이 너무 복잡하거나 손상되었을 수 있습니다."), seconds=int(limits.timeout)) from exc
    try:
        result = json.loads(done.stdout.decode() or "null")
    except ValueError:
        result = None
    if not isinstance(result, dict):
        log.warning("conversion child ended with %s: %s", done.returncode, done.stderr[-2000:].decode(errors="replace"))
        raise DocumentError(N_("변환 중 처리 프로세스가 비정상 종료되었습니다"
                               "(메모리·시간 한도 초과 또는 손상된 파일)."))
    if not result.get("ok"):
        error = result.get("error")
        if isinstance(error, dict) and isinstance(error.get("msgid"), str):
            raise DocumentError.from_detail(error)
        raise DocumentError(N_("변환하지 못했습니다."))
    return result


class RenderError(DocumentError):
    pass


class RenderWorker:
    """One long-lived renderer child and its pipes."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.proc = subprocess.Popen(_command("serve", limits, cpu=False), stdin=subprocess.PIPE,  # noqa: S603
                                     stdout=subprocess.PIPE, cwd=ROOT, env=_env())
        with contextlib.suppress(OSError):
            # A 1 MiB pipe moves a 5 MB bitmap in a handful of reads instead of eighty.
            fcntl.fcntl(self.proc.stdout.fileno(), F_SETPIPE_SZ, 1 << 20)

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def call(self, job: dict, timeout: float) -> tuple[dict, bytes]:
        body = json.dumps(job).encode()
        try:
            self.proc.stdin.write(FRAME.pack(len(body)) + body)
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError) as exc:
            self.kill()
            raise RenderError(N_("페이지를 그리는 프로세스가 응답하지 않습니다.")) from exc
        deadline = time.monotonic() + timeout
        header = json.loads(self._read(FRAME.unpack(self._read(FRAME.size, deadline))[0], deadline))
        payload = self._read(header["n"], deadline) if header.get("n") else b""
        return header, payload

    def _read(self, size: int, deadline: float) -> bytes:
        fd, chunks, remaining = self.proc.stdout.fileno(), [], size
        while remaining:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                self.kill()
                raise RenderError(N_("페이지를 %(seconds)s초 안에 그리지 못해 중단했습니다."),
                                  seconds=int(self.limits.timeout))
            chunk = os.read(fd, min(remaining, 1 << 20))
            if not chunk:
                self.kill()
                raise RenderError(N_("페이지를 그리는 프로세스가 비정상 종료되었습니다. "
                                     "문서가 손상되었을 수 있습니다."))
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            with contextlib.suppress(OSError):
                stream.close()


class RenderPool:
    """A fixed number of renderer children shared by the threads of one web process."""

    def __init__(self, size: int, limits: Limits) -> None:
        self.limits = limits
        self._idle: queue.LifoQueue[RenderWorker | None] = queue.LifoQueue()
        for _ in range(max(1, size)):
            self._idle.put(None)   # started on first use
        self._all: list[RenderWorker] = []
        self._lock = threading.Lock()

    def warm(self) -> None:
        """Start one child ahead of the first page (its start-up is not a page's cost)."""
        worker = self._checkout()
        try:
            worker.call({"op": "ping"}, self.limits.timeout)
        finally:
            self._checkin(worker)

    def _checkout(self) -> RenderWorker:
        worker = self._idle.get()
        if worker is None or not worker.alive:
            worker = RenderWorker(self.limits)
            with self._lock:
                self._all.append(worker)
        return worker

    def _checkin(self, worker: RenderWorker) -> None:
        self._idle.put(worker if worker.alive else None)

    def _job(self, job: dict) -> tuple[dict, bytes]:
        worker = self._checkout()
        try:
            header, payload = worker.call(job, self.limits.timeout)
        finally:
            self._checkin(worker)
        if not header.get("ok"):
            log.warning("render of %s page %s failed: %s", job["pdf"], job["page"], header.get("error"))
            raise RenderError(N_("이 쪽을 그리지 못했습니다. 문서가 손상되었을 수 있습니다."))
        return header, payload

    def render(self, pdf: Path, page: int, width: int, *, cache: Path | None = None,
               reply: bool = True) -> Bitmap | None:
        """Render a page in a child (and cache it); returns the bitmap when ``reply`` is set."""
        header, payload = self._job({"op": "render", "pdf": str(pdf), "page": page, "width": width,
                                     "cache": str(cache) if cache else None, "reply": reply})
        return Bitmap(header["w"], header["h"], memoryview(bytearray(payload))) if reply else None

    def render_marked(self, pdf: Path, page: int, width: int, mark: tuple[str, str], *,
                      cache: Path | None = None, fmt: str = "jpeg") -> bytes:
        """Render, watermark with ``mark`` and encode as ``fmt`` in the child; returns the image (the child
        caches the clean page when it is next idle)."""
        _, payload = self._job({"op": "render", "pdf": str(pdf), "page": page, "width": width,
                                "cache": str(cache) if cache else None, "mark": list(mark), "fmt": fmt})
        return payload

    def close(self) -> None:
        with self._lock:
            for worker in self._all:
                worker.kill()
            self._all.clear()


_pools: dict[tuple, RenderPool] = {}
_pools_lock = threading.Lock()


def render_pool(size: int, limits: Limits) -> RenderPool:
    """The process-wide pool for these settings."""
    key = (size, limits)
    with _pools_lock:
        if key not in _pools:
            _pools[key] = RenderPool(size, limits)
        return _pools[key]


@atexit.register
def _close_pools() -> None:
    for pool in list(_pools.values()):
        pool.close()
