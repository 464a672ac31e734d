"""Jinja filters and globals: Korea time, Korean phone formats, masking."""
from __future__ import annotations

from flask import Flask, current_app
from flask_babel import get_locale

from core.phone import format_korean, mask
from core.timeutil import format_kst
from web.i18n import translated
from web.tasks import title as task_title


def init_app(app: Flask) -> None:
    app.jinja_env.filters["kst"] = format_kst
    app.jinja_env.filters["phone"] = format_korean
    app.jinja_env.filters["mask"] = mask
    app.jinja_env.globals["translated"] = translated
    app.jinja_env.globals["task_title"] = task_title
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale())
    app.jinja_env.globals["app_version"] = lambda: current_app.config["VERSION"]
