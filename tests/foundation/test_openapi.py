"""GET /api/openapi.json describes every /api/ route, and a bounded schemathesis run against the WSGI app finds
no 500 and no answer outside the document: anonymous, as a signed-in user (bearer token) and, for the
webhooks, as the PBX and the providers that hold the secrets."""
from __future__ import annotations

import hashlib
import hmac
import io
import json
import re
import time
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from core import jsonsafe
from core.accounts import issue_token
from core.directory.importer import import_file, rows_to_csv
from core.lettering import ingest
from core.models.calls import Call
from extensions import db

METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}
MAX_EXAMPLES = 50   # per operation, generation mode and caller: 900 requests, about 20 s
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def test_every_api_route_is_described(client):
    spec = client.get("/api/openapi.json").get_json()
    described = {(path, method.upper()) for path, item in spec["paths"].items() for method in item}
    routed = {(_openapi_path(rule.rule), method) for rule in client.application.url_map.iter_rules()
              if rule.rule.startswith("/api/") for method in rule.methods & METHODS}
    assert routed - described == set(), "describe these /api routes in blueprints/api_docs/openapi.json"
    assert described - routed == set(), "the document describes routes that do not exist"
    assert spec["openapi"] == "3.1.0" and spec["info"]["version"] == client.application.config["VERSION"]


