"""Cafeteria menus (구내식당): the week of a cafeteria, today's meals for the home card, a person's allergen
profile and cafeteria, and the console's editing of one meal. Import: core.menu.importer; the morning warning:
core.menu.jobs. Days are Asia/Seoul days."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from core.i18n import N_, MessageError
from core.menu.allergens import ALLERGENS, DishError, format_numbers, parse_dish, parse_numbers
from core.models.accounts import User
from core.models.menu import Cafeteria, Meal, MenuDish, MenuProfile
from core.timeutil import KST, utcnow

# The file's 식사 column → the stored code, and back (the Korean word is a msgid for the pages).
MEALS: dict[str, str] = {"조식": "breakfast", "중식": "lunch", "석식": "dinner"}
MEAL_LABELS: dict[str, str] = {"breakfast": N_("조식"), "lunch": N_("중식"), "dinner": N_("석식")}
MAX_DISHES = 30
CALORIES_MAX = 10_000
SERVINGS_MAX = 100_000


class MenuError(MessageError):
    """Input that cannot be saved (the console's form, a profile)."""


@dataclass(frozen=True)
class DishView:
    name: str
    numbers: tuple[int, ...]
    matches: tuple[int, ...]            # the numbers that are in the reader's profile

    @property
    def allergens(self) -> list[tuple[int, str]]:
        return [(n, ALLERGENS[n]) for n in self.numbers if n in ALLERGENS]


@dataclass(frozen=True)
class MealView:
    code: str
    label: str
    calories: float | None
    servings: int | None
    dishes: list[DishView]

    @property
    def warned(self) -> bool:
        return any(d.matches for d in self.dishes)


def today() -> date:
    """Today in Asia/Seoul (the test clock moves it)."""
    return utcnow().astimezone(KST).date()


def week_days(day: date) -> list[date]:
    """Monday to Sunday of the week that holds ``day``."""
    monday = day - timedelta(days=day.weekday())
    return [monday + timedelta(days=i) for i in range(7)]


def cafeterias(session: Session) -> list[Cafeteria]:
    return list(session.scalars(select(Cafeteria).order_by(Cafeteria.position, Cafeteria.id)))


def cafeteria_named(session: Session, name: str) -> Cafeteria:
    """The cafeteria of that name, created (at the end of the list) if new; the caller commits."""
    found = session.scalar(select(Cafeteria).where(Cafeteria.name == name))
    if found is None:
        last = session.scalar(select(Cafeteria.position).order_by(Cafeteria.position.desc()).limit(1))
        found = Cafeteria(name=name, position=(last or 0) + 1)
        session.add(found)
        session.flush()
    return found


def profile(session: Session, user_id: int) -> MenuProfile:
    """The person's profile; a new, unsaved one (nothing marked) if they never saved theirs."""
    return session.get(MenuProfile, user_id) or MenuProfile(user_id=user_id, allergens="", morning_push=False)


def choose_cafeteria(session: Session, user_id: int, requested: int | None = None, *,
                     mine: MenuProfile | None = None, listed: list[Cafeteria] | None = None) -> Cafeteria | None:
    """The cafeteria asked for, else the person's own choice, else the first one; ``mine`` and ``listed``
    spare the queries when the caller has the profile and the list already."""
    mine = mine or profile(session, user_id)
    for wanted in (requested, mine.cafeteria_id):
        if wanted is None:
            continue
        found = next((c for c in listed if c.id == wanted), None) if listed is not None \
            else session.get(Cafeteria, wanted)
        if found is not None:
            return found
    if listed is not None:
        return listed[0] if listed else None
    return session.scalar(select(Cafeteria).order_by(Cafeteria.position, Cafeteria.id).limit(1))


def save_profile(session: Session, user_id: int, *, allergens: Iterable[int], cafeteria_id: int | None,
                 morning_push: bool) -> MenuProfile:
    """Store the person's choices; unknown allergen numbers or cafeterias are refused. The caller commits."""
    numbers = set(allergens)
    if unknown := sorted(numbers - set(ALLERGENS)):
        raise MenuError(N_("알 수 없는 알레르기 번호입니다: %(numbers)s"), numbers=", ".join(map(str, unknown)))
    if cafeteria_id is not None and session.get(Cafeteria, cafeteria_id) is None:
        raise MenuError(N_("선택한 구내식당이 없습니다. 목록에서 골라 주세요."))
    row = session.get(MenuProfile, user_id)
    if row is None:
        row = MenuProfile(user_id=user_id)
        session.add(row)
    row.allergens, row.cafeteria_id, row.morning_push = format_numbers(numbers), cafeteria_id, bool(morning_push)
    session.flush()
    return row


def _view(meal: Meal, avoid: frozenset[int]) -> MealView:
    dishes = [DishView(d.name, d.numbers, tuple(n for n in d.numbers if n in avoid)) for d in meal.dishes]
    return MealView(meal.meal, MEAL_LABELS[meal.meal], meal.calories, meal.servings, dishes)


def meals_between(session: Session, cafeteria_id: int, first: date, last: date,
                  avoid: frozenset[int] = frozenset()) -> dict[date, list[MealView]]:
    """Every day from ``first`` to ``last`` → its meals in 조식, 중식, 석식 order (a day without any is empty)."""
    order = list(MEAL_LABELS)
    rows = session.scalars(select(Meal).where(Meal.cafeteria_id == cafeteria_id, Meal.day >= first,
                                              Meal.day <= last))
    out: dict[date, list[MealView]] = {first + timedelta(days=i): [] for i in range((last - first).days + 1)}
    for meal in sorted(rows, key=lambda m: (m.day, order.index(m.meal))):
        out[meal.day].append(_view(meal, avoid))
    return out


def week(session: Session, user_id: int, day: date, cafeteria_id: int | None = None) -> dict[str, Any]:
    """The week page's data: the cafeteria, its days with their meals, the reader's allergens."""
    mine, listed = profile(session, user_id), cafeterias(session)
    chosen = choose_cafeteria(session, user_id, cafeteria_id, mine=mine, listed=listed)
    avoid = mine.numbers
    days = week_days(day)
    menus = meals_between(session, chosen.id, days[0], days[-1], avoid) if chosen else {}
    if menus and not any(menus[d] for d in days[5:]):
        days = days[:5]  # most cafeterias close at the weekend: the page shows Monday to Friday then
    return {"cafeteria": chosen, "cafeterias": listed, "days": days,
            "menus": menus, "avoid": sorted(avoid), "today": today()}


def home_context(session: Session, user: User) -> dict[str, Any]:
    """What templates/menu/_home.html needs: today's meals of the person's cafeteria, matches marked.

    One query (the home page allows one per card): the chosen cafeteria and the profile's allergens come from
    scalar subqueries, today's meals and dishes from outer joins."""
    day = today()
    mine = select(MenuProfile.cafeteria_id).where(MenuProfile.user_id == user.id).scalar_subquery()
    first = select(Cafeteria.id).order_by(Cafeteria.position, Cafeteria.id).limit(1).scalar_subquery()
    allergens = select(MenuProfile.allergens).where(MenuProfile.user_id == user.id).scalar_subquery()
    rows = session.execute(
        select(Cafeteria, allergens, Meal.meal, Meal.calories, Meal.servings, MenuDish.name, MenuDish.allergens)
        .where(Cafeteria.id == func.coalesce(mine, first))
        .outerjoin(Meal, and_(Meal.cafeteria_id == Cafeteria.id, Meal.day == day))
        .outerjoin(MenuDish, MenuDish.meal_id == Meal.id)
        .order_by(Meal.meal, MenuDish.position)).all()
    if not rows:
        return {"menu_cafeteria": None, "menu_day": day, "menu_meals": []}
    avoid = parse_numbers(rows[0][1] or "")
    dishes: dict[str, list[DishView]] = {}
    figures: dict[str, tuple[float | None, int | None]] = {}
    for _, _, code, calories, servings, name, numbers in rows:
        if code is None:
            continue
        figures[code] = (calories, servings)
        if name is not None:
            parsed = tuple(sorted(parse_numbers(numbers)))
            dishes.setdefault(code, []).append(DishView(name, parsed, tuple(n for n in parsed if n in avoid)))
    meals = [MealView(code, MEAL_LABELS[code], *figures[code], dishes.get(code, []))
             for code in MEAL_LABELS if code in figures]
    return {"menu_cafeteria": rows[0][0], "menu_day": day, "menu_meals": meals}


def parse_dishes(text: str) -> list[tuple[str, tuple[int, ...]]]:
    """The dishes of a 메뉴 cell or the console's box, one a line; raises DishError."""
    dishes = [parse_dish(line) for line in text.splitlines() if line.strip()]
    if len(dishes) > MAX_DISHES:
        raise DishError(N_("메뉴가 너무 많습니다 (한 끼에 최대 %(limit)s개)."), limit=MAX_DISHES)
    return dishes


def dishes_text(meal: Meal | None) -> str:
    """A meal's dishes back in the file's notation, for the console's box."""
    if meal is None:
        return ""
    return "\n".join(f"{d.name} ({d.allergens})" if d.allergens else d.name for d in meal.dishes)


def find_meal(session: Session, cafeteria_id: int, day: date, code: str) -> Meal | None:
    return session.scalar(select(Meal).where(Meal.cafeteria_id == cafeteria_id, Meal.day == day, Meal.meal == code))


def set_meal(session: Session, cafeteria_id: int, day: date, code: str,
             dishes: list[tuple[str, tuple[int, ...]]], calories: float | None, servings: int | None) -> str:
    """Write one meal (no dish: remove it); returns "added", "updated", "unchanged" or "removed"."""
    meal = find_meal(session, cafeteria_id, day, code)
    if not dishes:
        if meal is None:
            return "unchanged"
        session.delete(meal)
        session.flush()
        return "removed"
    wanted = [(name, format_numbers(numbers)) for name, numbers in dishes]
    if meal is None:
        meal = Meal(cafeteria_id=cafeteria_id, day=day, meal=code)
        session.add(meal)
        outcome = "added"
    elif [(d.name, d.allergens) for d in meal.dishes] == wanted and (meal.calories, meal.servings) == (
            calories, servings):
        return "unchanged"
    else:
        outcome = "updated"
    meal.calories, meal.servings = calories, servings
    meal.dishes = [MenuDish(position=i, name=name, allergens=numbers) for i, (name, numbers) in enumerate(wanted)]
    session.flush()
    return outcome


__all__ = ["ALLERGENS", "MEALS", "MEAL_LABELS", "DishError", "MenuError", "format_numbers", "home_context",
           "parse_numbers", "set_meal", "week"]
