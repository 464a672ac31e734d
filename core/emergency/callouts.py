"""Call-outs (비상소집): start one (every member gets an urgent push and an inbox entry through
``core.push.send``), answer it with one touch, escalate to deputies and then the next person in the list
(the runtime's jobs, ``core.emergency.jobs``), and close it.

Escalation of one member who has not answered, every ``escalation_minutes``:
step 1 calls their deputy (skipped when they have none), step 2 the next member in the list (wrapping round).
Each step is one job enqueued with ``run_at``; a job that finds an answer (or the call-out closed) does nothing.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, object_session

from core import audit, push
from core.audience import Audience
from core.emergency import EmergencyError, clean
from core.emergency.groups import can_manage, users_by_person
from core.emergency.report import ANSWER_CONTEXT, ANSWER_LABELS
from core.i18n import N_, Message, label
from core.jobs import enqueue
from core.models.accounts import User
from core.models.emergency import (
    ANSWERS,
    VIAS,
    EmergencyCallout,
    EmergencyEscalation,
    EmergencyGroup,
    EmergencyTarget,
)
from core.models.organization import Person
from core.push import actions as push_actions
from core.timeutil import utcnow

ESCALATE_KIND = "emergency.escalate"
MESSAGE_MAX = 400
MINUTES_MIN, MINUTES_MAX = 1, 120
DRILL_PREFIX = "[훈련] "
# One touch from the notification: its two buttons (Chrome shows two), and a tap on its body is 확인.
BUTTONS = tuple(push_actions.Button(a, ANSWER_LABELS[a]) for a in ("available", "unavailable"))
TAP_ANSWER = "ack"


def topic_for(callout: EmergencyCallout) -> str:
    return f"emergency-{callout.id}"


def answer_url(callout: EmergencyCallout) -> str:
    return f"/emergency/callouts/{callout.id}"


def _notify(session: Session, callout: EmergencyCallout, user_ids: set[int], body: str) -> None:
    if not user_ids:
        return
    title = (DRILL_PREFIX if callout.drill else "") + f"비상소집 · {callout.group_name}"
    push.send(session, audience=Audience.of(users=user_ids), title=title, body=body, url=answer_url(callout),
              urgency="high", topic=topic_for(callout), source="emergency", source_id=callout.id,
              created_by=callout.started_by, buttons=BUTTONS, tap_action=TAP_ANSWER)


def start(session: Session, actor: User, group: EmergencyGroup, *, message: str, drill: bool,
          escalation_minutes: int, ip: str = "") -> EmergencyCallout:
    """Call every member out; the caller commits (the push and the escalation jobs go with it)."""
    if not can_manage(actor, group):
        raise EmergencyError(N_("이 그룹에 비상소집을 보낼 권한이 없습니다."))
    message = clean(message).strip()
    if not message:
        raise EmergencyError(N_("소집 메시지를 입력해 주세요."))
    if len(message) > MESSAGE_MAX:
        raise EmergencyError(N_("소집 메시지는 %(max)s자까지 쓸 수 있습니다."), max=MESSAGE_MAX)
    if not MINUTES_MIN <= escalation_minutes <= MINUTES_MAX:
        raise EmergencyError(N_("대리인 호출 시간은 %(lo)s분에서 %(hi)s분 사이로 정해 주세요."), lo=MINUTES_MIN,
                             hi=MINUTES_MAX)
    if not group.members:
        raise EmergencyError(N_("구성원이 없는 그룹에는 비상소집을 보낼 수 없습니다."))
    now = utcnow()
    callout = EmergencyCallout(group_id=group.id, group_name=group.name, message=message, drill=drill,
                               escalation_minutes=escalation_minutes, started_by=actor.id, started_at=now)
    session.add(callout)
    accounts = users_by_person(session, {m.person_id for m in group.members})
    for member in group.members:
        account = accounts.get(member.person_id)
        callout.targets.append(EmergencyTarget(person_id=member.person_id, user_id=account.id if account else None,
                                               name=member.person.name, role=member.role, position=member.position,
                                               reason="member", called_at=now))
    session.flush()
    _notify(session, callout, {t.user_id for t in callout.targets if t.user_id}, message)
    run_at = now + timedelta(minutes=escalation_minutes)
    for target in callout.targets:
        enqueue(session, ESCALATE_KIND, {"callout_id": callout.id, "person_id": target.person_id, "step": 1},
                run_at=run_at)
    audit.record(session, "emergency.callout_started", user=actor, target=f"emergency_callout:{callout.id}", ip=ip,
                 group=group.name, drill=drill, members=len(callout.targets), minutes=escalation_minutes)
    return callout


def can_view(user: User, callout: EmergencyCallout) -> bool:
    return target_of(user, callout) is not None or is_manager(user, callout)


def is_manager(user: User, callout: EmergencyCallout) -> bool:
    if user.has_role("admin"):
        return True
    return callout.group_id is not None and any(m.user_id == user.id for m in _group(callout).managers)


def _group(callout: EmergencyCallout) -> EmergencyGroup:
    return object_session(callout).get(EmergencyGroup, callout.group_id)


def target_of(user: User, callout: EmergencyCallout) -> EmergencyTarget | None:
    for target in callout.targets:
        if target.user_id == user.id or (user.person_id and target.person_id == user.person_id):
            return target
    return None


def answer(session: Session, user: User, callout: EmergencyCallout, value: str, *, via: str = "page",
           ip: str = "") -> EmergencyTarget:
    """One touch: 확인 / 출동 가능 / 불가. A later touch changes the answer but keeps the first time (the response
    time is when they first reacted); the caller commits."""
    if value not in ANSWERS:
        raise EmergencyError(N_("알 수 없는 응답입니다."))
    if via not in VIAS:
        raise EmergencyError(N_("알 수 없는 응답 경로입니다."))
    target = target_of(user, callout)
    if target is None:
        raise EmergencyError(N_("이 비상소집의 대상이 아닙니다."))
    if callout.closed_at is not None:
        raise EmergencyError(N_("이미 종료된 비상소집입니다."))
    if target.answered_at is None:
        target.answered_at = utcnow()
        target.via = via
    target.answer = value
    if target.user_id is None:
        target.user_id = user.id
    audit.record(session, "emergency.answered", user=user, target=f"emergency_callout:{callout.id}", ip=ip,
                 answer=value, via=via, drill=callout.drill)
    return target


def answer_from_notification(session: Session, reply: push_actions.Reply) -> Message:
    """A button (or a tap) on a call-out's notification: answered as on the page, marked as by 알림."""
    callout = session.get(EmergencyCallout, reply.message.source_id) if reply.message.source_id else None
    if callout is None:
        raise EmergencyError(N_("이 비상소집을 찾을 수 없습니다."))
    target = target_of(reply.user, callout)
    if reply.tapped and target is not None and target.answer:
        return Message(N_("이미 응답했습니다: %(answer)s"), {"answer": label(ANSWER_LABELS[target.answer],
                                                                                   ANSWER_CONTEXT)})
    answer(session, reply.user, callout, reply.action, via="notification", ip=reply.ip)
    return Message(N_("응답했습니다: %(answer)s"), {"answer": label(ANSWER_LABELS[reply.action], ANSWER_CONTEXT)})


