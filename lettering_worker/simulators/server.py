"""The carrier lettering gateway (PROTOCOLS.md §2) and the Kakao AlimTalk provider (§3) as real HTTP
servers on loopback, with the providers' idempotency rules, fault injection and signed delivery reports.

The carrier's handler is here, Kakao's in ``kakao.py``; which phones are unsupported (iPhone-like) or not on a
lettering carrier, and who does not use KakaoTalk, is in ``common.py`` (``device_status``, ``uses_kakao``) with
the handlers' shared plumbing. Inspection endpoints on both ports, for tests and the benchmark:
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
from dataclasses import dataclass
from typing import Any

import httpx

from lettering_worker.simulators.common import (
    SimHandler,
    SimServer,
    device_status,
    now_iso,
    read_json,
)
from lettering_worker.simulators.kakao import KakaoHandler
from lettering_worker.simulators.kakao_templates import TemplateBook

log = logging.getLogger("lettering.simulators")

E164 = re.compile(r"^\+\d{8,15}$")
STATES = ("answered", "missed", "ended")


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


class CarrierHandler(SimHandler):
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
        body = read_json(raw)
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
                                        "status": "displayed", "at": now_iso()},
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
        body = read_json(raw)
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
                                        "status": "after_call_displayed", "at": now_iso()},
                                       "X-Carrier-Signature", c.carrier_receipt_secret)
        self._latency()
        self._send(204)


def serve(sim: Simulator, host: str, carrier_port: int, kakao_port: int) -> tuple[SimServer, SimServer]:
    """Start both servers in background threads; returns them (``server_port`` has the bound port)."""
    servers = []
    for base, port in ((CarrierHandler, carrier_port), (KakaoHandler, kakao_port)):
        handler = type(base.__name__, (base,), {"sim": sim})
        server = SimServer((host, port), handler)
        threading.Thread(target=server.serve_forever, daemon=True, name=f"sim-{base.service}").start()
        servers.append(server)
    return servers[0], servers[1]
