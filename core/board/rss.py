"""RSS 2.0 boards: the bytes fetched by httpx (timeouts, ``If-None-Match`` / ``If-Modified-Since``), parsed
by feedparser, each entry checked as a §4 item of the feed's own board.

A 304 means nothing changed and costs nothing. An RSS feed is a window of the latest posts, so a post that
leaves the window is only older, never deleted: the sync deletes nothing for RSS.
"""
from __future__ import annotations

import calendar
import mimetypes
import xml.sax
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

import feedparser
import httpx

from core.board.feed import FeedError, FeedItem, parse_items, read_capped


@dataclass(frozen=True)
class RssResult:
    not_modified: bool
    items: list[FeedItem]
    rejected: list[str]
    etag: str
    last_modified: str


def _moment(parsed: Any) -> str | None:
    """feedparser's UTC ``struct_time`` as ISO 8601 with its offset."""
    if not parsed:
        return None
    return datetime.fromtimestamp(calendar.timegm(parsed), UTC).isoformat()


def _filename(url: str, content_type: str) -> str:
    """The URL's last segment; with the content type's extension when it has none (the viewer goes by both)."""
    name = unquote(PurePosixPath(urlsplit(url).path).name) or "첨부파일"
    if not PurePosixPath(name).suffix:
        name += mimetypes.guess_extension(content_type.split(";")[0].strip()) or ""
    return name


def entry_item(entry: Any) -> dict[str, Any]:
    """A feedparser entry in the shape of a §4 item (validated afterwards like any other)."""
    link = entry.get("link") or ""
    tags = entry.get("tags") or []
    attachments = [{"id": e.get("href", ""), "filename": _filename(e.get("href", ""), e.get("type", "")),
                    "content_type": e.get("type", ""), "url": e.get("href", ""),
                    "size": int(e["length"]) if str(e.get("length", "")).isdigit() else 0}
                   for e in entry.get("enclosures") or []]
    # dict.get: feedparser's own get maps a missing updated_parsed onto published_parsed, with a warning.
    updated = _moment(dict.get(entry, "updated_parsed"))
    posted = _moment(dict.get(entry, "published_parsed")) or updated
    return {"id": entry.get("id") or link, "title": entry.get("title"),
            "body_html": entry.get("description") or entry.get("summary") or "",
            "author": entry.get("author") or "", "department": (tags[0].get("term") or "") if tags else "",
            "posted_at": posted, "updated_at": updated or posted,
            "important": False, "attachments": attachments}


def fetch_rss(client: httpx.Client, url: str, board: str, *, etag: str = "", last_modified: str = "") -> RssResult:
    headers = {"Accept": "application/rss+xml, application/xml;q=0.9, */*;q=0.1"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        with client.stream("GET", url, headers=headers) as response:
            if response.status_code == 304:
                return RssResult(True, [], [], etag, last_modified)
            if response.status_code != 200:
                raise FeedError(f"HTTP {response.status_code}")
            raw = read_capped(response)
            new_etag = response.headers.get("ETag", "")[:255]
            new_modified = response.headers.get("Last-Modified", "")[:64]
    except httpx.TimeoutException:
        raise FeedError("timed out") from None
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise FeedError(f"{type(exc).__name__}: {exc}"[:300]) from None
    parsed = feedparser.parse(raw, sanitize_html=False, resolve_relative_uris=False)
    problem = parsed.get("bozo_exception")
    # Not well-formed XML is refused even when the loose parser finds entries: a cut-off answer looks like
    # that, and half a window must not land. Encoding mismatches that feedparser recovers from are fine.
    if parsed.get("bozo") and (not parsed.entries or isinstance(problem, xml.sax.SAXException)):
        raise FeedError(f"the answer is not RSS: {problem}"[:300])
    if not str(parsed.get("version", "")).startswith("rss"):
        raise FeedError(f"the answer is not RSS 2.0 ({parsed.get('version') or 'unknown'})")
    raws, broken = [], []
    for entry in parsed.entries:
        try:
            raws.append(entry_item(entry))
        except (TypeError, ValueError, AttributeError, KeyError) as exc:
            broken.append(f"?: {exc}"[:300])
    items, rejected = parse_items(raws, default_board=board)
    return RssResult(False, items, broken + rejected, new_etag, new_modified)
