"""Cafeteria menus (구내식당): cafeterias, one menu per cafeteria, day and meal, its dishes with their allergen
numbers (NEIS convention), and each person's allergen profile, cafeteria and morning-warning choice."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base
from core.timeutil import utcnow


class Cafeteria(Base):
    __tablename__ = "menu_cafeterias"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)       # 시청 본관, 일산동구청, …
    position: Mapped[int] = mapped_column(Integer, default=0)        # the order of the switcher


class Meal(Base):
    """One meal (조식, 중식 or 석식) of one cafeteria on one day."""

    __tablename__ = "menu_meals"
    __table_args__ = (UniqueConstraint("cafeteria_id", "day", "meal", name="uq_menu_meals_day_meal"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cafeteria_id: Mapped[int] = mapped_column(ForeignKey("menu_cafeterias.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    meal: Mapped[str] = mapped_column(String(16))                    # breakfast | lunch | dinner
    calories: Mapped[float | None] = mapped_column(Float)            # kcal
    servings: Mapped[int | None] = mapped_column(Integer)            # 식수
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    dishes: Mapped[list[MenuDish]] = relationship(order_by="MenuDish.position", cascade="all, delete-orphan",
                                                  passive_deletes=True, lazy="selectin")


class MenuDish(Base):
    __tablename__ = "menu_dishes"

    id: Mapped[int] = mapped_column(primary_key=True)
    meal_id: Mapped[int] = mapped_column(ForeignKey("menu_meals.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(100))
    allergens: Mapped[str] = mapped_column(String(64), default="")   # "5.9.18", ascending, as NEIS writes them

    @property
    def numbers(self) -> tuple[int, ...]:
        return tuple(int(n) for n in self.allergens.split(".") if n)


class MenuProfile(Base):
    """A person's own choices: the allergens they avoid, their cafeteria, whether they want the morning push."""

    __tablename__ = "menu_profiles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    allergens: Mapped[str] = mapped_column(String(64), default="")
    cafeteria_id: Mapped[int | None] = mapped_column(ForeignKey("menu_cafeterias.id", ondelete="SET NULL"))
    morning_push: Mapped[bool] = mapped_column(Boolean, default=False)
    warned_on: Mapped[date | None] = mapped_column(Date)             # the last day warned: one push a day at most
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    @property
    def numbers(self) -> frozenset[int]:
        return frozenset(int(n) for n in self.allergens.split(".") if n)
