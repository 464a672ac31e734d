"""Every rule of ``app.url_map``, as each role, with hostile input: out-of-range ids, NUL bytes, overlong strings,
lone surrogates and invalid UTF-8, deeply nested JSON, huge numbers and methods the route does not allow.

No request may answer 500, a method a route does not allow answers 405, and a refused request (4xx) stores
nothing (the row count of every table but the audit log and the rate-limit counters stays the same).

The cases are fixed (no randomness): every rule gets the same bounded list per role, built from its own
arguments and methods, the query-parameter names the views read and the form-field names the app's pages show.
Signed-in roles send their CSRF token (form field and header), so that a POST reaches its view; the webhooks'
bodies are signed with their secrets. The run prints its counts: requests, routes, 500s.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import re
import time
from collections import Counter
from dataclasses import dataclass
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from core.db import Base
from extensions import db
from tests.security.conftest import ROLES

BIG_IDS = ("0", "2147483648", "9223372036854775808", "9" * 5000)
ODD_METHODS = ("PUT", "PATCH", "DELETE", "TRACE")
LONG = "x" * 10_000
# URL-encoded values: a NUL, 10,000 characters, a lone surrogate and invalid UTF-8 (as bytes on the wire),
# numbers past every integer column, and a negative one.
HOSTILE = {
    "nul": "a%00b",
    "long": LONG,
    "surrogate": "%ED%A0%80",
    "invalid utf-8": "%FF%FE",
    "huge int": "9223372036854775807",
    "negative": "-1",
}
HOSTILE_PATH = {"nul": "a%00b", "long": LONG, "surrogate": "%ED%A0%80"}
# The query string's cases, fewer (every name the views read gets the value at once): the byte cases together,
# and numbers past every column alternating with negative ones.
HOSTILE_QUERY = {"nul": ["a%00b"], "long": [LONG], "bytes": ["%ED%A0%80%FF%FE"], "numbers": [HOSTILE["huge int"], "-1"]}
JSON_BODIES = {
    "nested": b"[" * 50_000 + b"]" * 50_000,
    "nested object": b'{"a":' * 5_000 + b"1" + b"}" * 5_000,
    "surrogate": b'{"event_id": "\\ud800", "transcript": "\\ud800", "callId": "\\ud800"}',
    "NUL": b'{"event_id": "a\\u0000", "transcript": "a\\u0000", "status": "a\\u0000"}',
    "huge number": b'{"event_id": "e-1", "duration_s": 1' + b"0" * 400 + b', "transcript": 1e999}',
    "wrong types": b'{"event_id": {}, "status": {}, "transcript": [], "call_id": 1, "at": 0}',
}
# Query-string names the views read (request.args), beside those found in the pages' links.
QUERY_NAMES = {"page", "q", "user", "action", "dept", "day", "days", "next", "m", "n", "v", "w", "e", "s", "z",
               "limit", "lettering", "outcome", "alimtalk", "find", "all", "live", "check", "role", "status"}
SIGNED = {  # path -> (secret setting, signature header, whether the PBX's timestamp is signed too)
    "/api/pbx/events": ("PBX_WEBHOOK_SECRET", "X-PBX-Signature", True),
    "/api/providers/carrier/receipts": ("CARRIER_RECEIPT_SECRET", "X-Carrier-Signature", False),
    "/api/providers/kakao/reports": ("KAKAO_REPORT_SECRET", "X-Provider-Signature", False),
}
UNCOUNTED = {"audit_log", "rate_limits", "worker_heartbeats"}   # refusals are audited and counted by design
ARGUMENT = re.compile(r"<(?:([a-z_]+)(?:\([^)]*\))?:)?([a-z_]+)>")


@dataclass(frozen=True)
class Case:
    role: str
    method: str
    rule: str
    path: str
    what: str
    query: str = ""
    body: bytes | None = None
    content_type: str | None = None


class _Errors(logging.Handler):
    """The last unhandled exception the app logged (``web.security`` logs every 500)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.last = ""

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            self.last = f"{type(exc).__name__}: {str(exc)[:200]}"


