"""Staff pages: the week of my cafeteria with today marked (Asia/Seoul day boundaries, the test clock), allergen
highlighting in words, the profile form (POST + CSRF), the home card's data, the console editing; bad input
gives a Korean error, never a 500."""
from __future__ import annotations

import re

from sqlalchemy import select

from core import menu
from core.models.menu import Cafeteria, Meal, MenuProfile
from extensions import db
from tests.conftest import csrf_token_from


def _section(html: str, day: str) -> str:
    start = html.index(f'data-day="{day}"')
    end = html.find("data-day=", start + 20)
    return html[start:end if end > 0 else len(html)]


def test_week_marks_today_by_the_seoul_day(app, client, make_user, login, sample_week, clock):
    make_user("kim")
    clock.set_kst(2027, 1, 5, 0, 5)            # 2027-01-04 15:05 UTC: already Tuesday in Seoul
    login("kim")
    html = client.get("/menu").get_data(as_text=True)
    assert "시청 본관" in html and "1월 4일 (월)" in html and "1월 8일 (금)" in html
    assert "1월 9일" not in html               # no weekend meals: Monday to Friday
    today = _section(html, "2027-01-05")
    assert 'aria-current="date"' in today and "meal-today-badge\">" in today.replace(" hidden", "", 0)
    assert 'aria-current="date"' not in _section(html, "2027-01-04")
    clock.stop()
    clock.set_kst(2027, 1, 4, 23, 59)          # 14:59 UTC: still Monday in Seoul
    again = app.test_client()
    login("kim", test_client=again)
    html = again.get("/menu").get_data(as_text=True)
    assert 'aria-current="date"' in _section(html, "2027-01-04")
    assert 'aria-current="date"' not in _section(html, "2027-01-05")


def test_week_switches_cafeteria_and_week(app, client, make_user, login, sample_week, clock):
    make_user("kim")
    clock.set_kst(2027, 1, 4, 12)
    login("kim")
    with app.app_context():
        district = db.session.scalar(select(Cafeteria).where(Cafeteria.name == "일산동구청")).id
    html = client.get(f"/menu?cafeteria={district}").get_data(as_text=True)
    assert "카레라이스" in html and "누룽지" not in html
    later = client.get("/menu?week=2027-01-11").get_data(as_text=True)
    assert "1월 11일 (월)" in later and "식단이 없습니다." in later
    for bad in ("/menu?week=2027-02-31", "/menu?week=어제", "/menu?cafeteria=abc", "/menu?cafeteria=99999"):
        answer = client.get(bad)
        assert answer.status_code == 200, bad
    assert "날짜 형식이 올바르지 않습니다" in client.get("/menu?week=2027-02-31").get_data(as_text=True)
    assert client.get("/menu").headers["Vary"].startswith("HX-Request")


def test_dishes_with_my_allergens_are_marked_in_words(app, client, make_user, login, sample_week, clock):
    user = make_user("kim")
    clock.set_kst(2027, 1, 4, 9)
    login("kim")
    with app.app_context():
        menu.save_profile(db.session, user.id, allergens=[9, 14], cafeteria_id=None, morning_push=False)
        db.session.commit()
    html = client.get("/menu").get_data(as_text=True)
    monday = _section(html, "2027-01-04")
    soup = monday[monday.index("두부새우젓국") - 120: monday.index("두부새우젓국") + 600]
    assert "meal-dish-warn" in soup and "주의: 새우" in soup
    assert "대두" in soup and "조개류(굴·전복·홍합 포함)" in soup      # allergens by name, not only number
    walnut = monday[monday.index("호두멸치볶음") - 120:]
    assert "주의: 호두" in walnut
    rice = re.search(r'<li class="meal-dish">\s*<span class="meal-dish-name">누룽지</span>', monday)
    assert rice, "a dish with nothing of mine is not marked"
    assert "내 알레르기: 새우, 호두" in html


def test_profile_form(app, client, make_user, login, sample_week, clock):
    user = make_user("kim")
    clock.set_kst(2027, 1, 4, 12)
    login("kim")
    page = client.get("/menu/profile")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and html.count('name="allergen"') == 19 and "18. 조개류(굴·전복·홍합 포함)" in html
    token = csrf_token_from(html)
    with app.app_context():
        district = db.session.scalar(select(Cafeteria).where(Cafeteria.name == "일산동구청")).id
    assert client.post("/menu/profile", data={"allergen": ["1"]}).status_code == 400     # no CSRF token
    bad = client.post("/menu/profile", data={"csrf_token": token, "allergen": ["1", "99"]})
    assert bad.status_code == 400 and "알 수 없는 알레르기 번호" in bad.get_data(as_text=True)
    bad = client.post("/menu/profile", data={"csrf_token": token, "allergen": ["x"]})
    assert bad.status_code == 400
    bad = client.post("/menu/profile", data={"csrf_token": token, "cafeteria": "424242"})
    assert bad.status_code == 400 and "구내식당이 없습니다" in bad.get_data(as_text=True)
    good = client.post("/menu/profile", data={"csrf_token": token, "allergen": ["9", "2"], "cafeteria": str(district),
                                              "morning_push": "1"})
    assert good.status_code == 302
    with app.app_context():
        saved = db.session.get(MenuProfile, user.id)
        assert (saved.allergens, saved.cafeteria_id, saved.morning_push) == ("2.9", district, True)
        context = menu.home_context(db.session, saved_user(user.id))
    assert context["menu_cafeteria"].name == "일산동구청"
    assert "카레라이스" in client.get("/menu").get_data(as_text=True)     # my cafeteria is the default now


