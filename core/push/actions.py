"""Answers given from the notification itself: its buttons (the Notifications API's ``actions``) and a tap
on its body.

An area that wants them passes ``buttons`` (and ``tap_action``) to ``core.push.send`` and registers one
handler for its ``source``. The service worker posts the button's name with the delivery's receipt to
``/api/push/action``; :func:`perform` finds the person the delivery went to, checks that the message offered
that answer, and hands it to the area's handler. The receipt authenticates the device: a service worker
has neither the session's cookie (it fetches with ``credentials: "omit"``) nor a CSRF token.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from core.i18n import N_, Message, MessageError
from core.models.accounts import User
from core.models.push import PushDelivery, PushMessage

BUTTONS_MAX = 3          # the Notifications API shows Notification.maxActions of them (2 in Chrome)
ACTION_NAME_MAX = 32


class PushActionError(MessageError):
    """An answer from a notification that cannot be taken, said to the person in their language."""


@dataclass(frozen=True)
class Button:
    """One button on a notification: ``action`` is what comes back, ``title`` (Korean) what it says."""

    action: str
    title: str

    def to_json(self) -> dict[str, str]:
        return {"action": self.action, "title": self.title}


@dataclass(frozen=True)
class Reply:
    """One answer from a notification, as its source's handler receives it."""

    message: PushMessage
    user: User            # the person the delivery went to
    action: str
    tapped: bool          # a tap on the body, not a button: it must not overwrite an earlier answer
    ip: str = ""


# handler(session, reply) -> what the confirming notification says; raises a MessageError to refuse
Handler = Callable[[Session, Reply], Message]
_handlers: dict[str, Handler] = {}


def register(source: str, handler: Handler) -> None:
    """Let ``source``'s messages be answered from the notification (one handler per source)."""
    _handlers[source] = handler


def check_buttons(buttons: tuple[Button, ...], tap_action: str) -> None:
    """Refuse what a sender got wrong at once, not when a person presses the button."""
    names = [b.action for b in buttons]
    if len(buttons) > BUTTONS_MAX or len(set(names)) != len(names):
        raise ValueError(f"at most {BUTTONS_MAX} buttons, each with its own action")
    if any(not name or len(name) > ACTION_NAME_MAX for name in [*names, *([tap_action] if tap_action else [])]):
        raise ValueError(f"an action is 1 to {ACTION_NAME_MAX} characters")


def perform(session: Session, delivery_id: int, action: str, *, ip: str = "") -> Message:
    """Take ``action`` for the person ``delivery_id`` went to; the caller commits.

    A tap on the body is ``action`` equal to the message's ``tap_action``."""
    delivery = session.get(PushDelivery, delivery_id)
    message = delivery.message if delivery is not None else None
    if message is None or delivery.user_id is None:
        raise PushActionError(N_("이 알림은 더 이상 응답을 받지 않습니다."))
    offered = {b.get("action") for b in message.actions or []}
    tapped = bool(message.tap_action) and action == message.tap_action
    handler = _handlers.get(message.source)
    if handler is None or not (tapped or action in offered):
        raise PushActionError(N_("이 알림에서 할 수 없는 응답입니다."))
    user = session.get(User, delivery.user_id)
    if user is None or not user.is_active:
        raise PushActionError(N_("이 알림은 더 이상 응답을 받지 않습니다."))
    return handler(session, Reply(message, user, action, tapped, ip))
