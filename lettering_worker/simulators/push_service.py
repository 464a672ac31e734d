"""A browser push service (PROTOCOLS.md §5) as a real HTTP server on loopback, written from the RFCs.

It plays both sides a real service joins: the browser's (``POST /_sim/subscriptions`` makes a subscription
with its own P-256 key pair and auth secret, and answers ``PushSubscription.toJSON()``) and the service's
(``POST /push/<id>`` takes a message). Each message is checked as a real service would:
- RFC 8292: ``Authorization: vapid t=<JWT>, k=<key>``; the JWT is ES256, verified with ``k``; ``aud`` is the
  endpoint's origin, ``exp`` in the future and at most 24 h ahead, ``sub`` present; ``k`` equals the
  subscription's ``applicationServerKey`` when one was given (else 403);
- RFC 8030: a ``TTL`` header (an integer ≥ 0), ``Urgency`` and ``Topic`` when present well-formed;
- RFC 8291: ``Content-Encoding: aes128gcm``, decrypted with the subscription's private key and auth secret
  (all messages, or every ``decrypt_every``-th in the benchmark), the JSON stored.

Answers are injectable globally or per subscription (a queue of statuses consumed one per message):
201 (default), 404, 410, 413, 429 (with ``Retry-After``), 5xx, or ``"timeout"`` (the answer is held
``timeout_s``). ``latency_ms`` delays every answer; requests are served concurrently (one thread per
connection, HTTP/1.1 keep-alive). Inspection: ``GET /_sim/received[?subscription=ID]``, ``GET /_sim/stats``,
``POST /_sim/config``, ``POST /_sim/reset``.
"""
from __future__ import annotations

import base64
import json
import logging
import secrets
import struct
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, hmac, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from lettering_worker.simulators.common import QuietServer

log = logging.getLogger("push.simulator")
MAX_BODY = 4096
MAX_EXP_AHEAD = 24 * 3600


def _b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _hmac(key: bytes, data: bytes) -> bytes:
    h = hmac.HMAC(key, hashes.SHA256())
    h.update(data)
    return h.finalize()


def _point(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)


class Refused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


@dataclass
class Subscription:
    id: str
    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes
    server_key: str = ""                       # applicationServerKey, when the "browser" was given one
    answers: deque = field(default_factory=deque)

    def as_json(self) -> dict[str, Any]:
        return {"endpoint": self.endpoint, "expirationTime": None,
                "keys": {"p256dh": _b64e(_point(self.private_key.public_key())), "auth": _b64e(self.auth)}}


def verify_vapid(header: str, audience: str, now: float) -> tuple[dict[str, Any], str]:
    """RFC 8292 §2–3: the JWT's claims and the key ``k``, or ``Refused(401)``."""
    scheme, _, params = (header or "").partition(" ")
    if scheme.lower() != "vapid":
        raise Refused(401, "Authorization must use the vapid scheme")
    fields = {}
    for part in params.split(","):
        name, _, value = part.strip().partition("=")
        fields[name.strip()] = value.strip()
    token, key = fields.get("t", ""), fields.get("k", "")
    try:
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), _b64d(key))
        head_b64, body_b64, sig_b64 = token.split(".")
        head, claims, signature = json.loads(_b64d(head_b64)), json.loads(_b64d(body_b64)), _b64d(sig_b64)
    except (ValueError, TypeError):
        raise Refused(401, "malformed VAPID token or key") from None
    if head.get("alg") != "ES256" or len(signature) != 64 or not isinstance(claims, dict):
        raise Refused(401, "the JWT must be ES256")
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
    try:
        public.verify(der, f"{head_b64}.{body_b64}".encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise Refused(401, "bad JWT signature") from None
    if claims.get("aud") != audience:
        raise Refused(401, f"aud must be {audience}")
    exp = claims.get("exp")
    if not isinstance(exp, int) or not now < exp <= now + MAX_EXP_AHEAD:
        raise Refused(401, "exp must be in the future and within 24 hours")
    if not isinstance(claims.get("sub"), str) or not claims["sub"].startswith(("mailto:", "https:")):
        raise Refused(401, "sub must be a mailto: or https: contact")
    return claims, key


def decrypt(body: bytes, sub: Subscription) -> bytes:
    """RFC 8291 §3–4 / RFC 8188: one aes128gcm record, from the receiving side."""
    if len(body) < 21:
        raise Refused(400, "body too short for an aes128gcm header")
    salt, (rs, idlen) = body[:16], struct.unpack("!IB", body[16:21])
    keyid, record = body[21:21 + idlen], body[21 + idlen:]
    if idlen != 65 or rs < 18 or len(record) > rs:
        raise Refused(400, "aes128gcm header: the key id must be the sender's 65-byte key, one record")
    try:
        as_public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), keyid)
    except ValueError:
        raise Refused(400, "the key id is not a P-256 point") from None
    ua_public = _point(sub.private_key.public_key())
    shared = sub.private_key.exchange(ec.ECDH(), as_public)
    ikm = _hmac(_hmac(sub.auth, shared), b"WebPush: info\x00" + ua_public + keyid + b"\x01")
    prk = _hmac(salt, ikm)
    cek = _hmac(prk, b"Content-Encoding: aes128gcm\x00\x01")[:16]
    nonce = _hmac(prk, b"Content-Encoding: nonce\x00\x01")[:12]
    try:
        padded = AESGCM(cek).decrypt(nonce, record, None)
    except InvalidTag:
        raise Refused(400, "cannot decrypt with the subscription's keys") from None
    plain = padded.rstrip(b"\x00")
    if not plain.endswith(b"\x02"):
        raise Refused(400, "the last record must end with the 0x02 delimiter")
    return plain[:-1]


