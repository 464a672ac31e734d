"""The Saeol board feed (PROTOCOLS.md §4) as a real HTTP server on loopback, with RSS 2.0 boards, PDF
attachments and fault injection.

- ``GET /saeol/feed?since=CURSOR`` (``Authorization: Bearer <token>``, else 401): the posts of the JSON boards
  changed after the cursor, in ``updated_at`` order, ``limit`` (default ``page_size``) at a time; the cursor is
  opaque (a change number in base64). A deleted post comes as ``{"id", "board", "deleted": true, ...}``.
- ``GET /saeol/files/<id>``: an attachment, a real PDF made with WeasyPrint (Korean, NanumGothic), cached.
- ``GET /saeol/rss/<board>``: RSS 2.0 of the board's latest ``rss_window`` posts, with ``ETag`` and
  ``Last-Modified``; ``If-None-Match`` / ``If-Modified-Since`` get a 304.
- Test endpoints: ``POST /_sim/posts`` (add, edit or delete a post now), ``POST /_sim/config`` (faults),
  ``POST /_sim/reset``, ``GET /_sim/requests``.

The demo stays live: every ``live_seconds`` of the clock (``time.time``, so the tests' clock drives it) a
post is added or edited (``saeol_posts.live_change``).
"""
from __future__ import annotations

import base64
import hashlib
import json
import logging
import random
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit
from xml.sax.saxutils import escape

from lettering_worker.simulators import saeol_posts as demo
from lettering_worker.simulators.common import QuietServer

log = logging.getLogger("saeol.simulator")
MAX_CATCH_UP = 20        # live ticks made at most after a clock jump


@dataclass
class SaeolConfig:
    token: str
    live_seconds: float = 300.0       # a live change this often (0: none)
    page_size: int = 50
    rss_window: int = 20
    rate_5xx: float = 0.0             # share of feed/RSS answers that are 503
    fail_next: int = 0                # the next N feed/RSS answers are 503
    slow_seconds: float = 0.0         # feed/RSS answers wait this long (client timeouts)
    invalid_json_next: int = 0        # the next N answers are not JSON (not XML for RSS)
    malformed_next: int = 0           # the next N feed answers carry one malformed item too
    files_base: str = ""              # attachment URLs' base; '' = this server's own address
    cache_dir: str = field(default_factory=lambda: str(Path(tempfile.gettempdir()) / "saeol-sim-pdf"))


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat()


def _http_date(ts: float) -> str:
    return format_datetime(datetime.fromtimestamp(int(ts), UTC), usegmt=True)


class PdfMaker:
    """HTML → PDF with WeasyPrint, cached in memory and on disk (keyed by the HTML's digest)."""

    def __init__(self, cache_dir: str) -> None:
        self.dir = Path(cache_dir)
        self.memory: dict[str, bytes] = {}
        self.lock = threading.Lock()

    def pdf(self, html: str) -> bytes:
        key = hashlib.sha256(html.encode()).hexdigest()[:32]
        with self.lock:
            if key in self.memory:
                return self.memory[key]
            path = self.dir / f"{key}.pdf"
            if path.exists():
                data = path.read_bytes()
            else:
                from weasyprint import HTML  # 0.4 s to import: only when a PDF is first needed

                data = HTML(string=html).write_pdf()
                self.dir.mkdir(parents=True, exist_ok=True)
                scratch = path.with_suffix(f".{random.randrange(1 << 30)}")
                scratch.write_bytes(data)
                scratch.replace(path)
            self.memory[key] = data
            return data