def _paths(rule, world) -> list[tuple[str, str]]:
    """(what, path): the rule with valid values, then each argument in turn made hostile."""
    names = [(converter or "default", name) for converter, name in ARGUMENT.findall(rule.rule)]

    def build(override: dict[str, str]) -> str:
        def fill(match: re.Match) -> str:
            name = match.group(2)
            return override.get(name, quote(world.value(rule.rule, name), safe="/"))
        return ARGUMENT.sub(fill, rule.rule)

    out = [("valid", build({}))]
    for converter, name in names:
        values = {v: v for v in BIG_IDS} if converter in ("int", "id") else HOSTILE_PATH
        out += [(f"{name}={label[:12]}", build({name: value})) for label, value in values.items()]
    return out


def _form(fields: list[str], value: str, csrf: str) -> bytes:
    pairs = [f"{quote(name)}={value}" for name in fields]
    return "&".join([f"csrf_token={csrf}", *pairs]).encode("latin-1")


def _cases(rule, role: str, world, fields: list[str], query_names: list[str], csrf: str) -> list[Case]:
    allowed = rule.methods - {"HEAD", "OPTIONS"}
    cases: list[Case] = []
    paths = _paths(rule, world)
    valid = paths[0][1]
    for what, path in paths:
        for method in sorted(allowed):
            body = _form([], "", csrf) if method == "POST" else None
            cases.append(Case(role, method, rule.rule, path, what, body=body,
                              content_type="application/x-www-form-urlencoded" if body else None))
    for label, values in HOSTILE_QUERY.items():
        query = "&".join(f"{name}={values[i % len(values)]}" for i, name in enumerate(query_names))
        for method in sorted(allowed):
            body = _form([], "", csrf) if method == "POST" else None
            cases.append(Case(role, method, rule.rule, valid, f"query {label}", query=query, body=body,
                              content_type="application/x-www-form-urlencoded" if body else None))
    if "POST" in allowed:
        for label, value in HOSTILE.items():
            cases.append(Case(role, "POST", rule.rule, valid, f"form {label}", body=_form(fields, value, csrf),
                              content_type="application/x-www-form-urlencoded"))
        for label, body in JSON_BODIES.items():
            cases.append(Case(role, "POST", rule.rule, valid, f"json {label}", body=body,
                              content_type="application/json"))
        boundary = "fuzzboundary"
        parts = [("csrf_token", csrf)] + [(name, LONG) for name in fields]
        text = "".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
                       for name, value in parts)
        upload = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n'
                  "Content-Type: text/csv\r\n\r\n").encode() + b"\x00\xff\xfe,\r\n" * 100 + b"\r\n"
        body = text.encode() + upload + f"--{boundary}--\r\n".encode()
        cases.append(Case(role, "POST", rule.rule, valid, "multipart", body=body,
                          content_type=f"multipart/form-data; boundary={boundary}"))
    # Another rule may serve the same path with other methods (POST and DELETE /api/push/subscriptions).
    served = {m for other in rule.map.iter_rules() if other.rule == rule.rule for m in other.methods}
    for method in ODD_METHODS:
        if method not in served:
            cases.append(Case(role, method, rule.rule, valid, "odd method"))
    return cases


def _row_counts() -> tuple[int, ...]:
    tables = [t.name for t in Base.metadata.sorted_tables if t.name not in UNCOUNTED]
    query = "SELECT " + ", ".join(f'(SELECT count(*) FROM "{t}")' for t in tables)
    with db.engine.connect() as conn:
        return tuple(conn.execute(sa.text(query)).one())


