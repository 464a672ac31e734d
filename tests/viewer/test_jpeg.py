"""A page encoded as two strips and joined is one ordinary JPEG, identical to encoding it whole."""
from __future__ import annotations

import io

import numpy as np
import pytest
import simplejpeg
from PIL import Image, ImageDraw

from core.documents import jpeg
from core.documents.render import Bitmap


def _page(width: int, height: int) -> Bitmap:
    """Text-like strokes and a colour gradient, so that both luminance and chroma carry detail."""
    image = Image.new("RGBX", (width, height), "white")
    draw = ImageDraw.Draw(image)
    for y in range(0, height, 7):
        draw.line((0, y, width, (y * 3) % height), fill=(y % 256, (y * 5) % 256, 255 - y % 256))
    draw.rectangle((width // 4, height // 3, width // 2, height // 2), fill=(200, 30, 40))
    return Bitmap(width, height, memoryview(bytearray(image.tobytes())))


def _pixels(data: bytes) -> tuple[tuple[int, int], bytes]:
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    return image.size, image.convert("RGB").tobytes()


@pytest.mark.parametrize("size", [(1080, 1528), (1620, 2292), (1080, 4320), (1001, 333), (77, 99)])
def test_joined_strips_decode_exactly_like_the_whole_page(size):
    page = _page(*size)
    whole = jpeg.encode(page.rows(), page.width, page.height)
    joined = jpeg.encode_page(page)
    assert joined != whole                       # really made of two strips, with a restart marker
    assert b"\xff\xdd\x00\x04" in joined and b"\xff\xd0" in joined
    assert _pixels(joined) == _pixels(whole)


def test_split_falls_on_whole_mcu_rows_with_the_taller_strip_on_top():
    for height in (64, 65, 100, 1528, 2292, 4320, 4321):
        top = jpeg.split_row(1080, height)
        assert top % jpeg.MCU == 0 and height - top <= top, height
        assert -(-(height - top) // jpeg.MCU) <= top // jpeg.MCU   # the bottom fits one restart interval
    assert jpeg.split_row(1080, 40) is None        # too small to be worth two threads


def test_a_small_page_is_encoded_whole():
    page = _page(120, 40)
    data = jpeg.encode_page(page)
    assert b"\xff\xdd" not in data and _pixels(data)[0] == (120, 40)


def test_strips_encoded_differently_are_not_joined():
    page = _page(320, 256)
    split = jpeg.split_row(page.width, page.height)
    top = jpeg.encode(page.rows(0, split), page.width, split)
    rows = np.frombuffer(page.rows(split), dtype=np.uint8).reshape(page.height - split, page.width, 4)
    other_quality = simplejpeg.encode_jpeg(rows, quality=50, colorspace="RGBX", colorsubsampling="420")
    with pytest.raises(ValueError):
        jpeg.join(top, other_quality, page.width, split, page.height)
    with pytest.raises(ValueError):
        jpeg.join(top, b"not a jpeg", page.width, split, page.height)


def test_a_bitmap_image_draws_on_the_page_itself():
    page = _page(64, 64)
    ImageDraw.Draw(page.image()).rectangle((0, 32, 63, 63), fill=(1, 2, 3))
    assert bytes(page.rows(40, 41)[40:44])[:3] == b"\x01\x02\x03"     # pixel 10 of row 40, in the buffer
    assert bytes(page.rows(10, 11)[40:44])[:3] != b"\x01\x02\x03"
