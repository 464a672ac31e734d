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


def find_lines(session: Session, raws: list[str]) -> dict[str, Line | None]:
    """``find_line`` for a whole PBX batch with two queries; keys are the raw strings."""
    extensions: dict[str, str] = {}
    numbers: dict[str, str] = {}
    for raw in set(raws):
        text = (raw or "").strip()
        if _EXTENSION.fullmatch(text):
            extensions[raw] = text
        elif (number := try_normalize(text)) is not None:
            numbers[raw] = number
    by_ext = {line.extension: line for line in session.scalars(
        select(Line).where(Line.extension.in_(set(extensions.values()))))} if extensions else {}
    by_number = {line.number: line for line in session.scalars(
        select(Line).where(Line.number.in_(set(numbers.values()))))} if numbers else {}
    found: dict[str, Line | None] = {raw: None for raw in raws}
    found.update({raw: by_ext.get(ext) for raw, ext in extensions.items()})
    found.update({raw: by_number.get(num) for raw, num in numbers.items()})
    return found
