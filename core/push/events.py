"""What the service worker reports back: a notification shown, a notification clicked.

Each report carries the delivery's receipt (``core.push.sender.receipt_for``), so it needs no session; a
delivery counts once per event, however often it is reported (a retried fetch, a replayed receipt).
"""
from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from core.models.push import PushDelivery, PushMessage
from core.timeutil import utcnow

EVENTS = {"shown": ("shown_at", "shown"), "clicked": ("clicked_at", "clicked")}


def record_event(session: Session, delivery_id: int, event: str) -> bool:
    """Mark ``event`` on the delivery; True when it counted (the first report). The caller commits."""
    column, counter = EVENTS[event]
    now = utcnow()
    delivery = getattr(PushDelivery, column)
    result = session.execute(update(PushDelivery).where(PushDelivery.id == delivery_id, delivery.is_(None))
                             .values({column: now}).returning(PushDelivery.message_id)
                             .execution_options(synchronize_session=False))
    message_id = result.scalar()
    if message_id is None:
        return False
    # A click proves the notification was shown, even if that report was lost.
    if event == "clicked" and session.execute(
            update(PushDelivery).where(PushDelivery.id == delivery_id, PushDelivery.shown_at.is_(None))
            .values(shown_at=now).execution_options(synchronize_session=False)).rowcount:
        session.execute(update(PushMessage).where(PushMessage.id == message_id).values(shown=PushMessage.shown + 1))
    counter_column = getattr(PushMessage, counter)
    session.execute(update(PushMessage).where(PushMessage.id == message_id).values({counter: counter_column + 1}))
    return True
