"""비상연락망 (issue 10): emergency groups (``groups``), call-outs with answers and escalation (``callouts``),
their report (``report``) and the runtime's jobs (``jobs``). No Flask here; ``blueprints/emergency`` parses
and renders.

The home screen calls :func:`home_context` (exposed to templates as ``emergency_home(user)``) and includes
``emergency/_home.html``."""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from core.i18n import MessageError
from core.models.accounts import User


class EmergencyError(MessageError):
    """A request about a group or call-out that cannot be done, with a Korean message for the person."""


def clean(text: str) -> str:
    """Form text without NUL characters, which PostgreSQL's text columns refuse (a 500 otherwise)."""
    return text.replace("\x00", "")


def home_context(session: Session, user: User) -> dict[str, Any]:
    """What ``emergency/_home.html`` shows: ``emergency_pinned`` (my pinned groups) and ``emergency_open``
    (call-outs still open that called me, newest first)."""
    from core.emergency import callouts, groups

    if user is None or not getattr(user, "is_authenticated", False):
        return {"emergency_pinned": [], "emergency_open": []}
    return {"emergency_pinned": [g for g in groups.my_groups(session, user) if g.pinned],
            "emergency_open": callouts.open_for(session, user)}
