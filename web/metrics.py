"""``GET /metrics``: Prometheus text format (prometheus-client).

Two kinds of figures:
- HTTP requests, counted in the web process that served them: ``portal_http_requests_total`` by endpoint,
  method and status and ``portal_http_request_duration_seconds`` by endpoint. Under gunicorn set
  ``PROMETHEUS_MULTIPROC_DIR`` (an empty directory, before the app is imported): each worker process then
  writes its counts there and a scrape of any worker sums them all (gunicorn's ``child_exit`` hook calls
  ``prometheus_client.multiprocess.mark_process_dead``). Without it, this process's own registry is served.
- The service's state, read from the database at scrape time by ``DatabaseCollector``: jobs, queue lag,
  workers, lettering and AlimTalk results (``core.health``), and the providers' health: error ratios,
  latency percentiles, dead jobs by cause, report lag (``core.lettering.health``). These are true across
  hosts and need nothing from the worker process; any web process answers the same.

Access: with ``METRICS_TOKEN`` set, only ``Authorization: Bearer <token>``; without it, only direct
loopback requests (no ``X-Forwarded-For``: a proxy on the same host would otherwise make every visitor
look local). Anyone else gets 404, as if there were no such page.
"""
from __future__ import annotations

import hmac
import ipaddress
import os
import time
from collections.abc import Iterator

from flask import Flask, Response, abort, current_app, g, request, request_finished, request_started
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy.exc import SQLAlchemyError

from core import health
from extensions import db

REQUESTS = Counter("portal_http_requests", "HTTP requests answered, by Flask endpoint, method and status",
                   ["endpoint", "method", "status"])
LATENCY = Histogram("portal_http_request_duration_seconds", "Time to build the response, by Flask endpoint",
                    ["endpoint"], buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
UNMATCHED = "<unmatched>"  # 404 and 405 answers name no endpoint; one label keeps scanners' paths out


def _started(sender: Flask, **extra) -> None:
    g.metrics_t0 = time.perf_counter()


def _finished(sender: Flask, response: Response, **extra) -> None:
    endpoint = request.endpoint if request.url_rule is not None else UNMATCHED
    REQUESTS.labels(endpoint, request.method, str(response.status_code)).inc()
    if (t0 := g.get("metrics_t0")) is not None:
        LATENCY.labels(endpoint).observe(time.perf_counter() - t0)


def _gauge(name: str, doc: str, labels: list[str], values: dict) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, doc, labels=labels)
    for key, value in sorted(values.items(), key=lambda item: str(item[0])):
        family.add_metric(list(key) if isinstance(key, tuple) else [str(key)], value)
    return family


class DatabaseCollector:
    """Reads ``core.health`` at scrape time through the request's session."""

    def __init__(self, max_lag_seconds: float) -> None:
        self.max_lag_seconds = max_lag_seconds

    def collect(self) -> Iterator[Metric]:
        try:
            snap = health.snapshot(db.session, max_lag_seconds=self.max_lag_seconds)
            act = health.activity(db.session)
        except SQLAlchemyError:
            current_app.logger.warning("metrics: database unavailable")
            yield GaugeMetricFamily("portal_database_up", "1 when the database answered this scrape", value=0)
            return
        finally:
            db.session.rollback()
        yield GaugeMetricFamily("portal_database_up", "1 when the database answered this scrape", value=1)
        yield GaugeMetricFamily("portal_worker_last_heartbeat_timestamp_seconds",
                                "Unix time of the latest worker heartbeat (0: none ever)",
                                value=snap.last_heartbeat.timestamp() if snap.last_heartbeat else 0)
        yield GaugeMetricFamily("portal_workers_live", f"Workers seen in the last {health.LIVE_WITHIN_S} s",
                                value=snap.live_workers)
        yield GaugeMetricFamily("portal_queue_lag_seconds", "Age of the oldest due queued job (0: none due)",
                                value=snap.lag_seconds)
        yield GaugeMetricFamily("portal_queue_due", "Queued jobs whose run_at has come", value=snap.due)
        yield GaugeMetricFamily("portal_jobs_dead", "Dead jobs waiting for an operator", value=snap.dead)
        yield _gauge("portal_jobs", "Jobs queued, running or dead now, by kind and status",
                     ["kind", "status"], act.open_jobs)
        yield _gauge("portal_jobs_done_last_hour", "Done jobs whose run_at is in the last hour, by kind",
                     ["kind"], act.done_recent)
        yield _gauge("portal_lettering_calls_last_hour", "Calls created in the last hour, by lettering_status",
                     ["lettering_status"], act.lettering)
        yield _gauge("portal_alimtalk_last_hour",
                     "Calls created in the last hour with an AlimTalk due, by alimtalk_status",
                     ["alimtalk_status"], act.alimtalk)
        try:
            providers = health_of_providers()
        except SQLAlchemyError:
            current_app.logger.warning("metrics: provider health unavailable")
            return
        yield from provider_metrics(providers)


