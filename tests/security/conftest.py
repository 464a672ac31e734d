"""A small world for the security tests: one row of every kind that a route's id can name, and a signed-in test
client per role (anonymous, staff, dept_admin, admin, and a bearer token for /api)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask.testing import FlaskClient

from core import tasks
from core.accounts import issue_token
from core.audience import Audience
from core.directory.importer import import_file, rows_to_csv
from core.documents.service import ViewerConfig, create_document, process_document, set_shares
from core.groups import create_group
from core.lettering.optout import opt_out
from core.models.accounts import ApiToken
from core.models.board import BoardFeed, BoardPost, BoardPostAudience
from core.models.calls import Call
from core.models.jobs import Job
from core.models.lettering import AlimTalkTemplate, Campaign, Line
from core.models.organization import Department, Person
from core.models.push import InboxItem, PushMessage
from core.privacy import optout_token, phone_hash
from core.timeutil import utcnow
from extensions import db
from tests.conftest import PASSWORD, csrf_token_from

SECRET_RESULT = "RAW-VALUE-OF-AN-ADMIN-IMPORT"   # in an admin's task report: no dept_admin may ever read it
ROLES = ("anonymous", "staff", "dept_admin", "admin")
LOGIN_ADDRESS = "127.0.0.1"   # sign-ins come from here; fuzzed requests from another address (login throttling)
FUZZ_ADDRESS = "127.0.0.9"


@dataclass
class World:
    ids: dict[str, int]                  # URL argument name -> an id that exists (the victim's, not an actor's)
    strings: dict[str, str]              # URL argument name -> a valid string value (campaign or opt-out token)
    bearer: str                          # a staff member's API token
    users: dict[str, int]                # role -> the id of the user signed in as it

    def value(self, rule: str, argument: str) -> str:
        """A valid value for one URL argument of ``rule``."""
        if argument == "token" and rule.startswith("/optout"):
            return self.strings["optout_token"]
        if argument in self.ids:
            return str(self.ids[argument])
        return self.strings.get(argument, "fz-value")   # an argument this world has no row for: still fuzzed


def _department(name: str) -> Department:
    row = Department(organization="고양특례시", parent="교통국", name=name, search_key=name[:-1])
    db.session.add(row)
    return row


@pytest.fixture
def world(app, make_user) -> World:
    app.config["LETTERING_MAX_BACKLOG"] = 0
    app.config["VERIFY_RATE_PER_MINUTE"] = 100_000
    traffic, tax = _department("교통정책과"), _department("세정과")
    db.session.commit()
    staff = make_user("fz_staff", display_name="김민준", department_id=traffic.id)
    dept_admin = make_user("fz_dept", role="dept_admin", display_name="이서연", department_id=traffic.id)
    admin = make_user("fz_admin", role="admin", display_name="관리자")
    victim = make_user("fz_victim", display_name="박지호", department_id=tax.id)
    api_user = make_user("fz_api", display_name="최유진", department_id=traffic.id)
    bearer = issue_token(db.session, api_user, label="fuzz")
    issue_token(db.session, victim, label="victim")
    people = [{"성명": "김민준", "소속기관": "고양특례시", "부서": "교통정책과", "직위": "주무관",
               "담당업무": "버스 노선", "내선": "1234", "직통전화": "031-8075-1234"}]
    import_file(db.session, rows_to_csv(people).encode(), "people.csv")
    line = Line(number="+823180759571", extension="3005", department_id=traffic.id, institution="고양특례시",
                department_name="교통정책과", message="버스 민원 안내 전화입니다")
    campaign = Campaign(token="fz2026", title="버스 노선 개편",
                        links=[{"title": "누리집", "url": "https://www.goyang.go.kr/"}],
                        starts_at=utcnow() - timedelta(days=1), ends_at=utcnow() + timedelta(days=30))
    db.session.add_all([line, campaign])
    db.session.flush()
    hashed = phone_hash("+821012345678", app.config["PHONE_HASH_KEY"])
    call = Call(call_id="c-fuzz-1", line_id=line.id, department_id=traffic.id, line_number=line.number,
                peer_hash=hashed, peer_masked="010-****-5678", dialed_at=utcnow())
    db.session.add(call)
    optout = opt_out(db.session, hashed, masked="010-****-5678")
    group = create_group(db.session, "fz 그룹", ["fz_victim"], created_by=admin)
    job = Job(kind="lettering.dial", payload={"call_id": "c-fuzz-1"}, status="dead", last_error="fuzz")
    db.session.add(job)
    task = tasks.submit(db.session, "directory_import", label="admin.csv", user_id=admin.id)
    task.status, task.result = "done", {"rejected": [{"row": 2, "reason": SECRET_RESULT}]}
    db.session.commit()
    cfg = ViewerConfig.from_settings(app.config)
    document = create_document(db.session, cfg, filename="공지.txt", data="고양특례시 공지\n".encode() * 20,
                               title="공지", owner=admin)
    set_shares(db.session, document, all_staff=True)
    db.session.commit()
    process_document(db.session, cfg, document.id)
    token_id = db.session.scalar(db.select(ApiToken.id).filter_by(user_id=victim.id))
    feed = BoardFeed(name="fz 게시판", kind="json", url="http://127.0.0.1:5083/saeol/feed")
    post = BoardPost(board="공지사항", title="fz 공지", body_html="<p>공지</p>", body_text="공지",
                     audience_rows=[BoardPostAudience.build("department", tax.id)])
    message = PushMessage(title="fz 알림", url="/inbox", audience=Audience.of(users=[victim.id]).to_json())
    template = AlimTalkTemplate(code="GY_FUZZ", name="fz 템플릿", body="[#{기관명}] #{부서명} 안내", buttons=[],
                                status="pending")
    db.session.add_all([feed, post, message, template])
    db.session.flush()
    item = InboxItem(message_id=message.id, user_id=victim.id)
    db.session.add(item)
    db.session.commit()
    ids = {"doc_id": document.id, "group_id": group.id, "task_id": task.id, "user_id": victim.id,
           "token_id": token_id, "person_id": db.session.scalar(db.select(Person.id)), "line_id": line.id,
           "campaign_id": campaign.id, "call_pk": call.id, "job_id": job.id, "optout_id": optout.id,
           "feed_id": feed.id, "post_id": post.id, "item_id": item.id, "message_id": message.id,
           "template_id": template.id,
           # No call-out, duty or swap exists in this world: their routes are fuzzed on the not-found path.
           "callout_id": 1, "duty_id": 1, "swap_id": 1,
           "page": 1, "index": 0}
    strings = {"token": "fz2026", "optout_token": optout_token(hashed, app.config["SECRET_KEY"]),
               "filename": "js/app.js"}
    return World(ids=ids, strings=strings, bearer=bearer,
                 users={"staff": staff.id, "dept_admin": dept_admin.id, "admin": admin.id, "victim": victim.id})


USERNAMES = {"staff": "fz_staff", "dept_admin": "fz_dept", "admin": "fz_admin"}


class RoleClient:
    """A test client signed in as one role through the real form, with its CSRF token; signs in again if a
    fuzzed request ended its session (``/logout``)."""

    def __init__(self, app, role: str) -> None:
        self.role = role
        self.client: FlaskClient = app.test_client()
        self.csrf = ""
        self.sign_in()

    def sign_in(self) -> None:
        c = self.client
        c.environ_base["REMOTE_ADDR"] = LOGIN_ADDRESS
        page = c.get("/login").get_data(as_text=True)
        self.csrf = page.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
        if self.role in USERNAMES:
            answer = c.post("/login", data={"username": USERNAMES[self.role], "password": PASSWORD,
                                            "csrf_token": self.csrf})
            assert answer.status_code == 302, f"{self.role} could not sign in"
            self.csrf = csrf_token_from(c.get("/more").get_data(as_text=True))
        c.environ_base["REMOTE_ADDR"] = FUZZ_ADDRESS

    def still_signed_in(self) -> bool:
        if self.role not in USERNAMES:
            return True
        try:
            return self.client.get("/more").status_code == 200
        except Exception:  # noqa: BLE001 - a cookie the app cannot read any more (the fuzz test reports its cause)
            return False

    def ensure(self) -> None:
        if not self.still_signed_in():
            self.client = self.client.application.test_client()
            self.sign_in()


@pytest.fixture
def role_clients(app, world) -> dict[str, RoleClient]:
    return {role: RoleClient(app, role) for role in ROLES}
