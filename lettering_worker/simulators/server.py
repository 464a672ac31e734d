"""The carrier lettering gateway (PROTOCOLS.md §2) and the Kakao AlimTalk provider (§3) as real HTTP
servers on loopback, with the providers' idempotency rules, fault injection and signed delivery reports.

Which phones are unsupported (iPhone-like) or not on a lettering carrier, and who does not use KakaoTalk,
follows from a hash of the number, so a number behaves the same in every run (``device_status``,
``uses_kakao``). Inspection endpoints on both ports, for tests and the benchmark:
``GET /_sim/requests[?since=N]`` (every request that arrived, with its Idempotency-Key and body; ``since`` skips
the first N of the log), ``GET /_sim/stats`` (counts), ``GET /_sim/reports``
(the reports sent back), ``POST /_sim/config`` (change rates at run time) and ``POST /_sim/reset``; on the
Kakao port ``GET``/``PUT /_sim/templates``, the registered templates (``kakao_templates``).
Nothing here logs a phone number.
"""
from __future__ import annotations

import hashlib
import heapq
import hmac
import itertools
import json
import logging
import random
import re
import threading
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from lettering_worker.simulators.kakao_templates import TemplateBook

log = logging.getLogger("lettering.simulators")

E164 = re.compile(r"^\+\d{8,15}$")
DOMESTIC = re.compile(r"^0\d{8,10}$")
STATES = ("answered", "missed", "ended")
KAKAO_DEDUP_S = 600


@dataclass
class SimConfig:
    carrier_api_key: str
    carrier_receipt_secret: str
    kakao_app_key: str
    kakao_secret_key: str
    kakao_sender_key: str
    kakao_report_secret: str
    report_to: str = "http://127.0.0.1:5000"
    unsupported: float = 0.3
    not_subscriber: float = 0.05
    kakao_nonuser: float = 0.1
    latency_ms: float = 20.0
    rate_429: float = 0.0
    rate_5xx: float = 0.0
    rate_timeout: float = 0.0
    timeout_s: float = 2.5          # how long a "timeout" answer takes (the project gives up at 2 s)
    fail_first: int = 0             # answer the first N requests of every key with a 503 (deterministic)
    report_delay_ms: float = 200.0
    templates_file: str = ""        # registered templates (kakao_templates); blank: the demo's two


