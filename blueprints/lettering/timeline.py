"""A call's timeline in the reader's language.

The worker stores each row's summary in Korean (``CallLog.summary``, the record). The console renders the
row again from its kind and detail, through the same msgids translated; a row whose detail does not say
enough (written before the detail carried its parameters, or by other code) shows the stored summary.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _

from blueprints.lettering import labels
from core.lettering import dispatch, ingest, reports
from core.lettering.policy import REASONS
from core.models.calls import Call, CallEvent, CallLog
from core.timeutil import as_utc

Detail = dict[str, Any]


def _event(detail: Detail) -> str | None:
    kind = detail.get("type")
    if kind not in ingest.SUMMARIES:
        return None
    summary = ingest.SUMMARIES[kind]
    if kind == "ended":
        if "seconds" not in detail:
            return None
        seconds = detail["seconds"]
        return _(ingest.ENDED_AFTER, seconds=seconds) if seconds is not None else _(summary)
    if kind in ("dial", "incoming"):
        line, peer = detail.get("line"), detail.get("peer")
        return _(summary, line=line, peer=peer) if line and peer else None
    return _(summary)


def _carrier(detail: Detail) -> str | None:
    status = detail.get("status")
    if "attempts" not in detail:
        label = dispatch.NOT_LETTERED.get(status)
        return _(label) if label else None
    label, error = dispatch.CARRIER_LABELS.get(status), carrier_error(detail)
    if label is None or (status == "failed" and error is None):
        return None
    return _(label, error=error)


def carrier_error(detail: Detail) -> str | None:
    """Why the carrier refused, in the reader's language (the stored Korean text for older rows)."""
    template = dispatch.CARRIER_ERRORS.get(detail.get("error_code", ""))
    if template is not None:
        return _(template, **detail.get("error_args", {}))
    return detail.get("error")


def _state(detail: Detail) -> str | None:
    label = dispatch.STATE_LABELS.get(detail.get("state"))
    return _(dispatch.STATE_REPORTED, state=_(label)) if label else None


def _fallback(detail: Detail) -> str | None:
    action, reason = dispatch.FALLBACK_LABELS.get(detail.get("action")), REASONS.get(detail.get("reason"))
    return f"{_(action)}: {_(reason)}" if action and reason else None


def _alimtalk(detail: Detail) -> str | None:
    status = detail.get("status")
    if status == "dropped":
        reason = REASONS.get(detail.get("reason"))
        return _(dispatch.ALIMTALK_DROPPED, reason=_(reason)) if reason else None
    if "problem" in detail:
        label, error = dispatch.ALIMTALK_PROBLEMS.get(detail["problem"]), detail.get("error", "")
        return _(label, error=error) if label else None
    label = dispatch.ALIMTALK_LABELS.get(status)
    if label is None or "code" not in detail:
        return None
    repeated = f" ({_(dispatch.ALIMTALK_REPEATED)})" if detail["code"] == -1005 else ""
    return _(label) + repeated


def _receipt(detail: Detail) -> str | None:
    label = reports.RECEIPT_LABELS.get(detail.get("status")) or reports.KAKAO_LABELS.get(detail.get("status"))
    return _(label) if label else None


_BY_KIND: dict[str, Callable[[Detail], str | None]] = {
    "event": _event, "carrier": _carrier, "state": _state, "fallback": _fallback, "alimtalk": _alimtalk,
    "receipt": _receipt,
}


def describe(log: CallLog) -> str:
    """The row's line for the console, in the reader's language when its detail allows."""
    detail = log.detail if isinstance(log.detail, dict) else {}
    if detail.get("gave_up") and log.kind in dispatch.GAVE_UP:
        return _(dispatch.GAVE_UP[log.kind])
    render = _BY_KIND.get(log.kind)
    return (render(detail) if render else None) or log.summary


