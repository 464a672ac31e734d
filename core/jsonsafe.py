"""JSON from outside, parsed so that no document can make a request fail with a 500.

``loads`` is ``json.loads`` that raises ``ValueError`` (``UnsafeJSON``) for what the standard parser lets
through but the code behind it cannot take:
  - nesting deeper than ``MAX_DEPTH`` (the C parser would raise ``RecursionError`` a little deeper);
  - integers outside 64 bits (no column holds them), ``NaN``, ``Infinity`` and floats that overflow;
  - strings, keys included, holding NUL (PostgreSQL text refuses it) or a lone surrogate (no UTF-8 exists
    for it, so neither database driver can store it).
Every ``ValueError`` is what callers already answer with 400. The web app's JSON provider
(``web.wire``) uses it for ``request.get_json``; the signed webhooks call it on their raw bodies.
"""
from __future__ import annotations

import json
import math
from typing import Any

MAX_DEPTH = 64
INT_MIN, INT_MAX = -(2 ** 63), 2 ** 63 - 1
_INT_DIGITS = len(str(INT_MAX)) + 1  # longer digit strings are out of range before int() spends time on them


class UnsafeJSON(ValueError):
    pass


def _int(text: str) -> int:
    value = int(text) if len(text.lstrip("-")) <= _INT_DIGITS else INT_MAX + 1
    if not INT_MIN <= value <= INT_MAX:
        raise UnsafeJSON("integer out of range")
    return value


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise UnsafeJSON("number out of range")
    return value


def _constant(name: str) -> Any:
    raise UnsafeJSON(f"{name} is not JSON")


def _bad_text(text: str) -> bool:
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from a \\udXXX escape
        return True
    return False


def _check(value: Any) -> None:
    """Walk the document without recursion: depth, strings and keys."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if _bad_text(item):
                raise UnsafeJSON("string with NUL or a lone surrogate")
        elif isinstance(item, dict | list):
            if depth > MAX_DEPTH:
                raise UnsafeJSON("nested too deeply")
            if isinstance(item, dict):
                stack.extend((key, depth) for key in item)
                stack.extend((child, depth + 1) for child in item.values())
            else:
                stack.extend((child, depth + 1) for child in item)


def loads(data: str | bytes | bytearray, **kwargs: Any) -> Any:
    """``json.loads`` for untrusted input; raises ``ValueError`` (``UnicodeDecodeError`` included) on
    anything that is not plain, storable JSON."""
    try:
        value = json.loads(data, parse_int=_int, parse_float=_float, parse_constant=_constant, **kwargs)
    except RecursionError:
        raise UnsafeJSON("nested too deeply") from None
    _check(value)
    return value
