"""The in-memory search index: one per process and database, rebuilt when the directory changes.

Searching 5,300 people in SQL with Hangul initials, jamo and suffix-less departments
would mean LIKE scans on every keystroke, so each process keeps the matching keys in
memory. Freshness:

* in this process, committing a session that touched people or departments (objects,
  or INSERT/UPDATE/DELETE statements on their tables) invalidates at once;
* other processes (several gunicorn workers, several machines on PostgreSQL) are
  noticed through a cheap stamp query (counts, max id, max ``updated_at``) made at
  most once every ``CHECK_SECONDS``;
* a large directory is not rebuilt in front of a search: the worker publishes it as a
  file (``core.directory.published``) and the web processes load that.
"""
from __future__ import annotations

import threading
import time
import weakref
from array import array
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from core import hangul
from core.allocator import give_back_memory
from core.directory import published
from core.directory.columns import Groups
from core.directory.people import EntriesById, Entry, People
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
class DepartmentKey:
    key: str
    department_ids: list[int]
    name: str


@dataclass
class DirectoryIndex:
    """Everything search needs, by entry position: a few large arrays and strings, no object per entry."""

    people: People = field(default_factory=People)
    by_name: Groups = field(default_factory=Groups)        # name → positions (people and contacts)
    by_given: Groups = field(default_factory=Groups)       # staff given name → positions
    by_department: Groups = field(default_factory=Groups)  # department id → positions
    names: list[str] = field(default_factory=list)          # distinct staff names
    name_jamo: list[str] = field(default_factory=list)      # decomposed, aligned with ``names``
    department_keys: list[DepartmentKey] = field(default_factory=list)  # longest key first
    department_names: dict[int, str] = field(default_factory=dict)
    text: Scanner = field(default_factory=Scanner)
    initials: Scanner = field(default_factory=Scanner)
    digits: Scanner = field(default_factory=lambda: Scanner(n=3))  # only ten digits: pairs are too common
    longest_name: int = 0   # the longest name (people and contacts), for the voice matcher's look-ups

    def __len__(self) -> int:
        return len(self.people)

    def entry(self, position: int) -> Entry:
        return self.people.entry(position)

    @property
    def by_id(self) -> EntriesById:
        return EntriesById(self.people)


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


def _keys(row: Any, dept_keys_cache: dict[tuple[str, str], list[str]]) -> tuple[list, list, list]:
    """The (key, weight) pairs one person is found by: text, initials and digits."""
    name = row.name or ""
    dept = row.department or ""
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
    phone_digits = to_domestic_digits(row.phone) if row.phone else ""
    mobile_digits = to_domestic_digits(row.mobile) if row.mobile else ""
    digits = [(d, w) for d, w in ((row.extension or "", W_EXTENSION), (phone_digits, W_PHONE),
                                  (mobile_digits, W_PHONE)) if d]
    return text, initial, digits


def _shown(row: Any) -> dict[str, Any]:
    return {"id": row.id, "kind": row.kind, "name": row.name or "", "organization": row.organization or "",
            "parent": row.parent or "", "department": row.department or "", "department_id": row.department_id,
            "title": row.title or "", "grade": row.grade or "", "duty": row.duty or "",
            "extension": row.extension or "", "phone": format_phone(row.phone or ""),
            "mobile": format_phone(row.mobile or ""), "email": row.email or ""}


def build_index(session: Session) -> DirectoryIndex:
    """Read every person once and compute their keys (about 0.3 s for 5,300 people)."""
    people = (select(Person.id, Person.kind, Person.name, Person.department_id, Person.title, Person.grade,
                     Person.duty, Person.extension, Person.phone, Person.mobile, Person.email,
                     Department.name.label("department"), Department.organization, Department.parent)
              .outerjoin(Department, Department.id == Person.department_id).order_by(Person.id))
    departments = select(Department.id, Department.name, Department.organization)
    return assemble(session.execute(people), session.execute(departments))


