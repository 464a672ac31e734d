"""The in-memory search index: one per process and database, rebuilt when the directory changes.

Searching 5,300 people in SQL with Hangul initials, jamo and suffix-less departments
would mean LIKE scans on every keystroke, so each process keeps the matching keys in
memory. Freshness:

* in this process, committing a session that touched people or departments (ORM
  changes, or :func:`mark_changed` after bulk statements) invalidates at once;
* other processes (several gunicorn workers, several machines on PostgreSQL) are
  noticed through a cheap stamp query (counts, max id, max ``updated_at``) made at
  most once every ``CHECK_SECONDS``.
"""
from __future__ import annotations

import threading
import time
import weakref
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from core import hangul
from core.models.organization import Department, Person
from core.phone import format_korean, to_domestic_digits

CHECK_SECONDS = 1.0
_generation = 0  # bumped when this process commits a directory change
_holders: weakref.WeakKeyDictionary[Engine, _Holder] = weakref.WeakKeyDictionary()
_holders_lock = threading.Lock()

# Field weights: among equally good matches, a name beats a department, a department a duty.
W_NAME, W_GIVEN, W_EXTENSION, W_DEPT, W_TITLE, W_PHONE, W_DUTY, W_ORG, W_GRADE, W_EMAIL = 9, 8, 9, 7, 6, 5, 5, 4, 3, 2


@dataclass(slots=True)
class Entry:
    """One person with everything search shows and every key it matches on."""

    id: int
    kind: str
    name: str
    organization: str
    parent: str
    department: str
    department_id: int | None
    title: str
    grade: str
    duty: str
    extension: str
    phone: str    # formatted for Korea, 031-8075-1234
    mobile: str
    email: str
    text_fields: tuple[tuple[str, int], ...] = ()     # (compact key, weight)
    initial_fields: tuple[tuple[str, int], ...] = ()  # (initial consonants, weight)
    digit_fields: tuple[tuple[str, int], ...] = ()    # (digits, weight)
    order: tuple = ()

    def as_result(self, score: float) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "organization": self.organization,
                "department": self.department, "title": self.title, "duty": self.duty,
                "extension": self.extension, "phone": self.phone, "mobile": self.mobile,
                "email": self.email, "score": round(score, 1)}


@dataclass(slots=True)
class DepartmentKey:
    key: str
    department_ids: list[int]
    name: str


