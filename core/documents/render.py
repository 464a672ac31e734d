"""Page rendering with pypdfium2, the page bitmap, and the bitmap file format of the cache.

Rendering runs inside the sandbox child; the bitmap format is shared by the child
(which writes cache files) and the web process (which reads them). A bitmap file
is a small header and LZ4-compressed raw RGBX: about 2 ms to unpack a phone-width
page (zlib needs 7, PNG 13) and 3 ms to pack, at a tenth to a fifteenth of the raw size.
"""
from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from pathlib import Path

import lz4.block
from PIL import Image

MAGIC = b"GYPB3"          # RGBX; files in an older format are simply rendered again
_HEADER = struct.Struct("<5sHH")
MAX_ASPECT = 4.0   # a page taller than 4 widths renders narrower instead of allocating a huge bitmap


@dataclass(frozen=True)
class Bitmap:
    """A page's pixels as RGBX rows in one writable buffer, ``width * 4`` bytes a row.

    pdfium renders into it, the cache stores it, Pillow lays the watermark on it and libjpeg-turbo
    encodes it, all in place: no step copies the page.
    """
    width: int
    height: int
    buffer: memoryview
    owner: object = None     # whatever owns the memory (pdfium's bitmap), kept alive with it

    @property
    def size(self) -> tuple[int, int]:
        return self.width, self.height

    def rows(self, top: int = 0, bottom: int | None = None) -> memoryview:
        bottom = self.height if bottom is None else bottom
        return self.buffer[top * self.width * 4:bottom * self.width * 4]

    def image(self) -> Image.Image:
        """The page as a Pillow image that shares the memory: drawing on it draws on the page."""
        image = Image.frombuffer("RGBX", self.size, self.buffer, "raw", "RGBX", 0, 1)
        image.readonly = False   # frombuffer marks it read-only, which would make Pillow copy on the first paste
        return image


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

    def render(self, path: str, page_no: int, width: int) -> Bitmap:
        """Render 1-based ``page_no`` at ``width`` pixels into a new :class:`Bitmap`."""
        import pypdfium2.raw as pdfium_c

        page = self.document(path)[page_no - 1]
        try:
            # BGRx with rev_byteorder: pdfium writes RGBX itself, sparing a channel swap.
            bitmap = page.render(scale=_scale(page.get_size(), width), draw_annots=True, may_draw_forms=False,
                                 rev_byteorder=True, force_bitmap_format=pdfium_c.FPDFBitmap_BGRx)
        finally:
            page.close()
        if bitmap.stride != bitmap.width * 4:   # pdfium pads 4-byte rows to nothing, but be sure
            pixels = memoryview(bytearray(bitmap.to_pil().convert("RGBX").tobytes()))
            return Bitmap(bitmap.width, bitmap.height, pixels)
        return Bitmap(bitmap.width, bitmap.height, memoryview(bitmap.buffer).cast("B"), owner=bitmap)


def _scale(page_size: tuple[float, float], width: int) -> float:
    page_w, page_h = page_size
    scale = width / page_w
    if page_h * scale > width * MAX_ASPECT:
        scale = width * MAX_ASPECT / page_h
    return scale


def encode_bitmap(bitmap: Bitmap) -> bytes:
    return _HEADER.pack(MAGIC, bitmap.width, bitmap.height) + lz4.block.compress(bitmap.buffer, store_size=True)


def decode_bitmap(data: bytes) -> Bitmap:
    """The page in a cache file; :class:`ValueError` for anything that is not a whole one (a damaged
    or truncated file is then rendered again rather than failing the reader's request)."""
    try:
        magic, width, height = _HEADER.unpack_from(data)
        if magic != MAGIC:
            raise ValueError("not a page bitmap")
        pixels = lz4.block.decompress(memoryview(data)[_HEADER.size:], return_bytearray=True)
    except (struct.error, lz4.block.LZ4BlockError) as exc:
        raise ValueError(f"damaged page bitmap: {exc}") from exc
    if len(pixels) != width * height * 4:
        raise ValueError("damaged page bitmap: wrong size")
    return Bitmap(width, height, memoryview(pixels))


def write_atomic(path: Path, data: bytes) -> None:
    """Readers never see half a file: write beside it, then rename over."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
