"""The AlimTalk templates console: roles, CSRF, create/edit with the checker, the inspection status, the
preview, the red banner of every lettering page, bad input (never a 500), and the demo seed."""
import pytest
from sqlalchemy import select

from core.demo import alimtalk as demo_alimtalk
from core.demo.lettering import TEMPLATE_BODY, TEMPLATE_BUTTONS
from core.lettering.optout import CODE_TEMPLATE, CODE_TEMPLATE_BODY
from core.models.accounts import AuditLog
from core.models.lettering import AlimTalkTemplate
from extensions import db
from tests.conftest import csrf_token_from

BASE = "http://127.0.0.1:5000"  # PUBLIC_BASE_URL of the tests
GOOD_BODY = "[#{기관명}] 부재중 전화 안내\n#{부서명}에서 #{발신번호}로 전화드렸습니다.\n#{안내문구}"
LIST, NEW = "/admin/lettering/templates", "/admin/lettering/templates/new"


@pytest.fixture
def users(make_user, departments):
    make_user("boss", role="admin")
    make_user("bus_admin", role="dept_admin", department_id=departments["대중교통과"].id)
    make_user("clerk", role="staff", department_id=departments["대중교통과"].id)


def add(code: str = "GY_MISSED_CALL", status: str = "approved", body: str = TEMPLATE_BODY, **fields):
    row = AlimTalkTemplate(code=code, name=fields.pop("name", "부재중 전화 안내"), body=body,
                           buttons=fields.pop("buttons", list(TEMPLATE_BUTTONS)), status=status, **fields)
    db.session.add(row)
    db.session.commit()
    return row


def token(client, path: str = NEW) -> str:
    return csrf_token_from(client.get(path).get_data(as_text=True))


def form(csrf: str, **values) -> dict:
    data = {"csrf_token": csrf, "code": "GY_NOTICE", "name": "안내", "kind": "basic", "body": GOOD_BODY,
            "button_name": ["기관 확인", "수신 거부"], "button_kind": ["verify", "optout"], "button_url": ["", ""],
            "action": "save"}
    data.update(values)
    return data


def fresh(code: str) -> AlimTalkTemplate | None:
    db.session.rollback()
    return db.session.scalar(select(AlimTalkTemplate).where(AlimTalkTemplate.code == code))


def audits(action: str) -> list[AuditLog]:
    db.session.rollback()
    return list(db.session.scalars(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)))


def test_only_admins_manage_templates(client, login, users, app):
    row = add()
    paths = [LIST, NEW, f"{LIST}/{row.id}", f"{LIST}/{row.id}/preview"]
    for path in paths:
        assert client.get(path).status_code == 302, path  # to the login page
    login("clerk")
    assert all(client.get(path).status_code == 403 for path in paths)
    other = app.test_client()
    login("bus_admin", test_client=other)
    for path in paths:
        assert other.get(path).status_code == 403, path
    csrf = csrf_token_from(other.get("/admin/lettering/calls").get_data(as_text=True))
    assert other.post(NEW, data=form(csrf)).status_code == 403
    assert other.post(f"{LIST}/{row.id}/status", data={"csrf_token": csrf, "status": "draft"}).status_code == 403
    assert fresh("GY_NOTICE") is None and fresh("GY_MISSED_CALL").status == "approved"
    assert 'href="/admin/lettering/templates"' not in other.get("/admin/lettering/campaigns").get_data(as_text=True)
    admin = app.test_client()
    login("boss", test_client=admin)
    assert all(admin.get(path).status_code == 200 for path in paths)


def test_posts_need_the_csrf_token(client, login, users):
    row = add(status="pending")
    login("boss")
    assert client.post(NEW, data=form("")).status_code == 400
    assert client.post(f"{LIST}/{row.id}/status", data={"status": "approved"}).status_code == 400
    assert client.post(f"{LIST}/check", data={"body": GOOD_BODY}).status_code == 400
    assert fresh("GY_NOTICE") is None and fresh("GY_MISSED_CALL").status == "pending"


