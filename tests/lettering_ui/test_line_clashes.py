"""The directory rule for lines (core.lettering.line_rules): a number that the directory gives to another
department's staff (direct line or mobile) or contact is refused, with its row and reason, by the import and
the console form; the department's own directory number is allowed and reported; the same number twice is
refused; a message over 64 characters is refused, never cut. The demo data keeps the rule."""
from __future__ import annotations

import unicodedata

import pytest
from sqlalchemy import func, select

from core.demo import lettering as demo_lettering
from core.demo import organization as demo_organization
from core.lettering.line_rules import Directory, clashes, directory_check
from core.lettering.lines_import import LineError, import_file, save_line
from core.models.lettering import Line
from core.models.organization import Department, Person
from extensions import db
from tests.conftest import csrf_token_from

HEADER = "회선번호,내선,부서,표시기관명,안내문구,로고URL\n"


@pytest.fixture
def people(departments):
    rows = [Person(kind="staff", name="김세정", department_id=departments["세정과"].id, phone="+823180751111"),
            Person(kind="staff", name="박버스", department_id=departments["대중교통과"].id, phone="+823180752222",
                   mobile="+823180753333"),  # a landline typed into the mobile column: still theirs
            Person(kind="contact", name="대중교통과 대표전화", department_id=departments["대중교통과"].id,
                   phone="+823180754444"),
            Person(kind="staff", name="무소속", department_id=None, phone="+823180755555")]
    db.session.add_all(rows)
    db.session.commit()
    return rows


def _csv(*rows: str) -> bytes:
    return (HEADER + "\n".join(rows) + "\n").encode()


def test_the_rule_refuses_another_departments_numbers_and_notes_its_own(app, people, departments):
    directory = Directory.load(db.session)
    tax, bus = departments["세정과"].id, departments["대중교통과"].id
    refusal, notice = directory_check("+823180752222", tax, directory)
    assert str(refusal) == "회선번호 031-8075-2222은(는) 디렉터리에서 다른 부서(대중교통과) 직원의 직통전화입니다."
    assert "휴대전화" in str(directory_check("+823180753333", tax, directory)[0])
    assert "연락처 번호" in str(directory_check("+823180754444", tax, directory)[0])
    assert "소속 없음" in str(directory_check("+823180755555", tax, directory)[0])
    refusal, notice = directory_check("+823180751111", tax, directory)
    assert refusal is None and "같은 부서 김세정" in str(notice)
    assert directory_check("+823180752222", bus, directory) == (None, directory_check("+823180752222", bus,
                                                                                       directory)[1])
    assert directory_check("+823180759999", tax, directory) == (None, None)
    # A department that does not exist yet owns nobody's number.
    assert directory_check("+823180751111", None, directory)[0] is not None


def test_the_import_refuses_clashes_and_twins_by_row_and_reports_shared_numbers(app, people):
    report = import_file(db.session, _csv(
        "031-8075-1111,4001,세정과,고양특례시,지방세 안내입니다,",       # row 2: own staff line: allowed, noted
        "031-8075-2222,4002,세정과,고양특례시,지방세 안내입니다,",       # row 3: 대중교통과's staff line
        "031-8075-9000,4003,세정과,고양특례시,지방세 안내입니다,",       # row 4: fine
        "031-8075-9000,4004,세정과,고양특례시,지방세 안내입니다,",       # row 5: row 4 again
        "031-8075-9001,4005,세정과,고양특례시," + "가" * 65 + ",",       # row 6: 65 characters
        "031-8075-4444,4006,새로운과,고양특례시,안내입니다,"))            # row 7: a new department
    db.session.commit()
    reasons = {item["row"]: item["reason"] for item in report["rejected"]}
    assert set(reasons) == {3, 5, 6, 7}
    assert reasons[3] == "회선번호 031-8075-2222은(는) 디렉터리에서 다른 부서(대중교통과) 직원의 직통전화입니다."
    assert reasons[5] == "회선번호가 4행과 중복됩니다."
    assert reasons[6] == "안내문구는 64자 이하여야 합니다 (현재 65자)."
    assert "대중교통과" in reasons[7]
    assert [(n["row"], n["messages"][0]["params"]["name"]) for n in report["notices"]] == [(2, "김세정")]
    assert sorted(db.session.scalars(select(Line.number))) == ["+823180751111", "+823180759000"]
    assert db.session.scalar(select(func.count(Line.id)).where(func.length(Line.message) > 64)) == 0


