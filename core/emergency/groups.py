"""Emergency groups: who may manage them (admins every group, a group's managers theirs), saving a group's
ordered members with roles and deputies and its managers, and the groups a person belongs to."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from core import audit
from core.emergency import EmergencyError, clean
from core.i18n import N_
from core.models.accounts import User
from core.models.emergency import EmergencyGroup, EmergencyManager, EmergencyMember
from core.models.organization import Person

NAME_MAX, ROLE_MAX, DESCRIPTION_MAX = 64, 64, 1000
MEMBERS_MAX = 200        # a call-out's fan-out and the sms: links stay small enough for one phone


@dataclass
class MemberInput:
    person_id: int
    role: str = ""
    deputy_person_id: int | None = None


@dataclass
class GroupInput:
    name: str
    description: str = ""
    pinned: bool = True
    members: list[MemberInput] = field(default_factory=list)      # in call order
    manager_ids: list[int] = field(default_factory=list)


def can_manage(user: User, group: EmergencyGroup) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return user.has_role("admin") or any(m.user_id == user.id for m in group.managers)


def can_create(user: User) -> bool:
    return user is not None and user.is_authenticated and user.has_role("admin")


def managed_groups(session: Session, user: User) -> list[EmergencyGroup]:
    query = select(EmergencyGroup).order_by(EmergencyGroup.name)
    if not user.has_role("admin"):
        query = query.join(EmergencyManager).where(EmergencyManager.user_id == user.id)
    return list(session.scalars(query).unique())


def my_groups(session: Session, user: User) -> list[EmergencyGroup]:
    """Groups where I am a member or a deputy (through my directory entry), or that I manage."""
    conditions = [EmergencyGroup.managers.any(EmergencyManager.user_id == user.id)]
    if user.person_id:
        conditions.append(EmergencyGroup.members.any(or_(EmergencyMember.person_id == user.person_id,
                                                         EmergencyMember.deputy_person_id == user.person_id)))
    # Members (with their person, joined) in one more query only when there are groups: no query per group.
    return list(session.scalars(select(EmergencyGroup).where(or_(*conditions)).order_by(EmergencyGroup.name)
                                .options(selectinload(EmergencyGroup.members))))


def _check(session: Session, data: GroupInput, group_id: int | None) -> None:
    name = data.name.strip()
    if not name:
        raise EmergencyError(N_("그룹 이름을 입력해 주세요."))
    if len(name) > NAME_MAX:
        raise EmergencyError(N_("그룹 이름은 %(max)s자까지 쓸 수 있습니다."), max=NAME_MAX)
    if len(data.description) > DESCRIPTION_MAX:
        raise EmergencyError(N_("설명은 %(max)s자까지 쓸 수 있습니다."), max=DESCRIPTION_MAX)
    same = session.scalar(select(EmergencyGroup.id).where(EmergencyGroup.name == name))
    if same is not None and same != group_id:
        raise EmergencyError(N_("같은 이름의 그룹이 이미 있습니다: %(name)s"), name=name)
    if len(data.members) > MEMBERS_MAX:
        raise EmergencyError(N_("구성원은 %(max)s명까지 넣을 수 있습니다."), max=MEMBERS_MAX)
    seen: set[int] = set()
    wanted = {m.person_id for m in data.members} | {m.deputy_person_id for m in data.members if m.deputy_person_id}
    known = set(session.scalars(select(Person.id).where(Person.id.in_(wanted)))) if wanted else set()
    for number, member in enumerate(data.members, start=1):
        if member.person_id not in known:
            raise EmergencyError(N_("%(row)s번째 구성원을 직원 명부에서 찾을 수 없습니다."), row=number)
        if member.person_id in seen:
            raise EmergencyError(N_("%(row)s번째 구성원이 목록에 두 번 있습니다."), row=number)
        seen.add(member.person_id)
        if member.deputy_person_id is not None and member.deputy_person_id not in known:
            raise EmergencyError(N_("%(row)s번째 구성원의 대리인을 직원 명부에서 찾을 수 없습니다."), row=number)
        if member.deputy_person_id == member.person_id:
            raise EmergencyError(N_("%(row)s번째 구성원은 자기 자신의 대리인이 될 수 없습니다."), row=number)
        if len(member.role) > ROLE_MAX:
            raise EmergencyError(N_("%(row)s번째 구성원의 역할은 %(max)s자까지 쓸 수 있습니다."), row=number,
                                 max=ROLE_MAX)
    managers = set(data.manager_ids)
    if managers and len(set(session.scalars(select(User.id).where(User.id.in_(managers))))) != len(managers):
        raise EmergencyError(N_("관리자 계정을 찾을 수 없습니다."))


def save(session: Session, actor: User, data: GroupInput, group: EmergencyGroup | None = None,
         ip: str = "") -> EmergencyGroup:
    """Create (admins) or update (admins and the group's managers) a group; the caller commits."""
    if group is None and not can_create(actor):
        raise EmergencyError(N_("비상연락망 그룹은 관리자만 만들 수 있습니다."))
    if group is not None and not can_manage(actor, group):
        raise EmergencyError(N_("이 그룹을 관리할 권한이 없습니다."))
    data.name, data.description = clean(data.name), clean(data.description)
    for member in data.members:
        member.role = clean(member.role)
    _check(session, data, group.id if group else None)
    created = group is None
    if group is None:
        group = EmergencyGroup(name=data.name.strip())
        session.add(group)
    group.name, group.description, group.pinned = data.name.strip(), data.description.strip(), data.pinned
    # Replacing the rows keeps the order exactly as given; the unique (group, person) must not collide with
    # the rows being replaced, hence the flush in between.
    group.members.clear()
    if not actor.has_role("admin") and actor.id not in data.manager_ids and not created:
        data.manager_ids = [*data.manager_ids, actor.id]     # a manager cannot lock themselves out
    group.managers.clear()
    session.flush()
    group.members.extend(EmergencyMember(person_id=m.person_id, role=m.role.strip(), position=i,
                                         deputy_person_id=m.deputy_person_id) for i, m in enumerate(data.members))
    group.managers.extend(EmergencyManager(user_id=uid) for uid in dict.fromkeys(data.manager_ids))
    session.flush()
    audit.record(session, "emergency.group_created" if created else "emergency.group_updated", user=actor,
                 target=f"emergency_group:{group.id}", ip=ip, name=group.name, members=len(data.members),
                 managers=len(group.managers))
    return group


def delete(session: Session, actor: User, group: EmergencyGroup, ip: str = "") -> None:
    if not can_create(actor):
        raise EmergencyError(N_("비상연락망 그룹은 관리자만 지울 수 있습니다."))
    audit.record(session, "emergency.group_deleted", user=actor, target=f"emergency_group:{group.id}", ip=ip,
                 name=group.name)
    session.delete(group)


def users_by_person(session: Session, person_ids: set[int]) -> dict[int, User]:
    """The active staff account of each directory person, where one exists (``User.person_id``)."""
    if not person_ids:
        return {}
    users = session.scalars(select(User).where(User.person_id.in_(person_ids), User.is_active.is_(True)))
    return {u.person_id: u for u in users}


# A text to more than 10 people turns into a group MMS that several Korean phones' message apps cut short or
# refuse, and iOS and Android each cap the recipients of one sms: link differently; 10 per link sends as one
# ordinary group text everywhere we tried, so a larger group gets several buttons (1–10, 11–20, …).
SMS_CHUNK = 10


def sms_links(numbers: list[str], chunk: int = SMS_CHUNK) -> list[str]:
    """``sms:`` links for everyone's mobile, ``chunk`` recipients each, comma-separated (which both Android and
    iOS read as several recipients); duplicates and blanks dropped, order kept."""
    unique = [n for n in dict.fromkeys(n.strip() for n in numbers) if n]
    return ["sms:" + ",".join(unique[i:i + chunk]) for i in range(0, len(unique), chunk)]


def offline_copy(session: Session, user: User) -> dict:
    """Every group I belong to with its members' numbers, for the phone to keep (the service worker's
    ``emergency-v1`` cache)."""
    def person(p: Person | None) -> dict | None:
        if p is None:
            return None
        return {"id": p.id, "name": p.name, "title": p.title, "phone": p.phone, "mobile": p.mobile,
                "department": p.department.name if p.department else ""}

    return {"groups": [{"id": g.id, "name": g.name, "description": g.description,
                        "members": [{**person(m.person), "role": m.role, "deputy": person(m.deputy)}
                                    for m in g.members],
                        "sms": sms_links([m.person.mobile for m in g.members])}
                       for g in my_groups(session, user)]}


LINES_MAX = MEMBERS_MAX


def parse_members(session: Session, text: str) -> list[MemberInput]:
    """The console's member list: one line per member in call order, ``사람 | 역할 | 대리인``, where a person is
    their e-mail address, or their name when only one person in the directory has it."""
    lines = [line for line in clean(text).splitlines() if line.strip()]
    if len(lines) > LINES_MAX:
        raise EmergencyError(N_("구성원은 %(max)s명까지 넣을 수 있습니다."), max=MEMBERS_MAX)
    result = []
    for number, line in enumerate(lines, start=1):
        parts = [p.strip() for p in line.split("|")]
        if len(parts) > 3:
            raise EmergencyError(N_("%(row)s번째 줄: ‘사람 | 역할 | 대리인’ 형식으로 써 주세요."), row=number)
        person = _find_person(session, parts[0], number)
        deputy = _find_person(session, parts[2], number) if len(parts) == 3 and parts[2] else None
        result.append(MemberInput(person_id=person.id, role=parts[1] if len(parts) > 1 else "",
                                  deputy_person_id=deputy.id if deputy else None))
    return result


def _find_person(session: Session, key: str, row: int) -> Person:
    if not key:
        raise EmergencyError(N_("%(row)s번째 줄: 사람을 입력해 주세요."), row=row)
    key = key[:255]
    if "@" in key:
        person = session.scalar(select(Person).where(Person.email == key.lower()))
        if person is None:
            person = session.scalar(select(Person).where(Person.email == key))
        if person is None:
            raise EmergencyError(N_("%(row)s번째 줄: 이메일 ‘%(key)s’인 직원을 찾을 수 없습니다."), row=row, key=key)
        return person
    found = list(session.scalars(select(Person).where(Person.name == key).limit(2)))
    if not found:
        raise EmergencyError(N_("%(row)s번째 줄: ‘%(key)s’ 직원을 찾을 수 없습니다."), row=row, key=key)
    if len(found) > 1:
        raise EmergencyError(N_("%(row)s번째 줄: ‘%(key)s’ 이름이 여럿입니다. 이메일로 써 주세요."), row=row, key=key)
    return found[0]


def parse_managers(session: Session, text: str) -> list[int]:
    """Managers as usernames, separated by commas or spaces."""
    names = [n for n in clean(text).replace(",", " ").split() if n]
    if len(names) > 50:
        raise EmergencyError(N_("관리자는 %(max)s명까지 정할 수 있습니다."), max=50)
    ids = []
    for name in names:
        user_id = session.scalar(select(User.id).where(User.username == name[:64]))
        if user_id is None:
            raise EmergencyError(N_("‘%(name)s’ 계정을 찾을 수 없습니다."), name=name[:64])
        ids.append(user_id)
    return ids


def members_text(group: EmergencyGroup) -> str:
    """The member list written back the way ``parse_members`` reads it."""
    def key(p: Person) -> str:
        return p.email or p.name
    return "\n".join(" | ".join([key(m.person), m.role] + ([key(m.deputy)] if m.deputy else []))
                     for m in group.members)
