"""The 19 allergen classes numbered by school and public meal services (NEIS), and the dish notation
``두부새우젓국 (5.9.18)``: the dish's name, then its allergen numbers in brackets, separated by dots."""
from __future__ import annotations

import re
from collections.abc import Iterable

from core.i18n import N_, MessageError

# number → Korean name (a msgid: pages translate it, stored text and pushes keep the Korean).
ALLERGENS: dict[int, str] = {
    1: N_("난류"), 2: N_("우유"), 3: N_("메밀"), 4: N_("땅콩"), 5: N_("대두"), 6: N_("밀"), 7: N_("고등어"),
    8: N_("게"), 9: N_("새우"), 10: N_("돼지고기"), 11: N_("복숭아"), 12: N_("토마토"), 13: N_("아황산류"),
    14: N_("호두"), 15: N_("닭고기"), 16: N_("쇠고기"), 17: N_("오징어"), 18: N_("조개류(굴·전복·홍합 포함)"),
    19: N_("잣"),
}
NAME_MAX = 100
# A trailing bracket that starts with a digit holds the allergen numbers (NEIS exports sometimes put a full stop
# after it); any other bracket, such as "(국내산)", is part of the name.
_TRAILING = re.compile(r"^(?P<name>.*?)\s*[(（](?P<numbers>\s*\d[^()（）]*)[)）]\.?\s*$")


class DishError(MessageError):
    """A dish line that cannot be read."""


def parse_dish(line: str) -> tuple[str, tuple[int, ...]]:
    """``"두부새우젓국 (5.9.18)"`` → ``("두부새우젓국", (5, 9, 18))``; a dish without a bracket has none.

    Raises DishError for an empty name, a name over NAME_MAX characters or a number outside 1–19."""
    text = " ".join(line.split())
    match = _TRAILING.match(text)
    name, numbers = (match["name"], match["numbers"]) if match else (text, "")
    name = name.strip()
    if not name:
        raise DishError(N_("메뉴 이름이 비어 있습니다: %(line)s"), line=text)
    if len(name) > NAME_MAX:
        raise DishError(N_("메뉴 이름이 너무 깁니다 (최대 %(limit)s자): %(line)s"), line=text[:40], limit=NAME_MAX)
    found: set[int] = set()
    for part in re.split(r"[.,\s]+", numbers):
        if not part:
            continue
        number = int(part) if part.isdigit() and len(part) <= 3 else 0
        if number not in ALLERGENS:
            raise DishError(N_("알 수 없는 알레르기 번호 %(number)s: %(line)s (1~19만 쓸 수 있습니다)"),
                            number=part, line=text)
        found.add(number)
    return name, tuple(sorted(found))


def format_numbers(numbers: Iterable[int]) -> str:
    """The stored and written form: ``"5.9.18"``."""
    return ".".join(str(n) for n in sorted(set(numbers)))


def parse_numbers(text: str) -> frozenset[int]:
    """The stored form back; anything that is not a known number is dropped (a stored value is ours)."""
    return frozenset(int(n) for n in text.split(".") if n.isdigit() and int(n) in ALLERGENS)
