"""What a phone downloads on its first visit, and what the next sync of the offline directory costs.

gunicorn starts with gunicorn.conf.py (bench/support/stack.py) on a fresh SQLite database with the demo data
(``flask seed-demo``: about 5,300 directory entries); the bytes do not depend on the database. Chromium
(/usr/bin/chromium) starts with a fresh profile and is driven over the DevTools protocol directly, attached to
every target (the page and the service worker) with ``Target.setAutoAttach``, so that the worker's own
requests (its install's precache, and the page's requests it passes on) are counted too.

1. **First visit.** Open ``/login``, sign in through the form, land on the home page, wait until the service
   worker is active and the offline directory copy is stored (static/js/directory-offline.js fetches it when
   the page is idle), then until the network is quiet.
2. **Second visit.** One directory entry is edited in the database; the phone opens the home page again and
   syncs its copy (``directoryOffline.sync(true)``: what the page does when its last check is 3 hours old).

Bytes are ``Network.loadingFinished``'s ``encodedDataLength``: what came over the wire, compressed, headers
included. A request the worker answered or passed on is counted once, on the side that reached the network.
They are split by what asked for them:

- ``page``: the documents and what they load (``/login``, the sign-in, ``/``, static files, ``/sw.js``, the
  manifest);
- ``sw_install``: the worker's requests while it installs on the sign-in page, which the bench lets finish
  before it signs in (its precache: the shell files, ``/offline``, and the signed-in pages, redirects then);
- ``snapshot``: ``/api/directory/snapshot`` (the full copy the first time, a delta the second);
- ``other``: the rest, mostly the worker's own background requests after sign-in (the emergency contacts'
  copy, ``/offline`` again in the page's language).

Prints one JSON object; exits 1 when a target is missed: the first visit over ``FIRST_VISIT_TARGET_BYTES`` or
the second visit's snapshot over ``DELTA_TARGET_BYTES``. ``-v`` lists every request on stderr.
"""
from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.support import stack

CHROMIUM = "/usr/bin/chromium"
FIRST_VISIT_TARGET_BYTES = 250_000
DELTA_TARGET_BYTES = 5_000
SNAPSHOT_PATH = "/api/directory/snapshot"
PAGE_PATHS = ("/login", "/", "/sw.js", "/manifest.webmanifest", "/favicon.ico")


class Browser:
    """Chromium over its DevTools WebSocket: every target auto-attached (paused until its Network domain is
    on, so no request of a new service worker is missed) and every request recorded."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws, self.next_id, self.pending = ws, 0, {}
        self.requests: dict[tuple[str, str], dict] = {}
        self.targets: dict[str, str] = {}        # session id -> target type
        self.sessions: dict[str, str] = {}       # target id -> session id
        self.page_session = ""
        self.phase = "first"
        self.signed_in = False   # the worker installs on the sign-in page; what it fetches before is its install
        self.reader = asyncio.get_running_loop().create_task(self._read())

    async def send(self, method: str, params: dict | None = None, session: str = "") -> dict:
        self.next_id += 1
        message: dict = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        future = asyncio.get_running_loop().create_future()
        self.pending[self.next_id] = future
        await self.ws.send_str(json.dumps(message))
        return await asyncio.wait_for(future, 60)

    async def _read(self) -> None:
        async for message in self.ws:
            data = json.loads(message.data)
            if "id" in data:
                future = self.pending.pop(data["id"], None)
                if future and not future.done():
                    if "error" in data:
                        future.set_exception(RuntimeError(f"{data['error']}"))
                    else:
                        future.set_result(data.get("result", {}))
            else:
                self._event(data["method"], data.get("params", {}), data.get("sessionId", ""))

    def _event(self, method: str, params: dict, session: str) -> None:
        if method == "Target.attachedToTarget":
            kind = params["targetInfo"]["type"]
            self.targets[params["sessionId"]] = kind
            self.sessions[params["targetInfo"]["targetId"]] = params["sessionId"]
            asyncio.get_running_loop().create_task(self._attached(params["sessionId"], kind))
        elif method == "Network.requestWillBeSent":
            key = (session, params["requestId"])
            previous = self.requests.get(key)
            # A redirect reuses the request id: the hop before is done, its 302's bytes come with this event.
            if previous and "redirectResponse" in params:
                hop = params["redirectResponse"]
                previous.update(bytes=int(hop.get("encodedDataLength", 0) or 0), status=hop["status"], done=True,
                                via_worker=bool(hop.get("fromServiceWorker")))
                self.requests[(session, f"{params['requestId']}#{len(self.requests)}")] = previous
            self.requests[key] = {
                "url": params["request"]["url"], "method": params["request"]["method"], "type": params.get("type", ""),
                "target": self.targets.get(session, "?"), "phase": self.phase, "at": time.monotonic(),
                "signed_in": self.signed_in,
                "bytes": 0, "done": False, "via_worker": False, "status": 0, "encoding": ""}
        elif method == "Network.responseReceived":
            record = self.requests.get((session, params["requestId"]))
            if record:
                record["status"] = params["response"]["status"]
                record["via_worker"] = bool(params["response"].get("fromServiceWorker"))
                headers = {k.lower(): v for k, v in params["response"].get("headers", {}).items()}
                record["encoding"] = headers.get("content-encoding", "")
        elif method in ("Network.loadingFinished", "Network.loadingFailed"):
            record = self.requests.get((session, params["requestId"]))
            if record:
                record["bytes"] += int(params.get("encodedDataLength", 0) or 0)
                record["done"] = True

    async def _attached(self, session: str, kind: str) -> None:
        try:
            await self.send("Network.enable", {}, session)
            if kind == "page":
                await self.send("Page.enable", {}, session)
                await self.send("Emulation.setDeviceMetricsOverride",
                                {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True}, session)
        finally:
            await self.send("Runtime.runIfWaitingForDebugger", {}, session)

    async def evaluate(self, expression: str, timeout: float = 60) -> object:
        answer = await self.send("Runtime.evaluate", {"expression": expression, "awaitPromise": True,
                                                      "returnByValue": True, "timeout": int(timeout * 1000)},
                                 self.page_session)
        if "exceptionDetails" in answer:
            raise RuntimeError(answer["exceptionDetails"].get("text", "evaluate failed"))
        return answer["result"].get("value")

    async def until(self, expression: str, seconds: float = 60) -> None:
        """Poll ``expression`` in the page (it may be navigating meanwhile) until it is true."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                if await self.evaluate(expression, 10):
                    return
            except (TimeoutError, RuntimeError) as exc:
                self.last_error = repr(exc)
            await asyncio.sleep(0.1)
        raise RuntimeError(f"timed out waiting for {expression} ({getattr(self, 'last_error', '')})")

    async def quiet(self, seconds: float = 1.5, limit: float = 20) -> None:
        """Until no request has been open or started for ``seconds``."""
        deadline, last = time.monotonic() + limit, time.monotonic()
        while time.monotonic() < deadline:
            open_ = [r for r in self.requests.values() if not r["done"] and r["status"] != 304]
            newest = max((r["at"] for r in self.requests.values()), default=0)
            if not open_ and time.monotonic() - max(newest, last) >= seconds:
                return
            await asyncio.sleep(0.1)

    async def response_body(self, request_key: tuple[str, str]) -> bytes | None:
        try:
            answer = await self.send("Network.getResponseBody", {"requestId": request_key[1]}, request_key[0])
        except RuntimeError:
            return None
        return base64.b64decode(answer["body"]) if answer.get("base64Encoded") else answer["body"].encode()


