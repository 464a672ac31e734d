"""Web push in the job runtime: the fan-out of a message, the delivery batches, and the daily purge.

- ``push.fanout`` {"message_id"}: in one transaction, an inbox entry for every recipient and a pending
  delivery for each of their subscriptions (``INSERT … SELECT``, skipping rows already there: the unique
  (message, user) and (message, subscription) pairs make a rerun harmless), the figures, and one
  ``push.deliver`` job per ``BATCH`` deliveries.
- ``push.deliver`` {"message_id", "ids"}: sends the batch's pending deliveries at once (``core.push.sender``),
  then records the states and raises the message's figures with ``UPDATE … SET sent = sent + n`` in the
  worker's batch transaction. Only the transient failures go again, in a new job whose ``run_at`` honours the
  largest ``Retry-After`` (else exponential backoff), until ``MAX_ATTEMPTS``.
- ``push.purge`` daily: inbox entries, deliveries and messages older than ``INBOX_RETENTION_DAYS``.
"""
from __future__ import annotations

import logging
import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import DateTime, String, delete, exists, func, insert, literal, select, update
from sqlalchemy.orm import Session

from core import jobs
from core.audience import Audience, AudienceError, recipients
from core.jobs import Outcome, PermanentError, Record
from core.jobs.registry import Env, registry
from core.models.push import InboxItem, PushDelivery, PushMessage, PushSubscription
from core.push import FANOUT_KIND
from core.push.sender import Result, Sender, Target, payload, receipt_for
from core.timeutil import utcnow

log = logging.getLogger("push.jobs")
DELIVER_KIND, PURGE_KIND = "push.deliver", "push.purge"
BATCH = 200
MAX_ATTEMPTS = 6                     # per delivery, across its retry jobs
BACKOFF_BASE_S, BACKOFF_CAP_S = 5.0, 600.0


def push_sender(settings: dict[str, Any]) -> Sender:
    """One sender per worker process (its HTTP pool, threads and VAPID headers), via ``Env.shared``."""
    return Sender.from_settings(settings)


# --- fan-out -----------------------------------------------------------------------------------

def fan_out(session: Session, message: PushMessage) -> list[list[int]]:
    """Write the inbox entries and deliveries of ``message``; the delivery ids in batches. Caller commits."""
    try:
        audience = Audience.from_json(message.audience)
    except AudienceError as exc:
        raise PermanentError(str(exc)) from None
    now = utcnow()
    people = recipients(audience).order_by(None).subquery()
    session.execute(insert(InboxItem).from_select(
        ["message_id", "user_id", "created_at"],
        select(literal(message.id), people.c.id, literal(now, DateTime(timezone=True)))
        .where(~exists().where(InboxItem.message_id == message.id, InboxItem.user_id == people.c.id))))
    session.execute(insert(PushDelivery).from_select(
        ["message_id", "subscription_id", "user_id", "state", "attempts", "error"],
        select(literal(message.id), PushSubscription.id, PushSubscription.user_id, literal("pending", String),
               literal(0), literal("", String))
        .where(PushSubscription.user_id.in_(select(people.c.id)),
               ~exists().where(PushDelivery.message_id == message.id,
                               PushDelivery.subscription_id == PushSubscription.id))))
    message.recipients = session.scalar(select(func.count()).where(InboxItem.message_id == message.id))
    message.targeted = session.scalar(select(func.count()).where(PushDelivery.message_id == message.id))
    message.fanned_out_at = now
    ids = list(session.scalars(select(PushDelivery.id).where(PushDelivery.message_id == message.id,
                                                             PushDelivery.state == "pending")
                               .order_by(PushDelivery.id)))
    batches = [ids[i:i + BATCH] for i in range(0, len(ids), BATCH)]
    jobs.enqueue_many(session, [(DELIVER_KIND, {"message_id": message.id, "ids": batch}) for batch in batches])
    return batches


