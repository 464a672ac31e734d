"""The optional morning warning (``menu.warn``, daily at 10:30 Asia/Seoul, while ``MENU_ALLERGEN_PUSH`` is on):
each person who opted in (MenuProfile.morning_push) and whose cafeteria serves, today, a lunch or dinner dish
with an allergen of their profile gets one push and inbox entry through core.push.send. Breakfast is over by
then, so it is left out. ``warned_on`` keeps it to one a day even if the job runs twice."""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import push
from core.audience import Audience
from core.jobs.outcomes import Outcome
from core.jobs.registry import Env, registry
from core.menu import MEAL_LABELS, meals_between, today
from core.menu.allergens import ALLERGENS
from core.models.menu import MenuProfile

KIND = "menu.warn"
WARNED_MEALS = ("lunch", "dinner")
TITLE = "오늘 식단에 주의할 알레르기 성분이 있습니다"   # stored Korean, as every push of ours


def warn(session: Session, day: date) -> int:
    """Send today's warnings; returns how many people were told. The caller commits."""
    sent = 0
    profiles = session.scalars(select(MenuProfile).where(MenuProfile.morning_push.is_(True),
                                                         MenuProfile.cafeteria_id.is_not(None),
                                                         MenuProfile.allergens != ""))
    for person in profiles:
        if person.warned_on == day:
            continue
        meals = meals_between(session, person.cafeteria_id, day, day, person.numbers)[day]
        found = [(meal, dish) for meal in meals if meal.code in WARNED_MEALS for dish in meal.dishes if dish.matches]
        if not found:
            continue
        lines = [f"{MEAL_LABELS[meal.code]} {dish.name}: "
                 + ", ".join(ALLERGENS[n] for n in dish.matches) for meal, dish in found]
        push.send(session, audience=Audience.of(users=[person.user_id]), title=TITLE, body="\n".join(lines),
                  url="/menu", urgency="normal", topic=f"menu-{day.isoformat()}",
                  source="menu", source_id=person.user_id)
        person.warned_on = day
        sent += 1
    session.flush()
    return sent


@registry.handler(KIND)
def handle_warn(env: Env, payload: dict[str, Any]) -> Outcome:
    if not env.settings.get("MENU_ALLERGEN_PUSH", True):
        return None
    with env.factory() as session:
        warn(session, today())
        session.commit()
    return None


registry.daily("10:30", KIND)