class Scanner:
    """Substring search over one kind of key (text, initials or digits) of every entry.

    * Exact keys and one/two-character prefixes sit in tables ordered best first: a query
      whose exact (and prefix) hits already fill the page ("김", "주무관") is answered from them.
    * Every key is listed under each n-gram it contains; a query of at least ``n`` characters
      checks only the keys of its rarest n-gram ("김민준" looks at ~80 keys, not 50,000).
    * Shorter queries fall back to one ``str.find`` pass over all keys joined in a single
      string, each as ``\x01`` + weight + two owner characters + key.

    A hit's tier comes from where the query sits in the key: whole key exact, start prefix,
    elsewhere contains.
    """

    # The owner is two private-use characters (6,400² positions): staying inside the Basic
    # Multilingual Plane keeps the joined string at two bytes a character.
    OWNER_BASE, OWNER_SPAN = 0xE000, 6400
    SHORT = 2  # prefixes kept in ``prefix`` (``add`` fills lengths 1 and 2)

    def __init__(self, n: int = 2) -> None:
        self.n = n
        self._parts: list[str] = []
        self.keys: list[tuple[str, int, int]] = []  # (key, weight, entry position)
        self.grams: dict[str, Any] = {}             # n-gram → indexes into ``keys`` (an array once frozen)
        # key → {entry position: best weight} while adding; once frozen, position * 16 + weight, best first
        self.exact: dict[str, Any] = {}
        self.prefix: dict[str, Any] = {}
        self.text = ""

    def add(self, position: int, fields: tuple[tuple[str, int], ...]) -> None:
        high, low = divmod(position, self.OWNER_SPAN)
        owner = chr(self.OWNER_BASE + high) + chr(self.OWNER_BASE + low)
        n, grams = self.n, self.grams
        for value, weight in fields:
            if not value:
                continue
            self._parts.append("\x01" + chr(weight) + owner + value)
            key_id = len(self.keys)
            self.keys.append((value, weight, position))
            for gram in {value[i:i + n] for i in range(len(value) - n + 1)}:
                postings = grams.get(gram)
                if postings is None:
                    grams[gram] = [key_id]
                else:
                    postings.append(key_id)
            self._keep(self.exact, value, position, weight)
            if len(value) > 1:
                self._keep(self.prefix, value[:1], position, weight)
            if len(value) > 2:
                self._keep(self.prefix, value[:2], position, weight)

    @staticmethod
    def _keep(table: dict[str, dict[int, int]], key: str, position: int, weight: int) -> None:
        best = table.get(key)
        if best is None:
            table[key] = {position: weight}
        elif weight > best.get(position, 0):
            best[position] = weight

    def freeze(self, places: list[int]) -> None:
        """Join the keys; order each exact/prefix table best first (weight, then directory order)."""
        self.text = "".join(self._parts) + "\x01"
        self._parts = []
        # Packed arrays hold the ~400,000 postings in a tenth of the memory of lists of ints.
        self.grams = {gram: array("I", postings) for gram, postings in self.grams.items()}
        # Each (position, weight) pair packs into one unsigned int, best first: 50,000 small lists
        # of tuples would take several times the memory.
        for table in (self.exact, self.prefix):
            for key, owners in table.items():
                ordered = sorted(owners.items(), key=lambda item: (-item[1], places[item[0]]))
                table[key] = array("I", [position * 16 + weight for position, weight in ordered])

    def _postings(self, query: str) -> Sequence[int] | None:
        """Keys holding the query's rarest n-gram (a superset of the hits), or None if too short."""
        n = self.n
        if len(query) < n:
            return None
        best: Sequence[int] | None = None
        for i in range(len(query) - n + 1):
            postings = self.grams.get(query[i:i + n])
            if postings is None:
                return []
            if best is None or len(postings) < len(best):
                best = postings
        return best

    def estimate(self, query: str) -> int:
        """Roughly how many keys a scan for ``query`` visits (to pick the word to scan first)."""
        postings = self._postings(query)
        return len(self.keys) if postings is None else len(postings)

    def scan(self, query: str) -> dict[int, float]:
        """Entry position → best ``tier * 100 + weight * 10`` among the keys containing ``query``."""
        postings = self._postings(query)
        if postings is None:
            return self._scan_text(query)
        out: dict[int, float] = {}
        keys, n = self.keys, len(query)
        for key_id in postings:
            value, weight, owner = keys[key_id]
            at = value.find(query)
            if at == -1:
                continue
            score = ((4 if len(value) == n else 3) if at == 0 else 2) * 100 + weight * 10
            if score > out.get(owner, 0):
                out[owner] = score
        return out

    def _scan_text(self, query: str) -> dict[int, float]:
        text, n, out, base, span = self.text, len(query), {}, self.OWNER_BASE, self.OWNER_SPAN
        find, rfind = text.find, text.rfind
        at = find(query)
        while at != -1:
            marker = rfind("\x01", 0, at)
            tier = (4 if text[at + n] == "\x01" else 3) if at == marker + 4 else 2
            score = tier * 100 + ord(text[marker + 1]) * 10
            owner = (ord(text[marker + 2]) - base) * span + ord(text[marker + 3]) - base
            if score > out.get(owner, 0):
                out[owner] = score
            at = find(query, at + 1)
        return out

    @staticmethod
    def _unpack(codes: Sequence[int]) -> Iterator[tuple[int, int]]:
        return (divmod(code, 16) for code in codes)

    def exact_scores(self, query: str) -> dict[int, float]:
        return {owner: 400 + weight * 10 for owner, weight in self._unpack(self.exact.get(query, ()))}

    def head(self, query: str, limit: int) -> dict[int, float] | None:
        """The best ``limit`` hits when exact (then, for short queries, prefix) keys alone fill them.

        Every contains-hit ranks below these, so the page is complete without a scan;
        None means a scan is needed.
        """
        out: dict[int, float] = {}
        for owner, weight in self._unpack(self.exact.get(query, ())):
            out[owner] = 400 + weight * 10
            if len(out) >= limit:
                return out
        if len(query) <= self.SHORT:
            for owner, weight in self._unpack(self.prefix.get(query, ())):
                if owner not in out:
                    out[owner] = 300 + weight * 10
                    if len(out) >= limit:
                        return out
        return None