def test_create_as_draft_then_review_approve_and_reject(client, login, users):
    login("boss")
    csrf = token(client)
    answer = client.post(NEW, data=form(csrf), follow_redirects=True)
    assert answer.status_code == 200
    row = fresh("GY_NOTICE")
    assert (row.status, row.kind, row.body) == ("draft", "basic", GOOD_BODY)
    assert row.buttons == [{"name": "기관 확인", "kind": "verify"}, {"name": "수신 거부", "kind": "optout"}]
    html = answer.get_data(as_text=True)
    assert "템플릿 GY_NOTICE을(를) 저장했습니다." in html and "문제가 없습니다" in html
    status_url = f"{LIST}/{row.id}/status"
    # Approval needs a review request first.
    client.post(status_url, data={"csrf_token": csrf, "status": "approved"})
    assert fresh("GY_NOTICE").status == "draft"
    client.post(status_url, data={"csrf_token": csrf, "status": "pending"})
    assert fresh("GY_NOTICE").status == "pending"
    # A rejection needs the reviewer's comment.
    refused = client.post(status_url, data={"csrf_token": csrf, "status": "rejected"}, follow_redirects=True)
    assert "반려할 때는 검수 의견을 입력해 주세요." in refused.get_data(as_text=True)
    assert fresh("GY_NOTICE").status == "pending"
    rejected = client.post(status_url, data={"csrf_token": csrf, "status": "rejected",
                                             "comment": "버튼명이 모호합니다"}, follow_redirects=True)
    html = rejected.get_data(as_text=True)
    assert fresh("GY_NOTICE").status == "rejected" and "버튼명이 모호합니다" in html
    assert client.get(LIST).get_data(as_text=True).count("버튼명이 모호합니다") == 1
    client.post(status_url, data={"csrf_token": csrf, "status": "pending"})
    client.post(status_url, data={"csrf_token": csrf, "status": "approved", "comment": "승인"})
    row = fresh("GY_NOTICE")
    assert row.status == "approved" and row.status_changed_at is not None
    trail = [(a.detail["before"], a.detail["after"]) for a in audits("lettering.template.status")]
    assert trail == [("draft", "pending"), ("pending", "rejected"), ("rejected", "pending"),
                     ("pending", "approved")]
    assert [a.target for a in audits("lettering.template.save")] == ["GY_NOTICE"]
    assert audits("lettering.template.save")[0].username == "boss"


def test_a_template_with_problems_saves_only_as_a_draft(client, login, users):
    login("boss")
    csrf = token(client)
    bad = form(csrf, body="#{부서명} 할인 쿠폰 안내 #{고객명}", button_name=["외부"], button_kind=["link"],
               button_url=["https://evil.example.com/"])
    refused = client.post(NEW, data={**bad, "action": "review"})
    assert refused.status_code == 422 and fresh("GY_NOTICE") is None
    html = refused.get_data(as_text=True)
    assert "검사에서 문제가 나온 템플릿은 검수요청할 수 없습니다" in html
    assert "광고성 표현이 있습니다: 할인, 쿠폰" in html and "#{고객명}" in html
    assert f"우리 공개 주소({BASE})로 시작해야 합니다" in html
    assert "evil.example.com" in html  # the admin's input stays in the form
    saved = client.post(NEW, data=bad, follow_redirects=True)
    assert "등록 상태로 저장했습니다" in saved.get_data(as_text=True)
    row = fresh("GY_NOTICE")
    assert row.status == "draft" and row.buttons == [{"name": "외부", "kind": "link",
                                                       "url": "https://evil.example.com/"}]
    assert audits("lettering.template.save")[0].detail["problems"] == ["unknown_variable", "button_url_foreign",
                                                                       "ad_words"]
    answer = client.post(f"{LIST}/{row.id}/status", data={"csrf_token": csrf, "status": "pending"},
                         follow_redirects=True)
    assert "검수요청할 수 없습니다" in answer.get_data(as_text=True) and fresh("GY_NOTICE").status == "draft"
    assert "문제 3건" in client.get(LIST).get_data(as_text=True)
    # Fixed and sent for review in one step.
    fixed = client.post(f"{LIST}/{row.id}", data=form(csrf, action="review"), follow_redirects=True)
    assert "검수요청 상태로 바꿨습니다" in fixed.get_data(as_text=True)
    assert fresh("GY_NOTICE").status == "pending"


