"""Smart business cards: the public card (/c/<token>, its vCard, QR and PDF), the owner's 내 명함 page,
and the console's policy-of-the-month link."""
from __future__ import annotations

from flask import Blueprint, Flask, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from core import cards
from extensions import db

bp = Blueprint("cards", __name__)


def public_card_url(person_id: int) -> str | None:
    """For the directory entry: the person's public card page, when they have made one."""
    card = cards.card_of_person(db.session, person_id)
    return url_for("cards.public_card", token=card.token) if card else None


def is_own_entry(person_id: int) -> bool:
    return bool(current_user.is_authenticated and current_user.person_id == person_id)


def init_app(app: Flask) -> None:
    from web.console import register_console_link

    register_console_link("cards.console_policy", _l("명함 이달의 정책"), role="admin", order=60)
    app.jinja_env.globals["business_card_url"] = public_card_url
    app.jinja_env.globals["is_own_directory_entry"] = is_own_entry


from blueprints.cards import console, owner, public  # noqa: F401
