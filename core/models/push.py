"""Web push (RFC 8030/8291/8292): staff's browser subscriptions, each message sent to an audience, one
delivery per subscription, and the inbox that keeps every message for its recipients (kept 90 days)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base
from core.timeutil import utcnow

URGENCIES = ("very-low", "low", "normal", "high")
DELIVERY_STATES = ("pending", "sent", "failed", "removed")


class PushSubscription(Base):
    """One browser of one person (a person may have several)."""

    __tablename__ = "push_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    endpoint: Mapped[str] = mapped_column(String(1000), unique=True)
    origin: Mapped[str] = mapped_column(String(255), index=True)        # the push service, for VAPID's aud
    p256dh: Mapped[str] = mapped_column(String(128))
    auth: Mapped[str] = mapped_column(String(64))
    user_agent: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)   # last re-sync
    last_success_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_failure_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    failures: Mapped[int] = mapped_column(Integer, default=0)


class PushMessage(Base):
    """One notification sent to an audience (``core.audience`` JSON), with its delivery figures."""

    __tablename__ = "push_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str] = mapped_column(String(500), default="/")            # a path of ours, opened on click
    topic: Mapped[str] = mapped_column(String(32), default="")           # RFC 8030 Topic: an edit replaces
    urgency: Mapped[str] = mapped_column(String(16), default="normal")
    ttl: Mapped[int] = mapped_column(Integer, default=86400)
    audience: Mapped[dict] = mapped_column(JSON, default=dict)
    source: Mapped[str] = mapped_column(String(16), default="console")    # board | console | emergency | duty
    source_id: Mapped[int | None] = mapped_column(Integer)
    # Buttons on the notification ([{"action", "title"}], core.push.actions) and what a tap on its body
    # answers ("" for none); the source's registered handler acts on them.
    actions: Mapped[list] = mapped_column(JSON, default=list)
    tap_action: Mapped[str] = mapped_column(String(32), default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    fanned_out_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Figures, raised with UPDATE … SET n = n + k by the delivery jobs.
    recipients: Mapped[int] = mapped_column(Integer, default=0)          # people (inbox entries)
    targeted: Mapped[int] = mapped_column(Integer, default=0)            # subscriptions
    sent: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    removed: Mapped[int] = mapped_column(Integer, default=0)
    shown: Mapped[int] = mapped_column(Integer, default=0)
    clicked: Mapped[int] = mapped_column(Integer, default=0)


class PushDelivery(Base):
    __tablename__ = "push_deliveries"
    __table_args__ = (UniqueConstraint("message_id", "subscription_id", name="uq_push_deliveries_message_sub"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("push_messages.id", ondelete="CASCADE"), index=True)
    subscription_id: Mapped[int | None] = mapped_column(ForeignKey("push_subscriptions.id", ondelete="SET NULL"),
                                                        index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    shown_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    clicked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    message = relationship(PushMessage)


class InboxItem(Base):
    """A message as one person's 알림함 keeps it, whether or not a push reached them."""

    __tablename__ = "inbox_items"
    __table_args__ = (UniqueConstraint("message_id", "user_id", name="uq_inbox_items_message_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("push_messages.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    message = relationship(PushMessage, lazy="joined")
