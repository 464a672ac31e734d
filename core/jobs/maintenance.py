"""The job runtime's own upkeep: done jobs are deleted after a week, dead ones (kept for the console's retry
button) after a month."""
from __future__ import annotations

import logging
from datetime import timedelta

from core.jobs.queue import purge_finished
from core.jobs.registry import Env, registry
from core.timeutil import utcnow

log = logging.getLogger("jobs.maintenance")

DONE_KEEP = timedelta(days=7)
DEAD_KEEP = timedelta(days=30)


@registry.handler("jobs.purge")
def purge(env: Env, payload: dict) -> None:
    now = utcnow()
    with env.factory() as session:
        deleted = purge_finished(session, done_before=now - DONE_KEEP, dead_before=now - DEAD_KEEP)
        session.commit()
    if deleted:
        log.info("deleted %d finished jobs", deleted)


registry.daily("03:30", "jobs.purge")
