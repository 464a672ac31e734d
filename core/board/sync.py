"""One pass of a board feed: fetch what changed, apply it idempotently, keep the figures of the pass.

- JSON (§4): pages after the stored cursor until a page brings nothing new; the cursor is stored after each
  page, so a pass that fails half-way keeps what landed. RSS: one conditional GET (a 304 is a pass with
  nothing in it).
- An item is keyed by ``(feed, external id)``: seen again it replaces the post, ``"deleted": true`` removes
  it, and an item whose content hash matches the stored one changes nothing and pushes nothing.
- A malformed item is rejected and counted; the others land. A feed that answers 5xx, times out or sends
  something that is not the contract fails the pass: ``failures`` grows and ``next_attempt_at`` backs off
  (``BACKOFF_BASE_SECONDS`` doubling, capped); a success clears it and waits ``SAEOL_SYNC_SECONDS``.
- A new important post (or an important post whose content really changed) on a feed with
  ``push_important`` is pushed to the post's audience (``core.push.send``), if it is at most
  ``PUSH_RECENT`` old: the first pass of a new feed does not push the board's history.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from core import push
from core.audience import Audience
from core.board import attachments
from core.board.feed import FeedError, FeedItem, fetch_page
from core.board.rss import fetch_rss
from core.models.board import BoardFeed, BoardPost, BoardPostAudience
from core.models.organization import Department
from core.timeutil import as_utc, utcnow

log = logging.getLogger(__name__)
DEFAULT_FEED_NAME = "새올"
MAX_PAGES = 20                       # per pass; the rest comes on the next pass
BACKOFF_BASE_SECONDS = 15
BACKOFF_CAP_SECONDS = 1800
PUSH_RECENT = timedelta(days=1)
PUSH_BODY_CHARS = 120
TIMEOUT_SECONDS = 10                 # per request (connect, read); SAEOL_TIMEOUT_SECONDS overrides


@dataclass
class PassReport:
    """The figures of one pass, as the sync page and ``flask board sync`` show them."""

    feed_id: int
    name: str
    kind: str
    ok: bool = True
    not_modified: bool = False
    added: int = 0
    updated: int = 0
    deleted: int = 0
    rejected: int = 0
    pushed: int = 0
    error: str = ""
    lag_seconds: int | None = None


def build_client(settings: Mapping[str, Any]) -> httpx.Client:
    """The connector's HTTP client: every request has a timeout, redirects are not followed."""
    seconds = float(settings.get("SAEOL_TIMEOUT_SECONDS", TIMEOUT_SECONDS))
    return httpx.Client(timeout=httpx.Timeout(seconds, connect=min(seconds, 5.0)), follow_redirects=False,
                        headers={"User-Agent": "goyang-portal-board/1"})


def backoff_seconds(failures: int) -> float:
    return min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, failures - 1))


def lag_seconds(feed: BoardFeed, now: datetime | None = None) -> int | None:
    """How stale our copy may be: the time since the last successful pass (None before the first)."""
    if feed.last_success_at is None:
        return None
    return max(0, int(((now or utcnow()) - as_utc(feed.last_success_at)).total_seconds()))


def ensure_default_feed(session: Session, settings: Mapping[str, Any]) -> BoardFeed | None:
    """With ``SAEOL_FEED_URL`` set and no feed configured, the JSON feed "새올" for it (the caller commits)."""
    url = str(settings.get("SAEOL_FEED_URL") or "").strip()
    if not url or session.scalar(select(BoardFeed.id).limit(1)) is not None:
        return None
    feed = BoardFeed(name=DEFAULT_FEED_NAME, kind="json", url=url, push_important=True, enabled=True)
    session.add(feed)
    session.flush()
    return feed


def due_feed_ids(session: Session, now: datetime | None = None) -> list[int]:
    now = now or utcnow()
    return list(session.scalars(select(BoardFeed.id).where(
        BoardFeed.enabled.is_(True), or_(BoardFeed.next_attempt_at.is_(None), BoardFeed.next_attempt_at <= now))
        .order_by(BoardFeed.id)))


def sync_due(session: Session, settings: Mapping[str, Any], client: httpx.Client) -> list[PassReport]:
    """Every enabled feed whose next attempt is due (the periodic ``board.sync``)."""
    return [sync_feed(session, feed_id, settings, client) for feed_id in due_feed_ids(session)]


_running: set[int] = set()
_running_lock = threading.Lock()


def sync_feed(session: Session, feed_id: int, settings: Mapping[str, Any], client: httpx.Client) -> PassReport:
    """One pass of one feed, now (whatever its next attempt says); commits as it goes.

    A pass of the same feed already running in this process (the periodic slot and "지금 동기화" at once)
    makes this one a no-op; across hosts, the unique (feed, external id) makes the later writer fail and retry.
    """
    with _running_lock:
        if feed_id in _running:
            return PassReport(feed_id, "?", "?", ok=False, error="a pass of this feed is already running")
        _running.add(feed_id)
    try:
        return _sync_feed(session, feed_id, settings, client)
    finally:
        with _running_lock:
            _running.discard(feed_id)


