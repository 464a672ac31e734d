"""The carrier's lettering gateway: register the display before the phone rings, report call states."""
from __future__ import annotations

import logging
import random
import time
from typing import Any

from core.jobs import TransientError
from core.lettering.dispatch import CarrierResult
from core.lettering.providers import dumps
from core.lettering.providers.transport import Answer, KeepAlive, Timeout, Unreachable

log = logging.getLogger("lettering.carrier")

TIMEOUT_S = 2.0
FIRST_BACKOFF_S = 0.1
STATUSES = ("accepted", "unsupported_device", "not_subscriber")


def _retry_after(response: Answer) -> float | None:
    try:
        return max(0.0, float(response.headers.get("retry-after", "")))
    except ValueError:
        return None


class CarrierClient:
    def __init__(self, base_url: str, api_key: str) -> None:
        self.api_key = api_key
        self.http = KeepAlive(base_url)

    def _headers(self, key: str | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.api_key}", "Content-Type": "application/json"}
        if key:
            headers["Idempotency-Key"] = key
        return headers

    def register(self, body: dict[str, Any], deadline: float) -> CarrierResult:
        """POST /v1/lettering with Idempotency-Key = callId. Transient failures (timeouts, 429, 5xx) are
        retried with backoff and jitter until ``deadline`` (monotonic): after that the call no longer rings.
        The first attempt is always made."""
        call_id = body["callId"]
        content = dumps(body)
        attempt, backoff = 0, FIRST_BACKOFF_S
        error: tuple[str, tuple[tuple[str, str], ...]] = ("", ())
        while True:
            attempt += 1
            wait: float | None = None
            try:
                response = self.http.post("/v1/lettering", content, self._headers(call_id), TIMEOUT_S)
            except Timeout:
                error = ("timeout", (("seconds", f"{TIMEOUT_S:g}"),))
            except Unreachable as exc:
                error = ("unreachable", (("detail", str(exc)[:120]),))
            else:
                code = response.status_code
                if code == 200:
                    data = _json(response)
                    status = data.get("status")
                    if status in STATUSES:
                        return CarrierResult(status, str(data.get("requestId", ""))[:64], attempts=attempt)
                    return CarrierResult("failed", error_code="unreadable", attempts=attempt)
                if code == 409:
                    # The carrier holds an earlier, different body for this call: it is registered already,
                    # but we cannot know what it answered. Record it; the fallback decides.
                    return CarrierResult("failed", error_code="idempotency_conflict", attempts=attempt)
                if code == 400:
                    message = str(_json(response).get("message", ""))[:180]
                    return CarrierResult("failed", error_code="bad_request", error_args=(("detail", message),),
                                         attempts=attempt)
                if code in (401, 403):
                    return CarrierResult("failed", error_code="unauthorized", attempts=attempt)
                if code == 429 or code >= 500:
                    error = ("transient", (("status", str(code)),))
                    wait = _retry_after(response) if code == 429 else None
                else:
                    return CarrierResult("failed", error_code="http", error_args=(("status", str(code)),),
                                         attempts=attempt)
            pause = wait if wait is not None else random.uniform(backoff / 2, backoff)
            if time.monotonic() + pause >= deadline:
                result = CarrierResult("failed", error_code=error[0], error_args=error[1], attempts=attempt)
                log.warning("call %s lettering gave up after %d attempts: %s", call_id, attempt, result.error_code)
                return result
            time.sleep(pause)
            backoff = min(backoff * 2, 2.0)

    def report_state(self, call_id: str, state: str, at: str) -> None:
        """POST /v1/lettering/{callId}/state. Transient failures raise TransientError (the job retries)."""
        try:
            response = self.http.post(f"/v1/lettering/{call_id}/state", dumps({"state": state, "at": at}),
                                      self._headers(), TIMEOUT_S)
        except (Timeout, Unreachable) as exc:
            raise TransientError(f"carrier state: {type(exc).__name__}") from exc
        if response.status_code == 429:
            raise TransientError("carrier state: 429", retry_after=_retry_after(response))
        if response.status_code >= 500:
            raise TransientError(f"carrier state: HTTP {response.status_code}")
        if response.status_code not in (200, 204, 404):
            log.warning("call %s state %s refused: HTTP %d", call_id, state, response.status_code)


def _json(response: Answer) -> dict:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
