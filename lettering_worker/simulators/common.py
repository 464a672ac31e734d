"""What the simulated carrier and Kakao share: which numbers behave how (a hash of the number, so a number
behaves the same in every run), and the HTTP plumbing with the inspection endpoints (``/_sim/...``)."""
from __future__ import annotations

import hashlib
import json
import re
import sys
import time
from dataclasses import asdict
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

if TYPE_CHECKING:
    from lettering_worker.simulators.server import Simulator

DOMESTIC = re.compile(r"^0\d{8,10}$")


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


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


class SimHandler(BaseHTTPRequestHandler):
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
        else:
            self._send(404, {"code": "NOT_FOUND"})

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


def read_json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None


class QuietServer(ThreadingHTTPServer):
    """A threaded server that does not print a traceback when a client hangs up mid-answer: the sender
    timing out is part of what the simulators are for. Printing it is worse than noise: on Python 3.11,
    formatting a traceback parses source with ``ast`` (the caret anchors), and ``ast`` keeps one
    interpreter-wide recursion counter, so a simulator thread doing that while the test's thread builds
    an app's URL map (werkzeug compiles routes with ``ast``) can fail the other with "AST constructor
    recursion depth mismatch" (CPython gh-106905)."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class SimServer(QuietServer):
    request_queue_size = 256