def test_changing_an_approved_template_sends_it_back_to_draft(client, login, users):
    row = add(code="GY_NOTICE", body=GOOD_BODY, buttons=[{"name": "기관 확인", "kind": "verify"}])
    login("boss")
    csrf = token(client, f"{LIST}/{row.id}")
    same = form(csrf, name="새 이름", button_name=["기관 확인"], button_kind=["verify"], button_url=[""])
    client.post(f"{LIST}/{row.id}", data=same)
    assert (fresh("GY_NOTICE").status, fresh("GY_NOTICE").name) == ("approved", "새 이름")
    changed = client.post(f"{LIST}/{row.id}", data={**same, "body": GOOD_BODY + "\n감사합니다."},
                          follow_redirects=True)
    assert "등록 상태로 되돌렸습니다" in changed.get_data(as_text=True)
    assert fresh("GY_NOTICE").status == "draft"


def test_codes_are_checked_and_unique(client, login, users):
    add()
    login("boss")
    csrf = token(client)
    for code, message in (("GY MISSED", "영문, 숫자"), ("", "영문, 숫자"), ("GY_MISSED_CALL", "이미 있습니다")):
        answer = client.post(NEW, data=form(csrf, code=code))
        assert answer.status_code == 422 and message in answer.get_data(as_text=True), code
    assert db.session.scalar(select(AlimTalkTemplate.id).where(AlimTalkTemplate.code == "GY MISSED")) is None


