"""TRUSTED_PROXY_COUNT: whose X-Forwarded-* the app believes, as the /verify limit and the audit log see it."""
from __future__ import annotations

import pytest
from flask import request as flask_request
from sqlalchemy import select

from app import create_app
from blueprints.public.routes import LOOKUP_SCOPE
from core import ratelimit
from core.models.accounts import AuditLog
from core.models.ratelimit import RateLimit
from extensions import db
from tests.conftest import PASSWORD

PROXY = "10.0.0.2"            # the reverse proxy, as the socket sees it
CITIZEN = "198.51.100.7"      # the address the proxy appends to X-Forwarded-For
FORWARDED = {"X-Forwarded-For": f"203.0.113.66, {CITIZEN}",   # the first value is the client's own claim
             "X-Forwarded-Proto": "https", "X-Forwarded-Host": "portal.goyang.example"}


@pytest.fixture
def proxied(app, app_config, request):
    """An app on the test database created with the given TRUSTED_PROXY_COUNT."""
    built = create_app({**app_config, "TRUSTED_PROXY_COUNT": request.param})
    built.add_url_rule("/_seen", "seen", lambda: flask_request.url)  # the URL as the app understood it
    yield built
    with built.app_context():
        db.engine.dispose()


def _seen_addresses(proxied, make_user) -> tuple[str, str]:
    """(whose hash keyed the /verify limit, the ip of the login audit entry) for one request each."""
    client = proxied.test_client()
    env = {"REMOTE_ADDR": PROXY}
    assert client.get("/verify?n=031-8075-9571", headers=FORWARDED, environ_base=env).status_code == 200
    make_user("kim")
    page = client.get("/login", headers=FORWARDED, environ_base=env).get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
    # Over https Flask-WTF also wants a same-origin Referer, as a browser sends it.
    response = client.post("/login", data={"username": "kim", "password": PASSWORD, "csrf_token": token},
                           headers={**FORWARDED, "Referer": "https://portal.goyang.example/login"}, environ_base=env)
    assert response.status_code == 302
    key_hash = db.session.scalars(select(RateLimit.key_hash).where(RateLimit.scope == LOOKUP_SCOPE)).one()
    keyed = next(ip for ip in (PROXY, CITIZEN, "203.0.113.66")
                 if ratelimit.client_hash(ip, proxied.config["PHONE_HASH_KEY"]) == key_hash)
    audit_ip = db.session.scalars(select(AuditLog.ip).where(AuditLog.action == "login")).one()
    return keyed, audit_ip


def _seen_url(proxied) -> str:
    return proxied.test_client().get("/_seen", headers=FORWARDED, environ_base={"REMOTE_ADDR": PROXY}).text


@pytest.mark.parametrize("proxied", [0], indirect=True)
def test_by_default_forwarded_headers_are_ignored(proxied, make_user):
    assert _seen_addresses(proxied, make_user) == (PROXY, PROXY)
    assert _seen_url(proxied) == "http://localhost/_seen"


@pytest.mark.parametrize("proxied", [1], indirect=True)
def test_one_trusted_proxy_gives_the_citizens_address(proxied, make_user):
    # Only the value the trusted proxy appended counts, not what the client put in front of it.
    assert _seen_addresses(proxied, make_user) == (CITIZEN, CITIZEN)


@pytest.mark.parametrize("proxied", [1], indirect=True)
def test_one_trusted_proxy_also_gives_scheme_and_host(proxied):
    assert _seen_url(proxied) == "https://portal.goyang.example/_seen"
