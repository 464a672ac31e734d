"""The one audience model: who a post, a push or a call-out reaches.

An audience is all staff, or any mix of departments, staff groups and people. It travels as JSON
(``{"all": false, "departments": [3], "groups": [1], "users": [7]}``) in job payloads and on rows that only
need it whole (a push), and as rows of an ``AudienceRow`` table where a query must ask "does this reach that
user?" (a board post's audience). Either way the same two questions are answered here:

- ``reach_condition(row_model, owner_column, user)``: SQL, true when some audience row of the owner reaches
  ``user`` (for lists: "the posts I may read");
- ``recipients(audience)``: a ``SELECT users.id`` of the active accounts it reaches (for fan-out).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, false, or_, select

from core.models.accounts import User
from core.models.audience import AudienceRow
from core.models.groups import StaffGroupMember

SCOPES = ("all", "department", "group", "user")
MAX_MEMBERS = 500     # departments + groups + people named in one audience


class AudienceError(ValueError):
    """An audience that cannot be stored (unknown shape, too many members)."""


@dataclass(frozen=True)
class Audience:
    all_staff: bool = False
    departments: frozenset[int] = field(default_factory=frozenset)
    groups: frozenset[int] = field(default_factory=frozenset)
    users: frozenset[int] = field(default_factory=frozenset)

    @classmethod
    def everyone(cls) -> Audience:
        return cls(all_staff=True)

    @classmethod
    def of(cls, *, all_staff: bool = False, departments: Iterable[int] = (), groups: Iterable[int] = (),
           users: Iterable[int] = ()) -> Audience:
        audience = cls(bool(all_staff), frozenset(map(int, departments)), frozenset(map(int, groups)),
                       frozenset(map(int, users)))
        if len(audience.departments) + len(audience.groups) + len(audience.users) > MAX_MEMBERS:
            raise AudienceError(f"an audience names at most {MAX_MEMBERS} departments, groups and people")
        return audience

    @property
    def empty(self) -> bool:
        return not (self.all_staff or self.departments or self.groups or self.users)

    def to_json(self) -> dict[str, Any]:
        return {"all": self.all_staff, "departments": sorted(self.departments), "groups": sorted(self.groups),
                "users": sorted(self.users)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Audience:
        if not data:
            return cls()
        if not isinstance(data, Mapping):
            raise AudienceError("an audience is an object")
        try:
            return cls.of(all_staff=bool(data.get("all")), departments=data.get("departments") or (),
                          groups=data.get("groups") or (), users=data.get("users") or ())
        except (TypeError, ValueError) as exc:
            raise AudienceError(f"an audience lists ids: {exc}") from None

    def rows(self) -> list[tuple[str, int | None]]:
        """(scope, id) pairs, as an ``AudienceRow`` table stores them."""
        if self.all_staff:
            return [("all", None)]
        return ([("department", i) for i in sorted(self.departments)]
                + [("group", i) for i in sorted(self.groups)] + [("user", i) for i in sorted(self.users)])

    @classmethod
    def from_rows(cls, rows: Iterable[Any]) -> Audience:
        """From ``AudienceRow`` instances (or anything with ``scope`` and the id columns)."""
        all_staff, departments, groups, users = False, set(), set(), set()
        for row in rows:
            if row.scope == "all":
                all_staff = True
            elif row.scope == "department":
                departments.add(row.department_id)
            elif row.scope == "group":
                groups.add(row.group_id)
            elif row.scope == "user":
                users.add(row.user_id)
        return cls(all_staff, frozenset(departments), frozenset(groups), frozenset(users))

    def includes(self, user: User, group_ids: Iterable[int] = ()) -> bool:
        """Whether ``user`` (a member of ``group_ids``) is in it, without a query."""
        return (self.all_staff or user.id in self.users or (user.department_id in self.departments)
                or bool(self.groups & set(group_ids)))


def _my_groups(user: User) -> Select:
    return select(StaffGroupMember.group_id).where(StaffGroupMember.user_id == user.id)


def reach_condition(row_model: type, owner_column: Any, owned_id: Any, user: User) -> ColumnElement[bool]:
    """SQL: some row of ``row_model`` whose ``owner_column`` equals ``owned_id`` reaches ``user``.

    ``reach_condition(PostAudience, PostAudience.post_id, Post.id, user)`` filters posts to those ``user``
    may read.
    """
    reach = [row_model.scope == "all",
             (row_model.scope == "group") & row_model.group_id.in_(_my_groups(user))]
    if hasattr(row_model, "user_id"):
        reach.append((row_model.scope == "user") & (row_model.user_id == user.id))
    if user.department_id is not None:
        reach.append((row_model.scope == "department") & (row_model.department_id == user.department_id))
    return exists().where(owner_column == owned_id, or_(*reach))


def recipients(audience: Audience) -> Select:
    """``SELECT users.id`` of the active accounts that ``audience`` reaches, in id order."""
    query = select(User.id).where(User.is_active.is_(True)).order_by(User.id)
    if audience.all_staff:
        return query
    reach = []
    if audience.departments:
        reach.append(User.department_id.in_(sorted(audience.departments)))
    if audience.users:
        reach.append(User.id.in_(sorted(audience.users)))
    if audience.groups:
        reach.append(User.id.in_(select(StaffGroupMember.user_id)
                                 .where(StaffGroupMember.group_id.in_(sorted(audience.groups)))))
    return query.where(or_(*reach) if reach else false())


__all__ = ["SCOPES", "Audience", "AudienceError", "AudienceRow", "reach_condition", "recipients"]
