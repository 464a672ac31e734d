"""The in-memory search index: one per process and database, rebuilt when the directory changes.

Searching 5,300 people in SQL with Hangul initials, jamo and suffix-less departments
would mean LIKE scans on every keystroke, so each process keeps the matching keys in
memory. Freshness:

* in this process, committing a session that touched people or departments (ORM
  changes, or :func:`mark_changed` after bulk statements) invalidates at once;
* other processes (several gunicorn workers, several machines on PostgreSQL) are
  noticed through a cheap stamp query (counts, max id, max ``updated_at``) made at
  most once every ``CHECK_SECONDS``;
* a large directory is not rebuilt in front of a search: the worker publishes it as a
  file (``core.directory.published``) and the web processes load that.
"""
from __future__ import annotations

import gc
import threading
import time
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from core import hangul
from core.directory import published
from core.directory.scanner import Scanner
from core.models.organization import Department, Person
from core.phone import format_korean, to_domestic_digits

CHECK_SECONDS = 1.0
SYNC_BUILD_MAX_ENTRIES = 2000   # built in front of a search up to here (~0.3 s); larger: core.directory.published
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

    @cached_property
    def longest_name(self) -> int:
        """The length of the longest name (people and contacts), for the voice matcher's look-ups."""
        return max(map(len, self.by_name), default=0)


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


def _entry(row: Any, dept_keys_cache: dict[tuple[str, str], list[str]], shared: dict[Any, Any]) -> Entry:
    """``shared`` makes equal strings and (key, weight) pairs one object across entries: thousands of people
    share a department, a title and a grade, so the index (and its published file) holds each once."""
    def one(value: Any) -> Any:
        return shared.setdefault(value, value)

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
        id=row.id, kind=one(row.kind), name=one(name), organization=one(row.organization or ""),
        parent=one(row.parent or ""), department=one(dept), department_id=row.department_id,
        title=one(row.title or ""), grade=one(row.grade or ""), duty=one(row.duty or ""),
        extension=row.extension or "", phone=format_phone(row.phone or ""), mobile=format_phone(row.mobile or ""),
        email=email,
        text_fields=one(tuple(one((one(k), w)) for k, w in text)),
        initial_fields=one(tuple(one((one(k), w)) for k, w in initial)),
        digit_fields=tuple(digits),
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
    shared: dict[Any, Any] = {}
    for row in people:
        entry = _entry(row, dept_keys_cache, shared)
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


def stamp_of(session: Session) -> tuple:
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
        self.folder: Path | None = None    # where the worker publishes (core.directory.published)
        self.loader: threading.Thread | None = None   # loading a newer published file
        self.builds = 0                    # built here, in front of a search
        self.loads = 0                     # loaded from a published file


def _holder(engine: Engine) -> _Holder:
    with _holders_lock:
        holder = _holders.get(engine)
        if holder is None:
            holder = _holders[engine] = _Holder()
        return holder


def use_published(engine: Engine, folder: Path) -> None:
    """Let ``get_index`` take large indexes from the worker's files in ``folder`` instead of building them."""
    _holder(engine).folder = folder


def holder_counts(engine: Engine) -> dict[str, int]:
    """How this process got its indexes, for tests and figures."""
    holder = _holder(engine)
    return {"builds": holder.builds, "loads": holder.loads, "entries": len(holder.index or ())}


def get_index(session: Session) -> DirectoryIndex:
    """The current index for the session's database.

    A small directory (up to ``SYNC_BUILD_MAX_ENTRIES`` people, well under a second) is rebuilt here when it
    changed. A larger one is never built or loaded in front of a search once the process has an index: the
    file the worker published for the new stamp is loaded by a thread of its own, and the previous index
    answers until it is in place (and for as long as the worker has not published the new stamp yet).
    """
    holder = _holder(session.get_bind())
    if holder.index is not None and holder.generation == _generation and \
            time.monotonic() - holder.checked_at < CHECK_SECONDS:
        return holder.index
    if not holder.lock.acquire(blocking=holder.index is None):
        return holder.index  # another thread is refreshing it
    try:
        if holder.index is not None and holder.generation == _generation and \
                time.monotonic() - holder.checked_at < CHECK_SECONDS:
            return holder.index  # another thread refreshed it while this one waited
        generation = _generation
        stamp = stamp_of(session)
        if holder.index is None or stamp != holder.stamp or generation != holder.generation:
            _refresh(session, holder, stamp)
        holder.generation = generation
        holder.checked_at = time.monotonic()
        return holder.index
    finally:
        holder.lock.release()


def _install(holder: _Holder, stamp: tuple, new_index: DirectoryIndex, *, loaded: bool) -> None:
    holder.index, holder.stamp = new_index, stamp
    if loaded:
        holder.loads += 1
    else:
        holder.builds += 1
    # Millions of long-lived objects: out of the cyclic collector's reach, or every full collection would
    # stop all threads for a second or more at 50,000 entries.
    gc.freeze()


def _refresh(session: Session, holder: _Holder, stamp: tuple) -> None:
    if holder.folder is None or stamp[0] <= SYNC_BUILD_MAX_ENTRIES:
        _install(holder, stamp, build_index(session), loaded=False)
        return
    path = published.path_for(holder.folder, stamp)
    if holder.index is not None:
        if holder.loader is None and path.exists():
            holder.loader = threading.Thread(target=_load_aside, args=(holder, path), daemon=True,
                                             name="directory-index-load")
            holder.loader.start()
        return
    # Nothing to serve yet (a process's first search): the file of this stamp, else the newest of an older
    # one, and a build only when the worker has published none at all (before its first pass).
    newest = published.newest(holder.folder)
    loaded = published.load(path) or (published.load(newest) if newest else None)
    if loaded is None:
        _install(holder, stamp, build_index(session), loaded=False)
    else:
        _install(holder, *loaded, loaded=True)


def _load_aside(holder: _Holder, path: Path) -> None:
    """Load a published index while the previous one serves, then swap them (the loader thread)."""
    try:
        loaded = published.load(path)
        if loaded is not None:
            with holder.lock:
                _install(holder, *loaded, loaded=True)
    finally:
        holder.loader = None


def wait_for_loader(engine: Engine, timeout: float = 30.0) -> None:
    """Until a background load of this process's index (if any) has swapped it in: tests and benchmarks."""
    loader = _holder(engine).loader
    if loader is not None:
        loader.join(timeout)


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
