"""The bulletin board: feeds synced from Saeol (JSON, §4 of PROTOCOLS.md) or RSS 2.0, their posts (synced
or written in the console), attachments (opened only through the viewer), audiences and read marks."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base
from core.models.audience import AudienceRow
from core.timeutil import utcnow

FEED_KINDS = ("json", "rss")
ATTACHMENT_STATES = ("pending", "ready", "refused", "failed")


class BoardFeed(Base):
    """One configured source. A Saeol JSON feed carries several boards (each item names its ``board``); an
    RSS feed is one board, named after the feed."""

    __tablename__ = "board_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(8), default="json")          # json | rss
    url: Mapped[str] = mapped_column(String(500))
    push_important: Mapped[bool] = mapped_column(Boolean, default=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # The incremental state: the JSON feed's opaque cursor, the RSS feed's validators.
    cursor: Mapped[str] = mapped_column(Text, default="")
    etag: Mapped[str] = mapped_column(String(255), default="")
    last_modified: Mapped[str] = mapped_column(String(64), default="")
    # The sync page's figures, of the last pass.
    last_run_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_success_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str] = mapped_column(Text, default="")
    last_error_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    failures: Mapped[int] = mapped_column(Integer, default=0)             # consecutive, for the backoff
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    added: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    deleted: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    newest_item_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))   # for the lag
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class BoardPost(Base):
    __tablename__ = "board_posts"
    __table_args__ = (UniqueConstraint("feed_id", "external_id", name="uq_board_posts_feed_external"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    feed_id: Mapped[int | None] = mapped_column(ForeignKey("board_feeds.id", ondelete="CASCADE"), index=True)
    external_id: Mapped[str | None] = mapped_column(String(128))        # None for console posts
    board: Mapped[str] = mapped_column(String(64), index=True)          # 공지사항, 인사발령, …
    title: Mapped[str] = mapped_column(String(300))
    body_html: Mapped[str] = mapped_column(Text, default="")           # sanitised (core.board.html)
    body_text: Mapped[str] = mapped_column(Text, default="")           # for search and previews
    author: Mapped[str] = mapped_column(String(64), default="")
    department_name: Mapped[str] = mapped_column(String(64), default="")
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id", ondelete="SET NULL"))
    important: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    posted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    content_hash: Mapped[str] = mapped_column(String(64), default="")   # an edit with the same hash is no edit
    display_from: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    display_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    pushed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    push_message_id: Mapped[int | None] = mapped_column(ForeignKey("push_messages.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    feed = relationship(BoardFeed)
    attachments = relationship("BoardAttachment", back_populates="post", cascade="all, delete-orphan",
                               passive_deletes=True, lazy="selectin", order_by="BoardAttachment.id")
    audience_rows = relationship("BoardPostAudience", cascade="all, delete-orphan", passive_deletes=True,
                                 lazy="selectin")


class BoardPostAudience(AudienceRow, Base):
    """Who may read a post (``core.audience``). A synced post reaches all staff unless the console narrows it."""

    __tablename__ = "board_post_audiences"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("board_posts.id", ondelete="CASCADE"), index=True)


class BoardAttachment(Base):
    __tablename__ = "board_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("board_posts.id", ondelete="CASCADE"), index=True)
    external_id: Mapped[str] = mapped_column(String(128), default="")
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(128), default="")
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    url: Mapped[str] = mapped_column(String(1000), default="")
    state: Mapped[str] = mapped_column(String(16), default="pending")   # pending | ready | refused | failed
    error: Mapped[str] = mapped_column(Text, default="")
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="SET NULL"))

    post = relationship(BoardPost, back_populates="attachments")
    document = relationship("Document")


class BoardRead(Base):
    """A read mark: ``user`` opened ``post`` (the list's unread dots)."""

    __tablename__ = "board_reads"
    __table_args__ = (UniqueConstraint("post_id", "user_id", name="uq_board_reads_post_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("board_posts.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    read_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