class SaeolState:
    """The boards' posts, their change numbers (the cursor), the files, the faults and the request log."""

    def __init__(self, config: SaeolConfig) -> None:
        self.config = config
        self.lock = threading.RLock()
        self.pdfs = PdfMaker(config.cache_dir)
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.posts: dict[str, dict[str, Any]] = {}
            self.files: dict[str, dict[str, Any]] = {}
            self.seq = 0
            self.requests: list[dict[str, Any]] = []
            self.epoch = time.time()
            self.generation = random.randrange(1, 1 << 31)   # a new run's cursors never match an old run's
            self.live_done = 0
            changes = []
            for seed in demo.SEED:
                changes.append((self.epoch - seed["hours"] * 3600, "upsert", seed))
                if "edit_hours" in seed:
                    changes.append((self.epoch - seed["edit_hours"] * 3600, "upsert", {**seed, **seed["edit"]}))
                if "delete_hours" in seed:
                    changes.append((self.epoch - seed["delete_hours"] * 3600, "delete", seed))
            for at, action, post in sorted(changes, key=lambda change: change[0]):
                self._apply(action, post, at)

    def configure(self, changes: dict[str, Any]) -> None:
        known = {f.name for f in fields(SaeolConfig)}
        with self.lock:
            for key, value in changes.items():
                if key not in known:
                    raise ValueError(f"unknown setting {key}")
                current = getattr(self.config, key)
                setattr(self.config, key, type(current)(value))

    # --- changes ---------------------------------------------------------------------------

    def _apply(self, action: str, post: dict[str, Any], at: float | None = None) -> dict[str, Any]:
        """Record one change of a post as the next change number; returns the post as stored."""
        with self.lock:
            self.seq += 1
            now = at if at is not None else time.time()
            previous = self.posts.get(post["id"])
            # Items come in updated_at order: a change is never dated before the one before it.
            updated = max(now, max((p["updated_ts"] for p in self.posts.values()), default=now))
            if action == "delete":
                stored = {"id": post["id"], "board": (previous or post).get("board", demo.BOARDS[0]),
                          "deleted": True, "updated_ts": updated, "seq": self.seq}
            else:
                stored = {**(previous or {}), **{k: v for k, v in post.items() if k in (
                    "board", "title", "body_html", "author", "department", "important")}}
                stored.update(id=post["id"], deleted=False, updated_ts=updated, seq=self.seq)
                stored.setdefault("posted_ts", now)   # kept from the previous copy on an edit
                stored.setdefault("board", demo.BOARDS[0])
                stored.setdefault("important", False)
                for name in ("title", "body_html", "author", "department"):
                    stored.setdefault(name, "")
                if "attachments" in post:
                    stored["attachments"] = [self._file(post["id"], n, a) for n, a in enumerate(post["attachments"])]
                stored.setdefault("attachments", [])
            self.posts[post["id"]] = stored
            return stored

    def _file(self, post_id: str, n: int, spec: dict[str, Any]) -> str:
        file_id = str(spec.get("id") or f"F-{hashlib.sha256(post_id.encode()).hexdigest()[:6]}-{n}")
        self.files[file_id] = {"id": file_id, "filename": spec.get("filename", f"{file_id}.pdf"),
                               "content_type": spec.get("content_type", "application/pdf"),
                               "html": spec.get("html") or demo.pdf_html(spec.get("filename", file_id),
                                                                         "<p>첨부 문서</p>"),
                               "pad": int(spec.get("pad", 0)), "url": spec.get("url"), "size": spec.get("size")}
        return file_id

    def advance(self) -> None:
        """Make the live changes whose time has come (at most ``MAX_CATCH_UP`` after a jump of the clock)."""
        with self.lock:
            interval = self.config.live_seconds
            if interval <= 0:
                return
            due = int((time.time() - self.epoch) // interval)
            self.live_done = max(self.live_done, due - MAX_CATCH_UP)
            while self.live_done < due:
                self.live_done += 1
                self._apply("upsert", demo.live_change(self.live_done), self.epoch + self.live_done * interval)

    def post_now(self, body: dict[str, Any]) -> dict[str, Any]:
        """``/_sim/posts``: ``{"action": "upsert" | "delete", "id", ...fields, "attachments": [...]}``."""
        action = body.get("action", "upsert")
        if action not in ("upsert", "delete") or not isinstance(body.get("id"), str):
            raise ValueError("action upsert|delete and a string id")
        if action == "delete" and body["id"] not in self.posts:
            raise KeyError(body["id"])
        return self._apply(action, body)

    # --- answers ---------------------------------------------------------------------------

    def file_bytes(self, file_id: str) -> bytes | None:
        spec = self.files.get(file_id)
        if spec is None:
            return None
        data = self.pdfs.pdf(spec["html"])
        return data + b"%" + b"0" * spec["pad"] + b"\n" if spec["pad"] else data

    def item(self, post: dict[str, Any], base: str) -> dict[str, Any]:
        if post["deleted"]:
            return {"id": post["id"], "board": post["board"], "deleted": True, "updated_at": _iso(post["updated_ts"])}
        attachments = []
        for file_id in post["attachments"]:
            spec = self.files[file_id]
            size = spec["size"] if spec["size"] is not None else len(self.file_bytes(file_id) or b"")
            attachments.append({"id": file_id, "filename": spec["filename"], "content_type": spec["content_type"],
                                "size": size, "url": spec["url"] or f"{base}/{file_id}"})
        return {"id": post["id"], "board": post["board"], "title": post["title"], "body_html": post["body_html"],
                "author": post["author"], "department": post["department"], "posted_at": _iso(post["posted_ts"]),
                "updated_at": _iso(post["updated_ts"]), "important": bool(post["important"]),
                "attachments": attachments}

    def feed(self, since: str, limit: int, base: str) -> dict[str, Any]:
        after = decode_cursor(self.generation, since)
        with self.lock:
            self.advance()
            changed = sorted((p for p in self.posts.values() if p["seq"] > after and p["board"] in demo.JSON_BOARDS),
                             key=lambda p: p["seq"])[:limit]
            items = [self.item(p, base) for p in changed]
            last = changed[-1]["seq"] if changed else max(after, 0)
            return {"items": items, "next_cursor": encode_cursor(self.generation, last)}

    def rss(self, board: str, link_base: str, files_base: str) -> tuple[bytes, str, float]:
        """The board's RSS document, its ETag and its Last-Modified time."""
        with self.lock:
            self.advance()
            window = sorted((p for p in self.posts.values() if p["board"] == board and not p["deleted"]),
                            key=lambda p: p["posted_ts"], reverse=True)[:self.config.rss_window]
            modified = max((p["updated_ts"] for p in window), default=self.epoch)
            etag = '"' + hashlib.sha256(repr([(p["id"], p["seq"]) for p in window]).encode()).hexdigest()[:20] + '"'
            entries = []
            for post in window:
                item = self.item(post, files_base)
                enclosures = "".join(f'<enclosure url="{escape(a["url"])}" length="{a["size"]}" '
                                     f'type="{escape(a["content_type"])}"/>' for a in item["attachments"])
                entries.append(
                    f"<item><title>{escape(post['title'])}</title><link>{link_base}/view/{post['id']}</link>"
                    f'<guid isPermaLink="false">{post["id"]}</guid><pubDate>{_http_date(post["posted_ts"])}</pubDate>'
                    f"<dc:creator>{escape(post['author'])}</dc:creator><category>{escape(post['department'])}"
                    f"</category><description>{escape(post['body_html'])}</description>{enclosures}</item>")
        body = ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
                'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
                f"<title>고양특례시 {escape(board)}</title><link>{link_base}/board/{escape(board)}</link>"
                f"<description>고양특례시 새올 {escape(board)} 게시판</description><language>ko</language>"
                f"<lastBuildDate>{_http_date(modified)}</lastBuildDate>{''.join(entries)}</channel></rss>")
        return body.encode(), etag, modified

    def fault(self) -> str:
        """'' or what to do to this feed answer: 5xx, slow, invalid, malformed."""
        c = self.config
        with self.lock:
            if c.fail_next > 0:
                c.fail_next -= 1
                return "5xx"
            if c.invalid_json_next > 0:
                c.invalid_json_next -= 1
                return "invalid"
            if c.malformed_next > 0:
                c.malformed_next -= 1
                return "malformed"
        if c.rate_5xx and random.random() < c.rate_5xx:
            return "5xx"
        return ""

    def record(self, entry: dict[str, Any]) -> None:
        with self.lock:
            entry.update(seq=len(self.requests) + 1, at=time.time())
            self.requests.append(entry)


