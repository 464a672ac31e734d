"""The Kakao AlimTalk provider (PROTOCOLS.md §3)."""
from __future__ import annotations

from typing import Any

import httpx

from core.jobs import TransientError
from core.lettering.dispatch import KakaoResult
from core.lettering.providers import dumps

TIMEOUT_S = 5.0


class KakaoClient:
    def __init__(self, base_url: str, app_key: str, secret_key: str, client: httpx.Client | None = None) -> None:
        self.url = f"{base_url.rstrip('/')}/alimtalk/v2.3/appkeys/{app_key}/messages"
        self.secret_key = secret_key
        self.http = client or httpx.Client(timeout=TIMEOUT_S, limits=httpx.Limits(max_connections=32))

    def send(self, idempotency_key: str, body: dict[str, Any]) -> KakaoResult:
        """One attempt. A 429, a 5xx or no answer raise TransientError (the job retries with the same
        idempotency key, so a send that did get through answers -1005 instead of going out twice)."""
        headers = {"X-Secret-Key": self.secret_key, "X-NC-API-IDEMPOTENCY-KEY": idempotency_key,
                   "Content-Type": "application/json;charset=UTF-8"}
        try:
            response = self.http.post(self.url, content=dumps(body), headers=headers)
        except httpx.TransportError as exc:
            raise TransientError(f"kakao: {type(exc).__name__}") from exc
        if response.status_code == 429:
            try:
                retry_after = float(response.headers.get("Retry-After", ""))
            except ValueError:
                retry_after = None
            raise TransientError("kakao: 429", retry_after=retry_after)
        if response.status_code >= 500:
            raise TransientError(f"kakao: HTTP {response.status_code}")
        try:
            data = response.json()
        except ValueError:
            raise TransientError(f"kakao: unreadable answer (HTTP {response.status_code})") from None
        header = data.get("header") or {}
        message = data.get("message") or {}
        code = int(header.get("resultCode", -9000))
        results = message.get("sendResults") or []
        if code == 0 and results:
            code = int(results[0].get("resultCode", 0))  # the per-recipient code is the one that matters
        return KakaoResult(code=code, request_id=str(message.get("requestId") or "")[:64],
                           message=str(header.get("resultMessage", ""))[:200])