def _sync_feed(session: Session, feed_id: int, settings: Mapping[str, Any], client: httpx.Client) -> PassReport:
    feed = session.get(BoardFeed, feed_id)
    if feed is None:
        return PassReport(feed_id, "?", "?", ok=False, error="no such feed")
    report = PassReport(feed.id, feed.name, feed.kind)
    now = utcnow()
    session.commit()     # nothing held open while the feed is fetched
    try:
        if feed.kind == "rss":
            _rss_pass(session, feed, settings, client, report)
        else:
            _json_pass(session, feed, settings, client, report)
    except (FeedError, SQLAlchemyError) as exc:
        # A database refusal is recorded like a feed fault: the feed backs off and the console shows why,
        # rather than the job retrying the same page without end.
        session.rollback()
        feed = session.get(BoardFeed, feed_id)
        report.ok = False
        report.error = (str(exc) if isinstance(exc, FeedError)
                        else "another pass stored the same post at the same moment" if isinstance(exc, IntegrityError)
                        else f"the database refused the page: {type(exc).__name__}")[:500]
        feed.failures = (feed.failures or 0) + 1
        feed.last_error, feed.last_error_at = report.error, now
        feed.next_attempt_at = now + timedelta(seconds=backoff_seconds(feed.failures))
        log.warning("board feed %s (%s) failed %d time(s): %s", feed.name, feed.kind, feed.failures, report.error)
    else:
        feed.failures, feed.last_success_at = 0, now
        feed.next_attempt_at = now + timedelta(seconds=int(settings.get("SAEOL_SYNC_SECONDS", 60)))
    feed.last_run_at = now
    feed.added, feed.updated, feed.deleted, feed.rejected = (report.added, report.updated, report.deleted,
                                                             report.rejected)
    session.commit()
    report.lag_seconds = lag_seconds(feed, now)
    return report


def _json_pass(session: Session, feed: BoardFeed, settings: Mapping[str, Any], client: httpx.Client,
               report: PassReport) -> None:
    cursor = feed.cursor or ""
    for _ in range(MAX_PAGES):
        page = fetch_page(client, feed.url, str(settings.get("SAEOL_TOKEN") or ""), cursor)
        for item in page.items:
            _apply(session, feed, item, settings, report)
        report.rejected += len(page.rejected)
        for reason in page.rejected:
            log.warning("board feed %s rejected an item: %s", feed.name, reason)
        feed.cursor = page.next_cursor
        session.commit()
        if page.next_cursor == cursor or not (page.items or page.rejected):
            return
        cursor = page.next_cursor


def _rss_pass(session: Session, feed: BoardFeed, settings: Mapping[str, Any], client: httpx.Client,
              report: PassReport) -> None:
    result = fetch_rss(client, feed.url, feed.name, etag=feed.etag or "", last_modified=feed.last_modified or "")
    if result.not_modified:
        report.not_modified = True
        return
    for item in result.items:
        if not item.deleted:      # RSS has no deletions: a post leaving the window is only older
            _apply(session, feed, item, settings, report)
    report.rejected += len(result.rejected)
    feed.etag, feed.last_modified = result.etag, result.last_modified
    session.commit()


def _department_id(session: Session, name: str) -> int | None:
    if not name:
        return None
    ids = session.scalars(select(Department.id).where(Department.name == name).limit(2)).all()
    return ids[0] if len(ids) == 1 else None


def _apply(session: Session, feed: BoardFeed, item: FeedItem, settings: Mapping[str, Any],
           report: PassReport) -> None:
    post = session.scalar(select(BoardPost).where(BoardPost.feed_id == feed.id,
                                                  BoardPost.external_id == item.external_id))
    if item.deleted:
        if post is not None:
            for attachment in post.attachments:
                attachments.revoke(session, attachment, settings)
            session.delete(post)
            report.deleted += 1
        return
    digest = item.content_hash
    if post is not None and post.content_hash == digest:
        return                          # the same content again: no edit, no push
    if post is None:
        post = BoardPost(feed_id=feed.id, external_id=item.external_id)
        post.audience_rows.append(BoardPostAudience(scope="all"))    # synced posts reach all staff
        session.add(post)
        report.added += 1
    else:
        report.updated += 1             # the audience stays: the console may have narrowed it
    post.board, post.title, post.body_html, post.body_text = item.board, item.title, item.body_html, item.body_text
    post.author, post.department_name = item.author, item.department
    post.department_id = _department_id(session, item.department)
    post.important, post.content_hash = item.important, digest
    post.posted_at = item.posted_at or utcnow()
    post.updated_at = item.updated_at or post.posted_at
    fetches = attachments.sync(session, post, item.attachments, settings)
    if fetches or post.id is None:
        session.flush()
    attachments.enqueue(session, fetches)
    feed.newest_item_at = max(filter(None, [feed.newest_item_at and as_utc(feed.newest_item_at),
                                            as_utc(post.updated_at)]))
    if feed.push_important and item.important and as_utc(post.updated_at) >= utcnow() - PUSH_RECENT:
        report.pushed += _push(session, post)


def _push(session: Session, post: BoardPost) -> int:
    """Notify the post's audience (a post narrowed to nobody notifies nobody); 1 when a push was sent."""
    audience = Audience.from_rows(post.audience_rows)
    if audience.empty:
        return 0
    text = post.body_text.replace("\n", " ")
    body = text if len(text) <= PUSH_BODY_CHARS else text[:PUSH_BODY_CHARS - 1] + "…"
    message = push.send(session, audience=audience, title=post.title, body=body or post.board,
                        url=f"/board/{post.id}", urgency="normal", topic=f"board-{post.id}", source="board",
                        source_id=post.id)
    post.pushed_at, post.push_message_id = utcnow(), message.id
    return 1


def report_lines(reports: list[PassReport]) -> list[str]:
    """The pass as text, one line per feed (the CLI)."""
    lines = []
    for r in reports:
        state = "성공" + (" (변경 없음, 304)" if r.not_modified else "") if r.ok else "실패"
        lag = "-" if r.lag_seconds is None else f"{r.lag_seconds}초"
        lines.append(f"{r.name} ({r.kind}): {state} · 추가 {r.added} · 수정 {r.updated} · 삭제 {r.deleted} · "
                     f"거부 {r.rejected} · 알림 {r.pushed} · 지연 {lag}" + (f" · 오류: {r.error}" if r.error else ""))
    return lines
