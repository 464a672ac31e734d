"""The phone's copy follows the directory by deltas (static/js/directory-offline.js, core/offline_snapshot.py):
after an edit on the server, the next sync fetches only what changed, and the merged copy in IndexedDB equals
a fresh full copy."""
import random

import pytest

from core import app_settings
from core.models.organization import Person
from extensions import db
from tests.conftest import browser_login

pytestmark = pytest.mark.browser

SYLLABLES = "김이박최정강조윤장임한오서신권황안송류홍민준서연지훈하늘유진도현수아예은시우건우태희"
DUTIES = ["민원", "안내", "예산", "회계", "도로", "교통", "주차", "복지", "청소년", "환경", "위생", "건축", "인허가",
          "세무", "징수", "감사", "홍보", "정보화", "문화", "체육", "관광", "일자리", "기획", "총무"]

# The copy as IndexedDB holds it (what the next page load reads), and a full copy fetched afresh.
STORED = """async () => {
    const db = await new Promise((ok, fail) => { const r = indexedDB.open('directory-offline');
        r.onsuccess = () => ok(r.result); r.onerror = () => fail(r.error); });
    const get = (key) => new Promise((ok) => { const r = db.transaction('snapshot').objectStore('snapshot').get(key);
        r.onsuccess = () => ok(r.result); });
    const out = {meta: await get('meta'), entries: await get('entries')};
    db.close();
    return out;
}"""
FRESH = "async () => await (await fetch('/api/directory/snapshot', {credentials: 'same-origin'})).json()"


def _sync(page) -> tuple[dict, int]:
    """One forced sync; (the body the server sent, its bytes on the wire)."""
    with page.expect_response(lambda r: "/api/directory/snapshot" in r.url) as answer:
        page.evaluate("async () => { await window.directoryOffline.sync(true); }")
    response = answer.value
    if response.status != 200:   # Chromium never reports a 304 that passed through the worker as finished
        return {"url": response.url, "status": response.status, "body": None}, 0
    return {"url": response.url, "status": 200, "body": response.json()}, _wire_body(response.request)


def _wire_body(request) -> int:
    """The encoded body's bytes: once the worker controls the page, its fetch passes through the worker and
    Chromium reports the page's side of it short (or negative); the Content-Length is what the server sent."""
    return max(request.sizes()["responseBodySize"], int(request.response().headers.get("content-length") or 0))


def _first_copy(page, live_server) -> tuple[dict, int]:
    """Sign in: the landing page fetches the full copy in the background once it has loaded; wait for it."""
    finished = []
    page.on("requestfinished", lambda r: finished.append(r) if "/api/directory/snapshot" in r.url else None)
    browser_login(page, live_server.url, "kim")
    for _ in range(150):
        if finished and page.evaluate("async () => !!(await window.directoryOffline.snapshot())"):
            break
        page.wait_for_timeout(100)
    assert len(finished) == 1, [r.url for r in finished]
    request = finished[0]
    return {"url": request.url, "status": request.response().status,
            "body": request.response().json()}, _wire_body(request)


def _by_id(entries: list[dict]) -> dict[int, dict]:
    return {e["id"]: e for e in entries}


def test_an_edit_on_the_server_reaches_the_copy_by_a_small_delta(page, live_server, make_user, staff_directory):
    # A few hundred entries as varied as real ones (Brotli would squeeze 300 look-alikes into nothing), so
    # that a one-person edit is a small part of the copy.
    rng = random.Random(14)
    db.session.add_all([Person(name="".join(rng.choice(SYLLABLES) for _ in range(3)), extension=str(7000 + i),
                               phone=f"+82318075{rng.randrange(10**4):04d}", mobile=f"+8210{rng.randrange(10**8):08d}",
                               duty=" ".join(rng.sample(DUTIES, 3)), email=f"p{rng.randrange(10**6)}@example.go.kr")
                        for i in range(300)])
    db.session.commit()
    make_user("kim")
    first, full_bytes = _first_copy(page, live_server)
    assert "since=" not in first["url"] and first["body"]["mode"] == "full"
    assert first["body"]["count"] == 306

    staff_directory["김민준"].extension = "5199"                       # an edit
    db.session.delete(staff_directory["박지훈"])                        # a removal
    db.session.add(Person(name="한가람", extension="5401", phone="+823180755401"))   # an addition
    db.session.commit()

    second, delta_bytes = _sync(page)
    assert f"since={first['body']['version']}" in second["url"]
    delta = second["body"]
    assert delta["mode"] == "delta" and sorted(e["name"] for e in delta["changed"]) == ["김민준", "한가람"]
    assert len(delta["removed"]) == 1
    print(f"offline copy: full {full_bytes} B, delta for 3 changes {delta_bytes} B on the wire")
    assert 0 < delta_bytes * 10 < full_bytes

    stored, fresh = page.evaluate(STORED), page.evaluate(FRESH)
    assert stored["meta"]["version"] == fresh["version"] and stored["meta"]["count"] == fresh["count"] == 306
    assert stored["meta"]["rules"] == fresh["rules"]
    assert _by_id(stored["entries"]) == _by_id(fresh["entries"])
    assert not [k for e in stored["entries"] for k in e if k.startswith("_")]   # no search fields stored
    found = page.evaluate("async () => (await window.directoryOffline.search('5199')).map(e => e.name)")
    assert found[0] == "김민준"
    assert page.evaluate("async () => (await window.directoryOffline.search('박지훈')).length") == 0

    # A new page reads the merged copy from IndexedDB; the server has nothing newer: 304.
    page.goto(f"{live_server.url}/more")
    third, _ = _sync(page)
    assert third["status"] == 304


def test_a_mobile_setting_change_replaces_the_copy(page, live_server, make_user, staff_directory):
    make_user("kim")
    first, _ = _first_copy(page, live_server)
    assert any(e.get("mobile") for e in first["body"]["entries"])
    app_settings.set(db.session, app_settings.OFFLINE_INCLUDE_MOBILE, False)
    db.session.commit()
    second, _ = _sync(page)
    assert "since=" in second["url"] and second["body"]["mode"] == "full"
    stored = page.evaluate(STORED)
    assert stored["meta"]["include_mobile"] is False and all("mobile" not in e for e in stored["entries"])
    assert stored["meta"]["version"] == second["body"]["version"]
