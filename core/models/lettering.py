"""Smart Lettering configuration: lines and their display profiles, campaigns, AlimTalk
templates and citizens' opt-outs. Calls, deliveries and the job queue live in their own modules."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, DateTime, ForeignKey, Integer, String, Table, Text
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base
from core.timeutil import utcnow

MESSAGE_MAX = 64  # PROTOCOLS.md §2: display.message is at most 64 characters


class Line(Base):
    """An administrative phone line and what a citizen's phone shows when it calls."""

    __tablename__ = "lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)            # E.164
    extension: Mapped[str | None] = mapped_column(String(16), unique=True)  # PBX extension
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id", ondelete="SET NULL"),
                                                      index=True)
    institution: Mapped[str] = mapped_column(String(64), default="고양특례시")   # 표시기관명
    department_name: Mapped[str] = mapped_column(String(64), default="")       # shown on the phone
    message: Mapped[str] = mapped_column(String(MESSAGE_MAX), default="")      # 안내문구
    logo_url: Mapped[str] = mapped_column(String(500), default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    department = relationship("Department", lazy="joined")


campaign_departments = Table(
    "campaign_departments", Base.metadata,
    Column("campaign_id", ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True),
    Column("department_id", ForeignKey("departments.id", ondelete="CASCADE"), primary_key=True),
)


class Campaign(Base):
    """Post-call promotional content with its own public landing page ``/p/<token>``."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(128))
    summary: Mapped[str] = mapped_column(Text, default="")
    image_urls: Mapped[list] = mapped_column(JSON, default=list)   # card-news images, in order
    youtube_id: Mapped[str] = mapped_column(String(32), default="")
    links: Mapped[list] = mapped_column(JSON, default=list)        # [{"title": ..., "url": ...}]
    starts_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | paused | archived
    target_all: Mapped[bool] = mapped_column(default=True)         # else only ``departments``
    # The schedule inside [starts_at, ends_at), in KST: weekdays 0 (Mon) .. 6 (Sun), empty for every day;
    # hours [hour_from, hour_until), None for all day (core.lettering.campaigns.matches)
    weekdays: Mapped[list] = mapped_column(JSON, default=list)
    hour_from: Mapped[int | None] = mapped_column(Integer)
    hour_until: Mapped[int | None] = mapped_column(Integer)
    priority: Mapped[int] = mapped_column(Integer, default=0)      # the highest wins when several match
    # The department that manages it (a dept_admin's own); None for the city's campaigns (admins only)
    owner_department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id", ondelete="SET NULL"))
    # Uploaded card news: [{"key": content hash, "w": width, "h": height, "widths": [360, 720, 1080]}]
    images: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    departments = relationship("Department", secondary=campaign_departments, lazy="selectin")

    @hybrid_property
    def active(self) -> bool:
        """Running (neither paused nor archived); kept for the code that predates ``status``."""
        return self.status == "active"

    @active.inplace.setter
    def _active_setter(self, value: bool) -> None:
        self.status = "active" if value else "paused"

    @active.inplace.expression
    @classmethod
    def _active_expression(cls):
        return cls.status == "active"


class CampaignEvent(Base):
    """A landing-page visit or a policy-link click, for statistics."""

    __tablename__ = "campaign_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))   # visit | click
    link_index: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class AlimTalkTemplate(Base):
    """A Kakao AlimTalk template: ``body`` holds ``#{변수}`` placeholders. Only an approved one is ever sent
    (core.lettering.alimtalk_templates); the admin records Kakao's inspection status here."""

    __tablename__ = "alimtalk_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(128), default="")
    kind: Mapped[str] = mapped_column(String(16), default="basic")  # basic (기본형) | extra (부가정보형)
    body: Mapped[str] = mapped_column(Text)
    extra: Mapped[str] = mapped_column(Text, default="")          # 부가정보형's fixed text, no variables
    # [{"name": "기관 확인", "kind": "verify"}, ..., {"name": "...", "kind": "link", "url": "https://our/..."}]
    buttons: Mapped[list] = mapped_column(JSON, default=list)
    # draft (등록) | pending (검수요청) | approved (승인) | rejected (반려, with review_comment)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    review_comment: Mapped[str] = mapped_column(Text, default="")
    status_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class OptOut(Base):
    """A citizen's rejection of lettering and AlimTalk, kept only as a keyed hash of the number."""

    __tablename__ = "opt_outs"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone_hash: Mapped[str] = mapped_column(String(64), unique=True)
    masked: Mapped[str] = mapped_column(String(20), default="")   # 010-****-5678, for the console list
    source: Mapped[str] = mapped_column(String(16), default="citizen")  # citizen | admin
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
