"""Page rendering with pypdfium2 and the page-bitmap file format of the cache.

Rendering runs inside the sandbox child; the bitmap format is shared by the child
(which writes cache files) and the web process (which reads them). A bitmap file
is a small header and LZ4-compressed raw RGB: under 2 ms to unpack a phone-width
page (zlib needs 7, PNG 13) and 3 ms to pack, at a seventh to a twelfth of the raw size.
"""
from __future__ import annotations

import os
import struct
from pathlib import Path

import lz4.block
from PIL import Image

MAGIC = b"GYPB2"
_HEADER = struct.Struct("<5sHH")
MAX_ASPECT = 4.0   # a page taller than 4 widths renders narrower instead of allocating a huge bitmap


class PdfRenderer:
    """Keeps the last few opened PDFs, so that rendering page after page does not reopen the file."""

    def __init__(self, keep: int = 4) -> None:
        self._open: dict[str, object] = {}
        self._keep = keep

    def warm(self) -> None:
        import pypdfium2  # noqa: F401

    def document(self, path: str):
        import pypdfium2 as pdfium

        doc = self._open.pop(path, None) or pdfium.PdfDocument(path)
        self._open[path] = doc
        while len(self._open) > self._keep:
            oldest = next(iter(self._open))
            self._open.pop(oldest).close()
        return doc

    def render(self, path: str, page_no: int, width: int) -> tuple[int, int, bytes | memoryview]:
        """Render 1-based ``page_no`` at ``width`` pixels: (width, height, packed RGB bytes).

        pdfium writes RGB directly (``rev_byteorder``), so the pixels go out without a copy.
        """
        bitmap = self._bitmap(path, page_no, width, padded=False)
        if bitmap.mode == "RGB" and bitmap.stride == bitmap.width * 3:
            return bitmap.width, bitmap.height, memoryview(bitmap.buffer).cast("B")
        image = bitmap.to_pil().convert("RGB")
        return image.width, image.height, image.tobytes()

    def render_image(self, path: str, page_no: int, width: int) -> Image.Image:
        """Render into a writable RGBX image that shares the bitmap's memory: no copy at all.

        The buffer is allocated by pypdfium2 through ctypes, so it lives as long as the image.
        """
        return self._bitmap(path, page_no, width, padded=True).to_pil()

    def _bitmap(self, path: str, page_no: int, width: int, *, padded: bool):
        import pypdfium2.raw as pdfium_c

        page = self.document(path)[page_no - 1]
        try:
            scale = _scale(page.get_size(), width)
            # rev_byteorder: pdfium writes RGB(X) itself, sparing a channel swap.
            return page.render(scale=scale, draw_annots=True, may_draw_forms=False, rev_byteorder=True,
                               force_bitmap_format=pdfium_c.FPDFBitmap_BGRx if padded else None)
        finally:
            page.close()


def _scale(page_size: tuple[float, float], width: int) -> float:
    page_w, page_h = page_size
    scale = width / page_w
    if page_h * scale > width * MAX_ASPECT:
        scale = width * MAX_ASPECT / page_h
    return scale


def encode_bitmap(width: int, height: int, pixels: bytes | memoryview) -> bytes:
    return _HEADER.pack(MAGIC, width, height) + lz4.block.compress(pixels, store_size=True)


def decode_bitmap(data: bytes) -> Image.Image:
    """The page in a cache file; :class:`ValueError` for anything that is not a whole one (a damaged
    or truncated file is then rendered again rather than failing the reader's request)."""
    try:
        magic, width, height = _HEADER.unpack_from(data)
        if magic != MAGIC:
            raise ValueError("not a page bitmap")
        return Image.frombytes("RGB", (width, height), lz4.block.decompress(data[_HEADER.size:]))
    except (struct.error, lz4.block.LZ4BlockError) as exc:
        raise ValueError(f"damaged page bitmap: {exc}") from exc


def write_atomic(path: Path, data: bytes) -> None:
    """Readers never see half a file: write beside it, then rename over."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
