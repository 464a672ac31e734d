"""A call's timeline in the reader's language.

The worker stores each row's summary in Korean (``CallLog.summary``, the record). The console renders the
row again from its kind and detail, through the same msgids translated; a row whose detail does not say
enough (written before the detail carried its parameters, or by other code) shows the stored summary.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import gettext as _

from core.lettering import dispatch, ingest, reports
from core.lettering.policy import REASONS
from core.models.calls import CallLog

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