def _signature_headers(app, path: str, body: bytes) -> dict[str, str]:
    secret_name, header, stamped = SIGNED[path]
    secret = app.config[secret_name].encode()
    if not stamped:
        return {header: hmac.new(secret, body, hashlib.sha256).hexdigest()}
    stamp = str(int(time.time()))
    signature = hmac.new(secret, stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return {"X-PBX-Timestamp": stamp, header: signature}


def _crawl_names(app, role_clients, world) -> tuple[list[str], list[str]]:
    """Form-field and query names from every page an admin and a staff member can open (fixed order)."""
    fields, queries = set(), set(QUERY_NAMES)
    for role in ("admin", "staff"):
        client = role_clients[role].client
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
            if "GET" not in rule.methods or rule.endpoint == "static":
                continue
            html = client.get(_paths(rule, world)[0][1]).get_data(as_text=True)
            fields |= set(re.findall(r'name="([A-Za-z_][\w-]*)"', html))
            queries |= set(re.findall(r'[?&](?:amp;)?([a-z_]+)=', html))
    fields -= {"csrf_token", "csrf-token", "viewport", "description", "theme-color", "color-scheme",
               "apple-mobile-web-app-capable", "apple-mobile-web-app-title", "apple-mobile-web-app-status-bar-style",
               "referrer", "mobile-web-app-capable"}
    return sorted(fields | {"description"}), sorted(queries)


# Its time is printed, not asserted (speed is the benchmarks' business); it grows with the routes, and two
# test lanes share the machine's cores, so it has more than the suite's 5 minutes.
@pytest.mark.timeout(900)
def test_no_input_on_any_route_makes_a_server_error(app, world, role_clients):
    errors = _Errors()
    app.logger.addHandler(errors)
    app.logger.propagate = False   # the 500s are listed below, without a traceback each
    fields, query_names = _crawl_names(app, role_clients, world)
    rules = sorted(app.url_map.iter_rules(), key=lambda r: r.rule)
    counts: Counter = Counter()
    failures: list[str] = []
    started = time.monotonic()
    for rule in rules:
        callers = [*ROLES, "bearer"] if rule.rule.startswith("/api/") else list(ROLES)
        for role in callers:
            holder = role_clients.get(role)
            if holder is not None:
                holder.ensure()
            client = holder.client if holder else app.test_client()
            csrf = holder.csrf if holder else ""
            headers = {"X-CSRFToken": csrf} if csrf else {}
            if role == "bearer":
                headers = {"Authorization": f"Bearer {world.bearer}"}
            before = _row_counts()   # then each request's "after" is the next one's "before"
            for case in _cases(rule, role, world, fields, query_names, csrf):
                extra = dict(headers)
                if case.rule in SIGNED and case.body is not None:
                    extra.update(_signature_headers(app, case.rule, case.body))
                errors.last = ""
                try:
                    status = client.open(case.path, method=case.method, query_string=case.query or None,
                                         data=case.body, content_type=case.content_type, headers=extra).status_code
                except Exception as exc:  # noqa: BLE001 - out of the error handler itself: a bare 500 in production
                    status, errors.last = 500, f"{type(exc).__name__} (in the error page): {str(exc)[:200]}"
                    db.session.rollback()
                counts[(rule.rule, status)] += 1
                where = f"{case.role} {case.method} {case.rule} [{case.what}]"
                if status == 500:
                    failures.append(f"500: {where}: {errors.last}")
                if case.what == "odd method" and status != 405:
                    failures.append(f"{status} (not 405): {where}")
                after = _row_counts()
                if 400 <= status < 500 and after != before:
                    failures.append(f"{status} stored rows: {where}")
                before = after
    elapsed = time.monotonic() - started
    app.logger.removeHandler(errors)
    app.logger.propagate = True
    requests = sum(counts.values())
    server_errors = sum(n for (_, status), n in counts.items() if status == 500)
    print(f"fuzz: {requests} requests over {len(rules)} routes as {len(ROLES) + 1} callers, "
          f"{server_errors} answered 500, {len(failures)} failures, {elapsed:.1f} s "
          f"({db.engine.dialect.name})")
    statuses = Counter()
    for (_, status), n in counts.items():
        statuses[status] += n
    print("  statuses:", dict(sorted(statuses.items())))
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(sorted(set(failures))[:80])
    # The cases reached the views: most routes answered something else than a refusal at least once, signed-in
    # pages and the signed webhooks among them.
    reached = {rule for (rule, status), _ in counts.items() if status < 400}
    print(f"  {len(reached)} of {len(rules)} routes answered below 400 at least once")
    assert len(reached) >= 0.8 * len(rules)
    assert counts[("/admin/tasks/<id:task_id>", 200)]
    assert counts[("/api/pbx/events", 400)] and counts[("/api/providers/kakao/reports", 400)]   # past the HMAC


@pytest.fixture(autouse=True)
def _quiet_logs(caplog):
    caplog.set_level(logging.CRITICAL, logger="werkzeug")
