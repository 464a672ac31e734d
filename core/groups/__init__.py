"""Named staff groups: create, delete, list members. Used as document audiences (and later for other areas)."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.documents import DocumentError
from core.i18n import N_
from core.models.accounts import User
from core.models.groups import StaffGroup, StaffGroupMember


class GroupError(DocumentError):
    """A refused group: a Korean msgid with parameters, translated where it is shown (like any DocumentError)."""


def create_group(session: Session, name: str, usernames: Iterable[str], *, description: str = "",
                 created_by: User | None = None) -> StaffGroup:
    name = name.strip()
    if not name or len(name) > 64:
        raise GroupError(N_("그룹 이름은 1~%(max)s자로 입력해 주세요."), max=64)
    if session.scalar(select(StaffGroup).filter_by(name=name)):
        raise GroupError(N_("이미 있는 그룹 이름입니다: %(name)s"), name=name)
    wanted = list(dict.fromkeys(u.strip() for u in usernames if u.strip()))
    users = session.scalars(select(User).where(User.username.in_(wanted))).all()
    unknown = sorted(set(wanted) - {u.username for u in users})
    if unknown:
        raise GroupError(N_("없는 아이디입니다: %(usernames)s"), usernames=", ".join(unknown))
    group = StaffGroup(name=name, description=description.strip(), created_by=created_by.id if created_by else None)
    group.members = [StaffGroupMember(user_id=u.id) for u in users]
    session.add(group)
    session.flush()
    return group


def delete_group(session: Session, group: StaffGroup) -> None:
    session.delete(group)
    session.flush()
