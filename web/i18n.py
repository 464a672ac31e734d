"""Locale and timezone selection: Korean first, English as a per-user choice."""
from __future__ import annotations

from flask import request, session
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
