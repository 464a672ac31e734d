"""Locale and timezone selection: Korean first, English as a per-user choice."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import request, session
from flask_babel import gettext, pgettext
from flask_login import current_user

LOCALES = ("ko", "en")


def select_locale() -> str:
    if getattr(current_user, "is_authenticated", False) and current_user.locale in LOCALES:
        return current_user.locale
    if session.get("lang") in LOCALES:
        return session["lang"]
    return request.accept_languages.best_match(LOCALES, default="ko") if request else "ko"


def select_timezone() -> str:
    return "Asia/Seoul"


def translated(detail: Mapping[str, Any]) -> str:
    """A message from core as ``{"msgid", "params"}`` (e.g. ``DocumentError.detail``) in the reader's
    language; parameters that are themselves such messages are translated too."""
    params = {name: translated(value) if isinstance(value, Mapping) else value
              for name, value in (detail.get("params") or {}).items()}
    msgid = detail["msgid"]   # a variable, not the subscript, so that pybabel does not extract "msgid"
    if context := detail.get("context"):
        return pgettext(context, msgid, **params)
    return gettext(msgid, **params)
