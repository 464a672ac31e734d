"""One-time codes that prove a citizen owns a number before the opt-out of that number is shown or undone.

``OptOutCode`` (table ``optout_codes``), one row per code asked for on ``/optout``:
  - ``challenge``: a random URL-safe id (the code page's address); never a sequential id.
  - ``phone_hash``: ``core.privacy.phone_hash`` of the number; the number itself is kept only in
    ``sealed``, the number and the code encrypted with ``PHONE_ENCRYPTION_KEY``, until the AlimTalk carrying
    the code is sent (then NULL).
  - ``code_hash``: HMAC-SHA256 of the challenge and the six digits under ``SECRET_KEY``; the code is never
    stored in the clear.
  - ``expires_at``: five minutes after it was asked for. ``attempts``: wrong or right tries (at most five).
    ``used_at``: when it proved the number (once only).
  - ``send_status``: queued | sent | not_kakao_user | failed.
Rows an hour past their expiry are deleted by the next request for a code.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base
from core.timeutil import utcnow


class OptOutCode(Base):
    __tablename__ = "optout_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge: Mapped[str] = mapped_column(String(32), unique=True)
    phone_hash: Mapped[str] = mapped_column(String(64), index=True)
    sealed: Mapped[str | None] = mapped_column(Text)
    code_hash: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    send_status: Mapped[str] = mapped_column(String(16), default="queued")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
