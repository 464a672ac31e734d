"""Which campaign's post-call content goes with a call: the one rule, used by the dispatcher (the carrier's
``afterCall`` and AlimTalk's 안내 보기 button) and by the console's preview.

A campaign matches a call when it is active (not paused, not archived), targets every line or the line's
department, and ``now`` lies inside its schedule: ``[starts_at, ends_at)``, on one of its weekdays and inside
its hours ``[hour_from, hour_until)``, both read in KST (an evening-to-morning range such as 20-8 wraps past
midnight). Of the matching campaigns the highest priority wins, then the newest (created last, then the
higher id)."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models.lettering import Campaign, Line
from core.timeutil import KST, as_utc

STATUSES = ("active", "paused", "archived")


def in_hours(hour: int, hour_from: int | None, hour_until: int | None) -> bool:
    """``hour`` (0-23) inside ``[hour_from, hour_until)``; None on either side means from 0 / until 24."""
    start = 0 if hour_from is None else hour_from
    end = 24 if hour_until is None else hour_until
    if start == end:
        return start == 0 or hour_from is None  # 0-24 written as 0-0: all day; 9-9 is an empty range
    if start < end:
        return start <= hour < end
    return hour >= start or hour < end  # wraps past midnight


def matches(campaign: Campaign, department_id: int | None, now: datetime) -> bool:
    """Whether a call from a line of ``department_id`` at ``now`` gets ``campaign`` (the rule above)."""
    if campaign.status != "active":
        return False
    now = as_utc(now)
    if campaign.starts_at is not None and as_utc(campaign.starts_at) > now:
        return False
    if campaign.ends_at is not None and as_utc(campaign.ends_at) <= now:
        return False
    local = now.astimezone(KST)
    if campaign.weekdays and local.weekday() not in campaign.weekdays:
        return False
    if not in_hours(local.hour, campaign.hour_from, campaign.hour_until):
        return False
    return campaign.target_all or any(d.id == department_id for d in campaign.departments)


def _rank(campaign: Campaign) -> tuple:
    created = as_utc(campaign.created_at).timestamp() if campaign.created_at else 0.0
    return (campaign.priority or 0, created, campaign.id or 0)


def choose(campaigns: Iterable[Campaign], department_id: int | None, now: datetime) -> Campaign | None:
    """The winner among ``campaigns`` for a call at ``now``: highest priority, then newest."""
    candidates = [c for c in campaigns if matches(c, department_id, now)]
    return max(candidates, key=_rank) if candidates else None


def running_campaigns(session: Session) -> list[Campaign]:
    """Every active campaign, with its departments: what ``choose`` picks from."""
    return list(session.scalars(select(Campaign).where(Campaign.status == "active")))


def active_campaign_for(session: Session, line: Line, now: datetime) -> Campaign | None:
    """The campaign a call from ``line`` at ``now`` carries, or None."""
    return choose(running_campaigns(session), line.department_id, now)
