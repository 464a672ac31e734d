"""The reader's identity baked into the pixels of every page.

A small tile (two lines of text, rotated 30°) is repeated in a staggered grid; the
ink is laid through it onto the page bitmap with Pillow, piece by piece, only where
the tile has ink. The pieces depend only on the identity lines (reader, minute in
KST, the viewing's request id) and the page size, so they are made once and reused
for every page of a viewing in that minute.
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

from core.documents import jpeg
from core.documents.render import Bitmap
from core.timeutil import to_kst

FONT_PATH = "/usr/share/fonts/truetype/nanum/NanumGothic.ttf"
INK = (38, 52, 86)        # dark slate: legible on white, still visible on photos
INK_ALPHA = 74            # about 29 % opacity
ANGLE = 30


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


@lru_cache(maxsize=4096)
def _glyph(char: str, size: int) -> tuple[float, Image.Image | None, float, float]:
    """One character: its advance, its coverage already rotated (None for a space), and the
    coverage's centre relative to the pen position."""
    font = _font(size)
    left, top, right, bottom = font.getbbox(char)
    if right <= left or bottom <= top:
        return font.getlength(char), None, 0.0, 0.0
    upright = Image.new("L", (right - left, bottom - top), 0)
    ImageDraw.Draw(upright).text((-left, -top), char, fill=255, font=font)
    rotated = upright.rotate(ANGLE, expand=True, resample=Image.Resampling.BILINEAR)
    return font.getlength(char), rotated, (left + right) / 2, (top + bottom) / 2


def _tile(lines: tuple[str, str], page_width: int) -> tuple[Image.Image, tuple[int, int]]:
    """The two lines rotated by ``ANGLE`` (full coverage 0–255), and the upright block's size.

    Assembled from individually rotated glyphs that are cached across viewings: rotating a
    whole new block for every viewing cost more than everything else in the watermark.
    """
    size = max(14, page_width // 34)
    block_w = math.ceil(max(sum(_glyph(char, size)[0] for char in line) for line in lines))
    block_h = size * 2 + size // 2 + size // 4
    rad = math.radians(ANGLE)
    cos, sin = math.cos(rad), math.sin(rad)
    tile = Image.new("L", (math.ceil(block_w * cos + block_h * sin), math.ceil(block_w * sin + block_h * cos)), 0)
    for row, line in enumerate(lines):
        pen = 0.0
        for char in line:
            advance, image, gx, gy = _glyph(char, size)
            if image is not None:
                # The glyph's centre in the upright block, relative to the block's centre, turned
                # counter-clockwise as Image.rotate turns (image y points down).
                dx = pen + gx - block_w / 2
                dy = row * (size + size // 2) + gy - block_h / 2
                x = tile.width / 2 + dx * cos + dy * sin
                y = tile.height / 2 - dx * sin + dy * cos
                tile.paste(255, (round(x - image.width / 2), round(y - image.height / 2)), image)
            pen += advance
    return tile, (block_w, block_h)


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


BAND = 32   # rows per piece: thin enough to skip most empty space, few enough to paste quickly
Piece = tuple[Image.Image, Image.Image, tuple[int, int]]   # ink, its alpha, where it goes on the page


@lru_cache(maxsize=16)
def page_stamp(lines: tuple[str, str], size: tuple[int, int], mode: str = "RGBX") -> tuple[Piece, ...]:
    """The watermark for one viewing and page size, as (ink, alpha, position) pieces.

    The rotated text block is cut into horizontal bands, each trimmed to its ink, so that the
    pieces together cover about 40 % of the page instead of all of it: blending only there is
    what keeps a cold page within twice a bare render. Cached, since a viewing's pages share it.
    """
    tile, block = _tile(lines, size[0])
    tile = tile.point(lambda v: v * INK_ALPHA // 255)
    bands = []
    for top in range(0, tile.height, BAND):
        band = tile.crop((0, top, tile.width, min(tile.height, top + BAND)))
        box = band.getbbox()
        if box:
            alpha = band.crop(box)
            bands.append((Image.new(mode, alpha.size, INK), alpha, box[0], top + box[1]))
    width, height = size
    pieces = []
    for x, y in tile_centres(size, block, tile.size):
        left, top = int(x) - tile.width // 2, int(y) - tile.height // 2
        for ink, alpha, dx, dy in bands:
            at = (left + dx, top + dy)
            if at[0] < width and at[1] < height and at[0] + ink.width > 0 and at[1] + ink.height > 0:
                pieces.append((ink, alpha, at))
    return tuple(pieces)


def apply_watermark(page: Image.Image, identity: Identity | tuple[str, str]) -> Image.Image:
    """Lay ``identity`` (or its two lines) over ``page`` in place and return it.

    Pasting a plain ink image through a mask is about twice as fast as pasting a colour; pieces
    that reach past the page's edge are clipped by Pillow.
    """
    lines = identity.lines() if isinstance(identity, Identity) else identity
    paste = page.paste
    for ink, alpha, at in page_stamp(lines, page.size, page.mode):
        paste(ink, at, alpha)
    return page


def marked_jpeg(bitmap: Bitmap, identity: Identity | tuple[str, str]) -> bytes:
    """The page with ``identity`` laid over it (in place), as a JPEG.

    The pieces are pasted on this one thread: each paste is short, and with two threads pasting at
    once every paste handed the GIL across CPUs, which cost more than the second thread saved. The
    JPEG is encoded in two halves at once (:func:`core.documents.jpeg.encode_page`).
    """
    return marked_page(bitmap, identity, "jpeg")


# The quality each format is sent at, chosen by measurement (bench/viewer_bytes.py, docs/viewer.md): the
# lowest that keeps the watermark's strokes as legible as JPEG 85 did (core.documents.legibility).
QUALITY = {"jpeg": 85, "webp": 80}
WEBP_METHOD = 2   # encoder effort 0-6: 2 is 3 % larger than 4 at half its time; 0 is 30 % larger


def encode_marked(bitmap: Bitmap, fmt: str = "jpeg", quality: int | None = None) -> bytes:
    """The (already watermarked) page as ``fmt`` at ``quality`` (the format's own by default)."""
    quality = QUALITY[fmt] if quality is None else quality
    if fmt == "jpeg":
        return jpeg.encode_page(bitmap, quality)
    out = io.BytesIO()
    # WebP takes RGB; the conversion is one pass over the page, small beside the encoder's own.
    bitmap.image().convert("RGB").save(out, "WEBP", quality=quality, method=WEBP_METHOD)
    return out.getvalue()


def marked_page(bitmap: Bitmap, identity: Identity | tuple[str, str], fmt: str = "jpeg") -> bytes:
    """The page with ``identity`` laid over it (in place), encoded as ``fmt`` ("jpeg" or "webp")."""
    apply_watermark(bitmap.image(), identity)
    return encode_marked(bitmap, fmt)