def category(record: dict, passed_on: set[tuple[str, str, str]]) -> str:
    path = urlsplit(record["url"]).path
    if path == SNAPSHOT_PATH:
        return "snapshot"
    if record["target"] == "service_worker" and not record["signed_in"]:
        return "sw_install"
    # After that, the worker's own requests (not a page's it passed on) are background copies: other.
    if record["target"] == "service_worker" and (record["phase"], record["method"], record["url"]) not in passed_on:
        return "other"
    if path.startswith("/static/") or path in PAGE_PATHS:
        return "page"
    return "other"


def counted(record: dict) -> bool:
    """Requests that reached the network: not the page's side of one the worker answered or passed on."""
    if record["url"].startswith(("data:", "blob:", "chrome")) or not record["done"]:
        return False
    return not (record["target"] == "page" and record["via_worker"]) and record["bytes"] > 0


def totals(records: list[dict], passed_on: set[tuple[str, str, str]]) -> dict:
    out = {f"{name}_bytes": 0 for name in ("page", "sw_install", "snapshot", "other")}
    for record in records:
        out[f"{category(record, passed_on)}_bytes"] += record["bytes"]
    out["total_bytes"] = sum(out.values())
    out["requests"] = len(records)
    return out


async def visit(base_url: str, username: str, edit, verbose: bool) -> dict:
    profile = Path(tempfile.mkdtemp(prefix="bench-first-visit-"))
    env = {**os.environ, "XDG_CONFIG_HOME": str(profile / "xdg"), "XDG_CACHE_HOME": str(profile / "xdg")}
    chromium = subprocess.Popen(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--lang=ko-KR",
         "--remote-debugging-port=0", f"--user-data-dir={profile / 'user'}", "about:blank"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port_file = profile / "user" / "DevToolsActivePort"
        for _ in range(200):
            if port_file.exists() and len(port_file.read_text().split()) == 2:
                break
            await asyncio.sleep(0.05)
        port, path = port_file.read_text().split()
        async with aiohttp.ClientSession() as http, http.ws_connect(f"ws://127.0.0.1:{port}{path}",
                                                                      max_msg_size=0) as ws:
            browser = Browser(ws)
            await browser.send("Target.setAutoAttach",
                               {"autoAttach": True, "waitForDebuggerOnStart": True, "flatten": True})
            target = (await browser.send("Target.createTarget", {"url": "about:blank"}))["targetId"]
            while target not in browser.sessions:
                await asyncio.sleep(0.05)
            browser.page_session = browser.sessions[target]
            await asyncio.sleep(0.5)   # its domains enabled (Browser._attached)
            return await _visits(browser, base_url, username, edit, verbose)
    finally:
        stack.stop(chromium, 20)
        shutil.rmtree(profile, ignore_errors=True)


async def _visits(browser: Browser, base_url: str, username: str, edit, verbose: bool) -> dict:
    started = time.monotonic()
    await browser.send("Page.navigate", {"url": f"{base_url}/login"}, browser.page_session)
    await browser.until("document.readyState === 'complete' && !!document.querySelector('#username')")
    # A person takes longer to type than the worker takes to install: sign in once it is active.
    await browser.until("(async () => !!(await navigator.serviceWorker.ready).active)()")
    browser.signed_in = True
    await browser.evaluate(f"""(() => {{
        document.querySelector('#username').value = {json.dumps(username)};
        document.querySelector('#password').value = {json.dumps(stack.PASSWORD)};
        document.querySelector('button[type=submit]').click(); return true; }})()""")
    await browser.until("location.pathname === '/' && document.readyState === 'complete'")
    await browser.until("navigator.serviceWorker.controller !== null")
    await browser.until("(async () => !!(window.directoryOffline && await window.directoryOffline.snapshot()))()")
    await browser.quiet()
    first_seconds = time.monotonic() - started
    entries = await browser.evaluate("(async () => (await window.directoryOffline.snapshot()).count)()")

    edit()
    browser.phase = "second"
    await browser.send("Page.navigate", {"url": f"{base_url}/"}, browser.page_session)
    await browser.until("location.pathname === '/' && document.readyState === 'complete' && !!window.directoryOffline")
    await browser.evaluate("(async () => (await window.directoryOffline.sync(true)).count)()")
    await browser.quiet()

    records = {key: r for key, r in browser.requests.items() if counted(r)}
    passed_on = {(r["phase"], r["method"], r["url"]) for r in browser.requests.values()
                 if r["target"] == "page" and r["via_worker"]}
    if verbose:
        for r in sorted(records.values(), key=lambda r: r["at"]):
            print(f"{r['phase']:6} {category(r, passed_on):10} {r['target']:14} {r['bytes']:8} {r['status']} "
                  f"{r['encoding'] or '-':4} {r['method']} {r['url'].removeprefix(base_url)}", file=sys.stderr)
    first = totals([r for r in records.values() if r["phase"] == "first"], passed_on)
    second = totals([r for r in records.values() if r["phase"] == "second"], passed_on)
    # The second sync's body, from the page's side (the worker passed it on) or the worker's.
    mode = sent = url = None
    for key, r in browser.requests.items():
        if r["phase"] == "second" and urlsplit(r["url"]).path == SNAPSHOT_PATH and r["status"] == 200:
            url = r["url"].removeprefix(base_url)
            body = await browser.response_body(key)
            if body:
                parsed = json.loads(body)
                mode, sent = parsed.get("mode"), len(parsed.get("changed", parsed.get("entries", [])))
                break
    return {"entries": entries, "first_visit": {**first, "seconds": round(first_seconds, 1)},
            "second_visit": {**second, "snapshot_mode": mode, "snapshot_entries_sent": sent, "snapshot_url": url}}


def edit_one_entry(st: stack.Stack) -> None:
    """One person's extension changed, as the console's edit would."""
    from sqlalchemy import create_engine, text

    from core.db import engine_options
    from core.settings import _with_driver

    engine = create_engine(_with_driver(st.url), **engine_options(st.url))
    with engine.begin() as conn:
        conn.execute(text("UPDATE people SET extension = '9999' WHERE id = (SELECT min(id) FROM people)"))
    engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="list every request on stderr")
    args = parser.parse_args()
    st = stack.prepare("sqlite", 1, "bench_first_visit")
    try:
        with stack.serve(st) as server:
            seen = asyncio.run(visit(server.base_url, st.usernames[0], lambda: edit_one_entry(st), args.verbose))
    finally:
        shutil.rmtree(st.instance, ignore_errors=True)
    first, second = seen["first_visit"], seen["second_visit"]
    result = {**seen, "full_snapshot_bytes": first["snapshot_bytes"],
              "targets": {"first_visit_total_bytes": FIRST_VISIT_TARGET_BYTES,
                          "second_visit_snapshot_bytes": DELTA_TARGET_BYTES},
              "load": stack.load_average()}
    print(json.dumps(result))
    missed = []
    if first["total_bytes"] > FIRST_VISIT_TARGET_BYTES:
        missed.append(f"first visit {first['total_bytes']} B > {FIRST_VISIT_TARGET_BYTES}")
    if not second["snapshot_bytes"] or second["snapshot_bytes"] > DELTA_TARGET_BYTES:
        missed.append(f"second visit's snapshot {second['snapshot_bytes']} B (target 0 < B ≤ {DELTA_TARGET_BYTES})")
    if missed:
        print("missed: " + "; ".join(missed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
