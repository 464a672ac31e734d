"""The console's audit log: labels in the reader's language, the filters (alone and combined, HTMX and plain
GET), KST date edges, bad input as a Korean 400, the CSV export (BOM, formula-safe, capped, itself audited) and
the admin role."""
from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from core import audit, audit_query
from core.csv_safe import safe_cell
from core.models.accounts import AuditLog
from core.timeutil import KST, as_utc
from extensions import db

HX = {"HX-Request": "true"}


@pytest.fixture
def boss(make_user, login, clock):
    # Signed in on another day than the entries' (the sign-in is audited too, at the session's clock).
    clock.set_kst(2026, 3, 20, 12)
    user = make_user("boss", role="admin", display_name="관리자")
    login("boss")
    return user


def _entry(action: str, at: datetime, username: str = "kim", target: str = "", user=None, **detail) -> AuditLog:
    entry = audit.record(db.session, action, user=user, username=username, target=target, **detail)
    entry.at = at.astimezone(UTC)      # stored as UTC, as utcnow() does
    db.session.commit()
    return entry


@pytest.fixture
def entries(make_user, boss):
    kim = make_user("kim", display_name="김민준")
    lee = make_user("lee", display_name="이서연")
    day = datetime(2026, 3, 2, 10, tzinfo=KST)
    return {
        "call": _entry("lettering.call.view", day, user=kim, target="call-7781"),
        "login": _entry("login", day.replace(hour=0, minute=0), user=lee),          # 00:00 KST on 3 March
        "last": _entry("duty.add", datetime(2026, 3, 2, 23, 59, 59, tzinfo=KST), user=lee, target="42"),
        "next": _entry("duty.remove", datetime(2026, 3, 3, 0, 0, tzinfo=KST), user=kim, target="42"),
        "post": _entry("board.post.create", day, user=kim, target="board_post:9", title="교통 공지 =1+1"),
        "odd": _entry("something.new", day, username="system", target="=HYPERLINK(\"x\")"),
    }


def _ids(client, **args) -> set[int]:
    answer = client.get("/admin/audit", query_string=args, headers=HX)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return {int(row.split('"', 1)[0]) for row in answer.get_data(as_text=True).split('data-id="')[1:]}


def test_page_shows_korean_labels_and_the_code_as_fallback(client, entries):
    html = client.get("/admin/audit").get_data(as_text=True)
    assert "통화 처리 과정 조회" in html and "레터링" in html
    assert "lettering.call.view" in html                      # the code stays, small, for searching the source
    assert "something.new" in html                            # an unknown code is shown as itself
    assert "김민준" in html                                    # display names beside user names


def _in_english(user) -> None:
    user.locale = "en"
    db.session.commit()


def test_labels_in_english(client, boss, entries):
    _in_english(boss)
    html = client.get("/admin/audit").get_data(as_text=True)
    assert "Sign in" in html and "Caller display" in html     # login, and the lettering category
    assert ">로그인<" not in html


def test_category_filter(client, entries):
    e = entries
    assert _ids(client, category="duty") == {e["last"].id, e["next"].id}
    assert _ids(client, category="auth") >= {e["login"].id}           # undotted codes belong to their category
    assert e["call"].id not in _ids(client, category="auth")


def test_person_filter_partial_username_and_display_name(client, entries):
    e = entries
    assert _ids(client, person="민준") == {e["call"].id, e["next"].id, e["post"].id}
    assert _ids(client, person="LE") == {e["login"].id, e["last"].id}   # case-insensitive, part of the name
    assert _ids(client, person="syst") == {e["odd"].id}                 # no account: the recorded name
    assert _ids(client, person="100%") == set()                         # LIKE wildcards are literal


def test_text_filter_in_target_and_detail(client, entries):
    e = entries
    assert _ids(client, q="7781") == {e["call"].id}
    assert _ids(client, q="교통 공지") == {e["post"].id}                # Korean inside the JSON detail
    assert _ids(client, q="hyperlink") == {e["odd"].id}


def test_date_range_is_kst_and_inclusive(client, entries):
    e = entries
    on_the_2nd = {e["call"].id, e["login"].id, e["last"].id, e["post"].id, e["odd"].id}
    assert _ids(client, **{"from": "2026-03-02", "until": "2026-03-02"}) == on_the_2nd
    assert _ids(client, **{"from": "2026-03-03"}) >= {e["next"].id}
    assert not _ids(client, **{"from": "2026-03-03"}) & on_the_2nd
    assert _ids(client, until="2026-03-01") & set(x.id for x in e.values()) == set()
    # 00:00 KST on the 2nd is 15:00 UTC on the 1st: the stored instant is UTC, the filter a KST day.
    assert as_utc(e["login"].at) == datetime(2026, 3, 1, 15, tzinfo=UTC)


def test_today_with_the_clock(client, make_user, login, clock):
    clock.set_kst(2026, 3, 2, 0, 5)                # five minutes into 2 March KST (still 1 March in UTC)
    make_user("boss", role="admin")
    login("boss")
    fresh = _entry("menu.edit", datetime.now(UTC), username="kim")
    assert fresh.id in _ids(client, **{"from": "2026-03-02", "until": "2026-03-02"})
    assert fresh.id not in _ids(client, until="2026-03-01")


def test_filters_combine(client, entries):
    e = entries
    both = {"category": "duty", "person": "lee", "from": "2026-03-02", "until": "2026-03-02", "q": "42"}
    assert _ids(client, **both) == {e["last"].id}


