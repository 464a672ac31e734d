"""The push tests' push service: ``lettering_worker.simulators.push_service`` on a free loopback port, made
an allowed host (``PUSH_EXTRA_HOSTS``) of the app under test."""
from __future__ import annotations

import httpx
import pytest

from core.push import subscriptions
from extensions import db
from lettering_worker.simulators.push_service import start


@pytest.fixture
def push_service(app):
    server, service = start("127.0.0.1", 0)
    app.config["PUSH_EXTRA_HOSTS"] = f"127.0.0.1:{service.port}"
    yield service
    server.shutdown()
    server.server_close()


@pytest.fixture
def browser_subscription(push_service):
    """``PushSubscription.toJSON()`` of a new "browser" on the simulator, bound to the app's VAPID key."""
    from blueprints.pwa.push_api import vapid

    def make() -> dict:
        return httpx.post(f"{push_service.base}/_sim/subscriptions",
                          json={"applicationServerKey": vapid().public_key}).json()
    return make


@pytest.fixture
def subscribed(app, browser_subscription):
    """Store a simulator subscription for ``user`` directly (the API is tested on its own)."""
    def make(user) -> dict:
        data = browser_subscription()
        extras = subscriptions.extra_hosts(app.config["PUSH_EXTRA_HOSTS"])
        subscriptions.subscribe(db.session, user.id, subscriptions.parse(data, extras))
        db.session.commit()
        return data
    return make
