"""Each line's live status for the console's list: its last dial, its lettering success rate over the last
7 days and its last lettering error, for a whole page of lines in one grouped query (no query per line).

- The last dial is the latest outgoing call's dial time (a citizen's incoming call is no dial).
- The success rate is the calls shown on the citizen's screen (``accepted``) among those the carrier was
  asked about (accepted, unsupported device, not a subscriber, failed) in the window; opted-out, held-out and
  unknown-line calls were never asked, so they count neither way.
- The last error is the latest failed call's reason (``calls.lettering_error``) and the call, to open it.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from core.models.calls import Call

ASKED = ("accepted", "unsupported_device", "not_subscriber", "failed")
WINDOW_DAYS = 7


@dataclass(frozen=True)
class LineStatus:
    last_dial: datetime | None = None
    asked: int = 0            # calls the carrier was asked about in the window
    lettered: int = 0         # of which shown on the citizen's screen
    error: str = ""
    error_at: datetime | None = None
    error_call: int | None = None   # calls.id of the last failed call

    @property
    def rate(self) -> float | None:
        """The share lettered, or None when the carrier was asked about no call."""
        return self.lettered / self.asked if self.asked else None


def line_statuses(session: Session, line_ids: Iterable[int], now: datetime,
                  days: int = WINDOW_DAYS) -> dict[int, LineStatus]:
    """``{line id: LineStatus}`` for the given lines (one SQL statement); lines without calls are missing."""
    ids = sorted(set(line_ids))
    if not ids:
        return {}
    since = now - timedelta(days=days)
    failed = (select(Call.line_id, Call.id, Call.created_at, Call.lettering_error,
                     func.row_number().over(partition_by=Call.line_id,
                                            order_by=(Call.created_at.desc(), Call.id.desc())).label("n"))
              .where(Call.line_id.in_(ids), Call.lettering_status == "failed").subquery())
    recent = Call.created_at >= since
    query = (select(Call.line_id,
                    func.max(case((Call.lettering_status != "incoming",
                                   func.coalesce(Call.dialed_at, Call.created_at)))).label("last_dial"),
                    func.sum(case((and_(recent, Call.lettering_status.in_(ASKED)), 1), else_=0)),
                    func.sum(case((and_(recent, Call.lettering_status == "accepted"), 1), else_=0)),
                    failed.c.lettering_error, failed.c.created_at, failed.c.id)
             .outerjoin(failed, and_(failed.c.line_id == Call.line_id, failed.c.n == 1))
             .where(Call.line_id.in_(ids))
             .group_by(Call.line_id, failed.c.lettering_error, failed.c.created_at, failed.c.id))
    return {line_id: LineStatus(last_dial, int(asked or 0), int(lettered or 0), error or "", error_at, error_call)
            for line_id, last_dial, asked, lettered, error, error_at, error_call in session.execute(query)}
