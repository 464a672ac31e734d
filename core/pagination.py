"""Numbered pages of a SELECT (the rows of one page, the total, whether more follow), and offset windows.

Shared by console lists; the page number is clamped so that ``?page=10**30`` is a last page, not an
OFFSET the database refuses.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

MAX_PAGE = 10_000


@dataclass(frozen=True)
class Page:
    items: list[Any]
    number: int
    size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def clamp_page(value: int | None) -> int:
    """A page number from the query string (None when absent or not a number) within 1..MAX_PAGE."""
    return min(max(value or 1, 1), MAX_PAGE)


def paginate(session: Session, query: Select, page: int, size: int = 50) -> Page:
    """Page ``page`` (1-based) of ``query``, which must have a stable ORDER BY."""
    total = int(session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0)
    number = clamp_page(page)
    items = list(session.scalars(query.offset((number - 1) * size).limit(size)))
    return Page(items, number, size, total)


MAX_OFFSET = 100_000


@dataclass(frozen=True)
class Window:
    """A run of ``size`` results after the first ``offset`` of ``total`` (lists that load "더 보기")."""

    offset: int
    size: int
    total: int

    @property
    def has_next(self) -> bool:
        return self.offset + self.size < self.total

    @property
    def next_offset(self) -> int:
        return self.offset + self.size


def parse_offset(raw: str | None) -> int | None:
    """An offset from the query string: 0 when absent, None unless ASCII digits within 0..MAX_OFFSET."""
    raw = (raw or "0").strip()
    # ASCII digits only and few of them: "²".isdigit() is true but int() refuses it, and so it does 5,000 nines.
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 6):
        return None
    value = int(raw)
    return value if value <= MAX_OFFSET else None
