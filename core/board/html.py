"""Post bodies: sanitised with nh3 on the way in, whatever their source (Saeol, RSS, the console editor).

What is kept is the formatting an announcement needs: paragraphs, lists, tables, emphasis, headings and
links. Links get ``rel="noopener noreferrer nofollow"``; only http(s) and mailto/tel links survive.
Images survive only when they are our own (a path under ``/``, or ``data:`` PNG/JPEG/GIF, within the
CSP's ``img-src 'self' data:``); an external image is dropped and its alt text kept, so that no reader's
browser ever calls a third party and the CSP needs no exception.
"""
from __future__ import annotations

import hashlib
import html
import re

import nh3

MAX_BODY_CHARS = 200_000     # sanitised HTML of one post; longer bodies are refused by the callers
TAGS = {"p", "br", "hr", "div", "span", "strong", "b", "em", "i", "u", "s", "sub", "sup", "small", "mark",
        "h2", "h3", "h4", "ul", "ol", "li", "blockquote", "pre", "code", "a", "img",
        "table", "thead", "tbody", "tr", "th", "td", "caption"}
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "width", "height"}, "th": {"colspan", "rowspan", "scope"},
              "td": {"colspan", "rowspan"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto", "tel", "data"}
_OWN_IMAGE = re.compile(r"^(/(?!/)|data:image/(png|jpeg|gif);base64,)", re.I)
_IMG = re.compile(r"<img\b[^>]*>", re.I)
_ATTR = re.compile(r'\b(src|alt)="([^"]*)"', re.I)
_TAG = re.compile(r"<[^>]+>")
_BLOCK_END = re.compile(r"</(p|div|li|tr|h[2-4]|blockquote|pre|table)>|<br\s*/?>", re.I)
_SPACES = re.compile(r"[ \t\u00a0]+")


def _own_images_only(cleaned: str) -> str:
    def keep_or_alt(match: re.Match[str]) -> str:
        attrs = {name.lower(): value for name, value in _ATTR.findall(match.group(0))}
        if _OWN_IMAGE.match(html.unescape(attrs.get("src", ""))):
            return match.group(0)
        alt = attrs.get("alt", "")
        return f"<span>[{alt}]</span>" if alt else ""
    return _IMG.sub(keep_or_alt, cleaned)


def sanitize(body: str) -> str:
    """Safe HTML for a post's body: nh3's allow-list above, then external images dropped."""
    cleaned = nh3.clean(body or "", tags=TAGS, attributes=ATTRIBUTES, url_schemes=URL_SCHEMES,
                        link_rel="noopener noreferrer nofollow", strip_comments=True)
    return _own_images_only(cleaned).strip()


def to_text(body_html: str) -> str:
    """Plain text of a sanitised body, for search and list previews (block ends become line breaks)."""
    text = _TAG.sub("", _BLOCK_END.sub("\n", body_html))
    lines = (_SPACES.sub(" ", html.unescape(line)).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def content_hash(*parts: object) -> str:
    """What decides whether an edit changed anything: the sanitised fields a reader sees."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(repr(part).encode())
        digest.update(b"\x00")
    return digest.hexdigest()
