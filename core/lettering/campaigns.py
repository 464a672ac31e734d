"""Which campaign's post-call content goes with a call."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from core.models.lettering import Campaign, Line


def active_campaign_for(session: Session, line: Line, now: datetime) -> Campaign | None:
    """The newest active, in-schedule campaign targeting all lines or the line's department."""
    in_schedule = and_(Campaign.active,
                       or_(Campaign.starts_at.is_(None), Campaign.starts_at <= now),
                       or_(Campaign.ends_at.is_(None), Campaign.ends_at > now))
    candidates = session.scalars(select(Campaign).where(in_schedule).order_by(Campaign.id.desc())).all()
    for campaign in candidates:
        if campaign.target_all or any(d.id == line.department_id for d in campaign.departments):
            return campaign
    return None
