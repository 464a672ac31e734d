"""Push in Chromium, end to end: a signed-in person turns the 더보기 switch on (permission, the server's key,
the subscription POSTed with CSRF), a board notice is pushed through the real worker to the push-service
simulator (VAPID checked, payload decrypted), the decrypted payload is delivered to the page's service worker
over CDP, the Korean notification shows, and its click opens the post; shown and clicked come back to the
console's figures.

Headless Chromium has no push service (its subscribe() needs Google's, unreachable here). The test first
asks the real pushManager; when it refuses with its push-service error, the page's PushManager is given a
stand-in whose subscription is made by the simulator, which then plays the browser's push service (it holds
the private key and auth secret, as a browser would). Everything else is real: permission, push.js, the API,
the worker, the encryption, the service worker. Notification clicks cannot be made headless either: the test
calls the worker's own click handler (``pushClicked``) in the service worker's scope on the notification
that ``registration.getNotifications()`` returns, which is what the ``notificationclick`` listener does.
"""
from __future__ import annotations

import httpx
import pytest

from core.audience import Audience
from core.models.board import BoardPost, BoardPostAudience
from core.models.push import PushMessage, PushSubscription
from core.push import send
from extensions import db
from tests.browser.conftest import wait_for_controlling_worker
from tests.browser.push_in_page import deliver, registration_id_of, turn_push_on
from tests.conftest import axe_violations, browser_login, screenshot, wait_db
from tests.push.conftest import push_service  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser

def test_subscribe_push_show_and_click_open_the_post(app, live_server, persistent_page, make_user, job_worker,
                                                     push_service):  # noqa: F811
    page, base = persistent_page, live_server.url
    page.context.grant_permissions(["notifications"], origin=base)
    user = make_user("kim", display_name="김민준")
    post = BoardPost(board="공지사항", title="청사 본관 정전 안내", body_html="<p>18시부터 30분간 정전됩니다.</p>",
                     body_text="18시부터 30분간 정전됩니다.", important=True)
    db.session.add(post)
    db.session.flush()
    db.session.add(BoardPostAudience(post_id=post.id, scope="all"))
    db.session.commit()

    browser_login(page, base, "kim")
    page.goto(f"{base}/more")
    wait_for_controlling_worker(page)
    page.wait_for_selector("#push-settings[data-state='off']")
    assert page.get_attribute("#push-toggle", "aria-checked") == "false"
    assert axe_violations(page) == []

    stood_in = turn_push_on(page, base, push_service)
    assert page.get_attribute("#push-toggle", "aria-checked") == "true"
    assert page.is_visible("text=이 기기에서 알림을 받고 있습니다.")
    if stood_in:   # push.js subscribed with the server's own key
        key = page.evaluate("async () => (await (await fetch('/api/push/key')).json()).publicKey")
        assert page.evaluate("() => window.__pushKeyAsked") == key
    subscription = db.session.query(PushSubscription).one()
    assert subscription.user_id == user.id and subscription.endpoint.startswith(push_service.base)
    screenshot(page, "push-settings-on")

    # The notice goes out through the runtime; the simulator checks VAPID and decrypts it.
    message = send(db.session, audience=Audience.everyone(), title=post.title, body="18시부터 30분간 정전됩니다.",
                   url=f"/board/{post.id}", urgency="normal", topic=f"post-{post.id}", source="board",
                   source_id=post.id)
    db.session.commit()
    wait_db(lambda: db.session.get(PushMessage, message.id).sent == 1)
    [received] = httpx.get(f"{push_service.base}/_sim/received").json()["received"]
    assert received["payload"]["title"] == "청사 본관 정전 안내" and received["topic"] == f"post-{post.id}"

    # Deliver the decrypted payload to the service worker over CDP (ServiceWorker.deliverPushMessage).
    shown = deliver(page, base, received["payload"])
    assert shown["title"] == "청사 본관 정전 안내" and shown["url"] == f"/board/{post.id}"
    notifications = page.evaluate("""async () => (await (await navigator.serviceWorker.ready)
        .getNotifications()).map(n => ({title: n.title, body: n.body, tag: n.tag, url: n.data.url}))""")
    assert notifications == [{"title": "청사 본관 정전 안내", "body": "18시부터 30분간 정전됩니다.",
                              "tag": f"post-{post.id}", "url": f"/board/{post.id}"}]

    # The click: the worker's own handler on that notification; the open app window goes to the post.
    worker = page.context.service_workers[0]
    worker.evaluate("async () => { const [n] = await self.registration.getNotifications(); await pushClicked(n, ''); }")
    page.wait_for_url(f"{base}/board/{post.id}")
    assert page.is_visible("text=청사 본관 정전 안내")
    screenshot(page, "push-click-opened-post")
    done = wait_db(lambda: (m := db.session.get(PushMessage, message.id)).clicked == 1 and m)
    assert (done.sent, done.shown, done.clicked) == (1, 1, 1)


def test_a_payload_that_cannot_be_read_still_shows_a_korean_notification(live_server, persistent_page, make_user):
    page, base = persistent_page, live_server.url
    page.context.grant_permissions(["notifications"], origin=base)
    make_user("kim")
    browser_login(page, base, "kim")
    page.goto(f"{base}/more")
    wait_for_controlling_worker(page)
    cdp = page.context.new_cdp_session(page)
    registrations: list[dict] = []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda event: registrations.extend(event["registrations"]))
    cdp.send("ServiceWorker.enable")
    registration_id = registration_id_of(page, cdp, registrations)
    page.evaluate("""() => { window.__pushShown = new Promise(resolve => navigator.serviceWorker.addEventListener(
        "message", event => resolve(event.data))); }""")
    cdp.send("ServiceWorker.deliverPushMessage", {"origin": base, "registrationId": registration_id,
                                                  "data": "not json {"})
    shown = page.evaluate("async () => await window.__pushShown")
    assert shown["title"] == "고양 스마트행정" and shown["url"] == "/inbox" and "알림함" in shown["body"]


def test_iphone_outside_the_home_screen_is_told_to_add_it(browser, live_server, make_user):
    from tests.conftest import PHONE

    iphone = ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
              "Version/18.0 Mobile/15E148 Safari/604.1")
    context = browser.new_context(bypass_csp=True, user_agent=iphone, **PHONE)
    # Safari outside the home screen has no PushManager.
    context.add_init_script("delete window.PushManager;")
    page = context.new_page()
    make_user("kim")
    browser_login(page, live_server.url, "kim")
    page.goto(f"{live_server.url}/more")
    page.wait_for_selector("#push-settings[data-state='ios']")
    assert page.is_visible("text=홈 화면에 추가")
    assert page.is_disabled("#push-toggle")
    assert axe_violations(page) == []
    context.close()