# --- order -------------------------------------------------------------------------------------------
# The true order of a call's rows. Each row carries its own event's time (the PBX's for PBX events, the carrier's
# or Kakao's for their reports, ours for what we did), but those clocks tell seconds at best: a report stamped
# 10:00:00 may follow our 10:00:00.400 acceptance, and a PBX batch may hold ``ended`` before ``missed`` with the
# same second. So rows are ordered by their second, then by the step of a call's life they record, then by the
# exact time and the sequence (id) they were stored in.
_EVENT_STEP = {"dial": 0, "incoming": 0, "ringing": 1, "answered": 4, "missed": 4, "ended": 6}
_STATE_STEP = {"answered": 5, "missed": 5, "ended": 7}
_KIND_STEP = {"carrier": 2, "fallback": 8, "alimtalk": 9}
_CARRIER_RECEIPT_STEP = {"not_displayed": 3, "displayed": 3, "after_call_displayed": 7}
_KAKAO_RECEIPT_STEP = 10


def step(log: CallLog) -> float:
    """Where the row's event falls in a call's life (dial → ringing → lettering → answer → end → AlimTalk)."""
    detail = log.detail if isinstance(log.detail, dict) else {}
    if log.kind == "event":
        return _EVENT_STEP.get(detail.get("type"), 6)
    if log.kind == "state":
        return _STATE_STEP.get(detail.get("state"), 7)
    if log.kind == "receipt":
        return _CARRIER_RECEIPT_STEP.get(detail.get("status"), _KAKAO_RECEIPT_STEP)
    return _KIND_STEP.get(log.kind, 11)


def _second(moment: datetime) -> int:
    return int(as_utc(moment).timestamp())


def ordered(logs: list[CallLog]) -> list[CallLog]:
    """The timeline rows in their true order (see above)."""
    return sorted(logs, key=lambda log: (_second(log.at), step(log), as_utc(log.at), log.id or 0))


def ordered_events(events: list[CallEvent]) -> list[CallEvent]:
    """The PBX events in their true order: their second, their step, their exact time, their sequence."""
    return sorted(events, key=lambda e: (_second(e.at), _EVENT_STEP.get(e.type, 6), as_utc(e.at), e.id or 0))


@dataclass(frozen=True)
class Receipt:
    label: str
    at: datetime | None


def receipts(call: Call, logs: list[CallLog]) -> list[Receipt]:
    """What the 수신 확인 row shows: the carrier's best receipt and Kakao's report, whichever exist. Both come from
    the timeline's receipt rows too, so a receipt that exists always shows (Kakao's report was never shown
    here, and a row can exist before the call's own column says so)."""
    carrier: tuple[int, CallLog | None] = (-1, None)
    kakao: CallLog | None = None
    for log in logs:
        status = (log.detail or {}).get("status") if isinstance(log.detail, dict) else None
        if log.kind != "receipt" or not status:
            continue
        if status in reports.RECEIPT_LADDER:
            rank = reports.RECEIPT_LADDER.index(status)
            if rank >= carrier[0]:
                carrier = (rank, log)
        elif status in reports.KAKAO_LABELS:
            kakao = log
    found: list[Receipt] = []
    best = call.receipt_status if call.receipt_status in reports.RECEIPT_LADDER else None
    if carrier[1] is not None and (best is None or carrier[0] >= reports.RECEIPT_LADDER.index(best)):
        best = reports.RECEIPT_LADDER[carrier[0]]
    if best is not None:
        at = carrier[1].at if carrier[1] is not None and carrier[1].detail.get("status") == best else None
        found.append(Receipt(str(labels.RECEIPT[best]), at))
    if kakao is not None:
        found.append(Receipt(_(reports.KAKAO_LABELS[kakao.detail["status"]]), kakao.at))
    elif call.alimtalk_status in ("delivered", "failed"):  # only Kakao's report sets these
        found.append(Receipt(_(reports.KAKAO_LABELS[call.alimtalk_status.upper()]), None))
    return found
