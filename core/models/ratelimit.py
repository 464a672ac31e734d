"""Shared rate-limit counters (``core.ratelimit`` keeps them; every web process reads and writes the same rows).

``RateLimit`` (table ``rate_limits``), one row per client and scope:
  - ``scope``: what is limited, e.g. ``public.lookup``.
  - ``key_hash``: HMAC-SHA256 of the client's address under ``PHONE_HASH_KEY``; the address itself is
    personal data and is never stored.
  - ``window_start``: Unix seconds at which the client's current fixed window began.
  - ``hits``: attempts in that window (capped at limit + 1); ``prev_hits``: attempts in the window just
    before it (0 when that window saw none).
Rows whose ``window_start`` is more than one window old say nothing any more and are deleted.
"""
from __future__ import annotations

from sqlalchemy import BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base


class RateLimit(Base):
    __tablename__ = "rate_limits"
    __table_args__ = (Index("ix_rate_limits_scope_window_start", "scope", "window_start"),)

    scope: Mapped[str] = mapped_column(String(32), primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_start: Mapped[int] = mapped_column(BigInteger)
    hits: Mapped[int] = mapped_column(Integer)
    prev_hits: Mapped[int] = mapped_column(Integer)