def health_of_providers():
    """Read apart from ``collect``'s try: a failure here must not hide the figures above."""
    from core.lettering.health import provider_health

    try:
        return provider_health(db.session)
    finally:
        db.session.rollback()


def provider_metrics(h) -> Iterator[Metric]:
    """Smart Lettering's provider health (core.lettering.health), windows ``hour`` and ``day``."""
    requests, ratio, latency = {}, {}, {}
    for provider, windows in (("carrier", h.carrier), ("kakao", h.kakao)):
        for window, w in windows.items():
            requests[(provider, window)] = w.requests
            ratio[(provider, window)] = w.error_rate or 0.0
            for q, ms in w.latency_ms.items():
                if ms is not None:
                    latency[(provider, window, f"0.{q}")] = ms / 1000
    yield _gauge("portal_provider_requests", "Requests that reached a provider, by provider and window",
                 ["provider", "window"], requests)
    yield _gauge("portal_provider_error_ratio", "Share of those requests that failed (0 with none)",
                 ["provider", "window"], ratio)
    yield _gauge("portal_provider_latency_seconds", "Provider answer time percentiles, retries included",
                 ["provider", "window", "quantile"], latency)
    yield _gauge("portal_jobs_dead_by_cause", "Dead jobs by kind and cause (error without ids and numbers)",
                 ["kind", "cause"], {(d.kind, d.cause): d.count for d in h.dead})
    yield _gauge("portal_report_lag_seconds", "Delivery report delay percentiles over the last day",
                 ["provider", "quantile"], {(p, f"0.{q}"): v for p, qs in h.report_lag_s.items()
                                            for q, v in qs.items() if v is not None})
    yield GaugeMetricFamily("portal_alimtalk_awaiting_reports", "AlimTalks sent in the last 72 h with no report yet",
                            value=h.awaiting_reports)
    yield GaugeMetricFamily("portal_alimtalk_oldest_awaiting_report_seconds",
                            "Age of the oldest AlimTalk still waiting for its report (0: none)",
                            value=h.oldest_awaiting_s or 0)


def _allowed() -> bool:
    token = str(current_app.config.get("METRICS_TOKEN") or "")
    if token:
        given = request.headers.get("Authorization", "")
        return given.startswith("Bearer ") and hmac.compare_digest(given[7:].strip().encode(), token.encode())
    if request.headers.get("X-Forwarded-For"):
        return False
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


def metrics() -> Response:
    if not _allowed():
        abort(404)
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        registry.register(REGISTRY)  # this process's HTTP figures and its process/GC collectors
    registry.register(DatabaseCollector(float(current_app.config["HEALTH_MAX_LAG_SECONDS"])))
    return Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})


def init_app(app: Flask) -> None:
    request_started.connect(_started, app)
    request_finished.connect(_finished, app)
    app.add_url_rule("/metrics", "metrics", metrics, methods=["GET"])
