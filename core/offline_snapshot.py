"""The directory snapshot that staff phones keep for offline search.

The page script downloads it, stores it in IndexedDB and searches it locally when
the network is gone. It carries only what the result list shows, plus the name's
Hangul initials so the phone need not decompose 5,000 names on every start.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import app_settings
from core.models.organization import Department, Person
from core.phone import format_korean

_CHOSEONG = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
_SYLLABLE_FIRST, _SYLLABLE_LAST, _PER_INITIAL = 0xAC00, 0xD7A3, 21 * 28


def initials(text: str) -> str:
    """``김민준`` → ``ㄱㅁㅈ``; characters that are not Hangul syllables are kept as they are."""
    out = []
    for char in text:
        code = ord(char)
        if _SYLLABLE_FIRST <= code <= _SYLLABLE_LAST:
            out.append(_CHOSEONG[(code - _SYLLABLE_FIRST) // _PER_INITIAL])
        elif not char.isspace():
            out.append(char)
    return "".join(out)


@dataclass(frozen=True)
class Snapshot:
    entries: list[dict]
    include_mobile: bool
    etag: str

    def to_json(self, generated_at: datetime) -> bytes:
        body = {"generated_at": generated_at.isoformat(timespec="seconds"), "version": self.etag,
                "include_mobile": self.include_mobile, "count": len(self.entries), "entries": self.entries}
        return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


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
                 "dept_key": dept_key or (department or "").replace(" ", ""),
                 "title": title, "duty": duty, "extension": extension,
                 "phone": format_korean(phone), "email": email or ""}
        if include_mobile:
            entry["mobile"] = format_korean(mobile)
        entries.append(entry)
    # The ETag depends on the content only, so an unchanged directory answers 304.
    digest = hashlib.sha256(json.dumps([include_mobile, entries], ensure_ascii=False).encode()).hexdigest()
    return Snapshot(entries=entries, include_mobile=include_mobile, etag=digest[:32])