def saved_user(user_id: int):
    from core.models.accounts import User
    return db.session.get(User, user_id)


def test_home_context_today(app, make_user, sample_week, clock):
    user = make_user("kim")
    with app.app_context():
        menu.save_profile(db.session, user.id, allergens=[2], cafeteria_id=None, morning_push=False)
        db.session.commit()
        clock.set_kst(2027, 1, 4, 8)
        context = menu.home_context(db.session, saved_user(user.id))
        assert context["menu_cafeteria"].name == "시청 본관"
        assert [m.code for m in context["menu_meals"]] == ["breakfast", "lunch", "dinner"]
        lunch = context["menu_meals"][1]
        assert lunch.warned and [d.name for d in lunch.dishes if d.matches] == ["요구르트"]
        clock.set_kst(2027, 1, 9, 8)
        assert menu.home_context(db.session, saved_user(user.id))["menu_meals"] == []


def test_home_partial_renders(app, client, make_user, login, sample_week, clock):
    make_user("kim")
    clock.set_kst(2027, 1, 4, 8)
    with app.test_request_context():
        from flask import render_template
        from flask_login import login_user
        with app.app_context():
            login_user(saved_user(db.session.scalar(select(MenuProfile.user_id)) or 1))
            html = render_template("menu/_home.html")
    assert "오늘의 식단" in html and "두부새우젓국" in html and "이번 주 식단 보기" in html


def test_console_edit(app, client, make_user, login, sample_week):
    make_user("chef", role="admin")
    make_user("kim")
    login("kim")
    assert client.get("/admin/menu/edit").status_code in (302, 403)
    client = app.test_client()
    login("chef", test_client=client)
    with app.app_context():
        hall = db.session.scalar(select(Cafeteria).where(Cafeteria.name == "시청 본관")).id
    page = client.get(f"/admin/menu/edit?cafeteria={hall}&day=2027-01-04&meal=lunch")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "두부새우젓국 (5.9.18)" in html
    token = csrf_token_from(html)
    form = {"csrf_token": token, "cafeteria": hall, "day": "2027-01-04", "meal": "lunch"}
    bad = client.post("/admin/menu/edit", data={**form, "dishes": "쌀밥\n수상한국 (5.42)"})
    assert bad.status_code == 400 and "알 수 없는 알레르기 번호 42" in bad.get_data(as_text=True)
    bad = client.post("/admin/menu/edit", data={**form, "dishes": "쌀밥", "calories": "많이"})
    assert bad.status_code == 400 and "열량과 식수는" in bad.get_data(as_text=True)
    bad = client.post("/admin/menu/edit", data={**form, "day": "2027-99-01", "dishes": "쌀밥"})
    assert bad.status_code == 400
    good = client.post("/admin/menu/edit", data={**form, "dishes": "비빔밥 (1.5.6.16)\n미역국", "calories": "700"})
    assert good.status_code == 302
    with app.app_context():
        meal = db.session.scalar(select(Meal).where(Meal.cafeteria_id == hall, Meal.meal == "lunch",
                                                    Meal.calories == 700))
        assert [(d.name, d.allergens) for d in meal.dishes] == [("비빔밥", "1.5.6.16"), ("미역국", "")]
    gone = client.post("/admin/menu/edit", data={**form, "dishes": ""})
    assert gone.status_code == 302
    with app.app_context():
        assert menu.find_meal(db.session, hall, meal.day, "lunch") is None


def test_home_context_is_one_query(app, make_user, sample_week, clock):
    import sqlalchemy as sa
    user = make_user("kim")
    clock.set_kst(2027, 1, 4, 8)
    with app.app_context():
        seen = []
        def count(conn, cursor, statement, *args):
            seen.append(statement)
        target = saved_user(user.id)
        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            context = menu.home_context(db.session, target)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
    assert len([s for s in seen if s.lstrip().upper().startswith("SELECT")]) == 1
    assert context["menu_cafeteria"].name == "시청 본관" and len(context["menu_meals"]) == 3


def test_home_page_shows_todays_menu(app, client, make_user, login, sample_week, clock):
    user = make_user("kim")
    clock.set_kst(2027, 1, 4, 8)
    with app.app_context():
        menu.save_profile(db.session, user.id, allergens=[9], cafeteria_id=None, morning_push=False)
        db.session.commit()
    login("kim")
    html = client.get("/").get_data(as_text=True)
    card = html[html.index('id="menu-home-heading"'):]
    assert "오늘의 식단" in html and "시청 본관" in card[:200]
    assert "두부새우젓국" in card and "주의: 새우" in card and 'href="/menu"' in card
