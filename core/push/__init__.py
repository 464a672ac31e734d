"""Web push (PROTOCOLS.md §5) and the inbox: every area that notifies people calls ``send``.

``send`` stores the message and enqueues its fan-out in the caller's transaction; the worker then writes
one inbox entry per recipient and delivers to each of their subscriptions (``core.push.jobs``). Nothing is
sent inside a web request.
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from core.audience import Audience
from core.jobs import enqueue  # by name: the submodule core.push.jobs takes the name "jobs" on this package
from core.models.push import URGENCIES, PushMessage
from core.push.actions import Button, check_buttons

FANOUT_KIND = "push.fanout"
DEFAULT_TTL_SECONDS = 86400
TITLE_MAX, BODY_MAX = 120, 400    # what a notification shows; the payload stays far below 3,000 bytes


def send(session: Session, *, audience: Audience, title: str, body: str = "", url: str = "/",
         urgency: str = "normal", topic: str = "", ttl: int | None = None, source: str = "console",
         source_id: int | None = None, created_by: int | None = None, buttons: tuple[Button, ...] = (),
         tap_action: str = "") -> PushMessage:
    """Notify ``audience``: an inbox entry for each person and a push to each of their devices.

    ``url`` is a path of ours that the notification opens; ``topic`` (RFC 8030, at most 32 URL-safe
    characters) lets a later message with the same topic replace an undelivered one; ``ttl`` defaults to a
    day and is never 0 by accident (0 would mean "now or never"). ``buttons`` and ``tap_action`` let the
    person answer from the notification, through the handler ``source`` registered (``core.push.actions``).
    """
    check_buttons(buttons, tap_action)
    if urgency not in URGENCIES:
        raise ValueError(f"urgency must be one of {URGENCIES}")
    if not url.startswith("/") or url.startswith("//"):
        raise ValueError("a push opens a path of ours")
    message = PushMessage(title=title.strip()[:TITLE_MAX], body=body.strip()[:BODY_MAX], url=url,
                          urgency=urgency, topic=topic[:32], ttl=DEFAULT_TTL_SECONDS if ttl is None else int(ttl),
                          audience=audience.to_json(), source=source, source_id=source_id, created_by=created_by,
                          actions=[b.to_json() for b in buttons], tap_action=tap_action)
    session.add(message)
    session.flush()
    enqueue(session, FANOUT_KIND, {"message_id": message.id})
    return message
