"""Page-image bytes and legibility: the encodings the viewer could send, measured on real pages.

Renders pages of two documents through the sandbox (the benchmark's text-and-photo page and a
plain notice), lays a reader's watermark over them, and encodes each one several ways. For every
encoding it reports the bytes, the encode time and two legibility figures against the lossless
watermarked page (:mod:`core.documents.legibility`):

* ``ssim``: the mean structural similarity of the luminance over the page;
* ``mark_ssim``: the same, over the windows that hold watermark ink only — the text that must
  stay readable, and the first thing to smear when the quality drops.

``python bench/viewer_bytes.py`` prints the table (Markdown) and one JSON line; ``--grid`` tries a
wider range of qualities and widths (what the choice in docs/viewer.md was made from). ``bench/viewer.py``
reports the bytes of its own document's pages before and after.
"""
from __future__ import annotations

import io
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402

from core.documents.isolation import Limits, run_convert  # noqa: E402
from core.documents.legibility import compare  # noqa: E402
from core.documents.render import Bitmap, PdfRenderer  # noqa: E402
from core.documents.watermark import apply_watermark, encode_marked  # noqa: E402

LINES = ("김민준 · 2019-0123 · 교통정책과", "2026-12-02 09:41 KST · R-BENCH001")
# What the viewer sent before issue 12: JPEG quality 85 at 1080 px (phone) and 1620 px (zoom).
BEFORE = {"format": "jpeg", "quality": 85}
NOTICE = ("<!doctype html><html lang='ko'><meta charset='utf-8'><body>"
          + "".join(f"<h1>고양특례시 교통정책과 공지 {n}</h1><p>" + "주민 여러분 안녕하십니까. 불법 주정차 단속 계획과 "
                    "대중교통 개편 일정을 알려 드립니다. 문의: 031-8075-1234. " * 8 + "</p>" for n in range(1, 4))
          + "</body></html>")


def documents(folder: Path) -> dict[str, Path]:
    """The two sample documents as PDFs, converted by the sandbox as uploads are."""
    sys.path.insert(0, str(ROOT / "bench"))
    from viewer import PARAGRAPH, _photo

    photo = _photo()
    mixed = ('<!doctype html><html lang="ko"><meta charset="utf-8"><style>img { width: 100%; } '
             'h1 { font-size: 18pt; }</style><body><h1>제1쪽 · 교통정책과 업무 안내</h1>'
             f'<p>{PARAGRAPH * 3}</p><img src="{photo}" alt=""><p>{PARAGRAPH * 2}</p></body></html>')
    out = {}
    for name, html in (("mixed", mixed), ("notice", NOTICE)):
        source = folder / f"{name}.html"
        source.write_text(html)
        pdf = folder / f"{name}.pdf"
        run_convert({"kind": "html", "src": str(source), "out": str(pdf), "static_dir": str(ROOT / "static"),
                     "base_url": "http://127.0.0.1:5000", "max_pages": 10}, Limits(timeout=120))
        out[name] = pdf
    return out


def marked(renderer: PdfRenderer, pdf: Path, width: int) -> Bitmap:
    bitmap = renderer.render(str(pdf), 1, width)
    copy = Bitmap(bitmap.width, bitmap.height, memoryview(bytearray(bitmap.buffer)))
    apply_watermark(copy.image(), LINES)
    return copy


def encode_with(bitmap: Bitmap, fmt: str, quality: int) -> bytes:
    return encode_marked(bitmap, fmt, quality)


def measure(pdfs: dict[str, Path], widths: tuple[int, ...], settings: list[tuple[str, int]],
            runs: int = 3) -> list[dict]:
    renderer, rows = PdfRenderer(), []
    for name, pdf in pdfs.items():
        for width in widths:
            page = marked(renderer, pdf, width)
            reference = page.image().convert("RGB")
            for fmt, quality in settings:
                times = []
                for _ in range(runs):
                    start = time.perf_counter()
                    body = encode_with(page, fmt, quality)
                    times.append((time.perf_counter() - start) * 1000)
                decoded = Image.open(io.BytesIO(body)).convert("RGB")
                scores = compare(reference, decoded, LINES)
                rows.append({"doc": name, "width": width, "format": fmt, "quality": quality,
                             "kb": round(len(body) / 1024, 1), "encode_ms": round(statistics.median(times), 1),
                             "ssim": round(scores.ssim, 4), "mark_ssim": round(scores.mark_ssim, 4)})
    return rows


def main(argv: list[str]) -> int:
    from core.documents.watermark import QUALITY

    work = Path(tempfile.mkdtemp(prefix="viewer-bytes-"))
    try:
        pdfs = documents(work)
        if "--grid" in argv:
            settings = [("jpeg", q) for q in (85, 75, 65, 55, 45)] + [("webp", q) for q in (80, 70, 60, 50, 40)]
            widths = (720, 1080, 1440, 2160)
        else:
            settings = [("jpeg", BEFORE["quality"]), ("jpeg", QUALITY["jpeg"]), ("webp", QUALITY["webp"])]
            widths = (1080, 1440, 2160)
        rows = measure(pdfs, widths, settings)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("| doc | width | format | quality | KB | encode ms | SSIM | watermark SSIM |")
    print("|---|---:|---|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['doc']} | {r['width']} | {r['format']} | {r['quality']} | {r['kb']} | {r['encode_ms']} | "
              f"{r['ssim']} | {r['mark_ssim']} |")
    print(json.dumps(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
