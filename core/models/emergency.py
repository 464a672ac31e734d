"""비상연락망: emergency groups (ordered members from the directory, each with a role and a deputy; managers),
call-outs (비상소집, real or drill), who was called and how they answered, and each escalation step."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base
from core.models.organization import Person
from core.timeutil import utcnow

ANSWERS = ("ack", "available", "unavailable")      # 확인 / 출동 가능 / 불가
VIAS = ("page", "notification")
TARGET_REASONS = ("member", "deputy")
ESCALATION_STEPS = ("deputy", "next")


class EmergencyGroup(Base):
    __tablename__ = "emergency_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    pinned: Mapped[bool] = mapped_column(Boolean, default=True)       # shown on its members' home screen
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    members = relationship("EmergencyMember", order_by="EmergencyMember.position", cascade="all, delete-orphan",
                           back_populates="group")
    managers = relationship("EmergencyManager", cascade="all, delete-orphan")


class EmergencyMember(Base):
    """A directory person in a group, in call order; the deputy is called when they do not answer."""

    __tablename__ = "emergency_members"
    __table_args__ = (UniqueConstraint("group_id", "person_id", name="uq_emergency_members_group_person"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("emergency_groups.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    role: Mapped[str] = mapped_column(String(64), default="")
    deputy_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))

    group = relationship(EmergencyGroup, back_populates="members")
    person = relationship(Person, foreign_keys=[person_id], lazy="joined")
    deputy = relationship(Person, foreign_keys=[deputy_person_id], lazy="joined")


class EmergencyManager(Base):
    __tablename__ = "emergency_managers"
    __table_args__ = (UniqueConstraint("group_id", "user_id", name="uq_emergency_managers_group_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("emergency_groups.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)


class EmergencyCallout(Base):
    """One 비상소집. ``group_name`` is kept so that a report still reads after the group is renamed."""

    __tablename__ = "emergency_callouts"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("emergency_groups.id", ondelete="SET NULL"), index=True)
    group_name: Mapped[str] = mapped_column(String(64), default="")
    message: Mapped[str] = mapped_column(Text, default="")
    drill: Mapped[bool] = mapped_column(Boolean, default=False)
    escalation_minutes: Mapped[int] = mapped_column(Integer, default=10)
    started_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    targets = relationship("EmergencyTarget", order_by="EmergencyTarget.position", cascade="all, delete-orphan",
                           back_populates="callout")
    escalations = relationship("EmergencyEscalation", order_by="EmergencyEscalation.id",
                               cascade="all, delete-orphan")


class EmergencyTarget(Base):
    """A person called by a call-out (a member at the start, a deputy on escalation) and their answer."""

    __tablename__ = "emergency_targets"
    __table_args__ = (UniqueConstraint("callout_id", "person_id", name="uq_emergency_targets_callout_person"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    callout_id: Mapped[int] = mapped_column(ForeignKey("emergency_callouts.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    name: Mapped[str] = mapped_column(String(64), default="")     # as called, for the report
    role: Mapped[str] = mapped_column(String(64), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str] = mapped_column(String(8), default="member")           # member | deputy
    called_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    answer: Mapped[str | None] = mapped_column(String(12))                     # ack | available | unavailable
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    via: Mapped[str | None] = mapped_column(String(12))                        # page | notification

    callout = relationship(EmergencyCallout, back_populates="targets")


class EmergencyEscalation(Base):
    """One escalation step: ``for_person`` had not answered, so ``to_person`` was called (their deputy first,
    then the next person in the list)."""

    __tablename__ = "emergency_escalations"

    id: Mapped[int] = mapped_column(primary_key=True)
    callout_id: Mapped[int] = mapped_column(ForeignKey("emergency_callouts.id", ondelete="CASCADE"), index=True)
    for_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    to_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    for_name: Mapped[str] = mapped_column(String(64), default="")
    to_name: Mapped[str] = mapped_column(String(64), default="")
    step: Mapped[str] = mapped_column(String(8))                               # deputy | next
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
