"""First look at an upload: its real type by magic bytes, its size, its name."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePath

from core.documents import DocumentError
from core.documents.convert import MAX_IMAGE_PIXELS
from core.i18n import N_, label

# Extensions people use for each accepted type; the content must agree with the name.
EXTENSIONS = {
    "pdf": {".pdf"},
    "html": {".html", ".htm"},
    "text": {".txt", ".text"},
    "png": {".png"},
    "jpeg": {".jpg", ".jpeg"},
}
TYPE_LABELS = {"pdf": "PDF", "html": "HTML", "text": N_("텍스트"), "png": N_("PNG 이미지"), "jpeg": N_("JPEG 이미지")}

# Formats people commonly try that we refuse, so that the message can name them.
_OTHER_MAGIC = (
    (b"PK\x03\x04", N_("ZIP·오피스 문서(hwpx, docx, xlsx 등)")),
    (b"\xd0\xcf\x11\xe0", N_("오피스·한글 문서(hwp, doc, xls 등)")),
    (b"GIF8", N_("GIF 이미지")),
    (b"RIFF", N_("WebP·동영상")),
    (b"\x7fELF", N_("실행 파일")),
    (b"MZ", N_("실행 파일")),
    (b"Rar!", N_("RAR 압축 파일")),
    (b"\x1f\x8b", N_("GZIP 압축 파일")),
    (b"7z\xbc\xaf", N_("7z 압축 파일")),
    (b"II*\x00", N_("TIFF 이미지")),
    (b"MM\x00*", N_("TIFF 이미지")),
)
_HTML_START = re.compile(rb"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body|meta|title|div|p|h[1-6]|table)[\s>/]",
                         re.IGNORECASE | re.DOTALL)
ALLOWED_LABEL = N_("PDF, HTML, PNG, JPEG, 텍스트(.txt)")


# JPEG start-of-frame markers (baseline, progressive, lossless...): each holds the picture's height and width.
_JPEG_FRAMES = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


@dataclass(frozen=True)
class Intake:
    kind: str          # pdf | html | text | png | jpeg
    extension: str     # normalised, with the dot
    size: int


def sniff(head: bytes) -> str | None:
    """The accepted type ``head`` (the first few KB) belongs to, or None."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    body = head.removeprefix(b"\xef\xbb\xbf")
    if _HTML_START.match(body):
        return "html"
    if _looks_like_text(body):
        return "text"
    return None


def _looks_like_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    for encoding in ("utf-8", "cp949"):
        try:
            # The sample may end in the middle of a character.
            data[:-4].decode(encoding) if len(data) > 4096 else data.decode(encoding)
            return True
        except UnicodeDecodeError:
            continue
    return False


def _describe_other(head: bytes) -> str:
    for magic, name in _OTHER_MAGIC:
        if head.startswith(magic):
            return name
    return N_("알 수 없는 형식")


def image_size(kind: str, data: bytes) -> tuple[int, int] | None:
    """(width, height) from a PNG's IHDR or a JPEG's frame header, read without decoding anything; None when
    the header cannot be found (the conversion then reports the image as damaged)."""
    if kind == "png":
        if len(data) >= 24 and data[12:16] == b"IHDR":
            return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
        return None
    position = 2
    while kind == "jpeg" and position + 9 <= len(data) and data[position] == 0xFF:
        marker = data[position + 1]
        if marker == 0xFF:   # fill byte
            position += 1
        elif marker == 0x01 or 0xD0 <= marker <= 0xD8:   # markers without a length
            position += 2
        elif marker in _JPEG_FRAMES:
            return (int.from_bytes(data[position + 7:position + 9], "big"),
                    int.from_bytes(data[position + 5:position + 7], "big"))
        else:
            position += 2 + int.from_bytes(data[position + 2:position + 4], "big")
    return None


def check_upload(filename: str, data: bytes, *, max_bytes: int) -> Intake:
    """Accept ``data`` or raise :class:`DocumentError` with a Korean reason."""
    size = len(data)
    if size == 0:
        raise DocumentError(N_("빈 파일입니다. 내용이 있는 파일을 올려 주세요."))
    if size > max_bytes:
        raise DocumentError(N_("파일이 너무 큽니다(%(size).1fMB). 최대 %(max)sMB까지 올릴 수 있습니다."),
                            size=size / 1048576, max=max_bytes // 1048576)
    extension = PurePath(filename or "").suffix.lower()
    claimed = next((kind for kind, exts in EXTENSIONS.items() if extension in exts), None)
    actual = sniff(data[:8192])
    if actual is None:
        raise DocumentError(N_("지원하지 않는 파일 형식입니다(%(found)s). 올릴 수 있는 형식: %(allowed)s."),
                            found=label(_describe_other(data[:16])), allowed=label(ALLOWED_LABEL))
    if claimed is None:
        raise DocumentError(N_("파일 확장자(%(extension)s)를 지원하지 않습니다. 올릴 수 있는 형식: %(allowed)s."),
                            extension=extension or label(N_("없음")), allowed=label(ALLOWED_LABEL))
    # HTML is text: the name decides whether markup is laid out (.html) or shown as it is (.txt).
    if {actual, claimed} == {"html", "text"}:
        actual = claimed
    if actual != claimed:
        raise DocumentError(N_("파일 이름은 %(claimed)s(%(extension)s)인데 실제 내용은 %(actual)s입니다. "
                               "올바른 파일인지 확인해 주세요."),
                            claimed=label(TYPE_LABELS[claimed]), extension=extension,
                            actual=label(TYPE_LABELS[actual]))
    dimensions = image_size(actual, data)
    if dimensions and dimensions[0] * dimensions[1] > MAX_IMAGE_PIXELS:
        # Too large, not damaged: Pillow would refuse to open it (a decompression bomb) and say nothing more.
        raise DocumentError(N_("이미지가 너무 큽니다(%(width)s×%(height)s). 4천만 화소 이하로 줄여 올려 주세요."),
                            width=dimensions[0], height=dimensions[1])
    return Intake(kind=actual, extension=extension, size=size)
