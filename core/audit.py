"""The audit log: who did what, from where."""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from core.models.accounts import AuditLog, User


def record(session: Session, action: str, *, user: User | None = None, username: str = "",
           target: str = "", ip: str = "", user_agent: str = "", **detail: Any) -> AuditLog:
    """Add an audit entry to the session; the caller's commit makes it durable."""
    entry = AuditLog(action=action, user_id=user.id if user else None,
                     username=user.username if user else username, target=target[:255],
                     ip=ip[:64], user_agent=user_agent[:255], detail=detail)
    session.add(entry)
    return entry
