"""The Kakao AlimTalk provider (PROTOCOLS.md §3): authentication, faults, template checks against the registered
templates (``kakao_templates``; ``GET``/``PUT /_sim/templates``), idempotency keys kept for
``KAKAO_DEDUP_S``, a result per recipient and a signed delivery report for each one delivered."""
from __future__ import annotations

import hashlib
import re
import time
from datetime import UTC, datetime
from typing import Any

from lettering_worker.simulators.common import DOMESTIC, SimHandler, now_iso, read_json, uses_kakao

KAKAO_DEDUP_S = 600


class KakaoHandler(SimHandler):
    service = "kakao"

    def do_GET(self) -> None:
        if self.path == "/_sim/templates":
            self._send(200, {"templates": self.sim.templates.all()})
        else:
            super().do_GET()

    def do_PUT(self) -> None:
        raw = self._body()
        if raw is None or self.path != "/_sim/templates":
            self._send(404, {"code": "NOT_FOUND"})
            return
        data = read_json(raw)
        try:
            count = self.sim.templates.replace(data.get("templates") if isinstance(data, dict) else None)
        except ValueError as exc:
            self._send(400, {"code": "INVALID_REQUEST", "message": str(exc)})
            return
        self._send(200, {"templates": count})

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
        body = read_json(raw)
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
                                            "status": "DELIVERED", "resultCode": 0, "reportedAt": now_iso()},
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