def encode_cursor(generation: int, seq: int) -> str:
    return base64.urlsafe_b64encode(f"saeol:{generation}:{seq}".encode()).decode().rstrip("=")


def decode_cursor(generation: int, cursor: str) -> int:
    """The change number in an opaque cursor. An empty or foreign cursor, or one of an earlier run of the
    simulator (its change numbers started again at 1 on restart), reads from the start."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, made_by, seq = text.split(":")
        return int(seq) if prefix == "saeol" and int(made_by) == generation else 0
    except (ValueError, UnicodeDecodeError):
        return 0


MALFORMED = {"id": 12345, "board": "공지사항", "title": None, "posted_at": "어제", "attachments": "none"}


class SaeolHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "SaeolSim/1.0"
    state: SaeolState

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _base(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{self.headers.get('Host') or f'{host}:{port}'}"

    def _send(self, status: int, body: bytes = b"", content_type: str = "application/json; charset=utf-8",
              headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if body or status not in (204, 304):
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, payload: Any) -> None:
        self._send(status, json.dumps(payload, ensure_ascii=False).encode())

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        path = unquote(url.path)
        if path == "/_sim/requests":
            since = int((query.get("since") or ["0"])[0] or 0)
            with self.state.lock:
                self._json(200, {"requests": self.state.requests[since:]})
            return
        if path == "/_sim/config":
            self._json(200, asdict(self.state.config))
            return
        entry = {"method": "GET", "path": path, "query": url.query,
                 "if_none_match": self.headers.get("If-None-Match", ""),
                 "if_modified_since": self.headers.get("If-Modified-Since", "")}
        if path == "/saeol/feed":
            self._feed(query, entry)
        elif path.startswith("/saeol/rss/"):
            self._rss(path.removeprefix("/saeol/rss/"), entry)
        elif path.startswith("/saeol/files/"):
            data = self.state.file_bytes(path.removeprefix("/saeol/files/"))
            self.state.record({**entry, "answer": 200 if data is not None else 404})
            if data is None:
                self._json(404, {"error": "no such file"})
            else:
                self._send(200, data, "application/pdf")
        else:
            self._json(404, {"error": "not found"})

    def _faulted(self, entry: dict[str, Any], kind: str) -> str:
        fault = self.state.fault()
        if self.state.config.slow_seconds > 0:
            time.sleep(self.state.config.slow_seconds)
        if fault == "5xx":
            self.state.record({**entry, "answer": 503})
            self._json(503, {"error": "service unavailable"})
        elif fault == "invalid":
            self.state.record({**entry, "answer": "invalid"})
            self._send(200, b'{"items": [{"id": "B-1", "title": "\xea\xb3' if kind == "json"
                       else b"<rss><channel><item><title>", "application/json" if kind == "json" else "text/xml")
        return fault

    def _feed(self, query: dict[str, list[str]], entry: dict[str, Any]) -> None:
        if self.headers.get("Authorization", "") != f"Bearer {self.state.config.token}":
            self.state.record({**entry, "answer": 401})
            self._json(401, {"error": "invalid token"})
            return
        fault = self._faulted(entry, "json")
        if fault in ("5xx", "invalid"):
            return
        try:
            limit = max(1, min(500, int((query.get("limit") or [self.state.config.page_size])[0])))
        except ValueError:
            limit = self.state.config.page_size
        base = self.state.config.files_base or f"{self._base()}/saeol/files"
        page = self.state.feed((query.get("since") or [""])[0], limit, base)
        if fault == "malformed":
            page["items"].insert(len(page["items"]) // 2, dict(MALFORMED))
        self.state.record({**entry, "answer": 200, "items": [i.get("id") for i in page["items"]],
                           "next_cursor": page["next_cursor"]})
        self._json(200, page)

    def _rss(self, board: str, entry: dict[str, Any]) -> None:
        if board not in demo.BOARDS:
            self.state.record({**entry, "answer": 404})
            self._json(404, {"error": "no such board"})
            return
        if self._faulted(entry, "rss") in ("5xx", "invalid"):
            return
        base = self.state.config.files_base or f"{self._base()}/saeol/files"
        body, etag, modified = self.state.rss(board, f"{self._base()}/saeol", base)
        headers = {"ETag": etag, "Last-Modified": _http_date(modified), "Cache-Control": "no-cache"}
        if self._not_modified(etag, modified):
            self.state.record({**entry, "answer": 304})
            self._send(304, headers=headers)
            return
        self.state.record({**entry, "answer": 200})
        self._send(200, body, "application/rss+xml; charset=utf-8", headers)

    def _not_modified(self, etag: str, modified: float) -> bool:
        if match := self.headers.get("If-None-Match"):
            return etag in [tag.strip() for tag in match.split(",")]
        if since := self.headers.get("If-Modified-Since"):
            try:
                return int(modified) <= parsedate_to_datetime(since).timestamp()
            except (TypeError, ValueError):
                return False
        return False

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"{}")
            if not isinstance(body, dict):
                raise ValueError("an object")
            if self.path == "/_sim/reset":
                self.state.reset()
                self._send(204)
            elif self.path == "/_sim/config":
                self.state.configure(body)
                self._json(200, asdict(self.state.config))
            elif self.path == "/_sim/posts":
                stored = self.state.post_now(body)
                self._json(200, self.state.item(stored, self.state.config.files_base
                                                or f"{self._base()}/saeol/files"))
            else:
                self._json(404, {"error": "not found"})
        except KeyError as exc:
            self._json(404, {"error": f"no such post {exc}"})
        except (ValueError, TypeError) as exc:
            self._json(400, {"error": str(exc)})


class _Server(QuietServer):
    request_queue_size = 64


def serve_saeol(state: SaeolState, host: str, port: int) -> _Server:
    """Start the server in a background thread; ``server_port`` has the bound port."""
    server = _Server((host, port), type("Handler", (SaeolHandler,), {"state": state}))
    threading.Thread(target=server.serve_forever, daemon=True, name="sim-saeol").start()
    # The feed states each attachment's size, so its PDF is made before the first answer needs it.
    threading.Thread(target=lambda: [state.file_bytes(f) for f in list(state.files)], daemon=True,
                     name="sim-saeol-pdf").start()
    return server
