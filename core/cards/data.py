"""What a card shows, read from the directory at the moment it is asked for (never copied into the card)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from core.models.cards import BusinessCard
from core.phone import format_korean

# The city hall's address: the default for every institution and department without its own entry.
DEFAULT_ADDRESS = "경기도 고양시 덕양구 고양시청로 10"


@dataclass(frozen=True)
class CardData:
    name: str
    title: str
    department: str
    institution: str
    phone: str          # E.164, blank when none
    mobile: str         # E.164, blank when none or when the owner hides it
    email: str
    address: str
    url: str            # the card's public short URL

    @property
    def phone_display(self) -> str:
        return format_korean(self.phone)

    @property
    def mobile_display(self) -> str:
        return format_korean(self.mobile)


def address_map(settings: dict[str, Any]) -> dict[str, str]:
    """``CARD_ADDRESSES``: a JSON object of "기관" or "기관/부서" (or "기관/상위부서") → address.
    A malformed value is ignored rather than breaking every card."""
    raw = settings.get("CARD_ADDRESSES") or ""
    if isinstance(raw, dict):
        return {str(k): str(v) for k, v in raw.items()}
    try:
        parsed = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in parsed.items()} if isinstance(parsed, dict) else {}


def office_address(settings: dict[str, Any], institution: str, parent: str, department: str) -> str:
    """The most specific address known: department, then the bureau/district above it, then the institution."""
    known = address_map(settings)
    for key in (f"{institution}/{department}", f"{institution}/{parent}", institution):
        if key in known and known[key].strip():
            return known[key].strip()
    return str(settings.get("CARD_DEFAULT_ADDRESS") or DEFAULT_ADDRESS)


def card_url(settings: dict[str, Any], token: str) -> str:
    return str(settings.get("PUBLIC_BASE_URL", "")).rstrip("/") + f"/c/{token}"


def card_data(card: BusinessCard, settings: dict[str, Any]) -> CardData:
    person = card.person
    dept = person.department
    institution = dept.organization if dept else ""
    return CardData(
        name=person.name, title=person.title or "", department=dept.name if dept else "",
        institution=institution, phone=person.phone or "",
        mobile=(person.mobile or "") if card.show_mobile else "", email=person.email or "",
        address=office_address(settings, institution, dept.parent if dept else "", dept.name if dept else ""),
        url=card_url(settings, card.token))