@dataclass
class DirectoryIndex:
    entries: list[Entry] = field(default_factory=list)
    by_id: dict[int, Entry] = field(default_factory=dict)
    by_name: dict[str, list[Entry]] = field(default_factory=dict)
    by_given: dict[str, list[Entry]] = field(default_factory=dict)
    by_department: dict[int, list[Entry]] = field(default_factory=dict)
    names: list[str] = field(default_factory=list)          # distinct staff names
    name_jamo: list[str] = field(default_factory=list)      # decomposed, aligned with ``names``
    department_keys: list[DepartmentKey] = field(default_factory=list)  # longest key first
    department_names: dict[int, str] = field(default_factory=dict)
    places: dict[int, int] = field(default_factory=dict)  # person id → place in the default order
    text: Scanner = field(default_factory=Scanner)
    initials: Scanner = field(default_factory=Scanner)
    digits: Scanner = field(default_factory=lambda: Scanner(n=3))  # only ten digits: pairs are too common

    def __len__(self) -> int:
        return len(self.entries)


def format_phone(e164: str) -> str:
    """``+823180751234`` → ``031-8075-1234`` without phonenumbers' parser (30 µs a number,
    too slow for 10,000 numbers per rebuild); unusual numbers still go through it."""
    if not e164.startswith("+82"):
        return format_korean(e164)
    d = "0" + e164[3:]
    area = 2 if d.startswith("02") else 3
    rest = d[area:]
    if (len(rest) in (7, 8) and d[1] != "1") or (d.startswith("010") and len(rest) == 8):
        return f"{d[:area]}-{rest[:-4]}-{rest[-4:]}"
    return format_korean(e164)


def _entry(row: Any, dept_keys_cache: dict[tuple[str, str], list[str]]) -> Entry:
    name = row.name or ""
    dept = row.department or ""
    phone_digits = to_domestic_digits(row.phone) if row.phone else ""
    mobile_digits = to_domestic_digits(row.mobile) if row.mobile else ""
    email = row.email or ""
    text: list[tuple[str, int]] = [(hangul.compact(name), W_NAME)]
    if row.kind == "staff" and len(name) >= 2:
        text.append((hangul.given_name(name), W_GIVEN))
    cache_key = (dept, row.organization or "")
    if cache_key not in dept_keys_cache:
        dept_keys_cache[cache_key] = hangul.department_keys(dept, row.organization or "") if dept else []
    dept_keys = dept_keys_cache[cache_key]
    text += [(k, W_DEPT) for k in dept_keys]
    text += [(hangul.compact(v), w) for v, w in ((row.title, W_TITLE), (row.duty, W_DUTY),
                                                  (row.organization, W_ORG), (row.parent, W_ORG),
                                                  (row.grade, W_GRADE), (email.split("@")[0], W_EMAIL)) if v]
    initial: list[tuple[str, int]] = [(hangul.initials(name), W_NAME)]
    if dept_keys:
        initial.append((hangul.initials(hangul.strip_department_suffix(dept)), W_DEPT))
    digits = [(d, w) for d, w in ((row.extension or "", W_EXTENSION), (phone_digits, W_PHONE),
                                  (mobile_digits, W_PHONE)) if d]
    return Entry(
        id=row.id, kind=row.kind, name=name, organization=row.organization or "", parent=row.parent or "",
        department=dept, department_id=row.department_id, title=row.title or "", grade=row.grade or "",
        duty=row.duty or "", extension=row.extension or "", phone=format_phone(row.phone or ""),
        mobile=format_phone(row.mobile or ""), email=email,
        text_fields=tuple(text), initial_fields=tuple(initial), digit_fields=tuple(digits),
        order=(0 if row.kind == "staff" else 1, name, dept, row.id),
    )


