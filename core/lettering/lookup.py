"""Finding the administrative line a PBX event or a citizen names."""
from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models.lettering import Line
from core.phone import try_normalize

_EXTENSION = re.compile(r"^\d{3,6}$")


def find_line(session: Session, raw: str) -> Line | None:
    """The line named by a full number in any Korean form, or by its PBX extension."""
    text = (raw or "").strip()
    if _EXTENSION.fullmatch(text):
        return session.scalar(select(Line).where(Line.extension == text))
    number = try_normalize(text)
    if number is None:
        return None
    return session.scalar(select(Line).where(Line.number == number))
