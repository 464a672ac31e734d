"""Demo board feeds: the Saeol JSON feed "새올" (공지사항, 인사발령) and the RSS-only board 행사·교육, both served
by the Saeol simulator that ``make run`` starts; the worker's ``board.sync`` fills the board from them."""
from __future__ import annotations

from typing import Any
from urllib.parse import quote, urljoin

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.board.sync import ensure_default_feed
from core.models.board import BoardFeed

ORDER = 70
RSS_BOARD = "행사·교육"


def seed(session: Session, settings: dict[str, Any]) -> dict[str, Any]:
    made = []
    if ensure_default_feed(session, settings) is not None:
        made.append("새올")
    feed_url = str(settings.get("SAEOL_FEED_URL") or "")
    if feed_url and session.scalar(select(BoardFeed.id).where(BoardFeed.name == RSS_BOARD)) is None:
        # The simulator serves /saeol/rss/<board> beside /saeol/feed.
        session.add(BoardFeed(name=RSS_BOARD, kind="rss", url=urljoin(feed_url, f"rss/{quote(RSS_BOARD)}"),
                              push_important=False))
        made.append(RSS_BOARD)
    session.flush()
    return {"feeds": made}
