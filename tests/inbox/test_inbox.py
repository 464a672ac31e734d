"""The 알림함: a person's items newest first with "더 보기", the unread count (also on the tab bar), opening an
item marks it read and goes to its page, marking one or all read (CSRF), 90 days kept, nobody else's items."""
import re
from datetime import timedelta

import pytest

from core import inbox
from core.models.push import InboxItem, PushMessage
from core.timeutil import as_utc, utcnow
from extensions import db
from tests.conftest import csrf_token_from

HX = {"HX-Request": "true"}


@pytest.fixture
def staff(make_user):
    return make_user("kim", display_name="김민준")


@pytest.fixture
def add_item():
    def add(user, title: str, *, url: str = "/board/1", age: timedelta = timedelta(0), read: bool = False):
        message = PushMessage(title=title, body=f"{title} 본문", url=url, audience={"all": True}, source="board")
        db.session.add(message)
        db.session.flush()
        created = as_utc(utcnow() - age)
        item = InboxItem(message_id=message.id, user_id=user.id, created_at=created, read_at=created if read else None)
        db.session.add(item)
        db.session.commit()
        return item
    return add


def test_list_newest_first_with_more_and_unread_count(client, login, staff, add_item):
    for i in range(25):
        add_item(staff, f"알림 {i:02d}", age=timedelta(minutes=i), read=i >= 20)
    login("kim")
    html = client.get("/inbox").get_data(as_text=True)
    titles = re.findall(r'class="inbox-title">(?:<span class="unread-dot"[^>]*></span><span class="visually-hidden">'
                        r'읽지 않음, </span>)?\s*([^<]+)</span>', html)
    assert titles[0].strip() == "알림 00" and len(titles) == inbox.PAGE_SIZE
    assert "총 25건 · 읽지 않음 20건" in html
    more = re.search(r'hx-get="([^"]*more=1[^"]*)"', html).group(1).replace("&amp;", "&")
    rest = client.get(more, headers=HX).get_data(as_text=True)
    assert "<html" not in rest and "알림 24" in rest and "더 보기" not in rest
    # The bottom navigation's 더보기 tab says how many are unread, in text as well.
    assert 'class="nav-badge" aria-hidden="true">20<' in html and "읽지 않은 알림 20건" in html
    more_page = client.get("/more").get_data(as_text=True)
    assert 'href="/inbox"' in more_page and "알림함" in more_page and "읽지 않음 20" in more_page


def test_opening_an_item_marks_it_read_and_goes_to_its_page(client, login, staff, add_item):
    item = add_item(staff, "중요 공지", url="/board/7")
    login("kim")
    response = client.get(f"/inbox/{item.id}/open")
    assert response.status_code == 302 and response.headers["Location"].endswith("/board/7")
    db.session.refresh(item)
    assert item.read_at is not None
    assert inbox.unread_count(db.session, staff) == 0
    assert "nav-badge" not in client.get("/inbox").get_data(as_text=True)


def test_mark_one_and_all_read_need_csrf(client, login, staff, add_item):
    first = add_item(staff, "하나")
    add_item(staff, "둘")
    login("kim")
    token = csrf_token_from(client.get("/inbox").get_data(as_text=True))
    assert client.post(f"/inbox/{first.id}/read").status_code == 400
    response = client.post(f"/inbox/{first.id}/read", data={"csrf_token": token}, headers=HX)
    assert response.status_code == 200 and 'id="inbox-item-' in response.get_data(as_text=True)
    assert inbox.unread_count(db.session, staff) == 1
    assert client.post("/inbox/read-all", data={"csrf_token": token}).status_code == 302
    assert inbox.unread_count(db.session, staff) == 0


def test_items_older_than_ninety_days_are_not_shown(client, login, staff, add_item):
    add_item(staff, "오래된 알림", age=timedelta(days=91))
    add_item(staff, "최근 알림", age=timedelta(days=89))
    login("kim")
    html = client.get("/inbox").get_data(as_text=True)
    assert "최근 알림" in html and "오래된 알림" not in html and "총 1건" in html
    assert inbox.unread_count(db.session, staff) == 1


def test_someone_elses_item_is_a_404(client, login, staff, make_user, add_item):
    other = make_user("lee")
    theirs = add_item(other, "남의 알림")
    login("kim")
    token = csrf_token_from(client.get("/inbox").get_data(as_text=True))
    assert client.get(f"/inbox/{theirs.id}/open").status_code == 404
    assert client.post(f"/inbox/{theirs.id}/read", data={"csrf_token": token}).status_code == 404
    assert "남의 알림" not in client.get("/inbox").get_data(as_text=True)
    db.session.refresh(theirs)
    assert theirs.read_at is None


def test_only_paths_of_ours_are_followed(client, login, staff, add_item):
    item = add_item(staff, "이상한 주소", url="//evil.example/x")
    login("kim")
    response = client.get(f"/inbox/{item.id}/open")
    assert response.status_code == 302 and "evil.example" not in response.headers["Location"]


def test_reading_the_post_clears_its_inbox_item(client, login, staff, add_item, app):
    from core.audience import Audience
    from core.models.board import BoardPost, BoardPostAudience

    post = BoardPost(board="공지사항", title="공지", body_html="<p>x</p>", body_text="x")
    db.session.add(post)
    db.session.flush()
    for scope, member in Audience.everyone().rows():
        db.session.add(BoardPostAudience.build(scope, member, post_id=post.id))
    db.session.commit()
    item = add_item(staff, "공지", url=f"/board/{post.id}")
    login("kim")
    client.get(f"/board/{post.id}")
    db.session.refresh(item)
    assert item.read_at is not None


def test_signed_out_cannot_see_the_inbox(client):
    assert client.get("/inbox").status_code in (302, 401)
