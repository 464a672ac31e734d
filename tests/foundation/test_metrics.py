"""/metrics: Prometheus text, who may read it, the database figures, and gunicorn's multiprocess mode."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from app import create_app
from core import health
from core.models.calls import Call
from core.models.jobs import Job
from core.timeutil import utcnow
from extensions import db

ROOT = Path(__file__).resolve().parents[2]
OUTSIDE = {"REMOTE_ADDR": "203.0.113.9"}

# The hook to put in gunicorn's config when PROMETHEUS_MULTIPROC_DIR is set (docs/operations.md).
GUNICORN_CONF = """
from prometheus_client import multiprocess


def child_exit(server, worker):
    multiprocess.mark_process_dead(worker.pid)
"""


def samples(text: str) -> dict[tuple[str, tuple], float]:
    """{(sample name, sorted labels): value} of a scrape."""
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def scrape(client, **kwargs) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    return samples(response.get_data(as_text=True))


def requests_of(figures: dict, endpoint: str, status: str, method: str = "GET") -> float:
    key = ("portal_http_requests_total", (("endpoint", endpoint), ("method", method), ("status", status)))
    return figures.get(key, 0.0)


def test_requests_are_counted_by_endpoint_and_status_with_latency(client):
    before = scrape(client)
    client.get("/login")
    client.get("/login")
    client.get("/no-such-page")
    after = scrape(client)
    assert requests_of(after, "auth.login", "200") - requests_of(before, "auth.login", "200") == 2
    assert requests_of(after, "<unmatched>", "404") - requests_of(before, "<unmatched>", "404") == 1
    count = ("portal_http_request_duration_seconds_count", (("endpoint", "auth.login"),))
    assert after[count] - before.get(count, 0) == 2
    assert ("portal_http_request_duration_seconds_bucket", (("endpoint", "auth.login"), ("le", "+Inf"))) in after


def test_database_figures_are_read_at_scrape_time(client):
    now = utcnow()
    health.record_heartbeat(db.session, "w1", 3, now=now - timedelta(seconds=2))
    db.session.add_all([
        Job(kind="lettering.dial", payload={}, status="queued", run_at=now - timedelta(seconds=40)),
        Job(kind="lettering.dial", payload={}, status="queued", run_at=now + timedelta(hours=1)),
        Job(kind="lettering.alimtalk", payload={}, status="dead", run_at=now - timedelta(hours=1)),
        Job(kind="lettering.dial", payload={}, status="done", run_at=now - timedelta(minutes=5)),
        Job(kind="lettering.dial", payload={}, status="done", run_at=now - timedelta(hours=3)),  # outside the hour
        Call(call_id="c1", lettering_status="accepted", alimtalk_status="sent"),
        Call(call_id="c2", lettering_status="accepted"),
        Call(call_id="c3", lettering_status="failed", alimtalk_status="not_kakao_user"),
        Call(call_id="c4", lettering_status="failed", created_at=now - timedelta(hours=2)),  # outside the hour
    ])
    db.session.commit()
    f = scrape(client)
    assert f[("portal_database_up", ())] == 1
    assert f[("portal_workers_live", ())] == 1
    assert abs(f[("portal_worker_last_heartbeat_timestamp_seconds", ())] - (now.timestamp() - 2)) < 0.01
    assert 40 <= f[("portal_queue_lag_seconds", ())] < 70
    assert f[("portal_queue_due", ())] == 1 and f[("portal_jobs_dead", ())] == 1
    assert f[("portal_jobs", (("kind", "lettering.dial"), ("status", "queued")))] == 2
    assert f[("portal_jobs", (("kind", "lettering.alimtalk"), ("status", "dead")))] == 1
    assert f[("portal_jobs_done_last_hour", (("kind", "lettering.dial"),))] == 1
    assert f[("portal_lettering_calls_last_hour", (("lettering_status", "accepted"),))] == 2
    assert f[("portal_lettering_calls_last_hour", (("lettering_status", "failed"),))] == 1
    assert f[("portal_lettering_calls_last_hour", (("lettering_status", "opted_out"),))] == 0
    assert f[("portal_alimtalk_last_hour", (("alimtalk_status", "sent"),))] == 1
    assert f[("portal_alimtalk_last_hour", (("alimtalk_status", "not_kakao_user"),))] == 1


def test_without_a_token_only_direct_loopback_may_read(client):
    assert client.get("/metrics").status_code == 200                    # the test client is 127.0.0.1
    assert client.get("/metrics", environ_base=OUTSIDE).status_code == 404
    # A proxy on the same host makes every visitor look local; its header gives it away.
    assert client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 404


def test_with_a_token_only_its_bearer_may_read(app, client):
    app.config["METRICS_TOKEN"] = "s3cret-metrics"
    assert client.get("/metrics").status_code == 404                    # loopback alone is not enough now
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
    good = {"Authorization": "Bearer s3cret-metrics"}
    assert client.get("/metrics", headers=good, environ_base=OUTSIDE).status_code == 200


def test_a_scrape_without_database_still_answers(app_config, tmp_path):
    down = create_app({**app_config, "DATABASE_URL": f"sqlite:///{tmp_path / 'missing' / 'x.db'}"})
    f = scrape(down.test_client())
    assert f[("portal_database_up", ())] == 0
    assert ("portal_queue_lag_seconds", ()) not in f


@pytest.mark.slow
def test_gunicorn_workers_share_counts_in_multiprocess_mode(app, app_config, tmp_path):
    prom_dir = tmp_path / "prom"
    prom_dir.mkdir()
    conf = tmp_path / "gunicorn_conf.py"
    conf.write_text(GUNICORN_CONF)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "INSTANCE_PATH": app_config["INSTANCE_PATH"], "DATABASE_URL": app_config["DATABASE_URL"],
           "PROMETHEUS_MULTIPROC_DIR": str(prom_dir)}
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(conf), "--bind", f"127.0.0.1:{port}",
                               "--workers", "2", "--log-level", "warning", "app:create_app()"], cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz?check=db").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline and server.poll() is None, "gunicorn did not start"
            time.sleep(0.2)
        for _ in range(40):  # a new connection each time, so both workers take some
            assert httpx.get(f"{base}/login", headers={"Connection": "close"}).status_code == 200
        pids = {p.name.rsplit("_", 1)[1].split(".")[0] for p in prom_dir.glob("counter_*.db")}
        assert len(pids) == 2, f"both workers should have served: {pids}"
        figures = samples(httpx.get(f"{base}/metrics").text)
        assert requests_of(figures, "auth.login", "200") == 40   # summed over both workers' files
        assert figures[("portal_database_up", ())] == 1
    finally:
        server.terminate()
        server.wait(10)
