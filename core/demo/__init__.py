"""Demo data for ``flask seed-demo``: a Goyang-like organisation and everything built on it.

Each module in this package exposes ``ORDER`` and ``seed(session, settings) -> dict``;
they run in ``ORDER`` so later ones can use what earlier ones made. Every seeder is
idempotent: running it twice leaves the same data.
"""
from __future__ import annotations

import importlib
import pkgutil
from typing import Any

from sqlalchemy.orm import Session


def seed_demo(session: Session, settings: dict[str, Any]) -> dict[str, Any]:
    if settings.get("APP_ENV") == "production":
        raise RuntimeError("seed-demo refuses to run when APP_ENV=production")
    modules = [importlib.import_module(f"{__name__}.{m.name}") for m in pkgutil.iter_modules(__path__)]
    summary: dict[str, Any] = {}
    for module in sorted(modules, key=lambda m: m.ORDER):
        summary[module.__name__.rsplit(".", 1)[-1]] = module.seed(session, settings)
        session.commit()
    return summary
