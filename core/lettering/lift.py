"""What lettering changes: lettered calls against held-out calls (core.lettering.holdout), per department
and for the city, each measure with Newcombe's 95 % interval for the difference (core.lettering.proportions).

The two arms are the calls the holdout split at random, so they differ only by the lettering:
- lettered: outgoing calls on an active line to a citizen who has not opted out, not held out, whatever the
  carrier then answered (shown, an iPhone, not a subscriber, an error). Counting only the calls whose screen
  showed the lettering would compare Android phones with everyone, not lettering with none;
- holdout: the same kind of calls that the call id held out (``lettering_status = 'holdout'``).
Only finished calls count (the PBX reported how they ended).

Measures, each a share of the arm's finished calls:
- answered: the citizen picked up;
- declined: the call ended before anyone answered and the PBX did not report it as missed (rejected while
  it rang, rather than left to ring out);
- long: the call lasted 60 s or more;
- callback: the same citizen (by the keyed hash of the number) called any city line within 24 h after;
  only calls whose 24 h have passed count, or the newest calls would pull the share down.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, case, exists, func, literal_column, select
from sqlalchemy.orm import Session, aliased

from core.i18n import N_
from core.lettering.proportions import Difference, newcombe_difference
from core.models.calls import Call
from core.models.organization import Department

MIN_PER_ARM = 30            # below this many finished calls in either arm a measure says "not enough calls yet"
LONG_CALL_S = 60
CALLBACK_WINDOW = timedelta(hours=24)
LETTERED_STATUSES = ("accepted", "unsupported_device", "not_subscriber", "failed")
ARMS = ("lettered", "holdout")
MEASURES = {  # key: (label, higher is better for the citizen's contact)
    "answered": N_("응답률"),
    "declined": N_("응답 전 거절"),
    "long": N_("60초 이상 통화"),
    "callback": N_("24시간 안에 시민이 다시 전화"),
}


@dataclass
class Arm:
    calls: int = 0              # finished calls
    answered: int = 0
    declined: int = 0
    long: int = 0
    callback_calls: int = 0     # finished calls whose 24 h window has closed
    callback: int = 0

    def add(self, other: Arm) -> None:
        for name in ("calls", "answered", "declined", "long", "callback_calls", "callback"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def count(self, measure: str) -> tuple[int, int]:
        """(successes, denominator) of one measure."""
        if measure == "callback":
            return self.callback, self.callback_calls
        return getattr(self, measure), self.calls


@dataclass(frozen=True)
class Measure:
    key: str
    lettered: tuple[int, int]
    holdout: tuple[int, int]
    difference: Difference | None      # None: not enough calls yet

    @property
    def enough(self) -> bool:
        return self.difference is not None


@dataclass
class Lift:
    department_id: int | None          # None: the whole city
    name: str
    arms: dict[str, Arm] = field(default_factory=lambda: {arm: Arm() for arm in ARMS})

    @property
    def measures(self) -> list[Measure]:
        return [compare(key, self.arms["lettered"], self.arms["holdout"]) for key in MEASURES]


def compare(key: str, lettered: Arm, holdout: Arm, minimum: int = MIN_PER_ARM) -> Measure:
    """One measure, with its interval when both arms have at least ``minimum`` calls for it."""
    x1, n1 = lettered.count(key)
    x2, n2 = holdout.count(key)
    enough = n1 >= minimum and n2 >= minimum
    return Measure(key, (x1, n1), (x2, n2), newcombe_difference(x1, n1, x2, n2) if enough else None)


def _plus_window(session: Session, column):
    if session.get_bind().dialect.name == "postgresql":
        return column + literal_column("interval '24 hours'")
    return func.strftime("%Y-%m-%d %H:%M:%f", column, "+24 hours")  # the form SQLite stores datetimes in


def lift(session: Session, start: datetime, end: datetime, now: datetime,
         department_id: int | None = None) -> tuple[Lift, list[Lift]]:
    """The city's comparison and one per department (largest first) for calls created in [start, end)."""
    incoming = aliased(Call)
    called_back = exists().where(incoming.peer_hash == Call.peer_hash, incoming.lettering_status == "incoming",
                                 incoming.created_at > Call.created_at,
                                 incoming.created_at <= _plus_window(session, Call.created_at))
    closed = Call.created_at <= now - CALLBACK_WINDOW
    one = case((Call.outcome == "answered", 1), else_=0)
    query = (select(Call.department_id, Call.lettering_status, func.count(), func.sum(one),
                    func.sum(case((and_(Call.outcome == "ended", Call.answered_at.is_(None)), 1), else_=0)),
                    func.sum(case((Call.duration_s >= LONG_CALL_S, 1), else_=0)),
                    func.sum(case((closed, 1), else_=0)),
                    func.sum(case((and_(closed, called_back), 1), else_=0)))
             .where(Call.created_at >= start, Call.created_at < end, Call.outcome.is_not(None),
                    Call.lettering_status.in_((*LETTERED_STATUSES, "holdout")))
             .group_by(Call.department_id, Call.lettering_status))
    if department_id is not None:
        query = query.where(Call.department_id == department_id)
    city = Lift(None, N_("시 전체"))
    by_department: dict[int | None, Lift] = {}
    for dept, status, calls, answered, declined, long_, closed_n, callback in session.execute(query):
        arm = Arm(int(calls), int(answered or 0), int(declined or 0), int(long_ or 0), int(closed_n or 0),
                  int(callback or 0))
        name = "holdout" if status == "holdout" else "lettered"
        city.arms[name].add(arm)
        by_department.setdefault(dept, Lift(dept, "")).arms[name].add(arm)
    names = dict(session.execute(select(Department.id, Department.name)
                                 .where(Department.id.in_([d for d in by_department if d is not None]))).all())
    for dept, item in by_department.items():
        item.name = names.get(dept, N_("부서 없음"))
    departments = sorted(by_department.values(),
                         key=lambda item: (-(item.arms["lettered"].calls + item.arms["holdout"].calls), item.name))
    return city, departments
