"""Smart business cards (모바일 명함): the card row of a directory person, its counters and the admins'
policy-of-the-month link. What a card shows comes from ``core.cards.data`` at request time."""
from __future__ import annotations

import re
import secrets
import string
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.i18n import N_, MessageError
from core.models.cards import BusinessCard, BusinessCardDay, CardPolicyLink
from core.timeutil import to_kst, utcnow

# 9 characters of 62: about 53 bits, unguessable for a page that shows only what a paper card shows.
TOKEN_ALPHABET = string.ascii_letters + string.digits
TOKEN_LENGTH = 9
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9]{6,16}$")
COUNTERS = ("views", "downloads", "qr_scans")
POLICY_LABEL_MAX, POLICY_URL_MAX = 60, 500


class PolicyLinkError(MessageError):
    """A policy-of-the-month link that cannot be saved, with the reason for the admin."""


@dataclass(frozen=True)
class Counts:
    views: int = 0
    downloads: int = 0
    qr_scans: int = 0


def new_token() -> str:
    return "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(TOKEN_LENGTH))


def card_of_person(session: Session, person_id: int) -> BusinessCard | None:
    return session.scalar(select(BusinessCard).where(BusinessCard.person_id == person_id))


def ensure_card(session: Session, person_id: int) -> BusinessCard:
    """The person's card, made on first use (the owner's 내 명함 page); the caller commits."""
    card = card_of_person(session, person_id)
    if card is not None:
        return card
    for _attempt in range(5):
        try:
            with session.begin_nested():
                card = BusinessCard(person_id=person_id, token=new_token(), show_mobile=False)
                session.add(card)
            return card
        except IntegrityError:
            # Another request made the card at the same moment (or, vanishingly, the token repeated).
            existing = card_of_person(session, person_id)
            if existing is not None:
                return existing
    raise RuntimeError("could not allocate a card token")


def by_token(session: Session, token: str) -> BusinessCard | None:
    if not TOKEN_PATTERN.match(token or ""):
        return None
    return session.scalar(select(BusinessCard).where(BusinessCard.token == token))


def set_show_mobile(session: Session, card: BusinessCard, show: bool) -> None:
    card.show_mobile = bool(show)


def count(session: Session, card: BusinessCard, *fields: str, day: date | None = None) -> None:
    """Add one to each named counter of today's (KST) row. One UPDATE, so concurrent visits do not lose counts;
    the row is inserted on the day's first visit. Nothing about the visitor is stored."""
    unknown = set(fields) - set(COUNTERS)
    if unknown:
        raise ValueError(f"unknown card counters: {sorted(unknown)}")
    day = day or to_kst(utcnow()).date()
    values = {name: getattr(BusinessCardDay, name) + 1 for name in fields}
    where = (BusinessCardDay.card_id == card.id, BusinessCardDay.day == day)
    if session.execute(update(BusinessCardDay).where(*where).values(**values)).rowcount:
        return
    try:
        with session.begin_nested():
            session.add(BusinessCardDay(card_id=card.id, day=day,
                                        **{name: int(name in fields) for name in COUNTERS}))
    except IntegrityError:
        session.execute(update(BusinessCardDay).where(*where).values(**values))


def totals(session: Session, card: BusinessCard, since: date | None = None) -> Counts:
    query = select(*(func.coalesce(func.sum(getattr(BusinessCardDay, n)), 0) for n in COUNTERS)).where(
        BusinessCardDay.card_id == card.id)
    if since is not None:
        query = query.where(BusinessCardDay.day >= since)
    row = session.execute(query).one()
    return Counts(*(int(v) for v in row))


def policy_link(session: Session) -> CardPolicyLink | None:
    """The link as stored (for the console), enabled or not."""
    return session.get(CardPolicyLink, 1)


def shown_policy_link(session: Session) -> CardPolicyLink | None:
    """The link the cards show: only when set and turned on."""
    link = policy_link(session)
    return link if link is not None and link.enabled and link.url and link.label else None


def save_policy_link(session: Session, *, label: str, url: str, enabled: bool) -> CardPolicyLink:
    """Check and store the link (an empty label and URL clears it); the caller commits."""
    label, url = (label or "").strip(), (url or "").strip()
    if any(ord(c) < 0x20 or c == "\x7f" for c in label + url):
        raise PolicyLinkError(N_("쓸 수 없는 문자가 들어 있습니다."))
    if len(label) > POLICY_LABEL_MAX:
        raise PolicyLinkError(N_("제목은 %(n)d자까지 쓸 수 있습니다."), n=POLICY_LABEL_MAX)
    if len(url) > POLICY_URL_MAX:
        raise PolicyLinkError(N_("주소는 %(n)d자까지 쓸 수 있습니다."), n=POLICY_URL_MAX)
    if bool(label) != bool(url):
        raise PolicyLinkError(N_("제목과 주소를 함께 입력해 주세요."))
    if url:
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname or parts.username or parts.password:
            raise PolicyLinkError(N_("주소는 https:// 로 시작하는 웹 주소여야 합니다."))
    link = policy_link(session)
    if link is None:
        link = CardPolicyLink(id=1)
        session.add(link)
    link.label, link.url, link.enabled = label, url, bool(enabled)
    return link