def _fraction(salt: str, value: str) -> float:
    digest = hashlib.sha256(f"{salt}:{value}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2 ** 64


def device_status(e164: str, unsupported: float = 0.3, not_subscriber: float = 0.05) -> str:
    """accepted | unsupported_device | not_subscriber, stable for a number."""
    share = _fraction("device", e164)
    if share < unsupported:
        return "unsupported_device"
    if share < unsupported + not_subscriber:
        return "not_subscriber"
    return "accepted"


def uses_kakao(domestic: str, nonuser: float = 0.1) -> bool:
    return _fraction("kakao", domestic) >= nonuser


def _now_iso() -> str:
    return datetime.now(UTC).isoformat()


class Reporter:
    """Sends signed delivery reports back to the project after a delay, from a few threads."""

    def __init__(self, threads: int = 4) -> None:
        self._heap: list = []
        self._seq = itertools.count()
        self._cv = threading.Condition()
        self._client = httpx.Client(timeout=5.0)
        self.sent: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        for _ in range(threads):
            threading.Thread(target=self._loop, daemon=True).start()

    def schedule(self, delay_s: float, url: str, body: dict, header: str, secret: str) -> None:
        with self._cv:
            heapq.heappush(self._heap, (time.monotonic() + delay_s, next(self._seq), url, body, header, secret))
            self._cv.notify()

    def _loop(self) -> None:
        while True:
            with self._cv:
                while not self._heap or self._heap[0][0] > time.monotonic():
                    self._cv.wait(None if not self._heap else max(0.0, self._heap[0][0] - time.monotonic()))
                _, _, url, body, header, secret = heapq.heappop(self._heap)
            raw = json.dumps(body, ensure_ascii=False).encode()
            signature = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
            try:
                status = self._client.post(url, content=raw, headers={"Content-Type": "application/json",
                                                                       header: signature}).status_code
            except httpx.HTTPError:
                status = 0
            with self._lock:
                self.sent.append({"url": url, "body": body, "status": status, "at": time.time()})

    def reset(self) -> None:
        with self._lock:
            self.sent.clear()


class Simulator:
    """Shared state of both services: configuration, idempotency stores, the request log."""

    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self.lock = threading.Lock()
        self.carrier_keys: dict[str, tuple[str, int, dict]] = {}
        self.kakao_keys: dict[str, tuple[float, dict]] = {}
        self.failures: dict[str, int] = {}
        self.requests: list[dict[str, Any]] = []
        self.reporter = Reporter()
        self.templates = TemplateBook(config.templates_file)
        self._request_seq = itertools.count(1)

    def record(self, entry: dict[str, Any]) -> None:
        entry["seq"] = next(self._request_seq)
        entry["at"] = time.time()
        with self.lock:
            self.requests.append(entry)

    def reset(self) -> None:
        with self.lock:
            self.carrier_keys.clear()
            self.kakao_keys.clear()
            self.failures.clear()
            self.requests.clear()
        self.reporter.reset()

    def fault(self, key: str = "") -> str:
        """'' or the fault to inject into this answer: 429, 5xx or timeout."""
        c = self.config
        if c.fail_first and key:
            with self.lock:
                seen = self.failures[key] = self.failures.get(key, 0) + 1
            if seen <= c.fail_first:
                return "5xx"
        roll = random.random()
        if roll < c.rate_429:
            return "429"
        if roll < c.rate_429 + c.rate_5xx:
            return "5xx"
        if roll < c.rate_429 + c.rate_5xx + c.rate_timeout:
            return "timeout"
        return ""

    def report_url(self, path: str) -> str:
        return self.config.report_to.rstrip("/") + path if self.config.report_to else ""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes: don't wait for a delayed ACK
    server_version = "LetteringSim/1.0"
    sim: Simulator
    service: str

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the access log would hold nothing useful and must never hold a number

    def _body(self) -> bytes | None:
        """The body, or None when the connection broke before all of it arrived (the client died)."""
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        return body if len(body) == length else None

    def _send(self, status: int, payload: dict | None = None, headers: dict[str, str] | None = None) -> None:
        raw = json.dumps(payload, ensure_ascii=False).encode() if payload is not None else b""
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if payload is not None:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        if raw:
            self.wfile.write(raw)

    def _latency(self) -> None:
        if self.sim.config.latency_ms > 0:
            time.sleep(self.sim.config.latency_ms / 1000)

    def do_GET(self) -> None:
        if self.path.startswith("/_sim/requests"):
            since = int(parse_qs(urlsplit(self.path).query).get("since", ["0"])[0] or 0)
            with self.sim.lock:
                items = [r for r in self.sim.requests[since:] if r["service"] == self.service]
            self._send(200, {"requests": items})
        elif self.path.startswith("/_sim/stats"):
            with self.sim.lock:
                mine = [r for r in self.sim.requests if r["service"] == self.service]
                self._send(200, {"requests": len(mine), "keys": len({r["key"] for r in mine})})
        elif self.path.startswith("/_sim/reports"):
            with self.sim.reporter._lock:
                self._send(200, {"reports": list(self.sim.reporter.sent)})
        elif self.path.startswith("/_sim/config"):
            self._send(200, asdict(self.sim.config))
        elif self.path == "/_sim/templates" and self.service == "kakao":
            self._send(200, {"templates": self.sim.templates.all()})
        else:
            self._send(404, {"code": "NOT_FOUND"})

    def do_PUT(self) -> None:
        raw = self._body()
        if raw is None or self.path != "/_sim/templates" or self.service != "kakao":
            self._send(404, {"code": "NOT_FOUND"})
            return
        data = _json(raw)
        try:
            count = self.sim.templates.replace(data.get("templates") if isinstance(data, dict) else None)
        except ValueError as exc:
            self._send(400, {"code": "INVALID_REQUEST", "message": str(exc)})
            return
        self._send(200, {"templates": count})

    def do_POST(self) -> None:
        raw = self._body()
        if raw is None:
            self.close_connection = True  # half a request never reached the provider
            return
        if self.path == "/_sim/reset":
            self.sim.reset()
            self._send(204)
        elif self.path == "/_sim/config":
            changes = json.loads(raw or b"{}")
            for key, value in changes.items():
                if hasattr(self.sim.config, key):
                    setattr(self.sim.config, key, value)
            self._send(200, asdict(self.sim.config))
        else:
            self.handle_api(raw)

    def handle_api(self, raw: bytes) -> None:
        self._send(404, {"code": "NOT_FOUND"})


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None


class CarrierHandler(_Handler):
    service = "carrier"

    def handle_api(self, raw: bytes) -> None:
        c = self.sim.config
        if self.headers.get("Authorization") != f"Bearer {c.carrier_api_key}":
            self._send(401, {"code": "UNAUTHORIZED", "message": "invalid API key"})
            return
        match = re.fullmatch(r"/v1/lettering/([^/]{1,64})/state", self.path)
        if match:
            self._state(match.group(1), raw)
        elif self.path == "/v1/lettering":
            self._lettering(raw)
        else:
            self._send(404, {"code": "NOT_FOUND"})

    def _invalid(self, message: str) -> None:
        self._send(400, {"code": "INVALID_REQUEST", "message": message})

    def _lettering(self, raw: bytes) -> None:
        c = self.sim.config
        key = self.headers.get("Idempotency-Key", "")
        body = _json(raw)
        entry = {"service": "carrier", "kind": "lettering", "key": key, "body": body,
                 "body_sha": hashlib.sha256(raw).hexdigest()}
        fault = self.sim.fault(f"carrier:{key}")
        if fault in ("429", "5xx"):
            self.sim.record({**entry, "answer": fault})
            self._latency()
            if fault == "429":
                self._send(429, {"code": "RATE_LIMITED"}, {"Retry-After": "1"})
            else:
                self._send(503, {"code": "UNAVAILABLE"})
            return
        problem = self._validate(key, body)
        if problem:
            self.sim.record({**entry, "answer": "400"})
            self._invalid(problem)
            return
        canonical = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
        with self.sim.lock:
            known = self.sim.carrier_keys.get(key)
            if known is None:
                status = device_status(body["callee"], c.unsupported, c.not_subscriber)
                answer = {"callId": body["callId"], "requestId": "r" + hashlib.sha256(key.encode()).hexdigest()[:19],
                          "status": status}
                self.sim.carrier_keys[key] = (canonical, 200, answer)
        if known is not None and known[0] != canonical:
            self.sim.record({**entry, "answer": "409", "replay": True})
            self._latency()
            self._send(409, {"code": "IDEMPOTENCY_CONFLICT"})
            return
        replay = known is not None
        answer = known[2] if replay else answer
        self.sim.record({**entry, "answer": answer["status"], "replay": replay})
        if not replay and answer["status"] == "accepted" and (url := self.sim.report_url(
                "/api/providers/carrier/receipts")):
            self.sim.reporter.schedule(c.report_delay_ms / 1000, url,
                                       {"callId": body["callId"], "requestId": answer["requestId"],
                                        "status": "displayed", "at": _now_iso()},
                                       "X-Carrier-Signature", c.carrier_receipt_secret)
        if fault == "timeout":
            time.sleep(c.timeout_s)  # registered, but the answer comes too late
        self._latency()
        self._send(200, answer)

    @staticmethod
    def _validate(key: str, body: Any) -> str:
        if not key:
            return "Idempotency-Key header is required"
        if not isinstance(body, dict):
            return "body must be a JSON object"
        if body.get("callId") != key:
            return "callId must equal the Idempotency-Key"
        for name in ("caller", "callee"):
            if not isinstance(body.get(name), str) or not E164.fullmatch(body[name]):
                return f"{name} must be E.164 without spaces"
        display = body.get("display")
        if not isinstance(display, dict):
            return "display is required"
        for name in ("institution", "department", "message"):
            if not isinstance(display.get(name), str):
                return f"display.{name} is required"
        if len(display["message"]) > 64:
            return "display.message is longer than 64 characters"
        after = body.get("afterCall")
        if after is not None and (not isinstance(after, dict) or not isinstance(after.get("linkUrl", ""), str)):
            return "afterCall must be an object"
        return ""

    def _state(self, call_id: str, raw: bytes) -> None:
        c = self.sim.config
        body = _json(raw)
        entry = {"service": "carrier", "kind": "state", "key": call_id, "body": body}
        fault = self.sim.fault()
        if fault in ("429", "5xx"):
            self.sim.record({**entry, "answer": fault})
            self._send(429 if fault == "429" else 503, {"code": "RETRY"}, {"Retry-After": "1"} if fault == "429"
                       else None)
            return
        if not isinstance(body, dict) or body.get("state") not in STATES or not isinstance(body.get("at"), str):
            self.sim.record({**entry, "answer": "400"})
            self._invalid("state must be answered, missed or ended, with at")
            return
        with self.sim.lock:
            known = self.sim.carrier_keys.get(call_id)
        if known is None:
            self.sim.record({**entry, "answer": "404"})
            self._send(404, {"code": "NOT_FOUND"})
            return
        self.sim.record({**entry, "answer": "204"})
        answer = known[2]
        if answer["status"] == "accepted" and body["state"] in ("missed", "ended") and (
                url := self.sim.report_url("/api/providers/carrier/receipts")):
            self.sim.reporter.schedule(c.report_delay_ms / 1000, url,
                                       {"callId": call_id, "requestId": answer["requestId"],
                                        "status": "after_call_displayed", "at": _now_iso()},
                                       "X-Carrier-Signature", c.carrier_receipt_secret)
        self._latency()
        self._send(204)


class KakaoHandler(_Handler):
    service = "kakao"

    def _result(self, status: int, code: int, message: str, results: list | None = None,
                request_id: str | None = None) -> None:
        self._send(status, {"header": {"resultCode": code, "resultMessage": message, "isSuccessful": code == 0},
                            "message": {"requestId": request_id, "senderGroupingKey": None,
                                        "sendResults": results or []}})

    def handle_api(self, raw: bytes) -> None:
        c = self.sim.config
        match = re.fullmatch(r"/alimtalk/v2\.3/appkeys/([^/]+)/messages", self.path)
        if not match:
            self._send(404, {"code": "NOT_FOUND"})
            return
        key = self.headers.get("X-NC-API-IDEMPOTENCY-KEY", "")
        body = _json(raw)
        entry = {"service": "kakao", "kind": "alimtalk", "key": key, "body": body,
                 "body_sha": hashlib.sha256(raw).hexdigest()}
        if match.group(1) != c.kakao_app_key or self.headers.get("X-Secret-Key") != c.kakao_secret_key:
            self.sim.record({**entry, "answer": "401"})
            self._result(401, -1000, "Unauthorized")
            return
        fault = self.sim.fault(f"kakao:{key}")
        if fault in ("429", "5xx"):
            self.sim.record({**entry, "answer": fault})
            self._latency()
            if fault == "429":
                self._send(429, {"header": {"resultCode": -429, "resultMessage": "Too many requests",
                                            "isSuccessful": False}}, {"Retry-After": "1"})
            else:
                self._result(500, -9000, "Internal error")
            return
        problem = self._validate(body)
        if problem:
            self.sim.record({**entry, "answer": "-2001" if problem.startswith("template") else "400"})
            self._result(200 if problem.startswith("template") else 400,
                         -2001 if problem.startswith("template") else -1001, problem)
            return
        now = time.monotonic()
        with self.sim.lock:
            first = self.sim.kakao_keys.get(key) if key else None
            duplicate = first is not None and now - first[0] < KAKAO_DEDUP_S
            if not duplicate and key:
                self.sim.kakao_keys[key] = (now, {})
        if duplicate:
            self.sim.record({**entry, "answer": "-1005", "replay": True})
            self._latency()
            self._result(200, -1005, "Duplicated idempotency key")
            return
        request_id = datetime.now(UTC).strftime("%Y%m%d%H%M%S") + hashlib.sha256(
            (key or str(now)).encode()).hexdigest()[:8]
        results = []
        for seq, recipient in enumerate(body["recipientList"], start=1):
            code = 0 if uses_kakao(recipient["recipientNo"], c.kakao_nonuser) else -3001
            results.append({"recipientSeq": seq, "recipientNo": recipient["recipientNo"], "resultCode": code,
                            "resultMessage": "SUCCESS" if code == 0 else "Not a KakaoTalk user",
                            "recipientGroupingKey": recipient.get("recipientGroupingKey")})
            if code == 0 and (url := self.sim.report_url("/api/providers/kakao/reports")):
                self.sim.reporter.schedule(c.report_delay_ms / 1000, url,
                                           {"requestId": request_id, "recipientSeq": seq,
                                            "recipientGroupingKey": recipient.get("recipientGroupingKey"),
                                            "status": "DELIVERED", "resultCode": 0, "reportedAt": _now_iso()},
                                           "X-Provider-Signature", c.kakao_report_secret)
        self.sim.record({**entry, "answer": str(results[0]["resultCode"]) if len(results) == 1 else "0",
                         "replay": False})
        if fault == "timeout":
            time.sleep(c.timeout_s)
        self._latency()
        self._result(200, 0, "SUCCESS", results, request_id)

    def _validate(self, body: Any) -> str:
        """'' or the problem; one starting with "template" is Kakao's -2001 (PROTOCOLS.md §3)."""
        c = self.sim.config
        if not isinstance(body, dict) or body.get("senderKey") != c.kakao_sender_key:
            return "invalid senderKey"
        template = self.sim.templates.get(body.get("templateCode"))
        if template is None:
            return "template: unknown templateCode"
        recipients = body.get("recipientList")
        if not isinstance(recipients, list) or not 1 <= len(recipients) <= 1000:
            return "recipientList must hold 1 to 1000 entries"
        for recipient in recipients:
            if not isinstance(recipient, dict) or not DOMESTIC.fullmatch(str(recipient.get("recipientNo", ""))):
                return "recipientNo must be domestic digits"
            params = recipient.get("templateParameter") or {}
            buttons = recipient.get("buttons") or []
            if not isinstance(params, dict) or not isinstance(buttons, list) or \
                    any(not isinstance(b, dict) for b in buttons):
                return "templateParameter must be an object and buttons a list of objects"
            if len(buttons) > 5:
                return "at most 5 buttons"
            for button in buttons:
                if any(len(str(button.get(k, ""))) > 500 for k in ("linkMo", "linkPc")):
                    return "button URL longer than 500 characters"
            if problem := template.problem(params, buttons):
                return problem
        return ""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256


def serve(sim: Simulator, host: str, carrier_port: int, kakao_port: int) -> tuple[_Server, _Server]:
    """Start both servers in background threads; returns them (``server_port`` has the bound port)."""
    servers = []
    for base, port in ((CarrierHandler, carrier_port), (KakaoHandler, kakao_port)):
        handler = type(base.__name__, (base,), {"sim": sim})
        server = _Server((host, port), handler)
        threading.Thread(target=server.serve_forever, daemon=True, name=f"sim-{base.service}").start()
        servers.append(server)
    return servers[0], servers[1]
