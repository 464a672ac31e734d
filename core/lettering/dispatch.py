"""Job handlers of Smart Lettering: lettering on ``dial``, call states, the fallback decision and AlimTalk
(registered with the job runtime by ``core.lettering.jobs``). Providers are passed in (``Context.carrier`` /
``Context.kakao``, HTTP clients in ``core.lettering.providers``); they answer with the result types of
``core.lettering.dispatch_context``.

Every handler is idempotent: a job may run again after a crash, and then finds its work recorded
(the carrier and Kakao also deduplicate by idempotency key). No handler holds a database transaction
while it waits for a provider. Log lines carry call ids and masked numbers only.
"""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.jobs import Defer, Record
from core.lettering import optout
from core.lettering.alimtalk_dispatch import alimtalk_request, handle_alimtalk, handle_fallback, template_variables
from core.lettering.carrier_dispatch import LOG_INSERT, handle_dial, handle_state, lettering_request
from core.lettering.dispatch_context import (
    ALIMTALK_DROPPED,
    ALIMTALK_LABELS,
    ALIMTALK_PROBLEMS,
    ALIMTALK_REPEATED,
    CARRIER_ERRORS,
    CARRIER_LABELS,
    FALLBACK_LABELS,
    GAVE_UP,
    NOT_LETTERED,
    STATE_LABELS,
    STATE_REPORTED,
    CarrierPort,
    CarrierResult,
    Context,
    KakaoPort,
    KakaoResult,
    add_log,
)
from core.models.calls import Call
from core.timeutil import utcnow

# The handlers live by topic (dispatch_context: labels, result types, the Context with the campaign choice;
# carrier_dispatch: dial and call states; alimtalk_dispatch: the fallback and AlimTalk); the rest of the
# project imports them from here.
__all__ = ["ALIMTALK_DROPPED", "ALIMTALK_LABELS", "ALIMTALK_PROBLEMS", "ALIMTALK_REPEATED", "CARRIER_ERRORS",
           "CARRIER_LABELS", "FALLBACK_LABELS", "GAVE_UP", "HANDLERS", "LOG_INSERT", "NOT_LETTERED", "STATE_LABELS",
           "STATE_REPORTED", "CarrierPort", "CarrierResult", "Context", "KakaoPort", "KakaoResult", "alimtalk_request",
           "handle_alimtalk", "handle_dial", "handle_fallback", "handle_state", "lettering_request", "on_dead",
           "template_variables"]


def on_dead(factory: sessionmaker[Session], ctx: Context, kind: str, payload: dict, error: str) -> None:
    """Record on the call that a job gave up, so the console shows it next to the dead job."""
    if kind == optout.CODE_KIND:
        optout.code_gave_up(factory, payload)
        return
    with factory() as session:
        call = session.scalar(select(Call).where(Call.call_id == payload.get("call_id")))
        if call is None:
            return
        now = utcnow()
        if kind == "lettering.dial" and call.lettering_status == "pending":
            call.lettering_status, call.lettering_error = "failed", error[:255]
            add_log(session, call, "carrier", GAVE_UP["carrier"], now, gave_up=True)
        elif kind == "lettering.alimtalk" and call.alimtalk_status in ("queued", "held", "sending"):
            call.alimtalk_status, call.alimtalk_sent_at = "error", None
            add_log(session, call, "alimtalk", GAVE_UP["alimtalk"], now, gave_up=True)
        elif kind == "lettering.state":
            add_log(session, call, "state", GAVE_UP["state"], now, gave_up=True)
        session.commit()


HANDLERS: dict[str, Callable[[sessionmaker[Session], Context, dict], Defer | Record | None]] = {
    "lettering.dial": handle_dial,
    "lettering.state": handle_state,
    "lettering.fallback": handle_fallback,
    "lettering.alimtalk": handle_alimtalk,
    optout.CODE_KIND: optout.handle_code,  # an opt-out's one-time code, sent by the same Kakao client
}