def test_plain_get_renders_the_whole_page_with_the_filters_kept(client, entries):
    answer = client.get("/admin/audit", query_string={"category": "duty", "person": "kim"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "<form" in html and 'value="kim"' in html
    assert '<option value="duty" selected>' in html
    assert "HX-Request" in answer.headers.get("Vary", "")
    partial = client.get("/admin/audit", query_string={"category": "duty"}, headers=HX)
    assert "<form" not in partial.get_data(as_text=True) and "HX-Request" in partial.headers["Vary"]
    assert 'href="/admin/audit/export.csv?category=duty' in partial.get_data(as_text=True)


@pytest.mark.parametrize(("args", "message"), [
    ({"from": "2026-02-30"}, "시작일이 올바른 날짜가 아닙니다"),
    ({"until": "어제"}, "종료일이 올바른 날짜가 아닙니다"),
    ({"from": "1999-12-31"}, "시작일은 2000-01-01부터"),
    ({"from": "9" * 5000}, "시작일이 올바른 날짜가 아닙니다"),
    ({"from": "2026-03-05", "until": "2026-03-02"}, "시작일이 종료일보다 늦습니다"),
    ({"person": "가" * 101}, "사용자는 100자까지"),
    ({"q": "x" * 5000}, "내용은 100자까지"),
    ({"category": "nope"}, "알 수 없는 분류입니다"),
])
def test_bad_input_is_a_korean_message(client, boss, args, message):
    for headers in ({}, HX):
        answer = client.get("/admin/audit", query_string=args, headers=headers)
        assert answer.status_code == 400
        assert message in answer.get_data(as_text=True)
    assert client.get("/admin/audit/export.csv", query_string=args).status_code == 400


def test_pages_keep_the_filters(client, boss):
    for i in range(55):
        _entry("duty.add", datetime(2026, 3, 2, 9, tzinfo=KST), target=str(i))
    html = client.get("/admin/audit", query_string={"category": "duty"}).get_data(as_text=True)
    assert "55건" in html and "/admin/audit?page=2&amp;category=duty" in html
    second = client.get("/admin/audit", query_string={"category": "duty", "page": 2}, headers=HX)
    assert second.get_data(as_text=True).count('data-id="') == 5


def _csv(answer) -> list[list[str]]:
    body = answer.data
    assert body.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_csv_export_is_filtered_formula_safe_and_audited(client, entries):
    answer = client.get("/admin/audit/export.csv", query_string={"q": "HYPERLINK"})
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert "attachment" in answer.headers["Content-Disposition"]
    rows = _csv(answer)
    assert rows[0][:5] == ["시각(KST)", "아이디", "이름", "분류", "동작"]
    assert len(rows) == 2 and rows[1][6] == "'=HYPERLINK(\"x\")"          # the target cannot run
    assert rows[1][4] == "something.new"                                   # no label: the code
    post = _csv(client.get("/admin/audit/export.csv", query_string={"category": "board"}))
    assert post[1][0] == "2026-03-02 10:00:00" and post[1][3] == "게시판" and post[1][4] == "게시글 올리기"
    assert post[1][7] == "title=교통 공지 =1+1" and post[1][2] == "김민준"
    exported = db.session.scalars(select(AuditLog).filter_by(action="audit.export").order_by(AuditLog.id)).all()
    assert [x.detail["rows"] for x in exported] == [1, 1] and exported[0].detail["text"] == "HYPERLINK"
    assert exported[1].username == "boss" and exported[1].detail["category"] == "board"


def test_csv_in_english(client, boss, entries):
    _in_english(boss)
    rows = _csv(client.get("/admin/audit/export.csv", query_string={"category": "auth"}))
    assert "Sign in" in {row[4] for row in rows[1:]}


def test_csv_cap_is_stated(client, boss, monkeypatch):
    monkeypatch.setattr(audit_query, "EXPORT_MAX_ROWS", 3)
    for i in range(5):
        _entry("duty.add", datetime(2026, 3, 2, 9, i, tzinfo=KST), target=str(i))
    html = client.get("/admin/audit", query_string={"category": "duty"}).get_data(as_text=True)
    assert "CSV에는 최근 3건까지만" in html
    answer = client.get("/admin/audit/export.csv", query_string={"category": "duty"})
    assert len(_csv(answer)) == 1 + 3 and answer.headers["X-Export-Truncated"] == "3"
    assert [r[6] for r in _csv(answer)[1:]] == ["4", "3", "2"]             # the newest first


def test_safe_cell():
    for value in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert safe_cell(value) == "'" + value
    assert safe_cell("김민준") == "김민준" and safe_cell(None) == "" and safe_cell(5) == "5"


def test_admin_role_required(app, make_user, login):
    make_user("dept", role="dept_admin")
    make_user("staff")
    for name in ("dept", "staff"):
        client = app.test_client()
        login(name, test_client=client)
        assert client.get("/admin/audit").status_code == 403, name
        assert client.get("/admin/audit/export.csv").status_code == 403, name
    anonymous = app.test_client()
    assert anonymous.get("/admin/audit/export.csv").status_code in (302, 401)


def test_get_needs_no_csrf_token(client, boss):
    # The filters and the export are GETs: no token in the query, and they still answer.
    assert client.get("/admin/audit", query_string={"category": "auth"}).status_code == 200
    assert client.get("/admin/audit/export.csv").status_code == 200
