"""The first open of a document: its first pages are fetched at once, and every one of them loads.

Issue 12: some first pages failed with 403, as if each fragment had written a fresh nonce into the session
and signed its images for a nonce that another response then replaced. The nonce is now the sign-in
session's own value, fixed at sign-in (blueprints/viewer/routes.py ``_nonce``); this test is the race
itself, on a fresh session against the threaded live server: every fragment at the same moment, then
every image at the same moment, and each must answer 200 with a page image.
"""
from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import requests

from tests.conftest import PASSWORD
from tests.viewer.conftest import pdf_with_pages

PAGES = 12


def _at_once(calls):
    """Run the calls on their own threads, released together, and return their results in order."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait(timeout=30)
        return call()
    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def test_first_pages_fetched_at_once_all_load(live_server, make_user, departments, add_document):
    make_user("reader", display_name="김민준", department_id=departments["교통정책과"].id)
    document = add_document("twelve.pdf", pdf_with_pages(PAGES), title="열두 쪽")
    web = requests.Session()          # a fresh browser: no cookie yet
    login_page = web.get(f"{live_server.url}/login", timeout=30).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
    web.post(f"{live_server.url}/login", data={"username": "reader", "password": PASSWORD, "csrf_token": token},
             timeout=30)
    html = web.get(f"{live_server.url}/viewer/{document.id}", timeout=30).text
    view = re.search(r'id="view-id" name="v" value="([^"]+)"', html).group(1)

    def fragment(n):
        # Alternate widths, as a phone and a zoomed page would ask.
        width = (720, 1080, 1440)[n % 3]
        return lambda: web.get(f"{live_server.url}/viewer/{document.id}/pages/{n}?w={width}&v={view}",
                               headers={"HX-Request": "true"}, timeout=60)
    fragments = _at_once([fragment(n) for n in range(1, PAGES + 1)])
    assert [r.status_code for r in fragments] == [200] * PAGES
    sources = [re.search(r'src="([^"]+)"', r.text).group(1).replace("&amp;", "&") for r in fragments]

    def image(src, accept):
        return lambda: web.get(live_server.url + src, headers={"Accept": accept}, timeout=60)
    # Half as a browser that takes WebP, half as one that does not.
    accepts = ["image/webp,image/*,*/*;q=0.8", "image/*"]
    images = _at_once([image(src, accepts[i % 2]) for i, src in enumerate(sources)])
    assert [r.status_code for r in images] == [200] * PAGES, [r.text[:200] for r in images if r.status_code != 200]
    assert [r.headers["Content-Type"] for r in images] == ["image/webp", "image/jpeg"] * (PAGES // 2)
