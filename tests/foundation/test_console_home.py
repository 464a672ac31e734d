"""The console's home: today's figures (the Asia/Seoul day), each linking to its page; admins land there after
signing in; the console's language switch."""
from datetime import UTC, datetime

import pytest
import time_machine

from core.console_figures import today_figures
from core.models.accounts import AuditLog
from core.models.calls import Call
from core.models.jobs import Job
from core.models.organization import Department
from core.models.tasks import TaskRun
from core.timeutil import KST
from extensions import db
from tests.conftest import PASSWORD, csrf_token_from

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=KST)
YESTERDAY_LATE = datetime(2026, 3, 1, 23, 59, tzinfo=KST)
TODAY_EARLY = datetime(2026, 3, 2, 0, 1, tzinfo=KST)


def utc(moment: datetime) -> datetime:
    """Rows store UTC (SQLite would keep a KST wall clock as if it were UTC)."""
    return moment.astimezone(UTC)


@pytest.fixture
def departments(app) -> dict[str, Department]:
    made = {name: Department(organization="고양특례시", name=name, search_key=name)
            for name in ("대중교통과", "세정과")}
    db.session.add_all(made.values())
    db.session.commit()
    return made


def _call(at: datetime, department: Department | None = None, **fields) -> None:
    n = db.session.query(Call).count() + 1
    db.session.add(Call(call_id=f"c-{n}", department_id=department.id if department else None,
                        created_at=utc(at), **fields))
    db.session.commit()


@pytest.fixture
def a_day(departments):
    """A day of activity around the KST day boundary of 2026-03-02."""
    bus, tax = departments["대중교통과"], departments["세정과"]
    _call(YESTERDAY_LATE, bus, lettering_status="accepted", alimtalk_status="delivered")   # yesterday's
    _call(TODAY_EARLY, bus, lettering_status="accepted")
    _call(datetime(2026, 3, 2, 9, 0, tzinfo=KST), bus, lettering_status="not_subscriber", alimtalk_status="delivered")
    _call(datetime(2026, 3, 2, 9, 30, tzinfo=KST), tax, lettering_status="unsupported_device",
          alimtalk_status="not_kakao_user")
    _call(datetime(2026, 3, 3, 0, 0, tzinfo=KST), tax, lettering_status="accepted")         # tomorrow's
    for status in ("queued", "queued", "running", "dead", "done"):
        db.session.add(Job(kind="lettering.dial", status=status))
    db.session.add_all([
        TaskRun(kind="directory_import", status="done", created_at=utc(TODAY_EARLY)),
        TaskRun(kind="lines_import", status="failed", created_at=utc(datetime(2026, 3, 2, 8, 0, tzinfo=KST))),
        TaskRun(kind="directory_import", status="done", created_at=utc(YESTERDAY_LATE)),
        TaskRun(kind="document_convert", status="done", created_at=utc(TODAY_EARLY)),   # not an import
        AuditLog(action="login", at=utc(YESTERDAY_LATE)),
        AuditLog(action="login", at=utc(TODAY_EARLY)),
    ])
    db.session.commit()
    return departments


def test_todays_figures_count_the_kst_day(a_day):
    f = today_figures(db.session, now=NOW)
    assert f.day.isoformat() == "2026-03-02"
    assert (f.calls, f.accepted) == (3, 1)
    assert f.lettering_rate == pytest.approx(1 / 3)
    assert (f.alimtalk_sent, f.alimtalk_delivered, f.alimtalk_failed) == (1, 1, 1)
    assert (f.jobs["queued"], f.jobs["running"], f.jobs["dead"]) == (2, 1, 1)
    assert f.imports == {"directory_import": 1, "lines_import": 1} and f.imports_failed == 1
    assert f.audit_entries == 1


def test_the_kst_day_boundary(a_day):
    # 00:00:30 KST: the call at 00:01 has not happened yet, the one at 23:59 was yesterday's.
    just_after_midnight = today_figures(db.session, now=datetime(2026, 3, 2, 0, 0, 30, tzinfo=KST))
    assert just_after_midnight.day.isoformat() == "2026-03-02" and just_after_midnight.calls == 3
    # In UTC the 23:59 KST call is 14:59 on 2026-03-01, the 00:01 one 15:01: both the same UTC day.
    late_yesterday = today_figures(db.session, now=datetime(2026, 3, 1, 23, 59, 30, tzinfo=KST))
    assert late_yesterday.day.isoformat() == "2026-03-01"
    assert (late_yesterday.calls, late_yesterday.accepted, late_yesterday.alimtalk_delivered) == (1, 1, 1)
    assert late_yesterday.imports == {"directory_import": 1}
    last_minute = today_figures(db.session, now=datetime(2026, 3, 2, 23, 59, 59, tzinfo=KST))
    assert last_minute.calls == 3      # tomorrow's 00:00 call is not today's


