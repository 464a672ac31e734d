"""Card-news images for campaigns: uploads are checked here (bytes, kind, header pixels), then decoded only
inside the documents' sandbox child (``python -m core.documents.sandbox image``, memory and CPU limited, like
document conversion) where Pillow re-encodes them as WebP in a few widths with EXIF and every other piece of
metadata dropped. Files are named by the content hash of the upload and width (``<key>-720.webp``), so a URL
never changes meaning and can be cached for a year (``immutable``)."""
from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import tempfile
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any

from core.documents.intake import image_size
from core.i18n import N_

WIDTHS = (360, 720, 1080)
DEFAULT_WIDTH = 720              # what the carrier's after-call card and the plain <img src> use
MAX_BYTES = 10 * 1024 * 1024     # an upload larger than this is refused before anything reads it
MAX_PIXELS = 24_000_000          # e.g. 6000 x 4000; larger ones are refused (decompression bombs)
MIN_SIDE = 200                   # smaller is unreadable on a phone
MAX_IMAGES = 10
WEBP_QUALITY = 80
KEY = re.compile(r"[0-9a-f]{20}")
FILE_NAME = re.compile(r"([0-9a-f]{20})-(\d{3,4})\.webp")


class ImageRefused(ValueError):
    """An upload refused, with a Korean msgid and its parameters."""

    def __init__(self, msgid: str, **params: Any) -> None:
        super().__init__(msgid)
        self.msgid, self.params = msgid, params


@dataclass(frozen=True)
class StoredImage:
    key: str
    width: int
    height: int
    widths: list[int]

    def as_json(self) -> dict:
        return {"key": self.key, "w": self.width, "h": self.height, "widths": self.widths}


def sniff(head: bytes) -> str | None:
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return None


def check_upload(data: bytes, max_bytes: int = MAX_BYTES) -> str:
    """The image kind, or :class:`ImageRefused` with the reason; reads headers only, decodes nothing."""
    if not data:
        raise ImageRefused(N_("빈 파일입니다. 이미지 파일을 골라 주세요."))
    if len(data) > max_bytes:
        raise ImageRefused(N_("파일이 너무 큽니다(%(size).1fMB). 이미지는 %(max)dMB까지 올릴 수 있습니다."),
                           size=len(data) / 1048576, max=max_bytes // 1048576)
    kind = sniff(data[:16])
    if kind is None:
        raise ImageRefused(N_("이미지 파일이 아닙니다. PNG, JPEG 또는 WebP 이미지만 올릴 수 있습니다."))
    size = image_size(kind, data) if kind in ("png", "jpeg") else None
    if size and size[0] * size[1] > MAX_PIXELS:
        raise ImageRefused(N_("이미지가 너무 큽니다(%(width)d×%(height)d). %(max)d만 화소 이하로 줄여 올려 주세요."),
                           width=size[0], height=size[1], max=MAX_PIXELS // 10_000)
    return kind


def content_key(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:20]


def file_name(key: str, width: int) -> str:
    return f"{key}-{width}.webp"


def url_for_width(key: str, width: int) -> str:
    return f"/media/campaigns/{file_name(key, width)}"


def nearest_width(image: dict, wanted: int = DEFAULT_WIDTH) -> int:
    widths = [int(w) for w in image.get("widths") or []] or [wanted]
    fitting = [w for w in widths if w <= wanted]
    return max(fitting) if fitting else min(widths)


def process(data: bytes, store: Path, *, timeout: float = 30.0, memory_mb: int = 1024,
            max_bytes: int = MAX_BYTES) -> StoredImage:
    """Check ``data``, decode and re-encode it in the sandbox child, store its widths under ``store``."""
    from core.documents import isolation  # the documents' sandbox: one mechanism for untrusted files

    check_upload(data, max_bytes)
    key = content_key(data)
    store.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=store, prefix=".upload-", delete=False) as tmp:
        tmp.write(data)
    job = {"src": tmp.name, "out": str(store), "key": key, "widths": list(WIDTHS), "max_pixels": MAX_PIXELS,
           "min_side": MIN_SIDE, "quality": WEBP_QUALITY}
    limits = isolation.Limits(timeout=timeout, memory_mb=memory_mb)
    try:
        done = subprocess.run(isolation._command("image", limits, cpu=True),  # noqa: S603  our module, fixed argv
                              input=json.dumps(job).encode(), capture_output=True, timeout=timeout,
                              cwd=isolation.ROOT, env=isolation._env(), check=False)
        try:
            result = json.loads(done.stdout.decode() or "null")
        except ValueError:
            result = None
    except subprocess.TimeoutExpired:
        result = {"ok": False, "error": {"msgid": N_("이미지를 %(seconds)d초 안에 처리하지 못했습니다."),
                                         "params": {"seconds": int(timeout)}}}
    finally:
        os.unlink(tmp.name)
    if not isinstance(result, dict):
        raise ImageRefused(N_("이미지를 읽지 못했습니다(손상되었거나 처리 한도를 넘었습니다)."))
    if not result.get("ok"):
        error = result.get("error") or {}
        raise ImageRefused(str(error.get("msgid") or N_("이미지를 읽지 못했습니다.")), **(error.get("params") or {}))
    return StoredImage(key=key, width=int(result["width"]), height=int(result["height"]),
                       widths=[int(w) for w in result["widths"]])


# --- inside the sandbox child ----------------------------------------------------------------------------

def decode_job(job: dict) -> dict:
    """Runs in the limited child: decode the upload, drop its metadata, write each width as WebP."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    from core.documents.render import write_atomic

    def refuse(msgid: str, **params: Any) -> dict:
        return {"ok": False, "error": {"msgid": msgid, "params": params}}

    Image.MAX_IMAGE_PIXELS = int(job["max_pixels"])
    try:
        with Image.open(job["src"]) as image:
            if image.format not in ("PNG", "JPEG", "WEBP"):
                return refuse(N_("이미지 파일이 아닙니다. PNG, JPEG 또는 WebP 이미지만 올릴 수 있습니다."))
            width, height = image.size
            if width * height > int(job["max_pixels"]):
                return refuse(N_("이미지가 너무 큽니다(%(width)d×%(height)d). %(max)d만 화소 이하로 줄여 올려 주세요."),
                              width=width, height=height, max=int(job["max_pixels"]) // 10_000)
            if min(width, height) < int(job["min_side"]):
                return refuse(N_("이미지가 너무 작습니다(%(width)d×%(height)d). "
                                 "가로·세로 %(min)d화소 이상이어야 합니다."),
                              width=width, height=height, min=int(job["min_side"]))
            image.load()
            upright = ImageOps.exif_transpose(image)   # a phone photo's rotation, before EXIF goes
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError):
        return refuse(N_("이미지를 읽지 못했습니다. 파일이 손상되었을 수 있습니다."))
    mode = "RGBA" if upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info else "RGB"
    upright = upright.convert(mode)
    width, height = upright.size
    written = []
    for target in sorted(int(w) for w in job["widths"]):
        if target > width and written:
            break  # never upscale; the smallest width is always written
        size = (target, max(1, round(height * target / width))) if target < width else (width, height)
        resized = upright.resize(size, Image.Resampling.LANCZOS) if size != upright.size else upright
        clean = Image.frombytes(mode, resized.size, resized.tobytes())  # pixels only: no EXIF, XMP or ICC
        out = BytesIO()
        clean.save(out, "WEBP", quality=int(job["quality"]), method=4)
        write_atomic(Path(job["out"]) / file_name(job["key"], target), out.getvalue())
        written.append(target)
    return {"ok": True, "width": width, "height": height, "widths": written}