def test_the_live_check_and_the_preview(client, login, users):
    row = add(kind="extra", extra="문의: 교통정책과 031-8075-1234")
    login("boss")
    csrf = token(client)
    partial = client.post(f"{LIST}/check", data=form(csrf, body="#{부서명} " * 41),
                          headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "변수가 41개입니다(최대 40개)." in partial and "<html" not in partial
    preview = client.get(f"{LIST}/{row.id}/preview").get_data(as_text=True)
    assert 'class="kakao-head"' in preview and "알림톡 도착" in preview
    assert "[고양특례시] 부재중 전화 안내" in preview and "교통정책과에서 031-8075-1234 번호로" in preview
    assert "#{" not in preview.split('class="kakao-text"')[1].split("</p>")[0]
    assert "문의: 교통정책과 031-8075-1234" in preview
    buttons = preview.split('class="kakao-buttons"')[1]
    labels = [b.split("<")[0] for b in buttons.split('class="kakao-button">')[1:]]
    assert labels == ["기관 확인", "안내 보기", "수신 거부"]
    assert f"{BASE}/verify?n=" in buttons
    assert "style=" not in preview


def test_the_red_banner_on_every_lettering_page(client, login, users, app):
    login("bus_admin")
    pages = ["/admin/lettering/calls", "/admin/lettering/lines", "/admin/lettering/campaigns",
             "/admin/lettering/optouts"]
    for path in pages:
        html = client.get(path).get_data(as_text=True)
        assert 'id="alimtalk-banner"' in html and "부재중 대체 발송 템플릿 GY_MISSED_CALL이(가) 없습니다." in html, path
        assert "flash-error" in html.split('id="alimtalk-banner"')[0].rsplit("<div", 1)[1]
    add(status="rejected", review_comment="변수 설명 부족")
    html = client.get(pages[0]).get_data(as_text=True)
    assert "GY_MISSED_CALL이(가) 승인 상태가 아닙니다(현재: 반려)" in html
    assert "수신 거부 인증번호 템플릿 GY_OPTOUT_CODE이(가) 없습니다." in html
    assert "/admin/lettering/templates" not in html.split('id="alimtalk-banner"')[1].split("</div>")[0]
    add(code=CODE_TEMPLATE, body=CODE_TEMPLATE_BODY, buttons=[])
    assert "GY_OPTOUT_CODE" not in client.get(pages[0]).get_data(as_text=True)
    fresh("GY_MISSED_CALL").status = "approved"
    db.session.commit()
    for path in pages:
        assert 'id="alimtalk-banner"' not in client.get(path).get_data(as_text=True), path
    # The banner follows the setting: another configured code that does not exist.
    app.config["ALIMTALK_TEMPLATE_CODE"] = "GY_MISSED_CALL_V2"
    assert "GY_MISSED_CALL_V2이(가) 없습니다" in client.get(pages[0]).get_data(as_text=True)
    admin = app.test_client()
    login("boss", test_client=admin)
    html = admin.get(pages[0]).get_data(as_text=True)
    assert 'href="/admin/lettering/templates"' in html.split('id="alimtalk-banner"')[1].split("</div>")[0]


def test_the_demo_seed_approves_both_templates_and_shows_no_banner(client, login, users, app):
    first = demo_alimtalk.seed(db.session, app.config)
    db.session.commit()
    assert first == {"templates_created": ["GY_MISSED_CALL", "GY_OPTOUT_CODE"]}
    assert demo_alimtalk.seed(db.session, app.config) == {"templates_created": []}
    rows = list(db.session.scalars(select(AlimTalkTemplate).order_by(AlimTalkTemplate.code)))
    assert [(t.code, t.status) for t in rows] == [("GY_MISSED_CALL", "approved"), ("GY_OPTOUT_CODE", "approved")]
    from core.lettering.alimtalk_templates import check
    assert [check(t, app.config) for t in rows] == [[], []]  # the demo passes its own checker
    login("boss")
    assert 'id="alimtalk-banner"' not in client.get("/admin/lettering/calls").get_data(as_text=True)


def test_bad_input_never_gives_a_server_error(client, login, users):
    row = add(status="pending")
    login("boss")
    csrf = token(client)
    refused = [  # each answered 422 or refused with a message, nothing saved
        (NEW, form(csrf, kind="ad")), (NEW, form(csrf, body="가" * 30_000)), (NEW, form(csrf, code="x" * 500)),
        (NEW, {"csrf_token": csrf}), (NEW, form(csrf, body="#{" * 500 + "}" * 300, action="review")),
        (NEW, form(csrf, button_name=["a"] * 50, button_kind=["zzz"], button_url=["\x00" * 3000], action="review")),
        (NEW, form(csrf, button_name=["a", "b"], button_kind=[], button_url=[], action="review")),
        (f"{LIST}/{row.id}", form(csrf, kind="")),
        (f"{LIST}/{row.id}/status", {"csrf_token": csrf, "status": "nonsense"}),
        (f"{LIST}/{row.id}/status", {"csrf_token": csrf, "status": "rejected", "comment": "x" * 5000}),
        (f"{LIST}/99999/status", {"csrf_token": csrf, "status": "draft"}),
        (f"{LIST}/99999", form(csrf)),
    ]
    for path, data in refused:
        status = client.post(path, data=data).status_code
        assert status in (302, 400, 404, 422), (path, status)
    for data in ({"csrf_token": csrf, "template_id": "9" * 40, "kind": "extra", "extra": "#{"},
                 {"csrf_token": csrf, "template_id": "abc"}, {"csrf_token": csrf, "kind": "nope"}):
        assert client.post(f"{LIST}/check", data=data).status_code in (200, 422)
    for path in (f"{LIST}/99999", f"{LIST}/abc", f"{LIST}/-1/preview", f"{LIST}/{'9' * 30}", f"{LIST}/check"):
        assert client.get(path).status_code in (404, 405), path
    assert fresh("GY_MISSED_CALL").status == "pending"
    assert db.session.scalar(select(AlimTalkTemplate.id).where(AlimTalkTemplate.code != "GY_MISSED_CALL")) is None
    # NUL is refused by the app before any view; other control characters are dropped, line ends become \n.
    assert client.post(NEW, data=form(csrf, code="GY_NUL", body="\x00")).status_code == 400
    saved = client.post(NEW, data=form(csrf, code="GY_CTRL", body="힣\r\n#{부서명}\x07", name="\x1b이름"))
    assert saved.status_code == 302
    assert (fresh("GY_CTRL").body, fresh("GY_CTRL").name) == ("힣\n#{부서명}", "이름")
