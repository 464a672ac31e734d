"""Demo call history: 30 days of finished calls with holdout marks (core.lettering.demo_history), so that the
statistics page and its lift say something on a fresh ``make run``. Runs after the lines exist; a day
already seeded is kept, so a second run adds only the days since."""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from core.lettering.demo_history import seed_history

ORDER = 60
DAYS = 30


def seed(session: Session, settings: dict[str, Any]) -> dict[str, Any]:
    report = seed_history(session, settings, DAYS)
    return {"days": report.days, "outgoing": report.outgoing, "incoming": report.incoming, "holdout": report.holdout}