@registry.handler(FANOUT_KIND)
def handle_fanout(env: Env, job: dict) -> Outcome:
    with env.factory() as session:
        message = session.get(PushMessage, int(job["message_id"]))
        if message is None or message.fanned_out_at is not None:
            return None     # deleted, or fanned out by an earlier run of this job
        batches = fan_out(session, message)
        session.commit()
        log.info("push %d: %d recipients, %d subscriptions in %d batches", message.id, message.recipients,
                 message.targeted, len(batches))
    return None


# --- delivery ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Pending:
    delivery_id: int
    subscription_id: int | None
    attempts: int
    target: Target | None


def _backoff(attempt: int) -> float:
    return random.uniform(BACKOFF_BASE_S, min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2 ** attempt))


def record_results(session: Session, message_id: int, pending: list[Pending], results: list[Result]) -> int:
    """Write what the push services answered; re-enqueue the transient failures. Returns deliveries retried."""
    now = utcnow()
    by_id = {p.delivery_id: p for p in pending}
    groups: dict[tuple[str, int | None, str], list[int]] = defaultdict(list)
    retry_ids, retry_wait = [], 0.0
    sent_subs, failed_subs, removed_subs = [], [], []
    for result in results:
        item = by_id[result.delivery_id]
        state = result.outcome
        if state == "retry":
            if item.attempts + 1 < MAX_ATTEMPTS:
                retry_ids.append(result.delivery_id)
                retry_wait = max(retry_wait, result.retry_after or _backoff(item.attempts))
                groups[("pending", result.status, result.error)].append(result.delivery_id)
                continue
            state = "failed"
        groups[(state, result.status, result.error[:500])].append(result.delivery_id)
        {"sent": sent_subs, "failed": failed_subs, "removed": removed_subs}[state].append(item.subscription_id)
    for (state, status, error), ids in groups.items():
        values: dict[str, Any] = {"state": state, "status_code": status, "error": error,
                                  "attempts": PushDelivery.attempts + 1}
        if state == "sent":
            values["sent_at"] = now
        session.execute(update(PushDelivery).where(PushDelivery.id.in_(ids)).values(**values)
                        .execution_options(synchronize_session=False))
    if sent_subs:
        session.execute(update(PushSubscription).where(PushSubscription.id.in_(sent_subs))
                        .values(last_success_at=now, failures=0).execution_options(synchronize_session=False))
    if failed_subs:
        session.execute(update(PushSubscription).where(PushSubscription.id.in_(failed_subs))
                        .values(last_failure_at=now, failures=PushSubscription.failures + 1)
                        .execution_options(synchronize_session=False))
    if removed := [s for s in removed_subs if s is not None]:
        session.execute(delete(PushSubscription).where(PushSubscription.id.in_(removed))
                        .execution_options(synchronize_session=False))
    counts = {state: sum(len(ids) for (s, _, _), ids in groups.items() if s == state)
              for state in ("sent", "failed", "removed")}
    if any(counts.values()):
        session.execute(update(PushMessage).where(PushMessage.id == message_id)
                        .values(sent=PushMessage.sent + counts["sent"], failed=PushMessage.failed + counts["failed"],
                                removed=PushMessage.removed + counts["removed"])
                        .execution_options(synchronize_session=False))
    if retry_ids:
        jobs.enqueue(session, DELIVER_KIND, {"message_id": message_id, "ids": retry_ids},
                     run_at=now + timedelta(seconds=retry_wait))
    return len(retry_ids)


@dataclass(frozen=True)
class Outline:
    """What a delivery job needs of its message, read once."""

    id: int
    title: str
    body: str
    url: str
    tag: str
    urgency: str
    topic: str
    ttl: int
    actions: list
    tap_action: str


