"""Documents shown only as watermarked page images, who they are shared with, and who read them.

Files live under ``instance/documents/``; the columns hold paths relative to that
folder so that an instance can move. The bulletin board will point its
attachments at ``Document`` rows (``source`` says where a document came from).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base
from core.models.audience import AudienceRow
from core.timeutil import utcnow

STATUSES = ("converting", "ready", "failed", "revoked")
SHARE_SCOPES = ("all", "department", "group", "user")


A4 = (595.0, 842.0)   # points


class Document(Base):
    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    original_name: Mapped[str] = mapped_column(String(255), default="")
    original_type: Mapped[str] = mapped_column(String(16))          # pdf | html | text | png | jpeg
    original_size: Mapped[int] = mapped_column(BigInteger, default=0)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16), default="converting", index=True)
    error: Mapped[str] = mapped_column(Text, default="")    # why it failed, in Korean: the record
    # The same reason as data, {"msgid", "params"} (core.documents.DocumentError.detail), for the console
    # to show in the reader's language; None for rows that failed before it was kept.
    error_detail: Mapped[dict | None] = mapped_column(JSON)
    page_count: Mapped[int] = mapped_column(Integer, default=0)
    # [[width, height], …] in points per page, for the viewer to reserve each page's shape; None for rows
    # converted before it was kept (they are shown as A4).
    page_sizes: Mapped[list | None] = mapped_column(JSON)
    original_path: Mapped[str] = mapped_column(String(255), default="")   # relative to instance/documents
    pdf_path: Mapped[str] = mapped_column(String(255), default="")        # the sanitised PDF pages render from
    source: Mapped[str] = mapped_column(String(16), default="console")   # console | cli | board
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id", ondelete="SET NULL"),
                                                      index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    ready_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    owner = relationship("User", foreign_keys=[owner_id], lazy="joined")
    department = relationship("Department", lazy="joined")
    shares = relationship("DocumentShare", back_populates="document", cascade="all, delete-orphan",
                          passive_deletes=True, lazy="selectin")

    def page_size(self, page: int) -> tuple[float, float]:
        """Width and height in points of 1-based ``page``; A4 portrait when unknown."""
        sizes = self.page_sizes or []
        if 1 <= page <= len(sizes) and len(sizes[page - 1]) == 2 and min(sizes[page - 1]) > 0:
            width, height = sizes[page - 1]
            return float(width), float(height)
        return A4


class DocumentShare(AudienceRow, Base):
    """One audience row of a document (``core.audience``): all staff, a department, a staff group or a person."""

    __tablename__ = "document_shares"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    document = relationship(Document, back_populates="shares")
    department = relationship("Department", lazy="joined")
    group = relationship("StaffGroup", lazy="joined")
    user = relationship("User", lazy="joined", foreign_keys="DocumentShare.user_id")


class DocumentView(Base):
    """The reading log: one row per opening of the viewer (``view``) and per page image (``page``)."""

    __tablename__ = "document_views"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(8), default="page")   # view | page
    page: Mapped[int | None] = mapped_column(Integer)
    width: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    ip: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(255), default="")
    request_id: Mapped[str] = mapped_column(String(32), default="", index=True)

    user = relationship("User", lazy="joined")
