"""A page as one baseline JPEG, encoded as two strips at once (:func:`encode_page`).

libjpeg-turbo (through simplejpeg) releases the GIL while it encodes, so the top and the bottom of a
page can be encoded on two threads. The two streams are then joined into one ordinary JPEG:

- the split falls on an MCU row (16 pixels for 4:2:0), so both halves are cut into exactly the blocks
  a whole-page encoding would make, with the same tables;
- a restart marker between them resets the DC predictors, and a DRI segment in the header tells the
  decoder that it comes after the top strip's MCUs.

The result decodes to the same pixels as encoding the whole page in one go (tests/viewer/test_jpeg.py).
"""
from __future__ import annotations

import struct

import numpy as np
import simplejpeg

from core.documents.render import Bitmap
from core.documents.side_thread import side_thread

QUALITY = 85
SUBSAMPLING = "420"      # chroma only; text stays sharp because luminance is never subsampled
MCU = 16                 # MCU height and width for 4:2:0
MIN_SPLIT_HEIGHT = 4 * MCU
_RESTART_0 = b"\xff\xd0"
_EOI = b"\xff\xd9"
_SOF0, _DRI, _SOS = 0xC0, 0xDD, 0xDA


def encode_page(bitmap: Bitmap, quality: int | None = None) -> bytes:
    """The whole page as one JPEG: the bottom strip on a helper thread while this one does the top."""
    quality = QUALITY if quality is None else quality
    split = split_row(bitmap.width, bitmap.height)
    bottom = side_thread("jpeg-strip").try_submit(
        encode, bitmap.rows(split), bitmap.width, bitmap.height - split, quality) if split else None
    if bottom is None:   # too small to split, or the helper is busy with another page
        return encode(bitmap.rows(), bitmap.width, bitmap.height, quality)
    top = encode(bitmap.rows(0, split), bitmap.width, split, quality)
    try:
        return join(top, bottom.result(), bitmap.width, split, bitmap.height)
    except ValueError:
        return encode(bitmap.rows(), bitmap.width, bitmap.height, quality)


def encode(rows: memoryview, width: int, height: int, quality: int | None = None) -> bytes:
    """JPEG of ``height`` rows of RGBX pixels (``width * 4`` bytes each, no padding)."""
    pixels = np.frombuffer(rows, dtype=np.uint8, count=width * height * 4).reshape(height, width, 4)
    return simplejpeg.encode_jpeg(pixels, quality=QUALITY if quality is None else quality, colorspace="RGBX",
                                  colorsubsampling=SUBSAMPLING)


def split_row(width: int, height: int) -> int | None:
    """Where to cut a page into two strips (a multiple of the MCU height, with the bottom strip no taller
    than the top), or None when it is too small to be worth it or its top strip would hold more MCUs than a
    restart interval can count."""
    if height < MIN_SPLIT_HEIGHT:
        return None
    top = -(-height // (2 * MCU)) * MCU          # half the page, rounded up to whole MCU rows
    if top >= height or _mcus(width, top) > 0xFFFF:
        return None
    return top


def join(top: bytes, bottom: bytes, width: int, top_rows: int, height: int) -> bytes:
    """One JPEG of ``height`` rows from the JPEGs of rows ``[0, top_rows)`` and ``[top_rows, height)``.

    Raises :class:`ValueError` if the two were not encoded alike (the caller then encodes the whole page).
    """
    top_head, top_scan = _parse(top)
    bottom_head, bottom_scan = _parse(bottom)
    if _without_height(top_head) != _without_height(bottom_head) or any(m == _DRI for m, _ in top_head):
        raise ValueError("the strips were not encoded with the same tables")
    segments = []
    for marker, segment in top_head:
        if marker == _SOF0:
            segment = segment[:5] + struct.pack(">H", height) + segment[7:]
        elif marker == _SOS:
            segments.append(b"\xff\xdd\x00\x04" + struct.pack(">H", _mcus(width, top_rows)))
        segments.append(segment)
    return b"\xff\xd8" + b"".join(segments) + top_scan + _RESTART_0 + bottom_scan + _EOI


def _mcus(width: int, rows: int) -> int:
    return -(-width // MCU) * (rows // MCU)


def _parse(jpeg: bytes) -> tuple[list[tuple[int, bytes]], bytes]:
    """The header segments up to and including SOS, and the entropy-coded data after it."""
    if jpeg[:2] != b"\xff\xd8" or jpeg[-2:] != _EOI:
        raise ValueError("not a whole JPEG")
    segments, at = [], 2
    while True:
        if jpeg[at] != 0xFF:
            raise ValueError("broken JPEG header")
        marker = jpeg[at + 1]
        length = struct.unpack_from(">H", jpeg, at + 2)[0]
        segments.append((marker, jpeg[at:at + 2 + length]))
        at += 2 + length
        if marker == _SOS:
            return segments, jpeg[at:-2]
        if marker not in (0xE0, 0xDB, 0xC4, _SOF0, _DRI) and not 0xE1 <= marker <= 0xEF:
            raise ValueError(f"unexpected JPEG marker {marker:#x}")


def _without_height(segments: list[tuple[int, bytes]]) -> list[bytes]:
    return [segment[:5] + segment[7:] if marker == _SOF0 else segment for marker, segment in segments]
