"""HTML, plain text and images to PDF. Runs only inside the sandbox child process.

WeasyPrint gets a URL fetcher that loads ``data:`` URLs and the app's own static
files straight from disk, and refuses everything else (``file:``, loopback,
private and public addresses alike): an uploaded page must not make the server
fetch anything.
"""
from __future__ import annotations

import html
import io
import logging
import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from core.documents import DocumentError
from core.i18n import N_

log = logging.getLogger(__name__)

# Korean glyphs: name the font, or WeasyPrint falls back to a serif (NanumMyeongjo).
BASE_CSS = """
@page { size: A4; margin: 18mm 16mm; }
html { font-family: "NanumGothic", "Nanum Gothic", sans-serif; font-size: 11pt; line-height: 1.6; }
img, svg, video { max-width: 100%; }
pre.plain { font-family: "NanumGothic", "Nanum Gothic", sans-serif; white-space: pre-wrap;
            word-break: break-all; margin: 0; }
"""
MAX_IMAGE_PIXELS = 40_000_000   # a 40-megapixel photo; larger is a decompression bomb or not a document
STATIC_PREFIX = "/static/"


def _fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class SafeFetcher(URLFetcher):
        """Loads ``data:`` and the app's static files; refuses every other URL without a request."""

        def __init__(self, static_dir: Path, base_url: str) -> None:
            super().__init__(allowed_protocols={"data"}, allow_redirects=False, timeout=1)
            self.static_dir = static_dir.resolve()
            self.base = urlsplit(base_url)
            self.refused: list[str] = []

        def fetch(self, url, headers=None):
            parts = urlsplit(url)
            if parts.scheme == "data":
                return super().fetch(url, headers)
            if (parts.scheme, parts.netloc) == (self.base.scheme, self.base.netloc) \
                    and parts.path.startswith(STATIC_PREFIX):
                target = (self.static_dir / unquote(parts.path[len(STATIC_PREFIX):])).resolve()
                if target.is_file() and target.is_relative_to(self.static_dir):
                    mime = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
                    return URLFetcherResponse(url, target.read_bytes(), {"Content-Type": mime})
            self.refused.append(url)
            raise ValueError(f"refused to fetch {url[:200]}")

    return SafeFetcher


def html_to_pdf(source: bytes, *, static_dir: Path, base_url: str) -> tuple[bytes, list[str]]:
    """Lay out an HTML document; returns the PDF and the URLs that were refused."""
    from weasyprint import CSS, HTML

    fetcher = _fetcher_class()(static_dir, base_url)
    document = HTML(string=_decode(source), base_url=base_url.rstrip("/") + "/", url_fetcher=fetcher)
    pdf = document.write_pdf(stylesheets=[CSS(string=BASE_CSS)])
    return pdf, fetcher.refused


def text_to_pdf(source: bytes, *, static_dir: Path, base_url: str) -> tuple[bytes, list[str]]:
    page = f'<!doctype html><html lang="ko"><meta charset="utf-8"><pre class="plain">' \
           f"{html.escape(_decode(source))}</pre></html>"
    return html_to_pdf(page.encode(), static_dir=static_dir, base_url=base_url)


def _decode(data: bytes) -> str:
    """UTF-8 first; older Korean files are often CP949 (EUC-KR)."""
    data = data.removeprefix(b"\xef\xbb\xbf")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp949", errors="replace")


def image_to_pdf(source: bytes) -> bytes:
    """Wrap a PNG or JPEG into a one-page PDF sized to fit A4 width."""
    from PIL import Image, ImageOps

    Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
    try:
        with Image.open(io.BytesIO(source)) as probe:
            width, height = probe.size
            if width * height > MAX_IMAGE_PIXELS:
                raise DocumentError(N_("이미지가 너무 큽니다(%(width)s×%(height)s). "
                                       "4천만 화소 이하로 줄여 올려 주세요."),
                                    width=width, height=height)
            probe.verify()
        image = ImageOps.exif_transpose(Image.open(io.BytesIO(source)))
        image.load()
    except DocumentError:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise DocumentError(N_("이미지 파일이 손상되었거나 읽을 수 없습니다.")) from exc
    if image.mode not in ("RGB", "L"):
        background = Image.new("RGB", image.size, "white")
        rgba = image.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        image = background
    out = io.BytesIO()
    # Resolution chosen so that the page is A4-wide (8.27 in) whatever the pixel size.
    image.save(out, "PDF", resolution=max(image.width / 8.27, 1.0))
    return out.getvalue()
