"""The reader's identity baked into the pixels of every page.

A small tile (two lines of text on a transparent mask, rotated 30°) is stamped
into a page-sized mask in a staggered grid; the ink is then laid through that
mask onto the cached page bitmap with one Pillow paste. The mask depends only on
the identity lines (reader, minute in KST, the viewing's request id) and the page
size, so it is made once and reused for every page of a viewing in that minute.
The ink is semi-transparent so that the page stays readable, and the tile
repeats often enough that any crop of a screenshot still names its reader.
"""
from __future__ import annotations

import io
import math
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from core.timeutil import to_kst

FONT_PATH = "/usr/share/fonts/truetype/nanum/NanumGothic.ttf"
INK = (38, 52, 86)        # dark slate: legible on white, still visible on photos
INK_ALPHA = 74            # about 29 % opacity
ANGLE = 30
JPEG_QUALITY = 85


@dataclass(frozen=True)
class Identity:
    name: str
    employee_no: str
    department: str
    at: datetime
    request_id: str

    def lines(self) -> tuple[str, str]:
        who = " · ".join(part for part in (self.name, self.employee_no, self.department) if part)
        return who, f"{to_kst(self.at):%Y-%m-%d %H:%M} KST · {self.request_id}"


@lru_cache(maxsize=8)
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(FONT_PATH, size)


def _text_mask(lines: tuple[str, str], page_width: int) -> Image.Image:
    size = max(14, page_width // 34)
    font = _font(size)
    width = max(font.getbbox(line)[2] for line in lines)
    mask = Image.new("L", (width, size * 2 + size // 2 + size // 4), 0)
    draw = ImageDraw.Draw(mask)
    for i, line in enumerate(lines):
        draw.text((0, i * (size + size // 2)), line, fill=255, font=font)
    return mask


def tile_centres(page_size: tuple[int, int], block: tuple[int, int],
                 tile_size: tuple[int, int]) -> list[tuple[float, float]]:
    """Centres on a lattice aligned with the text: rows of text blocks along the 30° line,
    consecutive rows shifted by half a block so that the gaps do not line up."""
    rad = math.radians(ANGLE)
    along = (math.cos(rad), -math.sin(rad))
    across = (math.sin(rad), math.cos(rad))
    step_a = block[0] * 1.25
    step_c = block[1] * 2.2
    width, height = page_size
    reach = int(math.hypot(width, height) / min(step_a, step_c)) + 2
    centres = []
    for j in range(-reach, reach + 1):
        for i in range(-reach, reach + 1):
            a = (i + 0.5 * (j % 2)) * step_a
            c = j * step_c
            x = width / 2 + a * along[0] + c * across[0]
            y = height / 2 + a * along[1] + c * across[1]
            if -tile_size[0] / 2 < x < width + tile_size[0] / 2 and -tile_size[1] / 2 < y < height + tile_size[1] / 2:
                centres.append((x, y))
    return centres


@lru_cache(maxsize=16)
def page_mask(lines: tuple[str, str], size: tuple[int, int]) -> Image.Image:
    """The whole page's watermark alpha (mode L); cached, since a viewing's pages share it."""
    text = _text_mask(lines, size[0])
    shape = text.rotate(ANGLE, expand=True, resample=Image.Resampling.BILINEAR)
    tile = shape.point(lambda v: v * INK_ALPHA // 255)
    mask = Image.new("L", size, 0)
    half_w, half_h = tile.width // 2, tile.height // 2
    for x, y in tile_centres(size, text.size, tile.size):
        # Pasted through its opaque shape: neighbouring tiles' empty corners never erase text.
        mask.paste(tile, (int(x) - half_w, int(y) - half_h), shape)
    return mask


@lru_cache(maxsize=4)
def _ink(mode: str, size: tuple[int, int]) -> Image.Image:
    return Image.new(mode, size, INK)


def apply_watermark(page: Image.Image, identity: Identity | tuple[str, str]) -> Image.Image:
    """Lay ``identity`` (or its two lines) over ``page`` (RGB or RGBX) in place and return it.

    Pasting a plain ink layer through the mask is about twice as fast as pasting a colour.
    """
    lines = identity.lines() if isinstance(identity, Identity) else identity
    page.paste(_ink(page.mode, page.size), None, page_mask(lines, page.size))
    return page


def encode_jpeg(page: Image.Image) -> bytes:
    """JPEG, ~5 ms for a phone-width page; text stays sharp because luminance is never subsampled."""
    out = io.BytesIO()
    page.save(out, "JPEG", quality=JPEG_QUALITY, subsampling=2, optimize=False)
    return out.getvalue()
