"""Citizens' opt-outs, matched by keyed hash only. Checked before every lettering and AlimTalk send."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models.lettering import OptOut


def is_opted_out(session: Session, hashed: str) -> bool:
    return session.scalar(select(OptOut.id).where(OptOut.phone_hash == hashed, OptOut.active)) is not None


def opt_out(session: Session, hashed: str, *, masked: str = "", source: str = "citizen") -> OptOut:
    row = session.scalar(select(OptOut).where(OptOut.phone_hash == hashed))
    if row is None:
        row = OptOut(phone_hash=hashed, masked=masked, source=source)
        session.add(row)
    row.active, row.source = True, source
    if masked:
        row.masked = masked
    session.flush()
    return row


def undo_opt_out(session: Session, hashed: str) -> bool:
    """Re-enable contact; returns whether an active opt-out was undone."""
    row = session.scalar(select(OptOut).where(OptOut.phone_hash == hashed, OptOut.active))
    if row is None:
        return False
    row.active = False
    session.flush()
    return True
