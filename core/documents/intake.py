"""First look at an upload: its real type by magic bytes, its size, its name."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePath

from core.documents import DocumentError
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
    return Intake(kind=actual, extension=extension, size=size)
