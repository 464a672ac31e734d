"""Browser-test fixtures: a small directory made with the models, a phone-sized persistent
Chromium profile (installability is only reported outside incognito), service-worker waits."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from core.models.organization import Department, Person
from extensions import db
from tests.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE

PEOPLE = [
    # name, department, title, duty, extension, direct line, mobile
    ("김민준", "교통정책과", "주무관", "교통안전시설 관리", "5101", "+823180755101", "+821055101234"),
    ("김민서", "교통정책과", "팀장", "교통정책 수립", "5102", "+823180755102", "+821055102234"),
    ("이서연", "주차교통과", "주무관", "불법 주정차 단속", "5201", "+823180755201", "+821055201234"),
    ("박지훈", "주차교통과", "주무관", "공영주차장 운영", "5202", "+823180755202", ""),
    ("최유진", "마두1동 행정복지센터", "주무관", "주민등록 업무", "6101", "+82319096101", "+821061011234"),
    ("정하늘", "정보통신과", "주무관", "스마트레터링 운영", "3301", "+823180753301", "+821033011234"),
]


@pytest.fixture
def staff_directory(app) -> dict[str, Person]:
    departments: dict[str, Department] = {}
    people: dict[str, Person] = {}
    for name, dept, title, duty, ext, phone, mobile in PEOPLE:
        if dept not in departments:
            departments[dept] = Department(organization="고양특례시", parent="", name=dept, search_key="")
            db.session.add(departments[dept])
            db.session.flush()
        people[name] = Person(name=name, department_id=departments[dept].id, title=title, duty=duty,
                              extension=ext, phone=phone, mobile=mobile, email=f"{ext}@example.go.kr")
        db.session.add(people[name])
    db.session.commit()
    return people


def wait_for_controlling_worker(page) -> None:
    """Wait until the service worker is active and controls the page (it claims clients).

    A page that navigated while the worker was activating can stay uncontrolled in Chromium even though
    ``clients.claim()`` ran (seen twice in full runs, never alone); the next load of it is controlled, as a
    person's next page would be. So after 30 s the page is loaded again once, and must be controlled then."""
    page.evaluate("async () => { await navigator.serviceWorker.ready; }")
    try:
        page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=30_000)
    except PlaywrightTimeoutError:
        page.reload()
        page.evaluate("async () => { await navigator.serviceWorker.ready; }")
        page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=30_000)


def cache_keys(page) -> list[str]:
    """Every URL in every Cache Storage cache of the origin, as paths with their query."""
    return page.evaluate("""async () => {
        const out = [];
        for (const name of await caches.keys()) {
            for (const request of await (await caches.open(name)).keys()) {
                const url = new URL(request.url);
                out.push(url.pathname + url.search);
            }
        }
        return out;
    }""")


@pytest.fixture
def persistent_page(playwright_instance, tmp_path) -> Iterator:
    """A phone-sized page in a persistent (non-incognito) profile, CSP bypassed for axe."""
    context = playwright_instance.chromium.launch_persistent_context(
        str(tmp_path / "profile"), executable_path=CHROMIUM, args=CHROMIUM_ARGS, bypass_csp=True, **PHONE)
    page = context.pages[0] if context.pages else context.new_page()
    yield page
    context.close()
