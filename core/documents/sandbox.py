"""The child process that touches untrusted files: ``python -m core.documents.sandbox``.

It limits itself before reading any input (address space, CPU time, no core
files), so a hostile file can exhaust only this process. Two modes:

* ``convert``: one job as JSON on stdin: convert HTML/text/images to PDF, sanitise
  every PDF, write the result, answer JSON on stdout, exit. A refusal is answered as its
  message and parameters (``DocumentError.detail``), so that the parent can rebuild the error.
* ``serve``: a long-lived renderer. Framed requests on stdin, framed answers on
  stdout (4-byte length + JSON header, then raw RGB pixels or a watermarked JPEG).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
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
        return {"ok": True, "pages": pages, "removed": removed, "refused_urls": refused[:50]}
    except DocumentError as exc:
        return {"ok": False, "error": exc.detail}
    except MemoryError:
        return {"ok": False, "error": {"msgid": N_("문서를 처리하는 데 메모리가 너무 많이 필요합니다. "
                                                   "더 작은 파일로 나눠 올려 주세요."), "params": {}}}


def serve() -> None:
    """Answer render requests until stdin closes (the web process went away)."""
    from core.documents.render import PdfRenderer

    renderer = PdfRenderer()   # imports pypdfium2 now, before the first page is waited for
    renderer.warm()
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while True:
        head = stdin.read(FRAME.size)
        if len(head) < FRAME.size:
            return
        job = json.loads(stdin.read(FRAME.unpack(head)[0]))
        try:
            _render_job(job, renderer, stdout)
        except MemoryError:
            _answer(stdout, {"ok": False, "error": "memory"})
        except Exception as exc:  # noqa: BLE001 - a broken page must not end the renderer
            _answer(stdout, {"ok": False, "error": f"{exc.__class__.__name__}: {exc}"[:300]})


def _render_job(job: dict, renderer, stdout) -> None:
    from core.documents.render import encode_bitmap, write_atomic
    from core.documents.watermark import apply_watermark, encode_jpeg

    if job.get("op") == "ping":
        _answer(stdout, {"ok": True})
        return
    lines = tuple(job.get("mark") or ())
    pdf, page, width = job["pdf"], int(job["page"]), int(job["width"])
    cache = Path(job["cache"]) if job.get("cache") else None
    if lines:
        # A reader is waiting for a page that is not cached: render, watermark in place and encode
        # right here, so that only the small JPEG crosses the pipe. The clean page for the cache
        # is rendered again after the answer, off the reader's clock.
        image = renderer.render_image(pdf, page, width)
        body = encode_jpeg(apply_watermark(image, lines))
        _answer(stdout, {"ok": True, "w": image.width, "h": image.height, "n": len(body)}, body)
        if cache:
            write_atomic(cache, encode_bitmap(*renderer.render(pdf, page, width)))
        return
    width, height, pixels = renderer.render(pdf, page, width)
    if not job.get("reply"):
        # Pre-rendering: the answer means "the cache file is there".
        write_atomic(cache, encode_bitmap(width, height, pixels))
        _answer(stdout, {"ok": True, "w": width, "h": height, "n": 0})
        return
    else:
        _answer(stdout, {"ok": True, "w": width, "h": height, "n": len(pixels)}, pixels)
    if cache:
        write_atomic(cache, encode_bitmap(width, height, pixels))


def _answer(stdout, header: dict, payload: bytes | memoryview = b"") -> None:
    body = json.dumps(header).encode()
    stdout.write(FRAME.pack(len(body)) + body)
    if payload:
        stdout.write(payload)
    stdout.flush()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="core.documents.sandbox")
    parser.add_argument("mode", choices=("convert", "serve"))
    parser.add_argument("--memory-mb", type=int, default=1024)
    parser.add_argument("--cpu-seconds", type=int, default=0)
    args = parser.parse_args(argv)
    apply_limits(args.memory_mb, args.cpu_seconds or None)
    if args.mode == "serve":
        from core.documents.allocator import keep_large_buffers

        keep_large_buffers()
        serve()
        return
    result = convert(json.loads(sys.stdin.read()))
    sys.stdout.write(json.dumps(result, ensure_ascii=False))
    sys.stdout.flush()
    os._exit(0)   # skip interpreter teardown: the answer is out, nothing else matters


if __name__ == "__main__":
    main()
