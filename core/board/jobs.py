"""The board's jobs in the runtime (``core.jobs``): the periodic ``board.sync`` and one ``board.attachment``
per file to download.

``board.sync`` is scheduled every ``TICK_SECONDS``; each slot syncs only the feeds whose next attempt is due
(``SAEOL_SYNC_SECONDS`` after a success, a backoff after a failure), so the interval is a setting while the
schedule is fixed at import time. ``{"feed_id": N}`` (the console's "지금 동기화") syncs that feed now.
"""
from __future__ import annotations

from core.board import attachments, sync
from core.jobs.outcomes import Outcome
from core.jobs.registry import Env, registry

SYNC_KIND = "board.sync"
TICK_SECONDS = 10


@registry.handler(SYNC_KIND)
def handle_sync(env: Env, payload: dict) -> Outcome:
    client = env.shared(sync.build_client)
    with env.factory() as session:
        feed_id = payload.get("feed_id")
        if isinstance(feed_id, int) and not isinstance(feed_id, bool):
            sync.sync_feed(session, feed_id, env.settings, client)
        else:
            sync.sync_due(session, env.settings, client)
    return None


def _attachment_gave_up(env: Env, kind: str, payload: dict, error: str) -> None:
    with env.factory() as session:
        attachments.gave_up(session, int(payload.get("attachment_id") or 0), error)


@registry.handler(attachments.JOB_KIND, on_dead=_attachment_gave_up)
def handle_attachment(env: Env, payload: dict) -> Outcome:
    client = env.shared(sync.build_client)
    with env.factory() as session:
        attachments.fetch(session, client, env.settings, int(payload.get("attachment_id") or 0))
    return None


registry.every(TICK_SECONDS, SYNC_KIND)
