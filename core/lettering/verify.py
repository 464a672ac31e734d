"""The citizens' number check against voice phishing: is this an official Goyang number?

A number is official when it is an active administrative line (the lettering lines) or the
direct line of a member of staff in the directory. Personal mobiles are never matched, and a
member of staff's name is never revealed: the answer names only the institution and department.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models.lettering import Line
from core.models.organization import Person
from core.phone import format_korean, try_normalize

MAX_INPUT = 40


@dataclass(frozen=True)
class VerifyResult:
    status: str              # official | unknown | invalid | empty
    number: str = ""         # the typed number in Korean format (official or unknown only)
    institution: str = ""
    department: str = ""

    @property
    def official(self) -> bool:
        return self.status == "official"


def verify_number(session: Session, raw: str | None) -> VerifyResult:
    text = (raw or "").strip()[:MAX_INPUT]
    if not text:
        return VerifyResult("empty")
    e164 = try_normalize(text)
    if e164 is None:
        return VerifyResult("invalid")
    shown = format_korean(e164)
    line = session.scalar(select(Line).where(Line.number == e164, Line.active))
    if line is not None:
        return VerifyResult("official", shown, line.institution, line.department_name)
    person = session.scalar(select(Person).where(Person.phone == e164, Person.kind == "staff")
                            .order_by(Person.id).limit(1))
    if person is not None and person.department is not None:
        return VerifyResult("official", shown, person.department.organization, person.department.name)
    return VerifyResult("unknown", shown)