def _load(session: Session, message_id: int, ids: list[int]) -> tuple[Outline | None, list[Pending]]:
    message = session.get(PushMessage, message_id)
    if message is None:
        return None, []
    outline = Outline(message.id, message.title, message.body, message.url, message.topic or f"push-{message.id}",
                      message.urgency, message.topic, message.ttl, list(message.actions or []), message.tap_action)
    rows = session.execute(
        select(PushDelivery.id, PushDelivery.subscription_id, PushDelivery.attempts, PushSubscription.endpoint,
               PushSubscription.p256dh, PushSubscription.auth)
        .outerjoin(PushSubscription, PushSubscription.id == PushDelivery.subscription_id)
        .where(PushDelivery.id.in_(ids), PushDelivery.message_id == message_id, PushDelivery.state == "pending")
        .order_by(PushDelivery.id)).all()
    return outline, [Pending(r.id, r.subscription_id, r.attempts,
                             Target(r.id, r.endpoint, r.p256dh, r.auth) if r.endpoint else None) for r in rows]


@registry.handler(DELIVER_KIND, on_dead=lambda env, kind, job, error: _gave_up(env, job, error))
def handle_deliver(env: Env, job: dict) -> Outcome:
    message_id, ids = int(job["message_id"]), [int(i) for i in job.get("ids", [])]
    with env.factory() as session:
        outline, pending = _load(session, message_id, ids)
    if outline is None or not pending:
        return None
    sender, secret = env.shared(push_sender), str(env.settings["SECRET_KEY"])

    def build(target: Target) -> bytes:
        return payload(title=outline.title, body=outline.body, url=outline.url, tag=outline.tag,
                       message_id=outline.id, receipt=receipt_for(target.delivery_id, secret),
                       actions=outline.actions, tap=outline.tap_action)

    targets = [p.target for p in pending if p.target is not None]
    results = sender.send_many(targets, build, ttl=outline.ttl, urgency=outline.urgency, topic=outline.topic)
    # A subscription deleted since the fan-out (its person turned push off) has nothing to send to.
    results += [Result(p.delivery_id, "removed", None, "unsubscribed") for p in pending if p.target is None]

    def apply(session: Session) -> list[dict]:
        record_results(session, message_id, pending, results)
        return []

    return Record(apply)


def _gave_up(env: Env, job: dict, error: str) -> None:
    """A delivery job that died: its deliveries still pending count as failed."""
    message_id, ids = int(job["message_id"]), [int(i) for i in job.get("ids", [])]
    with env.factory() as session:
        result = session.execute(update(PushDelivery)
                                 .where(PushDelivery.id.in_(ids), PushDelivery.state == "pending")
                                 .values(state="failed", error=error[:500])
                                 .execution_options(synchronize_session=False))
        if result.rowcount:
            session.execute(update(PushMessage).where(PushMessage.id == message_id)
                            .values(failed=PushMessage.failed + result.rowcount))
        session.commit()


# --- retention ---------------------------------------------------------------------------------

def purge(session: Session, days: int) -> dict[str, int]:
    """Inbox entries, then deliveries and messages older than ``days``. The caller commits."""
    cutoff = utcnow() - timedelta(days=days)
    old = select(PushMessage.id).where(PushMessage.created_at < cutoff)
    counts = {"inbox": session.execute(delete(InboxItem).where(InboxItem.created_at < cutoff)).rowcount,
              "deliveries": session.execute(delete(PushDelivery).where(PushDelivery.message_id.in_(old))).rowcount}
    counts["messages"] = session.execute(delete(PushMessage).where(
        PushMessage.created_at < cutoff,
        ~exists().where(InboxItem.message_id == PushMessage.id))).rowcount
    return counts


@registry.handler(PURGE_KIND)
def handle_purge(env: Env, job: dict) -> None:
    with env.factory() as session:
        counts = purge(session, int(env.settings.get("INBOX_RETENTION_DAYS") or 90))
        session.commit()
    if any(counts.values()):
        log.info("push purge: %s", counts)


registry.daily("04:40", PURGE_KIND)
