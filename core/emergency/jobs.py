"""The runtime's jobs of 비상연락망: ``emergency.escalate`` {"callout_id", "person_id", "step"}, enqueued with
``run_at`` by ``core.emergency.callouts`` (one per member at the start, step 2 after a deputy was called)."""
from __future__ import annotations

import logging

from core.emergency import callouts
from core.jobs.registry import Env, registry

log = logging.getLogger(__name__)


@registry.handler(callouts.ESCALATE_KIND)
def escalate(env: Env, payload: dict) -> None:
    with env.factory() as session:
        done = callouts.escalate(session, int(payload["callout_id"]), int(payload["person_id"]),
                                 int(payload.get("step", 1)))
        session.commit()
    log.info("emergency escalation %s: %s", payload, done)
