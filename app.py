"""The web application factory."""
from __future__ import annotations

import importlib
import logging
import os
import pkgutil
from datetime import timedelta
from typing import Any

from flask import Flask

import blueprints
from core.accounts import configure_hashing
from core.db import engine_options
from core.settings import load_settings
from extensions import babel, csrf, db, htmx, login_manager, migrate
from web import console, converters, i18n, metrics, read_only, security, sessions, static_files, templating, wire

__version__ = "0.1.0"


def create_app(config: dict[str, Any] | None = None) -> Flask:
    instance_path = (config or {}).get("INSTANCE_PATH") or os.environ.get("INSTANCE_PATH")
    app = Flask(__name__, instance_relative_config=True,
                instance_path=os.path.abspath(instance_path) if instance_path else None)
    settings = load_settings(app.instance_path, overrides=config)
    app.config.from_mapping(settings)
    app.config.update(
        VERSION=__version__,
        SQLALCHEMY_DATABASE_URI=settings["DATABASE_URL"],
        SQLALCHEMY_ENGINE_OPTIONS=engine_options(settings["DATABASE_URL"]),
        WTF_CSRF_CHECK_DEFAULT=False,  # web.security decides which requests need the token
        WTF_CSRF_TIME_LIMIT=None,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings["PUBLIC_BASE_URL"].startswith("https"),
        PERMANENT_SESSION_LIFETIME=timedelta(hours=int(settings["SESSION_MAX_HOURS"])),
        # The cookie's expiry is the session's absolute limit, set at sign-in; the idle limit is kept in
        # ``user_sessions``. Re-signing the cookie on every answer would only cost CPU and a Set-Cookie.
        SESSION_REFRESH_EACH_REQUEST=False,
    )
    configure_hashing(time_cost=int(settings["ARGON2_TIME_COST"]), memory_kib=int(settings["ARGON2_MEMORY_KIB"]),
                      parallelism=int(settings["ARGON2_PARALLELISM"]), production=settings["APP_ENV"] == "production")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    converters.init_app(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/migrations"))
    csrf.init_app(app)
    htmx.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    i18n.install_template_gettext(app)
    login_manager.init_app(app)
    security.init_app(app)
    read_only.init_app(app)   # before the session check: its lookup is the first statement
    sessions.init_app(app)
    templating.init_app(app)
    static_files.init_app(app)
    console.init_app(app)
    metrics.init_app(app)
    wire.init_app(app)

    for module in pkgutil.iter_modules(blueprints.__path__):
        package = importlib.import_module(f"blueprints.{module.name}")
        app.register_blueprint(package.bp)
        if hasattr(package, "init_app"):
            package.init_app(app)
    return app
