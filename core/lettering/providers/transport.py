"""A small keep-alive HTTP/1.1 client for the carrier hot path: one connection per worker thread.

``http.client`` costs about a quarter of the CPU of httpx per request, and the lettering request is the
one the worker sends for every call. Timeouts and transport failures become two exceptions.
"""
from __future__ import annotations

import http.client
import json
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit


class Timeout(Exception):
    """No answer within the timeout."""


class Unreachable(Exception):
    """The connection failed before an answer came."""


@dataclass(frozen=True)
class Answer:
    status_code: int
    headers: dict[str, str]   # lower-case names
    content: bytes

    def json(self) -> Any:
        return json.loads(self.content)


_STALE = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)


class KeepAlive:
    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        self._https = parts.scheme == "https"
        self._host = parts.hostname or "127.0.0.1"
        self._port = parts.port or (443 if self._https else 80)
        self._prefix = parts.path.rstrip("/")
        self._local = threading.local()

    def _connection(self, timeout: float) -> tuple[http.client.HTTPConnection, bool]:
        conn = getattr(self._local, "conn", None)
        reused = conn is not None
        if conn is None:
            factory = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
            conn = self._local.conn = factory(self._host, self._port, timeout=timeout)
        conn.timeout = timeout
        if conn.sock is not None:
            conn.sock.settimeout(timeout)
        return conn, reused

    def _drop(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
        self._local.conn = None

    def post(self, path: str, content: bytes, headers: dict[str, str], timeout: float) -> Answer:
        for _ in range(2):
            conn, reused = self._connection(timeout)
            try:
                conn.request("POST", self._prefix + path, body=content, headers=headers)
                response = conn.getresponse()
                data = response.read()
            except TimeoutError as exc:
                self._drop()
                raise Timeout(str(exc)) from exc
            except _STALE as exc:
                self._drop()
                if reused:
                    continue  # the server closed an idle keep-alive connection: reconnect once
                raise Unreachable(type(exc).__name__) from exc
            except (OSError, http.client.HTTPException) as exc:
                self._drop()
                raise Unreachable(type(exc).__name__) from exc
            if response.will_close:
                self._drop()
            return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, data)
        raise Unreachable("connection closed")
