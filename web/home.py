"""The home screen's cards: each area registers one from its blueprint's ``init_app``.

    from web.home import register_home_card
    register_home_card("duty", "duty/_home.html", core.duty.home_context, order=20)

``context_fn(session, user) -> dict`` runs once per home page, before the page renders; its keys become
variables of the whole page, so name them after the area (``next_duty``, ``menu_meals``...). It should cost
one query at most (tests/home counts them). ``context_fn`` may be None for a partial that asks for its data
itself. An area that never registers simply has no card, and a registered template that does not exist is
skipped (``{% include ... ignore missing %}``).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

ContextFn = Callable[[Session, Any], dict[str, Any]]


@dataclass(frozen=True)
class HomeCard:
    name: str
    template: str
    context_fn: ContextFn | None = None
    order: int = 100


_cards: dict[str, HomeCard] = {}


def register_home_card(name: str, template: str, context_fn: ContextFn | None = None, order: int = 100) -> None:
    """Add (or replace, by name: every app created in one process registers again) the card of an area."""
    _cards[name] = HomeCard(name, template, context_fn, order)


def unregister_home_card(name: str) -> None:
    _cards.pop(name, None)


def cards() -> list[HomeCard]:
    return sorted(_cards.values(), key=lambda card: (card.order, card.name))


def home_context(session: Session, user: Any) -> tuple[list[HomeCard], dict[str, Any]]:
    """The cards in order and the variables their context functions give, merged into one dict."""
    chosen = cards()
    variables: dict[str, Any] = {}
    for card in chosen:
        if card.context_fn is not None:
            variables.update(card.context_fn(session, user))
    return chosen, variables
