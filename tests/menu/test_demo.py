"""The demo seed: this week and the next from the seed day, for 시청 본관 and one district office; twice is once."""
from __future__ import annotations

from sqlalchemy import func, select

from core import menu
from core.demo import menu as demo_menu
from core.models.menu import Meal
from extensions import db


def test_demo_week_is_current_and_idempotent(app, make_user, clock):
    clock.set_kst(2027, 3, 10, 7)            # a Wednesday
    with app.app_context():
        first = demo_menu.seed(db.session, dict(app.config))
        db.session.commit()
        again = demo_menu.seed(db.session, dict(app.config))
        db.session.commit()
        days = db.session.execute(select(func.min(Meal.day), func.max(Meal.day))).one()
        user = make_user("kim")
        card = menu.home_context(db.session, user)
    assert first["meals"] == 40 and again["meals"] == 0      # 10 days × (3 at 시청 본관 + 1 at the district office)
    assert [d.isoformat() for d in days] == ["2027-03-08", "2027-03-19"]
    assert card["menu_cafeteria"].name == "시청 본관" and len(card["menu_meals"]) == 3
