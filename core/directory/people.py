"""The entries' shown fields as columns (``People``), and ``Entry``, one person made from them when shown."""
from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from core.directory.columns import Packed, Shared

NO_DEPARTMENT = -1


@dataclass(slots=True, frozen=True)
class Entry:
    """One person as results and pages show them, made from the index's columns when shown."""

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
    place: int    # in the directory's default order: staff first, then by name, department and id

    def as_result(self, score: float) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "organization": self.organization,
                "department": self.department, "title": self.title, "duty": self.duty,
                "extension": self.extension, "phone": self.phone, "mobile": self.mobile,
                "email": self.email, "score": round(score, 1)}


class People:
    """Every entry's shown fields, a column each, by position (the entries in the order of their ids).

    Fields that entries share (kind, department, title, name…) hold each value once; the ones that are each
    person's own (numbers, e-mail) are packed into one string per field."""

    SHARED = ("kind", "name", "organization", "parent", "department", "title", "grade", "duty")
    PACKED = ("extension", "phone", "mobile", "email")

    def __init__(self) -> None:
        self.id = array("q")
        self.department_id = array("q")   # NO_DEPARTMENT for none
        self.place = array("I")
        for name in self.SHARED:
            setattr(self, name, Shared())
        for name in self.PACKED:
            setattr(self, name, Packed())

    def append(self, values: dict[str, Any]) -> None:
        self.id.append(values["id"])
        self.department_id.append(NO_DEPARTMENT if values["department_id"] is None else values["department_id"])
        for name in (*self.SHARED, *self.PACKED):
            getattr(self, name).append(values[name])

    def freeze(self, places: Iterable[int]) -> None:
        self.place = array("I", places)
        for name in (*self.SHARED, *self.PACKED):
            getattr(self, name).freeze()

    def __len__(self) -> int:
        return len(self.id)

    def entry(self, position: int) -> Entry:
        department_id = self.department_id[position]
        return Entry(id=self.id[position], department_id=None if department_id == NO_DEPARTMENT else department_id,
                     place=self.place[position],
                     **{name: getattr(self, name)[position] for name in (*self.SHARED, *self.PACKED)})

    def position_of(self, person_id: int) -> int | None:
        position = bisect_left(self.id, person_id)
        return position if position < len(self.id) and self.id[position] == person_id else None


class EntriesById:
    """``index.by_id``: the pages' and favourites' look-up of one person by id."""

    __slots__ = ("people",)

    def __init__(self, people: People) -> None:
        self.people = people

    def get(self, person_id: int, default: Entry | None = None) -> Entry | None:
        position = self.people.position_of(person_id)
        return default if position is None else self.people.entry(position)

    def __contains__(self, person_id: object) -> bool:
        return isinstance(person_id, int) and self.people.position_of(person_id) is not None

    def __getitem__(self, person_id: int) -> Entry:
        entry = self.get(person_id)
        if entry is None:
            raise KeyError(person_id)
        return entry