def test_decomposed_hangul_is_counted_as_people_read_it(app, departments):
    message = unicodedata.normalize("NFD", "지방세 안내 전화입니다 " * 4).strip()  # 47 syllables, 100+ code points
    assert len(message) > 64
    report = import_file(db.session, _csv(f"031-8075-9002,4007,세정과,고양특례시,{message},"))
    assert report["added"] == 1, report["rejected"]
    assert db.session.scalar(select(Line.message)) == unicodedata.normalize("NFC", message)


def test_save_line_refuses_a_clash_and_keeps_the_line(app, people, lines):
    raw = {"number": "031-8075-2222", "extension": "3017", "department": "세정과", "institution": "고양특례시",
           "message": "지방세 관련 안내 전화입니다"}
    with pytest.raises(LineError) as refused:
        save_line(db.session, raw, lines[1])
    assert "대중교통과" in str(refused.value.errors["number"])
    db.session.rollback()
    notices = []
    save_line(db.session, {**raw, "number": "031-8075-1111"}, lines[1], notices=notices)
    assert len(notices) == 1 and "김세정" in str(notices[0])


def test_the_form_refuses_a_long_message_and_a_clash_and_shows_the_notice(client, login, make_user, people,
                                                                        lines):
    make_user("boss", role="admin")
    login("boss")
    url = f"/admin/lettering/lines/{lines[1].id}"
    html = client.get(url).get_data(as_text=True)
    assert "maxlength" not in html.split('id="message"')[1].split(">")[0] and "maxlength" not in html.split(
        'id="institution"')[1].split(">")[0] and f'action="{url}"' in html
    data = {"csrf_token": csrf_token_from(html), "number": "031-8075-7159", "extension": "3017",
            "department": "세정과", "institution": "고양특례시", "message": "가" * 70, "active": "y"}
    answer = client.post(url, data=data)
    assert answer.status_code == 422 and "현재 70자" in answer.get_data(as_text=True)
    answer = client.post(url, data={**data, "message": "안내", "number": "031-8075-2222"})
    assert answer.status_code == 422 and "다른 부서(대중교통과)" in answer.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Line, lines[1].id).number == "+823180757159"
    assert db.session.get(Line, lines[1].id).message == "지방세 관련 안내 전화입니다"
    answer = client.post(url, data={**data, "message": "안내", "number": "031-8075-1111"}, follow_redirects=True)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "같은 부서 김세정" in page


def test_the_seeded_demo_has_no_clashes(app):
    demo_organization.seed(db.session, app.config)
    demo_lettering.seed(db.session, app.config)
    db.session.commit()
    assert db.session.scalar(select(func.count(Line.id))) > 3900
    assert clashes(db.session) == []
    # A database seeded before the rule: its clashing demo lines get new numbers on the next seed.
    line = db.session.scalar(select(Line).order_by(Line.id))
    other = db.session.scalar(select(Person).where(Person.department_id != line.department_id,
                                                   Person.phone.like("+8231%")).order_by(Person.id))
    line.number = other.phone
    db.session.commit()
    assert [row[0] for row in clashes(db.session)] == [line.id]
    again = demo_lettering.seed(db.session, app.config)
    db.session.commit()
    assert again["lines_renumbered"] == 1 and again["lines_added"] == 0
    assert clashes(db.session) == []


def test_the_demo_has_a_safety_department_with_staff_and_lines(app):
    demo_organization.seed(db.session, app.config)
    demo_lettering.seed(db.session, app.config)
    db.session.commit()
    dept = db.session.scalar(select(Department).where(Department.name == "안전총괄과"))
    assert dept is not None and dept.parent == "안전건설국"
    staff = db.session.scalars(select(Person).where(Person.department_id == dept.id).order_by(Person.id)).all()
    assert len(staff) == 18 and staff[0].title == "과장" and {p.title for p in staff[1:4]} == {"팀장"}
    assert all(p.phone.startswith("+82318075") and p.mobile.startswith("+8210") for p in staff)
    own = db.session.scalars(select(Line).where(Line.department_id == dept.id)).all()
    assert len(own) >= 10 and all(line.message == "재난·안전 정책 안내 전화입니다" for line in own)
    # A database whose lines were seeded before the department existed gets its lines on the next seed.
    for line in own:
        db.session.delete(line)
    db.session.commit()
    again = demo_lettering.seed(db.session, app.config)
    db.session.commit()
    assert again["lines_added"] == len(own)
    assert clashes(db.session) == []
