"""Calls seen by the PBX, their events and their timeline.

``Call`` (table ``calls``) — one row per PBX ``call_id``, created by ingest with the first event:
  - ``call_id``: the PBX's id (unique, also the carrier ``Idempotency-Key``).
  - ``line_id`` / ``department_id``: the administrative line and its department (NULL when unknown).
  - ``line_number``: the line's E.164 number as the PBX named it, resolved (kept for the console).
  - ``peer_hash``: HMAC-SHA256 of the citizen's E.164 number (``core.privacy.phone_hash``), for opt-out
    and frequency-cap look-ups. ``peer_encrypted``: the number encrypted with ``PHONE_ENCRYPTION_KEY``,
    NULL once delivery no longer needs it or after ``RETENTION_DAYS`` (``core.lettering.retention``).
    ``peer_masked``: ``010-****-5678`` — the ONLY form a page or a log may show.
  - ``lettering_status``: pending | accepted | unsupported_device | not_subscriber | failed | opted_out |
    no_line (the PBX named no known active line) | incoming (a citizen called us: nothing is sent) |
    holdout (left unlettered on purpose, the comparison arm: nothing is sent).
    ``carrier_request_id``: the carrier's ``requestId``. ``lettering_error``: why it failed.
  - ``outcome``: answered | missed | ended (NULL while ringing). ``dialed_at``, ``answered_at``,
    ``ended_at``, ``duration_s``.
  - ``fallback_decision``: send | hold | skip | drop (NULL until decided); ``fallback_reason``: a code,
    see ``core.lettering.policy.REASONS`` for the label.
  - ``alimtalk_status``: queued | held | sending | sent | delivered | failed | not_kakao_user |
    template_error | dropped | error (NULL when none was due; "error" = its job died, a retry sends it).
    ``alimtalk_result_code``: the provider's code
    (0, -1005, -2001, -3001, -9000). ``alimtalk_request_id``; ``alimtalk_sent_at`` (counts for the cap).
  - ``receipt_status``: the carrier's best receipt: not_displayed < displayed < after_call_displayed.
  - ``holdout``: the call id put the call in the holdout arm (``core.lettering.holdout``), written once by
    ingest. ``carrier_latency_ms`` / ``alimtalk_latency_ms``: the provider's answer time, retries included.

``CallEvent`` (``call_events``) — every accepted PBX event: ``event_id`` (unique; repeats are ignored),
``call_id`` (PBX id), ``type``, ``at`` (PBX time), ``received_at``, ``detail`` (JSON without the citizen's
number: line, duration_s; emptied by the retention purge).

``CallLog`` (``call_logs``) — the call's timeline for the console, oldest first: ``call_pk`` (calls.id),
``at``, ``kind`` (event | carrier | state | fallback | alimtalk | receipt), ``summary`` (Korean, masked
numbers only: the record as written) and ``detail`` (JSON, never a whole number: the codes and parameters of
the summary, from which the console shows the row in the reader's language, blueprints/lettering/timeline.py).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base
from core.timeutil import utcnow

LETTERING_STATUSES = ("pending", "accepted", "unsupported_device", "not_subscriber", "failed", "opted_out",
                      "no_line", "incoming", "holdout")
OUTCOMES = ("answered", "missed", "ended")
LOG_KINDS = ("event", "carrier", "state", "fallback", "alimtalk", "receipt")


class Call(Base):
    __tablename__ = "calls"
    __table_args__ = (Index("ix_calls_peer_hash_department_id", "peer_hash", "department_id"),
                      Index("ix_calls_peer_hash_created_at", "peer_hash", "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[str] = mapped_column(String(64), unique=True)
    line_id: Mapped[int | None] = mapped_column(ForeignKey("lines.id", ondelete="SET NULL"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id", ondelete="SET NULL"),
                                                      index=True)
    line_number: Mapped[str] = mapped_column(String(20), default="")
    peer_hash: Mapped[str] = mapped_column(String(64), default="")
    peer_encrypted: Mapped[str | None] = mapped_column(String(255))
    peer_masked: Mapped[str] = mapped_column(String(20), default="")
    lettering_status: Mapped[str] = mapped_column(String(24), default="pending", index=True)
    carrier_request_id: Mapped[str] = mapped_column(String(64), default="")
    lettering_error: Mapped[str] = mapped_column(String(255), default="")
    outcome: Mapped[str | None] = mapped_column(String(16))
    dialed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    duration_s: Mapped[int | None] = mapped_column(Integer)
    fallback_decision: Mapped[str | None] = mapped_column(String(16))
    fallback_reason: Mapped[str] = mapped_column(String(32), default="")
    alimtalk_status: Mapped[str | None] = mapped_column(String(16))
    alimtalk_result_code: Mapped[int | None] = mapped_column(Integer)
    alimtalk_request_id: Mapped[str] = mapped_column(String(64), default="")
    alimtalk_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    receipt_status: Mapped[str | None] = mapped_column(String(24))
    # Statistics (0017_stats): the holdout arm, decided from the call id when ingest first sees the call
    # (core.lettering.holdout), and how long each provider took to answer, for provider health.
    holdout: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    carrier_latency_ms: Mapped[int | None] = mapped_column(Integer)
    alimtalk_latency_ms: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    line = relationship("Line", lazy="select")
    department = relationship("Department", lazy="select")
    logs = relationship("CallLog", order_by="CallLog.id", lazy="select", cascade="all, delete-orphan",
                        passive_deletes=True)


class CallEvent(Base):
    __tablename__ = "call_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64), unique=True)
    call_id: Mapped[str] = mapped_column(String(64), index=True)
    type: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)


class CallLog(Base):
    __tablename__ = "call_logs"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_pk: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    kind: Mapped[str] = mapped_column(String(16))
    summary: Mapped[str] = mapped_column(String(255))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
