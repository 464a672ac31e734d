"""Duty rosters (당직·근무표): import, roster editing, feeds, reminders and swaps.

``home_context(session, user)`` is what the home page's ``duty/_home.html`` partial needs."""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session


def home_context(session: Session, user: Any) -> dict[str, Any]:
    """``{"next_duty": Duty | None}`` for the home card: the user's next (or current) duty."""
    from core.duty import roster
    person_id = getattr(user, "person_id", None)
    coming = roster.coming(session, person_id, limit=1) if person_id else []
    return {"next_duty": coming[0] if coming else None}
