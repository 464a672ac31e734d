"""Query-string numbers kept inside what the database can hold (no 500 on ?page=10**30)."""
from __future__ import annotations

from flask import request

MAX_ID = 2**31 - 1      # PostgreSQL integer
MAX_PAGE = 10_000


def int_arg(name: str) -> int | None:
    """A positive id from the query string, or None when absent, malformed or out of range."""
    value = request.args.get(name, type=int)
    return value if value is not None and 0 < value <= MAX_ID else None


def page_arg() -> int:
    return min(max(request.args.get("page", 1, type=int), 1), MAX_PAGE)
