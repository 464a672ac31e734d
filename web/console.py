"""The admin console's menu, contributed to by each area's blueprint."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, url_for
from flask_babel import LazyString
from flask_login import current_user


@dataclass(frozen=True)
class ConsoleLink:
    endpoint: str
    label: str | LazyString
    role: str = "dept_admin"
    order: int = 100


_links: list[ConsoleLink] = []


def register_console_link(endpoint: str, label: str | LazyString, *, role: str = "dept_admin",
                          order: int = 100) -> None:
    """Add a console menu entry; call from a blueprint package's ``init_app``."""
    if all(link.endpoint != endpoint for link in _links):
        _links.append(ConsoleLink(endpoint, label, role, order))


def _menu() -> list[dict]:
    if not current_user.is_authenticated:
        return []
    return [{"url": url_for(link.endpoint), "label": link.label}
            for link in sorted(_links, key=lambda item: item.order) if current_user.has_role(link.role)]


def init_app(app: Flask) -> None:
    app.jinja_env.globals["console_menu"] = _menu
