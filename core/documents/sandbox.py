"""The child process that touches untrusted files: ``python -m core.documents.sandbox``.

It limits itself before reading any input (address space, CPU time, no core
files), so a hostile file can exhaust only this process. Two modes:

* ``convert``: one job as JSON on stdin: convert HTML/text/images to PDF, sanitise
  every PDF, write the result, answer JSON on stdout, exit. A refusal is answered as its
  message and parameters (``DocumentError.detail``), so that the parent can rebuild the error.
* ``image``: one campaign card-news upload, decoded and re-encoded as WebP widths
  (``core.lettering.card_images.decode_job``).
* ``serve``: a long-lived renderer. Framed requests on stdin, framed answers on
  stdout (4-byte length + JSON header, then raw RGBX pixels or a watermarked JPEG).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import select
import struct
import sys
from pathlib import Path

FRAME = struct.Struct("<I")


def apply_limits(memory_mb: int, cpu_seconds: int | None) -> None:
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if cpu_seconds:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))


def convert(job: dict) -> dict:
    """Turn the stored original into a sanitised PDF at ``job['out']``."""
    from core.documents import DocumentError
    from core.documents.convert import html_to_pdf, image_to_pdf, text_to_pdf
    from core.documents.render import write_atomic
    from core.documents.sanitize import sanitize_pdf
    from core.i18n import N_

    try:
        data = Path(job["src"]).read_bytes()
        kind, refused = job["kind"], []
        static = {"static_dir": Path(job["static_dir"]), "base_url": job["base_url"]}
        if kind == "pdf":
            pdf = data
        elif kind == "html":
            pdf, refused = html_to_pdf(data, **static)
        elif kind == "text":
            pdf, refused = text_to_pdf(data, **static)
        elif kind in ("png", "jpeg"):
            pdf = image_to_pdf(data)
        else:
            raise DocumentError(N_("지원하지 않는 형식입니다."))
        clean, pages, removed = sanitize_pdf(pdf, max_pages=int(job["max_pages"]))
        write_atomic(Path(job["out"]), clean)
        return {"ok": True, "pages": pages, "sizes": page_sizes(clean), "removed": removed,
                "refused_urls": refused[:50]}
    except DocumentError as exc:
        return {"ok": False, "error": exc.detail}
    except MemoryError:
        return {"ok": False, "error": {"msgid": N_("문서를 처리하는 데 메모리가 너무 많이 필요합니다. "
                                                   "더 작은 파일로 나눠 올려 주세요."), "params": {}}}


IDLE_SECONDS = 0.05   # a renderer this long without a request is idle: time to fill the cache
DEFERRED_MAX = 64     # clean pages waiting for the cache; past that the oldest are left for another time


def page_sizes(pdf: bytes) -> list[list[float]]:
    """Each page's width and height in points as pdfium renders it (crop box, rotation applied), read
    without loading the pages: the viewer reserves each page's shape before its image arrives."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        return [[round(v, 1) for v in document.get_page_size(i)] for i in range(len(document))]
    finally:
        document.close()


def serve() -> None:
    """Answer render requests until stdin closes (the web process went away).

    Clean pages for the cache that a reader is not waiting for are rendered when no request is
    waiting, so that they never delay one (nor share a CPU with the web process reading an answer).
    """
    from core.documents.render import PdfRenderer

    renderer = PdfRenderer()   # imports pypdfium2 now, before the first page is waited for
    renderer.warm()
    stdin, stdout = sys.stdin.buffer.raw.fileno(), sys.stdout.buffer
    deferred: list[tuple[str, int, int, Path]] = []
    while True:
        if deferred and not select.select([stdin], [], [], IDLE_SECONDS)[0]:
            _fill_cache(renderer, *deferred.pop(0))
            continue
        head = _read_exact(stdin, FRAME.size)
        body = _read_exact(stdin, FRAME.unpack(head)[0]) if head else None
        if body is None:
            return
        job = json.loads(body)
        try:
            _render_job(job, renderer, stdout, deferred)
        except MemoryError:
            _answer(stdout, {"ok": False, "error": "memory"})
        except Exception as exc:  # noqa: BLE001 - a broken page must not end the renderer
            _answer(stdout, {"ok": False, "error": f"{exc.__class__.__name__}: {exc}"[:300]})
        del deferred[:-DEFERRED_MAX]


def _read_exact(fd: int, size: int) -> bytes | None:
    """``size`` bytes from the unbuffered pipe (so that select() sees everything not yet read), or None at
    the end of input."""
    chunks, remaining = [], size
    while remaining:
        chunk = os.read(fd, remaining)
        if not chunk:
            return None
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _render_job(job: dict, renderer, stdout, deferred: list) -> None:
    from core.documents.render import encode_bitmap, write_atomic
    from core.documents.watermark import marked_page

    if job.get("op") == "ping":
        _answer(stdout, {"ok": True})
        return
    lines = tuple(job.get("mark") or ())
    pdf, page, width = job["pdf"], int(job["page"]), int(job["width"])
    cache = Path(job["cache"]) if job.get("cache") else None
    if lines:
        # A reader is waiting for a page that is not cached: render, watermark in place and encode
        # right here, so that only the small JPEG crosses the pipe. The clean page is cached later,
        # when idle.
        bitmap = renderer.render(pdf, page, width)
        body = marked_page(bitmap, lines, "webp" if job.get("fmt") == "webp" else "jpeg")
        _answer(stdout, {"ok": True, "w": bitmap.width, "h": bitmap.height, "n": len(body)}, body)
        if cache:
            deferred.append((pdf, page, width, cache))
        return
    bitmap = renderer.render(pdf, page, width)
    if not job.get("reply"):
        # Pre-rendering: the answer means "the cache file is there".
        write_atomic(cache, encode_bitmap(bitmap))
        _answer(stdout, {"ok": True, "w": bitmap.width, "h": bitmap.height, "n": 0})
        return
    _answer(stdout, {"ok": True, "w": bitmap.width, "h": bitmap.height, "n": len(bitmap.buffer)}, bitmap.buffer)
    if cache:
        write_atomic(cache, encode_bitmap(bitmap))


def _fill_cache(renderer, pdf: str, page: int, width: int, cache: Path) -> None:
    from core.documents.render import encode_bitmap, write_atomic

    if cache.exists():
        return
    try:
        write_atomic(cache, encode_bitmap(renderer.render(pdf, page, width)))
    except Exception:  # noqa: BLE001 - the page is rendered again on its next miss
        return


def _answer(stdout, header: dict, payload: bytes | memoryview = b"") -> None:
    body = json.dumps(header).encode()
    stdout.write(FRAME.pack(len(body)) + body)
    if payload:
        stdout.write(payload)
    stdout.flush()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="core.documents.sandbox")
    parser.add_argument("mode", choices=("convert", "serve", "image"))
    parser.add_argument("--memory-mb", type=int, default=1024)
    parser.add_argument("--cpu-seconds", type=int, default=0)
    args = parser.parse_args(argv)
    apply_limits(args.memory_mb, args.cpu_seconds or None)
    if args.mode == "serve":
        from core.allocator import keep_large_buffers

        keep_large_buffers()
        serve()
        return
    if args.mode == "image":  # a campaign's card-news upload (core.lettering.card_images)
        from core.lettering.card_images import decode_job

        result = decode_job(json.loads(sys.stdin.read()))
    else:
        result = convert(json.loads(sys.stdin.read()))
    sys.stdout.write(json.dumps(result, ensure_ascii=False))
    sys.stdout.flush()
    os._exit(0)   # skip interpreter teardown: the answer is out, nothing else matters


if __name__ == "__main__":
    main()
