"""Smart business cards (모바일 명함): one card per directory person, its daily counters, and the
admins' "policy of the month" link. The card's contents are never stored here: they are read from the
directory at request time, so a transfer, a new title or a new number shows without anyone editing a card."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base
from core.timeutil import utcnow


class BusinessCard(Base):
    """A person's card: only what the directory does not hold (the public token, the owner's choice)."""

    __tablename__ = "business_cards"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), unique=True)
    # The /c/<token> part: random, unguessable, never derived from the person.
    token: Mapped[str] = mapped_column(String(16), unique=True)
    show_mobile: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    person = relationship("Person", lazy="joined")


class BusinessCardDay(Base):
    """Counts of one card on one KST day. Only numbers: no address, agent or time of any visitor."""

    __tablename__ = "business_card_days"

    card_id: Mapped[int] = mapped_column(ForeignKey("business_cards.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    views: Mapped[int] = mapped_column(Integer, default=0)
    downloads: Mapped[int] = mapped_column(Integer, default=0)   # vCard downloads
    qr_scans: Mapped[int] = mapped_column(Integer, default=0)    # views that came through the QR's URL


class CardPolicyLink(Base):
    """The "이달의 정책" link shown on every card, set by admins; at most one row (id 1)."""

    __tablename__ = "card_policy_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(60), default="")
    url: Mapped[str] = mapped_column(String(500), default="")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
