"""The Saeol JSON feed (PROTOCOLS.md §4): one page of changes after a cursor, and the check of every item.

``fetch_page`` raises :class:`FeedError` for anything that makes the whole answer unusable (a refused token,
5xx, a timeout, a body that is not the §4 object); one bad item is not that: ``parse_items`` keeps the good
items and gives the reason for each rejected one, so that a malformed item never holds the others back.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from core.board.html import MAX_BODY_CHARS, content_hash, sanitize, to_text

MAX_ANSWER_BYTES = 20 * 1024 * 1024     # one page of the feed; a larger answer is refused, not read
MAX_ITEMS = 1000                        # per page
MAX_ATTACHMENTS = 20                    # per post
MAX_CURSOR = 1000
LIMITS = {"id": 128, "board": 64, "title": 300, "author": 64, "department": 64}


class FeedError(Exception):
    """The answer as a whole is unusable; the pass fails and is retried with backoff."""


class ItemError(ValueError):
    """One item breaks the contract; it is rejected and counted, the others land."""


@dataclass(frozen=True)
class AttachmentItem:
    external_id: str
    filename: str
    content_type: str
    size: int
    url: str


@dataclass(frozen=True)
class FeedItem:
    external_id: str
    board: str
    deleted: bool = False
    title: str = ""
    body_html: str = ""          # sanitised
    author: str = ""
    department: str = ""
    posted_at: datetime | None = None
    updated_at: datetime | None = None
    important: bool = False
    attachments: tuple[AttachmentItem, ...] = ()

    @property
    def body_text(self) -> str:
        return to_text(self.body_html)

    @property
    def content_hash(self) -> str:
        """What a reader sees; ``updated_at`` is not part of it, so a re-sent copy with the same content is no
        edit."""
        return content_hash(self.board, self.title, self.body_html, self.author, self.department,
                            self.posted_at.isoformat() if self.posted_at else "", self.important,
                            tuple((a.external_id, a.filename, a.content_type, a.size, a.url)
                                  for a in self.attachments))


@dataclass(frozen=True)
class FeedPage:
    items: list[FeedItem]
    rejected: list[str]          # why each rejected item was refused
    next_cursor: str


def _text(raw: Mapping[str, Any], name: str, *, required: bool = False, limit: int | None = None) -> str:
    value = raw.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise ItemError(f"{name} must be a string")
    value = _storable(value, name).strip()
    if required and not value:
        raise ItemError(f"{name} is empty")
    limit = limit or LIMITS.get(name)
    if limit and len(value) > limit:
        if name in ("id", "board"):      # identifiers are never cut: a cut id would name another post
            raise ItemError(f"{name} is longer than {limit} characters")
        value = value[:limit]
    return value


def _storable(value: str, name: str) -> str:
    """Without NUL (PostgreSQL refuses it in text); a lone surrogate (valid JSON, not UTF-8) rejects the item."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ItemError(f"{name} is not valid Unicode") from None
    return value.replace("\x00", "")


def _time(raw: Mapping[str, Any], name: str, *, required: bool = True) -> datetime | None:
    value = raw.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or len(value) > 40:
        raise ItemError(f"{name} must be an ISO 8601 time")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ItemError(f"{name} must be an ISO 8601 time") from None
    if moment.tzinfo is None:
        raise ItemError(f"{name} needs its UTC offset")
    return moment.astimezone(UTC)


def _attachment(raw: Any) -> AttachmentItem:
    if not isinstance(raw, Mapping):
        raise ItemError("an attachment must be an object")
    url = _text(raw, "url", required=True, limit=1000)
    if urlsplit(url).scheme not in ("http", "https"):
        raise ItemError("an attachment's url must be http(s)")
    size = raw.get("size", 0)
    if isinstance(size, bool) or not isinstance(size, int) or not 0 <= size < 2 ** 53:
        raise ItemError("an attachment's size must be a whole number of bytes")
    return AttachmentItem(external_id=_text(raw, "id", required=True),
                          filename=_text(raw, "filename", required=True, limit=255),
                          content_type=_text(raw, "content_type", limit=128), size=size, url=url)


