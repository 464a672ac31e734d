"""vCard 3.0 (RFC 2426) for a card: iPhone's Contacts reads 3.0 best. Korean names are split family/given
so that Contacts sorts and shows them as Koreans write them."""
from __future__ import annotations

from core.cards.data import CardData

# Two-syllable family names (복성); any other Korean name's family name is its first syllable.
TWO_SYLLABLE_SURNAMES = frozenset({"남궁", "황보", "제갈", "선우", "독고", "사공", "서문", "동방", "망절", "어금"})
FOLD_OCTETS = 75


def _is_hangul(text: str) -> bool:
    return bool(text) and all("\uac00" <= ch <= "\ud7a3" for ch in text)


def split_name(name: str) -> tuple[str, str]:
    """(family, given). ``김민준`` → (김, 민준); ``남궁민수`` → (남궁, 민수); ``John Smith`` → (Smith, John)."""
    name = name.strip()
    compact = name.replace(" ", "")
    if _is_hangul(compact):
        if len(compact) >= 3 and compact[:2] in TWO_SYLLABLE_SURNAMES:
            return compact[:2], compact[2:]
        return (compact[:1], compact[1:]) if len(compact) >= 2 else (compact, "")
    parts = name.split()
    if len(parts) >= 2:
        return parts[-1], " ".join(parts[:-1])
    return name, ""


def escape(value: str) -> str:
    """TEXT value escaping: backslash first, then , ; and newlines."""
    return (value.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def fold(line: str) -> str:
    """Fold a content line at 75 octets (UTF-8), never inside a character; continuations start with a space."""
    out: list[str] = []
    current, size, limit = "", 0, FOLD_OCTETS
    for ch in line:
        width = len(ch.encode("utf-8"))
        if size + width > limit:
            out.append(current)
            current, size, limit = " ", 1, FOLD_OCTETS
        current += ch
        size += width
    out.append(current)
    return "\r\n".join(out)


def build(card: CardData) -> str:
    """The whole vCard, CRLF line ends, folded."""
    family, given = split_name(card.name)
    lines = ["BEGIN:VCARD", "VERSION:3.0",
             f"N:{escape(family)};{escape(given)};;;",
             f"FN:{escape(card.name)}"]
    org = [escape(part) for part in (card.institution, card.department) if part]
    if org:
        lines.append("ORG:" + ";".join(org))
    if card.title:
        lines.append(f"TITLE:{escape(card.title)}")
    if card.phone:
        lines.append(f"TEL;TYPE=WORK,VOICE:{card.phone}")
    if card.mobile:
        lines.append(f"TEL;TYPE=CELL:{card.mobile}")
    if card.email:
        lines.append(f"EMAIL;TYPE=INTERNET,WORK:{escape(card.email)}")
    if card.address:
        # PO box; extended; street; locality; region; postal code; country
        lines.append(f"ADR;TYPE=WORK:;;{escape(card.address)};;;;{escape('대한민국')}")
    lines.append(f"URL:{card.url}")
    lines.append("END:VCARD")
    return "".join(fold(line) + "\r\n" for line in lines)

