"""The line rules: which number and which guidance message a line may carry, in one place.

Every way of creating or changing a line applies them: the import (``core.lettering.lines_import``), the
console form, the console's bulk actions (``core.lettering.lines_bulk``) and the demo data.

- A line is one of the city's own landline or representative numbers: never a mobile or 070 number, and
  inside ``LINE_NUMBER_PREFIXES`` when that is set (:func:`line_number_problem`).
- The guidance message is at most ``MESSAGE_MAX`` characters, counted after NFC normalisation; a longer one
  is refused, never cut (:func:`message_problem`).
- A number that the directory (``Person.phone`` or ``Person.mobile``) gives to someone in *another*
  department is refused: ``/verify`` would vouch for the line to citizens, and the directory would name the
  other department. The same number as a directory entry of the line's *own* department is allowed and
  reported as a notice (:func:`directory_check`).
- A number is on one line only (the import names the earlier row, the form says it is taken).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core.i18n import N_, Message, label
from core.models.lettering import MESSAGE_MAX, Line
from core.models.organization import Department, Person
from core.phone import format_korean, to_domestic_digits
from core.settings import DEFAULTS

# Numbers that belong to a person, never to the city's switchboard: mobiles (010, 011, 016-019) and 070
# internet telephony, which anyone can take out. ``/verify`` vouches for every line to citizens.
PERSONAL_PREFIXES = ("+8210", "+8211", "+8216", "+8217", "+8218", "+8219", "+8270")

CLASH_PHONE = N_("회선번호 %(number)s은(는) 디렉터리에서 다른 부서(%(department)s) 직원의 직통전화입니다.")
CLASH_MOBILE = N_("회선번호 %(number)s은(는) 디렉터리에서 다른 부서(%(department)s) 직원의 휴대전화입니다.")
CLASH_CONTACT = N_("회선번호 %(number)s은(는) 디렉터리에서 다른 부서(%(department)s)의 연락처 번호입니다.")
NO_DEPARTMENT = N_("소속 없음")
SHARED_NOTICE = N_("회선번호 %(number)s은(는) 같은 부서 %(name)s의 디렉터리 번호와 같습니다. 허용되지만 확인해 주세요.")
DUPLICATE_ROW = N_("회선번호가 %(row)s행과 중복됩니다.")
DUPLICATE_LINE = N_("이미 등록된 회선번호입니다.")


def line_prefixes(settings: dict[str, Any] | None = None) -> tuple[str, ...]:
    """``LINE_NUMBER_PREFIXES`` (comma-separated E.164 prefixes, e.g. ``+82318075,+82319``) as a tuple;
    empty when the setting is blank (then any landline or representative number may be a line)."""
    raw = (settings or DEFAULTS).get("LINE_NUMBER_PREFIXES", DEFAULTS["LINE_NUMBER_PREFIXES"])
    items = raw if isinstance(raw, (list, tuple)) else str(raw or "").split(",")
    return tuple(p for p in ("".join(str(item).split()) for item in items) if p)


def _shown_prefix(prefix: str) -> str:
    """``+82318075`` → ``031-8075``, ``+82319`` → ``031-9``, as people read a range."""
    domestic = to_domestic_digits(prefix)
    area = 2 if domestic.startswith("02") else 3
    return domestic[:area] + ("-" + domestic[area:] if len(domestic) > area else "")


def line_number_problem(number: str, prefixes: tuple[str, ...]) -> Message | None:
    """Why an E.164 number may not be an official line, or None."""
    if number.startswith(PERSONAL_PREFIXES):
        return Message(N_("휴대전화나 인터넷전화(070) 번호는 공식 회선으로 등록할 수 없습니다. "
                          "시의 일반 전화나 대표번호를 입력해 주세요."))
    if prefixes and not number.startswith(prefixes):
        return Message(N_("회선번호가 시의 번호 대역(%(prefixes)s)에 속하지 않습니다."),
                       {"prefixes": ", ".join(_shown_prefix(p) for p in prefixes)})
    return None


def message_problem(message: str) -> Message | None:
    """Why a (normalised) guidance message may not be shown, or None. Never shortened: the person who wrote it
    decides what to drop."""
    if not message:
        return Message(N_("안내문구가 비어 있습니다."))
    if len(message) > MESSAGE_MAX:
        return Message(N_("안내문구는 %(max)s자 이하여야 합니다 (현재 %(length)s자)."),
                       {"max": MESSAGE_MAX, "length": len(message)})
    return None


@dataclass(frozen=True)
class Holder:
    """A directory entry that has a number."""
    department_id: int | None
    department: str
    name: str
    kind: str       # staff | contact
    field: str      # phone | mobile


@dataclass
class Directory:
    """The directory's numbers (E.164) and who holds them; load it once for a batch of lines."""
    holders: dict[str, list[Holder]] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session, numbers: Iterable[str] | None = None) -> Directory:
        """Every directory number, or only ``numbers`` (one line's check: an indexed look-up)."""
        query = (select(Person.phone, Person.mobile, Person.name, Person.kind, Person.department_id,
                        Department.name).outerjoin(Department, Department.id == Person.department_id))
        if numbers is not None:
            wanted = sorted({n for n in numbers if n})
            if not wanted:
                return cls()
            query = query.where(or_(Person.phone.in_(wanted), Person.mobile.in_(wanted)))
        else:
            query = query.where(or_(Person.phone != "", Person.mobile != ""))
        found = cls()
        for phone, mobile, name, kind, dept_id, dept_name in session.execute(query):
            for number, kind_of in ((phone, "phone"), (mobile, "mobile")):
                if number:
                    found.holders.setdefault(number, []).append(
                        Holder(dept_id, dept_name or "", name, kind, kind_of))
        return found

    def of(self, number: str) -> list[Holder]:
        return self.holders.get(number, [])


def directory_check(number: str, department_id: int | None, directory: Directory) -> tuple[Message | None,
                                                                                           Message | None]:
    """(refusal, notice) for a line with ``number`` in ``department_id`` (None: a department that does not
    exist yet, so every holder is in another one)."""
    notice = None
    shown = format_korean(number)
    for holder in directory.of(number):
        if department_id is not None and holder.department_id == department_id:
            notice = notice or Message(SHARED_NOTICE, {"number": shown, "name": holder.name})
            continue
        template = CLASH_CONTACT if holder.kind == "contact" else CLASH_MOBILE if holder.field == "mobile" \
            else CLASH_PHONE
        department = holder.department or label(NO_DEPARTMENT)
        return Message(template, {"number": shown, "department": department}), None
    return None, notice


def clashes(session: Session) -> list[tuple[int, str, str]]:
    """Every stored line that breaks the directory rule, as (line id, number, holder's department): the demo
    check and an audit of old data."""
    directory = Directory.load(session)
    found = []
    for line_id, number, dept_id in session.execute(select(Line.id, Line.number, Line.department_id)):
        refusal, _notice = directory_check(number, dept_id, directory)
        if refusal is not None:
            found.append((line_id, number, str(refusal)))
    return found