def test_the_document_is_public(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"


# --- fuzzing ---------------------------------------------------------------------------------------

SIGNED = {  # path -> (secret setting, signature header, whether the timestamp is signed too)
    "/api/pbx/events": ("PBX_WEBHOOK_SECRET", "X-PBX-Signature", True),
    "/api/providers/carrier/receipts": ("CARRIER_RECEIPT_SECRET", "X-Carrier-Signature", False),
    "/api/providers/kakao/reports": ("KAKAO_REPORT_SECRET", "X-Provider-Signature", False),
}


def _signing(app):
    """WSGI middleware playing the PBX and the providers: a request whose signature header (and the PBX's
    timestamp) is well-formed gets the right signature over the body actually sent, so the fuzzer reaches
    what lies behind the HMAC check. Malformed or missing headers stay as they are (and earn a 401)."""
    inner = app.wsgi_app

    def well_formed(environ, key: str, pattern: str) -> bool:
        return re.fullmatch(pattern, environ.get(key, "")) is not None

    def middleware(environ, start_response):
        signed = SIGNED.get(environ.get("PATH_INFO", ""))
        key = signed and "HTTP_" + signed[1].upper().replace("-", "_")
        if (signed and well_formed(environ, key, "[0-9a-fA-F]{64}")
                and (not signed[2] or well_formed(environ, "HTTP_X_PBX_TIMESTAMP", "[0-9]{1,12}"))):
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
            secret = app.config[signed[0]].encode()
            if signed[2]:
                stamp = str(int(time.time()))
                environ["HTTP_X_PBX_TIMESTAMP"] = stamp
                environ[key] = hmac.new(secret, stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
            else:
                environ[key] = hmac.new(secret, body, hashlib.sha256).hexdigest()
        return inner(environ, start_response)

    app.wsgi_app = middleware


@pytest.fixture
def fuzz_app(app, make_user):
    app.config["LETTERING_MAX_BACKLOG"] = 0  # fuzzed events queue jobs; shedding load is tested elsewhere
    people = [{"성명": name, "소속기관": "고양특례시", "부서": dept, "직위": "주무관", "담당업무": duty,
               "내선": ext, "직통전화": f"031-8075-{ext}"}
              for name, dept, duty, ext in (("김민준", "교통정책과", "버스 노선", "1234"),
                                            ("이서연", "교통정책과", "주정차 단속", "1235"),
                                            ("박지호", "민원여권과", "여권 발급", "2001"))]
    import_file(db.session, rows_to_csv(people).encode(), "people.csv")
    db.session.commit()
    _signing(app)
    return app


def _fuzz(operation, mode, caller: str, headers: dict, seen: Counter, failures: list[str]) -> None:
    """MAX_EXAMPLES cases of one operation in one mode from one caller; a fixed derandomized seed."""
    negative = mode is schemathesis.GenerationMode.NEGATIVE
    checks = [*CHECKS, negative_data_rejection] if negative else CHECKS

    @settings(max_examples=MAX_EXAMPLES, derandomize=True, database=None, deadline=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        response = case.call(headers=headers)
        seen[(operation.label, caller, response.status_code)] += 1
        try:
            case.validate_response(response, checks=checks, headers=headers)
        except FailureGroup as exc:  # collected, reported all at once by the test
            failures.append(f"{caller} {mode.value}: {exc}"[:1500])

    run()


@pytest.mark.slow
@pytest.mark.timeout(900)   # a run that hangs fails; how long it takes is not this test's business (bench/)
def test_schemathesis_finds_no_server_error_and_no_answer_outside_the_document(fuzz_app, make_user):
    user = make_user("fuzzer")
    token = issue_token(db.session, user, label="fuzz")
    db.session.commit()
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", fuzz_app)
    # identity: the WSGI client hands schemathesis the body as sent, and a gzipped snapshot is no JSON to it.
    plain = {"Accept-Encoding": "identity"}
    callers = {"anonymous": plain, "bearer": {**plain, "Authorization": f"Bearer {token}"}}
    seen: Counter = Counter()
    failures: list[str] = []
    started = time.monotonic()
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
            for caller, headers in callers.items():
                if operation.path in SIGNED and caller != "anonymous":
                    continue  # the webhooks ignore sign-in: the same cases again would test nothing new
                _fuzz(operation, mode, caller, headers, seen, failures)
    elapsed = time.monotonic() - started
    requests = sum(seen.values())
    server_errors = sum(n for (_, _, status), n in seen.items() if status >= 500)
    print(f"schemathesis: {requests} requests, {len(operations)} operations, {server_errors} server errors, "
          f"{elapsed:.1f} s")
    for key in sorted(seen):
        print("  ", *key, seen[key])
    assert not failures, "\n\n".join(failures[:10])
    assert server_errors == 0
    # The run reached past sign-in and the signatures: each caller got answers of its own.
    assert any(status == 401 for (_, caller, status) in seen if caller == "anonymous")
    assert seen[("GET /api/directory/search", "bearer", 200)] > 0
    # Past the PBX signature: a batch accepted, or refused field by field (which only the view does). Which
    # of the two the generated batches reach depends on what other tests left in the schema's example data.
    assert seen[("POST /api/pbx/events", "anonymous", 202)] + seen[("POST /api/pbx/events", "anonymous", 400)] > 0
    assert seen[("POST /api/providers/kakao/reports", "anonymous", 204)] > 0


# --- JSON no parser should choke on ---------------------------------------------------------------

# Each route's body with a string (<s>) and a number (<n>) slot that the code behind it really uses.
BODIES = {
    "/api/pbx/events": b'{"event_id": <s>, "call_id": "c-1", "type": "ended", "line": "031-8075-1234", '
                       b'"peer": "010-1234-5678", "at": "2026-01-05T09:12:33+09:00", "duration_s": <n>}',
    "/api/providers/carrier/receipts": b'{"callId": <s>, "requestId": "r-1", "status": "displayed", "n": <n>}',
    "/api/providers/kakao/reports": b'{"recipientGroupingKey": <s>, "status": "FAILED", "resultCode": <n>}',
    "/api/voice-dial": b'{"transcript": <s>, "n": <n>}',
}
PLAIN = {"s": b'"c-1"', "n": b"1"}


def _body(path: str, **slots: bytes) -> bytes:
    slots = {**PLAIN, **slots}
    return BODIES[path].replace(b"<s>", slots["s"]).replace(b"<n>", slots["n"])
HOSTILE = {
    "nested": {"n": b"[" * 20_000 + b"]" * 20_000},   # RecursionError in the C parser
    "huge integer": {"n": b"1" + b"0" * 30},
    "integer past 64 bits": {"n": str(2 ** 63).encode()},
    "NUL": {"s": b'"c-\\u0000"'},                      # PostgreSQL text refuses it
    "lone surrogate": {"s": b'"c-\\ud800"'},           # no UTF-8 for it
    "NaN": {"n": b"NaN"},
    "infinite float": {"n": b"1e999"},
    "invalid UTF-8": {"s": b'"\xff"'},
}


@pytest.fixture
def json_routes(app, client, make_user):
    """POST a body to a route as its legitimate caller: signed for the webhooks, a bearer token for staff."""
    token = issue_token(db.session, make_user("kim"), label="t")
    db.session.add(Call(call_id="c-1", alimtalk_status="sent"))  # a call the Kakao report updates
    db.session.commit()

    def post(path: str, body: bytes):
        if path == "/api/pbx/events":
            headers = ingest.sign(app.config["PBX_WEBHOOK_SECRET"], body)
        elif path in SIGNED:
            secret_name, header, _ = SIGNED[path]
            headers = {header: hmac.new(app.config[secret_name].encode(), body, hashlib.sha256).hexdigest()}
        else:
            headers = {"Authorization": f"Bearer {token}"}
        return client.post(path, data=body, headers={**headers, "Content-Type": "application/json"})
    post.token = token
    return post


def test_plain_json_passes_on_every_json_route(json_routes):
    for path in BODIES:
        assert json_routes(path, _body(path)).status_code in (200, 202, 204), path


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_hostile_json_is_a_400_on_every_json_route(json_routes, kind):
    for path in BODIES:
        response = json_routes(path, _body(path, **HOSTILE[kind]))
        assert response.status_code == 400, (path, response.status_code, response.get_data(as_text=True)[:200])
        assert response.is_json


def test_a_duration_past_the_column_is_a_field_error(json_routes):
    response = json_routes("/api/pbx/events", _body("/api/pbx/events", n=str(2 ** 31).encode()))
    assert response.status_code == 400 and response.get_json()["errors"][0]["field"] == "duration_s"


def test_jsonsafe_keeps_ordinary_json():
    assert jsonsafe.loads('{"a": [1, -2.5, "한글 \\ud55c", true, null], "b": {"c": 9223372036854775807}}') == \
        {"a": [1, -2.5, "한글 한", True, None], "b": {"c": 2 ** 63 - 1}}
    with pytest.raises(ValueError):
        jsonsafe.loads("[" * 65 + "]" * 65)


# --- other inputs that used to end in a 500 --------------------------------------------------------

@pytest.mark.parametrize("path", list(SIGNED))
def test_a_signature_header_with_non_ascii_text_is_a_401(client, path):
    headers = {SIGNED[path][1]: "é" * 64, "X-PBX-Timestamp": str(int(time.time())), "Content-Type": "application/json"}
    response = client.post(path, data=b"{}", headers=headers)
    assert response.status_code == 401 and response.get_json()["code"] == "bad_signature"


@pytest.mark.parametrize("limit", ["²", "9" * 5000, "١٢", "0", "101", "-1", " "])
def test_odd_search_limits_are_a_400(json_routes, client, limit):
    response = client.get("/api/directory/search", query_string={"q": "김", "limit": limit},
                          headers={"Authorization": f"Bearer {json_routes.token}"})
    assert response.status_code == 400 and response.get_json()["code"] == "invalid_limit"


@pytest.mark.parametrize("at", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_times_at_the_edge_of_the_calendar(json_routes, at):
    event = _body("/api/pbx/events").replace(b"2026-01-05T09:12:33+09:00", at.encode())
    response = json_routes("/api/pbx/events", event)
    assert response.status_code == 400 and response.get_json()["errors"][0]["field"] == "at"
    receipt = json.dumps({"callId": "c-1", "status": "displayed", "at": at}).encode()
    assert json_routes("/api/providers/carrier/receipts", receipt).status_code == 204   # the receipt's time: now
    report = json.dumps({"recipientGroupingKey": "c-1", "status": "DELIVERED", "reportedAt": at}).encode()
    assert json_routes("/api/providers/kakao/reports", report).status_code == 204
