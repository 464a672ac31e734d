"""Korean phone numbers: parse any common form, store E.164, show the Korean way, mask."""
from __future__ import annotations

import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat

from core.i18n import N_, MessageError

_NON_DIGITS = re.compile(r"\D")


class InvalidPhone(MessageError):
    pass


def digits(value: str) -> str:
    return _NON_DIGITS.sub("", value or "")


def normalize(raw: str) -> str:
    """``031-8075-1234``, ``0318075-1234`` or ``+82 31-8075-1234`` → ``+823180751234``."""
    text = (raw or "").strip()
    if not text:
        raise InvalidPhone(N_("전화번호가 비어 있습니다."))
    try:
        number = phonenumbers.parse(text, "KR")
    except NumberParseException as exc:
        raise InvalidPhone(N_("전화번호 형식이 올바르지 않습니다: %(value)s"), value=text) from exc
    if not well_formed(number):
        raise InvalidPhone(N_("유효하지 않은 전화번호입니다: %(value)s"), value=text)
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


# Korean numbers by their national significant number (after the trunk 0): the prefix and the length the
# numbering plan gives each kind. phonenumbers' "valid" ranges lag behind the carriers (in 9.0.x it calls
# 010-5970-0000 … 010-5999-9999 invalid), and one real citizen's number must never stop a PBX batch, so a
# Korean number is accepted by this shape alone.
KOREAN_FORMS = re.compile(
    r"1[016-9]\d{7,8}"                 # mobile: 010-XXXX-XXXX (also 010-XXX-XXXX), 011/016-019 old numbers
    r"|2\d{7,8}"                       # Seoul 02-XXX(X)-XXXX
    r"|(?:3[1-3]|4[1-4]|5[1-5]|6[1-4])\d{7,8}"  # area codes 031-064
    r"|70\d{8}"                        # 070 internet telephony
    r"|50[2-8]\d{7,8}"                 # 0502-0508 personal numbers
    r"|80\d{7,8}"                      # 080 toll-free
    r"|1[5-8]\d{6}")                   # representative numbers 15XX/16XX/18XX-XXXX


def well_formed(number: phonenumbers.PhoneNumber) -> bool:
    """A Korean number of a form and length in use; any other country's by phonenumbers' possible lengths."""
    if number.country_code != 82:
        return phonenumbers.is_possible_number(number)
    national = str(number.national_number)
    return not number.italian_leading_zero and KOREAN_FORMS.fullmatch(national) is not None


def try_normalize(raw: str) -> str | None:
    try:
        return normalize(raw)
    except InvalidPhone:
        return None


def to_domestic_digits(e164: str) -> str:
    """``+821012345678`` → ``01012345678`` (the form Kakao wants)."""
    return "0" + e164[3:] if e164.startswith("+82") else digits(e164)


def format_korean(e164: str) -> str:
    """``+823180751234`` → ``031-8075-1234``; blank stays blank."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, "KR")
    except NumberParseException:
        return e164
    return phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)


def mask(value: str) -> str:
    """``+821012345678`` or ``010-1234-5678`` → ``010-****-5678``. Never reveals the middle."""
    shown = format_korean(value) if value.startswith("+") else value
    parts = shown.split("-")
    if len(parts) == 3:
        return f"{parts[0]}-{'*' * len(parts[1])}-{parts[2]}"
    d = digits(shown)
    return ("*" * max(len(d) - 4, 0)) + d[-4:] if d else ""