def test_no_calls_is_no_rate(app):
    f = today_figures(db.session, now=NOW)
    assert f.calls == 0 and f.lettering_rate is None and f.imports == {}


def test_a_department_admins_figures_are_their_departments(a_day):
    f = today_figures(db.session, now=NOW, department_id=a_day["대중교통과"].id)
    assert (f.calls, f.accepted, f.alimtalk_delivered, f.alimtalk_failed) == (2, 1, 1, 0)
    assert today_figures(db.session, now=NOW, department_id=-1).calls == 0


def test_home_shows_todays_figures_with_links(client, make_user, login, a_day):
    with time_machine.travel(NOW, tick=False):
        make_user("boss", role="admin")
        login("boss")
        html = client.get("/admin/").get_data(as_text=True)
    assert "2026-03-02" in html
    assert 'href="/admin/lettering/calls?day=2026-03-02"' in html
    assert 'href="/admin/lettering/calls?day=2026-03-02&amp;lettering=accepted"' in html
    assert "33%" in html and "표시됨 1 / 3건" in html
    for href in ("/admin/lettering/stats?days=7", "/admin/lettering/jobs", "/admin/directory/import",
                 "/admin/lettering/lines/import", "/admin/users", "/admin/audit"):
        assert f'href="{href}"' in html, href
    assert "오늘 실패한 가져오기 1건" in html
    values = [part.split("</span>", 1)[0] for part in html.split('<span class="stat-value">')[1:]]
    # calls, rate, AlimTalk sent/delivered/failed, queued, running, dead, imports (directory, lines),
    # accounts, audit entries (two logins: the fixture's and boss's own)
    assert values == ["3", "33%", "1", "1", "1", "2", "1", "1", "1", "1", "1", "2"]


def test_a_department_admin_sees_their_calls_and_no_admin_figures(client, make_user, login, a_day):
    with time_machine.travel(NOW, tick=False):
        make_user("lead", role="dept_admin", department_id=a_day["세정과"].id)
        login("lead")
        html = client.get("/admin/").get_data(as_text=True)
    values = [part.split("</span>", 1)[0] for part in html.split('<span class="stat-value">')[1:]]
    assert values == ["1", "0%", "0", "0", "1"]
    for href in ("/admin/lettering/jobs", "/admin/directory/import", "/admin/users", "/admin/audit"):
        assert f'href="{href}"' not in html, href


# --- landing and language ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("role", "landing"), [("admin", "/admin/"), ("dept_admin", "/admin/"), ("staff", "/")])
def test_sign_in_lands_by_role(client, make_user, login, role, landing):
    make_user("someone", role=role)
    assert login("someone").headers["Location"] == landing
    assert client.get("/login").headers["Location"] == landing     # already signed in


def _login_to(client, path: str) -> str:
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
    return client.post(path, data={"username": "boss", "password": PASSWORD, "csrf_token": token}
                       ).headers["Location"]


def test_a_safe_next_wins_over_the_console(client, make_user):
    make_user("boss", role="admin")
    assert _login_to(client, "/login?next=/directory") == "/directory"


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example"])
def test_an_unsafe_next_lands_on_the_console(client, make_user, target):
    make_user("boss", role="admin")
    assert _login_to(client, f"/login?next={target}") == "/admin/"


def test_console_language_switch(client, make_user, login):
    make_user("boss", role="admin")
    login("boss")
    html = client.get("/admin/users").get_data(as_text=True)
    assert 'action="/account/language"' in html and 'name="next" value="/admin/users"' in html
    assert 'value="en"' in html and 'aria-pressed="true"' in html
    answer = client.post("/account/language", data={"csrf_token": csrf_token_from(html), "lang": "en",
                                                     "next": "/admin/users"})
    assert answer.headers["Location"] == "/admin/users"
    english = client.get("/admin/users").get_data(as_text=True)
    assert '<html lang="en">' in english and "Overview" in english and "Audit log" in english
