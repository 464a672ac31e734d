"""A call-out's report: response times of the people called (median, slowest, who never answered) and its CSV.
Drills and real call-outs are never mixed: each report is of one call-out, and ``history`` splits them."""
from __future__ import annotations

import statistics
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.csv_safe import FORMULA_STARTS, safe_cell, to_csv_bytes  # noqa: F401 (re-exported)
from core.models.emergency import EmergencyCallout, EmergencyGroup, EmergencyTarget
from core.timeutil import as_utc, format_kst

ANSWER_LABELS = {"ack": "확인", "available": "출동 가능", "unavailable": "불가"}
ANSWER_CONTEXT = "emergency answer"   # pgettext's: 확인 here is an answer (acknowledged), not a button's OK
VIA_LABELS = {"page": "화면", "notification": "알림"}


@dataclass
class Report:
    callout: EmergencyCallout
    called: int
    answered: int
    median_seconds: float | None
    slowest: EmergencyTarget | None
    slowest_seconds: float | None
    never: list[EmergencyTarget]
    counts: dict[str, int]


def seconds_to_answer(target: EmergencyTarget) -> float | None:
    if target.answered_at is None:
        return None
    return (as_utc(target.answered_at) - as_utc(target.called_at)).total_seconds()


def build(callout: EmergencyCallout) -> Report:
    timed = [(seconds_to_answer(t), t) for t in callout.targets]
    answered = [(s, t) for s, t in timed if s is not None]
    slowest = max(answered, key=lambda pair: pair[0]) if answered else None
    return Report(callout=callout, called=len(callout.targets), answered=len(answered),
                  median_seconds=statistics.median(s for s, _ in answered) if answered else None,
                  slowest=slowest[1] if slowest else None, slowest_seconds=slowest[0] if slowest else None,
                  never=[t for s, t in timed if s is None],
                  counts={a: sum(1 for _, t in answered if t.answer == a) for a in ANSWER_LABELS})


def history(session: Session, group: EmergencyGroup, limit: int = 20) -> dict[str, list[EmergencyCallout]]:
    """The group's recent call-outs, real ones and drills apart."""
    rows = list(session.scalars(select(EmergencyCallout).where(EmergencyCallout.group_id == group.id)
                                .order_by(EmergencyCallout.started_at.desc()).limit(limit * 2)))
    return {"real": [c for c in rows if not c.drill][:limit], "drill": [c for c in rows if c.drill][:limit]}


def format_seconds(seconds: float | None) -> str:
    if seconds is None:
        return ""
    whole = round(seconds)
    return f"{whole // 60}분 {whole % 60}초" if whole >= 60 else f"{whole}초"


def to_csv(report: Report) -> bytes:
    """UTF-8 with a BOM, so that Excel reads the Korean; one row per person called, then the summary."""
    callout = report.callout
    kind = "훈련" if callout.drill else "실제"
    rows: list[list[object]] = [
        ["구분", "그룹", "시작", "종료", "메시지"],
        [kind, callout.group_name, format_kst(callout.started_at), format_kst(callout.closed_at), callout.message],
        [],
        ["순서", "이름", "역할", "호출", "호출 시각", "응답", "응답 시각", "경로", "응답 시간(초)"],
    ]
    for number, target in enumerate(callout.targets, start=1):
        seconds = seconds_to_answer(target)
        rows.append([
            number, target.name, target.role, "대리 호출" if target.reason == "deputy" else "구성원",
            format_kst(target.called_at, "%Y-%m-%d %H:%M:%S"), ANSWER_LABELS.get(target.answer or "", "미응답"),
            format_kst(target.answered_at, "%Y-%m-%d %H:%M:%S"), VIA_LABELS.get(target.via or "", ""),
            "" if seconds is None else round(seconds)])
    rows += [
        [],
        ["호출 인원", "응답 인원", "응답 시간 중앙값(초)", "가장 늦은 응답(초)", "미응답"],
        [report.called, report.answered,
         "" if report.median_seconds is None else round(report.median_seconds),
         "" if report.slowest_seconds is None else round(report.slowest_seconds),
         ", ".join(t.name for t in report.never)],
    ]
    return to_csv_bytes(rows)