def assemble(people: Iterable[Any], departments: Iterable[Any]) -> DirectoryIndex:
    """An index from rows shaped like :func:`build_index`'s queries (tests pass plain records)."""
    index = DirectoryIndex()
    dept_keys_cache: dict[tuple[str, str], list[str]] = {}
    # Positions follow the ids, so that an id's position is found by bisection (People.position_of).
    for position, row in enumerate(sorted(people, key=lambda row: row.id)):
        text, initial, digits = _keys(row, dept_keys_cache)
        shown = _shown(row)
        index.people.append(shown)
        index.text.add(position, text)
        index.initials.add(position, initial)
        index.digits.add(position, digits)
        index.by_name.add(shown["name"])
        index.by_given.add(hangul.given_name(shown["name"]) if row.kind == "staff" else None)
        index.by_department.add(row.department_id)
    everyone = index.people
    order = sorted(range(len(everyone)), key=lambda p: (everyone.kind[p] != "staff", everyone.name[p],
                                                       everyone.department[p], everyone.id[p]))
    places = array("I", bytes(4 * len(order)))
    for place, position in enumerate(order):
        places[position] = place
    everyone.freeze(places)
    for scanner in (index.text, index.initials, index.digits):
        scanner.freeze(places)
    for groups in (index.by_name, index.by_given, index.by_department):
        groups.freeze()
    index.names = [n for n, first in index.by_name.first.items()
                   if any(everyone.kind[p] == "staff" for p in index.by_name[n])]
    index.name_jamo = [hangul.decompose(n) for n in index.names]
    index.longest_name = max(map(len, index.by_name), default=0)
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
    depts = select(func.count(Department.id), func.max(Department.id), func.max(Department.updated_at))
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
    """Load a published index while the previous one serves, swap them, and once the searches still using the
    previous one are done, give its memory back to the system (the loader thread)."""
    try:
        loaded = published.load(path)
        if loaded is not None:
            with holder.lock:
                previous = weakref.ref(holder.index) if holder.index is not None else None
                _install(holder, *loaded, loaded=True)
            del loaded
            if previous is not None:
                _give_back_when_freed(previous)
    finally:
        holder.loader = None


RELEASE_WAIT_SECONDS = 30.0


def _give_back_when_freed(previous: weakref.ref) -> None:
    """Once the previous index is gone, return its pages to the system with glibc's ``malloc_trim``.

    glibc keeps freed heap memory for reuse, and web processes raise its thresholds so that the viewer's page
    bitmaps stay in the heap (core.allocator): without this, each swap left a process most of an
    index larger (90 MB at 50,000). Nothing to do on another C library."""
    deadline = time.monotonic() + RELEASE_WAIT_SECONDS
    while previous() is not None and time.monotonic() < deadline:
        time.sleep(0.05)   # a search that started on it is finishing
    give_back_memory()


def wait_for_loader(engine: Engine, timeout: float = 30.0) -> None:
    """Until a background load of this process's index (if any) has swapped it in: tests and benchmarks."""
    loader = _holder(engine).loader
    if loader is not None:
        loader.join(timeout)


def local_changes() -> int:
    """How many commits of this process changed people or departments: anything built from the directory is
    stale once this moves, before the stamp shows it."""
    return _generation


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, flush_context: Any) -> None:
    touched = (*session.new, *session.dirty, *session.deleted)
    if any(isinstance(obj, Person | Department) for obj in touched):
        session.info["directory_changed"] = True


@event.listens_for(Session, "do_orm_execute")
def _bulk_statement(state: Any) -> None:
    """An INSERT, UPDATE or DELETE statement on people or departments (the importer's, a script's) changes the
    directory as much as an edited object does, with or without ``updated_at``."""
    if (state.is_insert or state.is_update or state.is_delete) and state.bind_mapper is not None \
            and state.bind_mapper.class_ in (Person, Department):
        state.session.info["directory_changed"] = True


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    global _generation
    if session.info.pop("directory_changed", False):
        _generation += 1