def validate_item(raw: Any, default_board: str = "") -> FeedItem:
    """One §4 item as a :class:`FeedItem` with its body sanitised, or :class:`ItemError` saying why not."""
    if not isinstance(raw, Mapping):
        raise ItemError("an item must be an object")
    external_id = _text(raw, "id", required=True)
    board = _text(raw, "board") or default_board
    deleted = raw.get("deleted", False)
    if not isinstance(deleted, bool):
        raise ItemError("deleted must be true or false")
    if deleted:
        return FeedItem(external_id=external_id, board=board, deleted=True,
                        updated_at=_time(raw, "updated_at", required=False))
    if not board:
        raise ItemError("board is empty")
    body = raw.get("body_html", "")
    if not isinstance(body, str):
        raise ItemError("body_html must be a string")
    body_html = sanitize(_storable(body, "body_html"))
    if len(body_html) > MAX_BODY_CHARS:
        raise ItemError(f"body_html is longer than {MAX_BODY_CHARS} characters")
    important = raw.get("important", False)
    if not isinstance(important, bool):
        raise ItemError("important must be true or false")
    attachments = raw.get("attachments") or []
    if not isinstance(attachments, list) or len(attachments) > MAX_ATTACHMENTS:
        raise ItemError(f"attachments must be a list of at most {MAX_ATTACHMENTS}")
    posted_at = _time(raw, "posted_at")
    return FeedItem(external_id=external_id, board=board, title=_text(raw, "title", required=True),
                    body_html=body_html, author=_text(raw, "author"), department=_text(raw, "department"),
                    posted_at=posted_at, updated_at=_time(raw, "updated_at", required=False) or posted_at,
                    important=important, attachments=tuple(_attachment(a) for a in attachments))


def parse_items(raw_items: list[Any], default_board: str = "") -> tuple[list[FeedItem], list[str]]:
    """The valid items, and one reason per rejected item (never raises)."""
    items, rejected = [], []
    for raw in raw_items:
        try:
            items.append(validate_item(raw, default_board))
        except (ItemError, TypeError, ValueError, OverflowError, RecursionError) as exc:
            label = raw.get("id") if isinstance(raw, Mapping) else None
            rejected.append(f"{str(label)[:64] if label is not None else '?'}: {exc}"[:300])
    return items, rejected


def read_capped(response: httpx.Response, limit: int = MAX_ANSWER_BYTES,
                too_large: Exception | None = None) -> bytes:
    """The body of a streamed response, refusing one larger than ``limit`` as soon as it shows (by its
    ``Content-Length``, or while it streams): ``too_large`` is raised, by default a FeedError."""
    refusal = too_large or FeedError(f"the answer is larger than {limit} bytes")
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise refusal
    chunks, total = [], 0
    for chunk in response.iter_bytes():
        total += len(chunk)
        if total > limit:
            raise refusal
        chunks.append(chunk)
    return b"".join(chunks)


def fetch_page(client: httpx.Client, url: str, token: str, cursor: str, *, limit: int | None = None) -> FeedPage:
    """``GET url?since=cursor`` with the bearer token; the client carries the timeouts."""
    params = {"since": cursor}
    if limit:
        params["limit"] = str(limit)
    try:
        with client.stream("GET", url, params=params, headers={"Authorization": f"Bearer {token}",
                                                               "Accept": "application/json"}) as response:
            if response.status_code != 200:
                raise FeedError(f"HTTP {response.status_code}")
            raw = read_capped(response)
    except httpx.TimeoutException:
        raise FeedError("timed out") from None
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise FeedError(f"{type(exc).__name__}: {exc}"[:300]) from None
    return parse_page(raw)


def parse_page(raw: bytes) -> FeedPage:
    try:
        answer = json.loads(raw)
    except (ValueError, RecursionError):
        raise FeedError("the answer is not JSON") from None
    if not isinstance(answer, dict) or not isinstance(answer.get("items"), list):
        raise FeedError("the answer has no items list")
    cursor = answer.get("next_cursor")
    if not isinstance(cursor, str) or len(cursor) > MAX_CURSOR:
        raise FeedError("the answer has no next_cursor")
    if len(answer["items"]) > MAX_ITEMS:
        raise FeedError(f"the answer has more than {MAX_ITEMS} items")
    items, rejected = parse_items(answer["items"])
    return FeedPage(items=items, rejected=rejected, next_cursor=cursor)
