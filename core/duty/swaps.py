"""Duty swaps: the holder offers a duty to a colleague, the colleague accepts (or refuses), the department
admin approves (the duty moves to the colleague through ``roster.change``: SEQUENCE, feeds and reminders
follow) or declines. Everyone concerned is told at each step through ``core.push.send``."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.duty import roster
from core.duty.roster import DutyError
from core.i18n import N_
from core.models.accounts import User
from core.models.duty import Duty, DutySwap
from core.timeutil import as_utc, utcnow

OPEN = ("offered", "accepted")


def _admins_of(session: Session, department_id: int | None) -> list[int]:
    query = select(User.id).where(User.is_active.is_(True), User.role == "dept_admin",
                                  User.department_id == department_id)
    return list(session.scalars(query)) or list(session.scalars(
        select(User.id).where(User.is_active.is_(True), User.role == "admin")))


def _tell(session: Session, user_ids: list[int], title: str, swap: DutySwap) -> None:
    from core import push
    from core.audience import Audience
    if user_ids:
        push.send(session, audience=Audience.of(users=user_ids), title=title, body=roster.describe(swap.duty),
                  url="/duty", source="duty", source_id=swap.duty_id)


def offer(session: Session, user: User, duty: Duty, to_person_id: int) -> DutySwap:
    if user.person_id is None or duty.person_id != user.person_id:
        raise DutyError(N_("내 근무만 교대를 요청할 수 있습니다."))
    if duty.cancelled_at is not None or as_utc(duty.starts_at) <= utcnow():
        raise DutyError(N_("이미 시작했거나 취소된 근무는 교대할 수 없습니다."))
    if to_person_id == duty.person_id:
        raise DutyError(N_("다른 사람을 골라 주세요."))
    if session.scalars(select(DutySwap).where(DutySwap.duty_id == duty.id, DutySwap.state.in_(OPEN))).first():
        raise DutyError(N_("이 근무에는 이미 진행 중인 교대 요청이 있습니다."))
    roster.check(session, to_person_id, as_utc(duty.starts_at), as_utc(duty.ends_at), duty.kind)
    swap = DutySwap(duty_id=duty.id, from_person_id=duty.person_id, to_person_id=to_person_id, state="offered",
                    offered_by=user.id, offered_at=utcnow())
    session.add(swap)
    session.flush()
    session.refresh(swap)
    _tell(session, roster.users_of(session, [to_person_id]), "근무 교대 요청이 왔습니다", swap)
    return swap


def answer(session: Session, user: User, swap: DutySwap, accept: bool) -> None:
    """The colleague accepts (on to the admin) or refuses (closed)."""
    if swap.state != "offered" or user.person_id != swap.to_person_id:
        raise DutyError(N_("이 교대 요청에 답할 수 없습니다."))
    if accept:
        roster.check(session, swap.to_person_id, as_utc(swap.duty.starts_at), as_utc(swap.duty.ends_at),
                     swap.duty.kind, exclude=swap.duty_id)
        swap.state, swap.accepted_at = "accepted", utcnow()
        _tell(session, roster.users_of(session, [swap.from_person_id]), "교대 요청이 수락되었습니다", swap)
        _tell(session, _admins_of(session, swap.duty.department_id), "근무 교대 승인 요청", swap)
    else:
        swap.state, swap.decided_at = "refused", utcnow()
        _tell(session, roster.users_of(session, [swap.from_person_id]), "교대 요청이 거절되었습니다", swap)
    session.flush()


def decide(session: Session, admin: User, swap: DutySwap, approve: bool, reason: str = "") -> None:
    """The department admin's decision; approving moves the duty (refused if it now conflicts)."""
    if swap.state != "accepted":
        raise DutyError(N_("승인을 기다리는 교대 요청이 아닙니다."))
    if not can_manage(admin, swap.duty.department_id):
        raise DutyError(N_("이 부서의 근무를 관리할 권한이 없습니다."))
    if approve:
        roster.change(session, swap.duty, person_id=swap.to_person_id, notify=False)
    swap.state = "approved" if approve else "declined"
    swap.decided_by, swap.decided_at, swap.reason = admin.id, utcnow(), reason.strip()[:255]
    session.flush()
    title = "근무 교대가 승인되었습니다" if approve else "근무 교대가 반려되었습니다"
    _tell(session, roster.users_of(session, [swap.from_person_id, swap.to_person_id]), title, swap)


def withdraw(session: Session, user: User, swap: DutySwap) -> None:
    if swap.state not in OPEN or user.person_id != swap.from_person_id:
        raise DutyError(N_("이 교대 요청을 취소할 수 없습니다."))
    swap.state, swap.decided_at = "withdrawn", utcnow()
    session.flush()
    _tell(session, roster.users_of(session, [swap.to_person_id]), "교대 요청이 취소되었습니다", swap)


def can_manage(user: User, department_id: int | None) -> bool:
    """Admins manage every roster; a department admin their own department's."""
    if user.role == "admin":
        return True
    return user.role == "dept_admin" and department_id is not None and user.department_id == department_id


def for_user(session: Session, user: User) -> list[DutySwap]:
    """Open swaps that concern the user: offered by or to them, or waiting for them as an admin."""
    query = select(DutySwap).where(DutySwap.state.in_(OPEN))
    rows = list(session.scalars(query.order_by(DutySwap.offered_at.desc()).limit(100)))
    return [s for s in rows if user.person_id in (s.from_person_id, s.to_person_id)
            or (s.state == "accepted" and can_manage(user, s.duty.department_id))]
