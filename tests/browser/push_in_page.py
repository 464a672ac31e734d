"""Push in a headless Chromium page, shared by the push and call-out browser tests.

Headless Chromium has no push service (its subscribe() needs Google's, unreachable here): ``turn_push_on``
first asks the real pushManager, and when it refuses with its push-service error, gives the page's
PushManager a stand-in whose subscription the push-service simulator made; the simulator then plays the
browser's push service (it holds the private key and auth secret). ``deliver`` hands a decrypted payload to
the page's service worker over CDP (``ServiceWorker.deliverPushMessage``) and waits for its PUSH_SHOWN.
"""
from __future__ import annotations

import json

import httpx

from tests.browser.conftest import wait_for_controlling_worker

STAND_IN = """(made) => {
  // A subscription the simulator made for the server's key, handed out as a browser's push service would.
  let held = null;
  window.__pushKeyAsked = null;
  PushManager.prototype.getSubscription = async function () { return held; };
  PushManager.prototype.subscribe = async function (options) {
    window.__pushKeyAsked = btoa(String.fromCharCode(...new Uint8Array(options.applicationServerKey)))
      .replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "");
    held = {endpoint: made.endpoint, expirationTime: null, options: {applicationServerKey: null},
            toJSON: () => made, unsubscribe: async () => { held = null; return true; }};
    return held;
  };
}"""


def real_subscribe_error(page) -> str:
    return page.evaluate("""async () => {
      const registration = await navigator.serviceWorker.ready;
      const key = (await (await fetch("/api/push/key")).json()).publicKey;
      const raw = Uint8Array.from(atob(key.replace(/-/g, "+").replace(/_/g, "/") + "="), c => c.charCodeAt(0));
      // Without a reachable push service Chromium may never settle the promise: give it five seconds.
      const late = new Promise(resolve => setTimeout(() => resolve("AbortError: no push service answered"), 5000));
      const attempt = registration.pushManager.subscribe({userVisibleOnly: true, applicationServerKey: raw})
        .then(subscription => subscription.unsubscribe().then(() => ""), error => String(error));
      return Promise.race([attempt, late]);
    }""")


def registration_id_of(page, cdp, registrations: list[dict]) -> str:
    """The registration id from CDP's events (Playwright hands them over only while it is called)."""
    for _ in range(100):
        live = [r for r in registrations if not r.get("isDeleted")]
        if live:
            return live[0]["registrationId"]
        page.wait_for_timeout(100)
    raise AssertionError("no service worker registration reported over CDP")


def turn_push_on(page, base: str, push_service) -> bool:
    """On /more, press the switch; True when the simulator stood in for the browser's push service."""
    page.goto(f"{base}/more")
    wait_for_controlling_worker(page)
    page.wait_for_selector("#push-settings[data-state='off']")
    refusal = real_subscribe_error(page)
    if refusal:
        assert "AbortError" in refusal or "push service" in refusal.lower(), refusal
        key = page.evaluate("async () => (await (await fetch('/api/push/key')).json()).publicKey")
        made = httpx.post(f"{push_service.base}/_sim/subscriptions", json={"applicationServerKey": key}).json()
        page.evaluate(STAND_IN, made)
    page.click("#push-toggle")
    page.wait_for_selector("#push-settings[data-state='on']")
    return bool(refusal)


def deliver(page, base: str, payload: dict) -> dict:
    """Give ``payload`` to the page's service worker as a push; what it showed (its PUSH_SHOWN message)."""
    cdp = page.context.new_cdp_session(page)
    registrations: list[dict] = []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda event: registrations.extend(event["registrations"]))
    cdp.send("ServiceWorker.enable")
    registration_id = registration_id_of(page, cdp, registrations)
    page.evaluate("""() => { window.__pushShown = new Promise(resolve => navigator.serviceWorker.addEventListener(
        "message", event => { if (event.data && event.data.type === "PUSH_SHOWN") resolve(event.data); })); }""")
    cdp.send("ServiceWorker.deliverPushMessage", {"origin": base, "registrationId": registration_id,
                                                  "data": json.dumps(payload, ensure_ascii=False)})
    return page.evaluate("async () => await window.__pushShown")