push_actions.register("emergency", answer_from_notification)


def close(session: Session, actor: User, callout: EmergencyCallout, ip: str = "") -> None:
    if not is_manager(actor, callout):
        raise EmergencyError(N_("이 비상소집을 종료할 권한이 없습니다."))
    if callout.closed_at is not None:
        raise EmergencyError(N_("이미 종료된 비상소집입니다."))
    callout.closed_at = utcnow()
    audit.record(session, "emergency.callout_closed", user=actor, target=f"emergency_callout:{callout.id}", ip=ip,
                 drill=callout.drill, answered=sum(1 for t in callout.targets if t.answered_at))


def _answered(callout: EmergencyCallout, person_ids: set[int | None]) -> bool:
    return any(t.person_id in person_ids and t.answered_at is not None for t in callout.targets)


def escalate(session: Session, callout_id: int, person_id: int, step: int) -> str:
    """One escalation job; returns what it did (for logs and tests). The caller commits."""
    callout = session.get(EmergencyCallout, callout_id, with_for_update=True)
    if callout is None or callout.closed_at is not None or callout.group_id is None:
        return "closed"
    group = _group(callout)
    member = next((m for m in group.members if m.person_id == person_id), None)
    if member is None:
        return "gone"
    deputy_id = member.deputy_person_id if step == 1 else None
    if _answered(callout, {person_id} | ({member.deputy_person_id} if step == 2 else set())):
        return "answered"
    if deputy_id is None:
        # No deputy (or step 2): the next member in the list, wrapping round, but never the person themself.
        step = 2
        others = [m for m in group.members if m.person_id != person_id]
        if not others:
            return "nobody"
        later = [m for m in others if m.position > member.position]
        deputy_id = (later or others)[0].person_id
    person = session.get(Person, deputy_id)
    if person is None:
        return "gone"
    now = utcnow()
    target = next((t for t in callout.targets if t.person_id == deputy_id), None)
    account = users_by_person(session, {deputy_id}).get(deputy_id)
    if target is None:
        target = EmergencyTarget(person_id=deputy_id, user_id=account.id if account else None, name=person.name,
                                 role=f"{member.person.name} 대리", position=1000 + member.position,
                                 reason="deputy", called_at=now)
        callout.targets.append(target)
    callout.escalations.append(EmergencyEscalation(for_person_id=person_id, to_person_id=deputy_id,
                                                   for_name=member.person.name, to_name=person.name,
                                                   step="deputy" if step == 1 else "next", at=now))
    session.flush()
    if account is not None:
        _notify(session, callout, {account.id},
                f"{member.person.name}님이 응답하지 않아 대신 연락드립니다. {callout.message}")
    if step == 1:
        enqueue(session, ESCALATE_KIND, {"callout_id": callout.id, "person_id": person_id, "step": 2},
                run_at=now + timedelta(minutes=callout.escalation_minutes))
    audit.record(session, "emergency.escalated", username="system", target=f"emergency_callout:{callout.id}",
                 for_person=person_id, to_person=deputy_id, step="deputy" if step == 1 else "next")
    return "deputy" if step == 1 else "next"


def open_for(session: Session, user: User) -> list[EmergencyCallout]:
    """Open call-outs that called me (as a member or deputy), newest first."""
    conditions = [EmergencyTarget.user_id == user.id]
    if user.person_id:
        conditions.append(EmergencyTarget.person_id == user.person_id)
    query = (select(EmergencyCallout).join(EmergencyTarget)
             .where(EmergencyCallout.closed_at.is_(None), or_(*conditions))
             .order_by(EmergencyCallout.started_at.desc()))
    return list(session.scalars(query).unique())


def recent(session: Session, group: EmergencyGroup, limit: int = 20) -> list[EmergencyCallout]:
    return list(session.scalars(select(EmergencyCallout).where(EmergencyCallout.group_id == group.id)
                                .order_by(EmergencyCallout.started_at.desc()).limit(limit)))
