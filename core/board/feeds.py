"""Configuring board feeds (the console): name, kind, URL, whether important posts push, on or off; and
asking for a pass now, which the worker runs (never the web request)."""
from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import jobs
from core.i18n import N_, MessageError
from core.models.board import FEED_KINDS, BoardFeed
from core.models.jobs import Job

NAME_MAX, URL_MAX = 64, 500


class FeedConfigError(MessageError):
    """A feed setting that cannot be saved, with the reason for the admin."""


def save_feed(session: Session, feed: BoardFeed | None, *, name: str, kind: str, url: str, push_important: bool,
              enabled: bool = True) -> BoardFeed:
    """Create (``feed`` None) or change a feed after checking it; the caller commits."""
    name, url = (name or "").strip(), (url or "").strip()
    if any(ord(c) < 0x20 or 0xD800 <= ord(c) <= 0xDFFF or c == "\x7f" for c in name + url):
        raise FeedConfigError(N_("피드 이름과 주소에 쓸 수 없는 문자가 들어 있습니다."))
    if not name:
        raise FeedConfigError(N_("피드 이름을 입력해 주세요."))
    if len(name) > NAME_MAX:
        raise FeedConfigError(N_("피드 이름은 %(max)s자 이하로 입력해 주세요."), max=NAME_MAX)
    if kind not in FEED_KINDS:
        raise FeedConfigError(N_("피드 종류는 JSON 또는 RSS입니다."))
    try:
        parts = urlsplit(url)
        valid = parts.scheme in ("http", "https") and bool(parts.hostname) and parts.port != 0
    except ValueError:       # a port that is not a number, a broken IPv6 literal
        valid = False
    if len(url) > URL_MAX or not valid:
        raise FeedConfigError(N_("피드 주소는 http:// 또는 https://로 시작하는 %(max)s자 이하의 주소입니다."),
                              max=URL_MAX)
    taken = session.scalar(select(BoardFeed.id).where(func.lower(BoardFeed.name) == name.lower()))
    if taken is not None and (feed is None or taken != feed.id):
        raise FeedConfigError(N_("같은 이름의 피드가 이미 있습니다: %(name)s"), name=name)
    if feed is None:
        feed = BoardFeed(name=name, kind=kind, url=url)
        session.add(feed)
    elif (feed.kind, feed.url) != (kind, url):
        # Another source: its cursor and validators mean nothing there.
        feed.cursor, feed.etag, feed.last_modified = "", "", ""
    feed.name, feed.kind, feed.url = name, kind, url
    feed.push_important, feed.enabled = bool(push_important), bool(enabled)
    if enabled:
        feed.next_attempt_at = None          # due at the next tick
    session.flush()
    return feed


def request_sync(session: Session, feed: BoardFeed) -> bool:
    """Queue a pass of ``feed`` now; False when one is already queued (a second click adds nothing)."""
    queued = session.scalars(select(Job.payload).where(Job.kind == "board.sync", Job.status == "queued")).all()
    if any(isinstance(p, dict) and p.get("feed_id") == feed.id for p in queued):
        return False
    jobs.enqueue(session, "board.sync", {"feed_id": feed.id}, max_attempts=1)
    return True
