"""Named staff groups, owned by the whole app: documents, the board, push and emergency groups all name them
in an audience (``core.audience``). Create, rename, set the members, delete; who may manage which group.

Admins manage every group; department admins create groups and manage the ones they created (a group
often spans departments, so "their department's groups" would mean nothing).
"""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from core.db import MAX_ID
from core.i18n import N_, MessageError
from core.models.accounts import User
from core.models.groups import StaffGroup, StaffGroupMember

NAME_MAX = 64
DESCRIPTION_MAX = 500
MEMBERS_MAX = 1000   # people in one group: a bigger audience is a department or all staff



class GroupError(MessageError):
    """A refused group: a Korean msgid with parameters, translated where it is shown."""


def can_manage(user: User, group: StaffGroup) -> bool:
    return user.has_role("admin") or (user.has_role("dept_admin") and group.created_by == user.id)


def listing() -> Select:
    """``SELECT staff_groups`` by name (the console's list; pages of it with ``core.pagination``)."""
    return select(StaffGroup).order_by(StaffGroup.name, StaffGroup.id)


def member_counts(session: Session, group_ids: Iterable[int]) -> dict[int, int]:
    """Members per group for one page of the list, in one query."""
    ids = list(group_ids)
    if not ids:
        return {}
    rows = session.execute(select(StaffGroupMember.group_id, func.count(StaffGroupMember.id))
                           .where(StaffGroupMember.group_id.in_(ids)).group_by(StaffGroupMember.group_id))
    return {group_id: count for group_id, count in rows}


def pickable_users(session: Session, limit: int = MEMBERS_MAX) -> list[User]:
    """Active accounts to pick members from, by department and name (the console's picker)."""
    return list(session.scalars(select(User).where(User.is_active.is_(True))
                                .order_by(User.department_id, User.display_name, User.username).limit(limit)))


def _name(session: Session, name: str, *, other_than: int | None = None) -> str:
    name = " ".join(name.split())
    if not name or len(name) > NAME_MAX:
        raise GroupError(N_("그룹 이름은 1~%(max)s자로 입력해 주세요."), max=NAME_MAX)
    clash = select(StaffGroup.id).where(StaffGroup.name == name)
    if other_than is not None:
        clash = clash.where(StaffGroup.id != other_than)
    if session.scalar(clash):
        raise GroupError(N_("이미 있는 그룹 이름입니다: %(name)s"), name=name)
    return name


def _description(text: str) -> str:
    text = text.strip()
    if len(text) > DESCRIPTION_MAX:
        raise GroupError(N_("설명은 %(max)s자까지 쓸 수 있습니다."), max=DESCRIPTION_MAX)
    return text


def resolve_members(session: Session, usernames: Iterable[str], user_ids: Iterable[int] = ()) -> list[User]:
    """The accounts named by username or picked by id, in one list without duplicates; unknown names refused."""
    wanted = list(dict.fromkeys(u.strip() for u in usernames if u.strip()))
    ids = {i for i in user_ids if 0 < i <= MAX_ID}
    if len(wanted) + len(ids) > MEMBERS_MAX:
        raise GroupError(N_("한 그룹의 구성원은 %(max)s명까지입니다."), max=MEMBERS_MAX)
    by_name = session.scalars(select(User).where(User.username.in_(wanted))).all() if wanted else []
    unknown = sorted(set(wanted) - {u.username for u in by_name})
    if unknown:
        raise GroupError(N_("없는 아이디입니다: %(usernames)s"), usernames=", ".join(unknown[:20]))
    picked = session.scalars(select(User).where(User.id.in_(ids))).all() if ids else []
    if len(picked) != len(ids):
        raise GroupError(N_("고른 직원 중 없는 계정이 있습니다. 다시 골라 주세요."))
    users = {u.id: u for u in [*by_name, *picked]}
    return sorted(users.values(), key=lambda u: u.id)


def create_group(session: Session, name: str, usernames: Iterable[str], *, description: str = "",
                 created_by: User | None = None, user_ids: Iterable[int] = ()) -> StaffGroup:
    group = StaffGroup(name=_name(session, name), description=_description(description),
                       created_by=created_by.id if created_by else None)
    group.members = [StaffGroupMember(user_id=u.id) for u in resolve_members(session, usernames, user_ids)]
    session.add(group)
    session.flush()
    return group


def update_group(session: Session, group: StaffGroup, *, name: str, description: str = "") -> None:
    """Rename (and re-describe) a group; the audiences that name it follow, as they store its id."""
    group.name = _name(session, name, other_than=group.id)
    group.description = _description(description)
    session.flush()


def set_members(session: Session, group: StaffGroup, usernames: Iterable[str],
                user_ids: Iterable[int] = ()) -> tuple[int, int]:
    """Replace the members; returns (added, removed). Members kept keep their ``added_at``."""
    users = resolve_members(session, usernames, user_ids)
    wanted = {u.id for u in users}
    current = {m.user_id: m for m in group.members}
    for user_id, member in current.items():
        if user_id not in wanted:
            group.members.remove(member)
    added = [StaffGroupMember(user_id=i) for i in sorted(wanted - current.keys())]
    group.members.extend(added)
    session.flush()
    return len(added), len(current.keys() - wanted)


def delete_group(session: Session, group: StaffGroup) -> None:
    """Delete a group; its audience rows (document shares, board posts) go with it (ON DELETE CASCADE)."""
    session.delete(group)
    session.flush()


__all__ = ["GroupError", "can_manage", "create_group", "delete_group", "listing", "member_counts", "pickable_users",
           "resolve_members", "set_members", "update_group"]
