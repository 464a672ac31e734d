"""The directory snapshot that staff phones keep for offline search.

The page script downloads it, stores it in IndexedDB and searches it locally when
the network is gone. It carries only what the result list shows, plus the name's
Hangul initials so the phone need not decompose 5,000 names on every start, and the
reading rules as data (``rules``: the word lists of core.directory.query, every
department's keys, the voice dialling thresholds) so that the phone's matcher does not
keep a second copy of them.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import app_settings
from core.directory.query import word_lists
from core.directory.voice import CALL_MARGIN, CALL_MIN_SCORE, CANDIDATES
from core.hangul import department_keys, initials, strip_department_suffix
from core.models.organization import Department, Person
from core.phone import format_korean


def display_phone(e164: str) -> str:
    """``+823180751234`` → ``031-8075-1234``, as ``core.phone.format_korean`` writes it.

    The common Korean shapes are formatted directly: parsing 10,000 numbers with
    phonenumbers would make every snapshot take half a second. Anything else goes
    through ``format_korean``.
    """
    if not e164.startswith("+82") or not e164[1:].isdigit():
        return format_korean(e164)
    national = "0" + e164[3:]
    if national.startswith("02"):
        area, lengths = 2, (7, 8)
    elif national[1] in "3456" and national[2] in "123456789":
        area, lengths = 3, (7, 8)   # 031 … 064: the provinces' area codes
    elif national.startswith("010"):
        area, lengths = 3, (8,)
    else:
        return format_korean(e164)
    rest = national[area:]
    if len(rest) not in lengths:
        return format_korean(e164)
    return f"{national[:area]}-{rest[:-4]}-{rest[-4:]}"


@dataclass(frozen=True)
class Snapshot:
    entries: list[dict]
    include_mobile: bool
    etag: str
    entries_json: bytes  # serialised once: it is both hashed for the ETag and sent
    rules: dict | None = None

    def to_json(self, generated_at: datetime) -> bytes:
        head = json.dumps({"generated_at": generated_at.isoformat(timespec="seconds"), "version": self.etag,
                           "include_mobile": self.include_mobile, "count": len(self.entries),
                           "rules": self.rules}, ensure_ascii=False, separators=(",", ":"))
        return head[:-1].encode() + b',"entries":' + self.entries_json + b"}"


def build(session: Session) -> Snapshot:
    """Every directory entry in the fields offline search needs; mobiles only if the admin allows."""
    include_mobile = bool(app_settings.get(session, app_settings.OFFLINE_INCLUDE_MOBILE))
    rows = session.execute(
        select(Person.id, Person.kind, Person.name, Person.title, Person.duty, Person.extension, Person.phone,
               Person.mobile, Person.email, Department.organization, Department.name, Department.search_key)
        .outerjoin(Department, Person.department_id == Department.id)
        .order_by(Person.name, Person.id)
    ).all()
    entries = []
    for (pid, kind, name, title, duty, extension, phone, mobile, email,
         organization, department, dept_key) in rows:
        entry = {"id": pid, "kind": kind, "name": name, "initials": initials(name),
                 "organization": organization or "", "department": department or "",
                 "dept_key": dept_key or strip_department_suffix(department or ""),
                 "title": title, "duty": duty, "extension": extension,
                 "phone": display_phone(phone), "email": email or ""}
        if include_mobile:
            entry["mobile"] = display_phone(mobile)
        entries.append(entry)
    entries_json = json.dumps(entries, ensure_ascii=False, separators=(",", ":")).encode()
    rules = reading_rules(session)
    # The ETag depends on the content only, so an unchanged directory (and unchanged rules) answers 304.
    digest = hashlib.sha256(b"%d:" % include_mobile + entries_json +
                            json.dumps(rules, ensure_ascii=False, sort_keys=True).encode()).hexdigest()
    return Snapshot(entries=entries, include_mobile=include_mobile, etag=digest[:32], entries_json=entries_json,
                    rules=rules)


def reading_rules(session: Session) -> dict:
    """What the phone's matcher reads requests with: the shared word lists and every department's keys."""
    departments = [{"organization": org or "", "name": name, "keys": department_keys(name, org or "")}
                   for name, org in session.execute(select(Department.name, Department.organization)
                                                    .order_by(Department.id))]
    return {"words": word_lists(), "departments": departments,
            "voice": {"call_min_score": CALL_MIN_SCORE, "call_margin": CALL_MARGIN, "candidates": CANDIDATES}}