class PushService:
    """The service's state; ``handler()`` gives the HTTP request handler class bound to it."""

    def __init__(self, host: str = "127.0.0.1", latency_ms: float = 0.0) -> None:
        self.host = host
        self.port = 0
        self.lock = threading.Lock()
        self.subs: dict[str, Subscription] = {}
        self.received: list[dict[str, Any]] = []
        self.stats: Counter = Counter()
        self.config: dict[str, Any] = {"latency_ms": latency_ms, "answer": 201, "retry_after": 1,
                                       "timeout_s": 3.0, "decrypt_every": 1, "keep_payloads": True}

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    def subscribe(self, server_key: str = "") -> dict[str, Any]:
        sub_id = secrets.token_urlsafe(12)
        sub = Subscription(sub_id, f"{self.base}/push/{sub_id}", ec.generate_private_key(ec.SECP256R1()),
                           secrets.token_bytes(16), server_key)
        with self.lock:
            self.subs[sub_id] = sub
        return sub.as_json()

    def configure(self, data: dict[str, Any]) -> None:
        with self.lock:
            if "subscription" in data:
                sub = self.subs[str(data["subscription"]).rsplit("/", 1)[-1]]
                sub.answers.extend(data.get("answers", []))
                return
            self.config.update({k: v for k, v in data.items() if k in self.config})

    def reset(self) -> None:
        with self.lock:
            self.received.clear()
            self.stats.clear()
            self.config.update({"answer": 201, "latency_ms": self.config["latency_ms"]})
            for sub in self.subs.values():
                sub.answers.clear()

    def take(self, sub_id: str, headers: Any, body: bytes) -> tuple[int, dict[str, str]]:
        """One message: checked, decrypted, stored; the status (injected or 201) and headers to answer."""
        started = time.monotonic()
        with self.lock:
            sub = self.subs.get(sub_id)
            self.stats["requests"] += 1
            number = self.stats["requests"]
            answer = (sub.answers.popleft() if sub and sub.answers else self.config["answer"])
            config = dict(self.config)
        try:
            if sub is None:
                raise Refused(404, "no such subscription")
            claims, key = verify_vapid(headers.get("Authorization", ""), f"http://{self.host}:{self.port}",
                                       time.time())
            if sub.server_key and key != sub.server_key.rstrip("="):
                raise Refused(403, "k is not the applicationServerKey of this subscription")
            ttl = headers.get("TTL")
            if ttl is None or not ttl.isdigit():
                raise Refused(400, "TTL header required (RFC 8030 §5.2)")
            if headers.get("Content-Encoding") != "aes128gcm":
                raise Refused(415, "Content-Encoding must be aes128gcm")
            if len(body) > MAX_BODY:
                raise Refused(413, "payload too large")
            message = None
            if config["decrypt_every"] and number % int(config["decrypt_every"]) == 0:
                message = json.loads(decrypt(body, sub))
                with self.lock:
                    self.stats["decrypted"] += 1
        except Refused as exc:
            with self.lock:
                self.stats["refused"] += 1
                self.stats[f"refused_{exc.status}"] += 1
            log.info("refused %s: %s", sub_id, exc)
            return exc.status, {}
        except ValueError:
            with self.lock:
                self.stats["refused"] += 1
            return 400, {}
        with self.lock:
            self.stats["verified"] += 1
        wait = config["latency_ms"] / 1000 - (time.monotonic() - started)
        if answer == "timeout":
            wait = float(config["timeout_s"])
            answer = 201
        if wait > 0:
            time.sleep(wait)
        status = int(answer)
        with self.lock:
            self.stats[f"answered_{status}"] += 1
            if status == 201:
                self.received.append({"subscription": sub_id, "endpoint": sub.endpoint, "ttl": int(ttl),
                                      "urgency": headers.get("Urgency", ""), "topic": headers.get("Topic", ""),
                                      "sub": claims["sub"], "aud": claims["aud"],
                                      "payload": message if config["keep_payloads"] else None, "at": time.time()})
        extra = {"Retry-After": str(config["retry_after"])} if status == 429 else {}
        if status == 201:
            extra["Location"] = f"{self.base}/message/{secrets.token_urlsafe(8)}"
        return status, extra

    def handler(self) -> type[BaseHTTPRequestHandler]:
        service = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # one line per push would drown the rest
                pass

            def _send(self, status: int, body: Any = None, headers: dict[str, str] | None = None) -> None:
                data = b"" if body is None else json.dumps(body, ensure_ascii=False).encode()
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                if data:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _body(self) -> bytes:
                return self.rfile.read(min(int(self.headers.get("Content-Length") or 0), 1 << 20))

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                if url.path == "/_sim/received":
                    wanted = parse_qs(url.query).get("subscription", [None])[0]
                    with service.lock:
                        rows = [r for r in service.received if wanted in (None, r["subscription"])]
                    self._send(200, {"received": rows})
                elif url.path == "/_sim/stats":
                    with service.lock:
                        self._send(200, dict(service.stats))
                else:
                    self._send(404, {"error": "not found"})

            def do_POST(self) -> None:
                path, body = urlsplit(self.path).path, self._body()
                if path.startswith("/push/"):
                    status, headers = service.take(path[len("/push/"):], self.headers, body)
                    self._send(status, None, headers)
                    return
                data = json.loads(body or b"{}")
                if path == "/_sim/subscriptions":
                    count = int(data.get("count", 0))
                    key = str(data.get("applicationServerKey", ""))
                    if count:
                        self._send(201, {"subscriptions": [service.subscribe(key) for _ in range(count)]})
                    else:
                        self._send(201, service.subscribe(key))
                elif path == "/_sim/config":
                    service.configure(data)
                    self._send(200, service.config)
                elif path == "/_sim/reset":
                    service.reset()
                    self._send(200, {"reset": True})
                else:
                    self._send(404, {"error": "not found"})

        return Handler


class Server(QuietServer):
    request_queue_size = 512


def start(host: str = "127.0.0.1", port: int = 0, latency_ms: float = 0.0) -> tuple[Server, PushService]:
    """Serve on a thread; ``server.shutdown()`` stops it."""
    service = PushService(host, latency_ms)
    server = Server((host, port), service.handler())
    service.port = server.server_port
    threading.Thread(target=server.serve_forever, daemon=True, name=f"push-sim-{service.port}").start()
    return server, service


def main(argv: list[str] | None = None) -> int:
    """``python -m lettering_worker.simulators.push_service --port 5084``: one service on its own."""
    import argparse
    import signal

    p = argparse.ArgumentParser(prog="python -m lettering_worker.simulators.push_service")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=5084)
    p.add_argument("--latency-ms", type=float, default=20.0)
    p.add_argument("--decrypt-every", type=int, default=1)
    args = p.parse_args(argv)
    server, service = start(args.host, args.port, args.latency_ms)
    service.config["decrypt_every"] = args.decrypt_every
    print(f"READY {service.port}", flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    done.wait()
    server.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