def build_index(session: Session) -> DirectoryIndex:
    """Read every person once and compute their keys (about 0.3 s for 5,300 people)."""
    people = (select(Person.id, Person.kind, Person.name, Person.department_id, Person.title, Person.grade,
                     Person.duty, Person.extension, Person.phone, Person.mobile, Person.email,
                     Department.name.label("department"), Department.organization, Department.parent)
              .outerjoin(Department, Department.id == Person.department_id))
    departments = select(Department.id, Department.name, Department.organization)
    return assemble(session.execute(people), session.execute(departments))


def assemble(people: Iterable[Any], departments: Iterable[Any]) -> DirectoryIndex:
    """An index from rows shaped like :func:`build_index`'s queries (tests pass plain records)."""
    index = DirectoryIndex()
    dept_keys_cache: dict[tuple[str, str], list[str]] = {}
    for row in people:
        entry = _entry(row, dept_keys_cache)
        position = len(index.entries)
        index.text.add(position, entry.text_fields)
        index.initials.add(position, entry.initial_fields)
        index.digits.add(position, entry.digit_fields)
        index.entries.append(entry)
        index.by_id[entry.id] = entry
        index.by_name.setdefault(entry.name, []).append(entry)
        if entry.kind == "staff":
            index.by_given.setdefault(hangul.given_name(entry.name), []).append(entry)
        if entry.department_id is not None:
            index.by_department.setdefault(entry.department_id, []).append(entry)
    index.places = {e.id: place for place, e in enumerate(sorted(index.entries, key=lambda e: e.order))}
    places = [index.places[e.id] for e in index.entries]
    for scanner in (index.text, index.initials, index.digits):
        scanner.freeze(places)
    index.names = [n for n, people in index.by_name.items() if any(p.kind == "staff" for p in people)]
    index.name_jamo = [hangul.decompose(n) for n in index.names]
    keys: dict[str, DepartmentKey] = {}
    for dept in departments:
        index.department_names[dept.id] = dept.name
        for key in hangul.department_keys(dept.name, dept.organization):
            item = keys.setdefault(key, DepartmentKey(key, [], dept.name))
            item.department_ids.append(dept.id)
    index.department_keys = sorted(keys.values(), key=lambda k: len(k.key), reverse=True)
    return index


def _stamp(session: Session) -> tuple:
    """Changes whenever people or departments are added, removed or updated, in any process."""
    people = select(func.count(Person.id), func.max(Person.id), func.max(Person.updated_at))
    depts = select(func.count(Department.id), func.max(Department.id))
    return (*session.execute(people).one(), *session.execute(depts).one())


class _Holder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.index: DirectoryIndex | None = None
        self.stamp: tuple | None = None
        self.generation = -1
        self.checked_at = 0.0


def get_index(session: Session) -> DirectoryIndex:
    """The current index for the session's database, rebuilt only when something changed."""
    engine = session.get_bind()
    with _holders_lock:
        holder = _holders.get(engine)
        if holder is None:
            holder = _holders[engine] = _Holder()
    now = time.monotonic()
    if holder.index is not None and holder.generation == _generation and now - holder.checked_at < CHECK_SECONDS:
        return holder.index
    with holder.lock:
        if holder.index is not None and holder.generation == _generation and \
                time.monotonic() - holder.checked_at < CHECK_SECONDS:
            return holder.index  # another thread refreshed it while this one waited
        generation = _generation
        stamp = _stamp(session)
        if holder.index is None or stamp != holder.stamp or generation != holder.generation:
            holder.index = build_index(session)
            holder.stamp = stamp
        holder.generation = generation
        holder.checked_at = time.monotonic()
        return holder.index


def mark_changed(session: Session) -> None:
    """Call after bulk statements on people/departments; the next commit invalidates the index."""
    session.info["directory_changed"] = True


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, flush_context: Any) -> None:
    touched = (*session.new, *session.dirty, *session.deleted)
    if any(isinstance(obj, Person | Department) for obj in touched):
        session.info["directory_changed"] = True


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    global _generation
    if session.info.pop("directory_changed", False):
        _generation += 1
