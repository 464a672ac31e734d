"""Integers from URLs kept inside what the database can hold: the ``id`` path converter and the query-string
helpers. An id past PostgreSQL's ``integer`` (or SQLite's 64 bits) is simply not found, never a database error.

Every integer in a route is ``<id:name>`` (row ids, page numbers, a link's index); every integer query parameter
goes through :func:`int_arg` or :func:`page_arg`.
"""
from __future__ import annotations

from flask import Flask, request
from werkzeug.routing import IntegerConverter

from core.db import MAX_ID
from core.pagination import MAX_PAGE, clamp_page

_DIGITS = len(str(MAX_ID))


class IdConverter(IntegerConverter):
    """``<id:doc_id>``: 0 to ``MAX_ID`` in ASCII digits; anything else does not match the rule, so it is a 404
    before any view or database sees it (``/viewer/9223372036854775808``, 5,000 nines, Arabic-Indic digits)."""

    regex = rf"[0-9]{{1,{_DIGITS}}}"

    def __init__(self, map, *args, **kwargs) -> None:
        super().__init__(map, *args, max=MAX_ID, **kwargs)


def _digits(name: str) -> str | None:
    raw = request.args.get(name, "").strip()
    return raw if raw.isascii() and raw.isdigit() else None


def int_arg(name: str, default: int | None = None, *, minimum: int = 1, maximum: int = MAX_ID) -> int | None:
    """An integer query parameter within ``minimum..maximum``, else ``default`` (absent, malformed, signed or out of
    range: ``?dept=9223372036854775808`` filters nothing rather than failing)."""
    raw = _digits(name)
    if raw is None or len(raw) > len(str(maximum)):
        return default
    value = int(raw)
    return value if minimum <= value <= maximum else default


def page_arg(name: str = "page") -> int:
    """A page number within 1..``MAX_PAGE`` (``core.pagination``): ``?page=9223372036854775807`` is the last page
    allowed, a malformed one the first."""
    raw = _digits(name)
    if raw is None:
        return 1
    return MAX_PAGE if len(raw) > len(str(MAX_PAGE)) else clamp_page(int(raw))


def init_app(app: Flask) -> None:
    app.url_map.converters["id"] = IdConverter
