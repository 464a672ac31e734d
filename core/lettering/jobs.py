"""Smart Lettering's place in the job runtime: the dispatch handlers with their provider clients, the
hourly retention purge of citizens' data, and the daily purge of card-news files no campaign needs."""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from core.jobs import Outcome
from core.jobs.registry import Env, registry
from core.lettering import campaign_media, dispatch, retention
from core.lettering.dispatch import Context
from core.lettering.providers.carrier import CarrierClient
from core.lettering.providers.kakao import KakaoClient

log = logging.getLogger("lettering.jobs")


def lettering_context(settings: dict[str, Any]) -> Context:
    """The providers' clients and the campaign cache, built once per worker process."""
    carrier = CarrierClient(settings["CARRIER_BASE_URL"], settings["CARRIER_API_KEY"])
    kakao = KakaoClient(settings["KAKAO_BASE_URL"], settings["KAKAO_APP_KEY"], settings["KAKAO_SECRET_KEY"])
    return Context(settings=settings, carrier=carrier, kakao=kakao)


def _with_context(handler: Callable[..., Outcome]) -> Callable[[Env, dict], Outcome]:
    def run(env: Env, payload: dict) -> Outcome:
        return handler(env.factory, env.shared(lettering_context), payload)
    run.__name__ = handler.__name__
    return run


def _gave_up(env: Env, kind: str, payload: dict, error: str) -> None:
    dispatch.on_dead(env.factory, env.shared(lettering_context), kind, payload, error)


for _kind, _handler in dispatch.HANDLERS.items():
    registry.handler(_kind, on_dead=_gave_up, batch_insert=dispatch.LOG_INSERT)(_with_context(_handler))


@registry.handler("lettering.purge")
def purge(env: Env, payload: dict) -> None:
    with env.factory() as session:
        counts = retention.purge(session, int(env.settings.get("RETENTION_DAYS", 30)))
        session.commit()
    if any(counts.values()):
        log.info("retention purge: %s", counts)


registry.every(3600, "lettering.purge")


@registry.handler("lettering.campaign_media_purge")
def purge_campaign_media(env: Env, payload: dict) -> None:
    days = int(env.settings.get("CAMPAIGN_MEDIA_RETENTION_DAYS", campaign_media.DEFAULT_RETENTION_DAYS))
    with env.factory() as session:
        counts = campaign_media.purge(session, campaign_media.media_dir(env.settings), days)
        session.commit()
    if any(counts.values()):
        log.info("campaign media purge: %s", counts)


registry.daily("04:50", "lettering.campaign_media_purge")
