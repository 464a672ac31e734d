"""Only the city's own landline and representative numbers can be official lines: one rule
(``core.lettering.lines_import.line_number_problem``) for the import, the console form, the CLI, the worker's
import task and the demo data. ``/verify`` vouches for every line to citizens."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.demo import lettering as demo
from core.lettering.lines_import import LineError, import_file, import_task, line_prefixes, save_line, validate
from core.models.lettering import Line
from core.tasks import TaskInput
from extensions import db
from tests.conftest import csrf_token_from

HEADER = "회선번호,내선,부서,표시기관명,안내문구,로고URL\n"
PERSONAL = ["+82 10 1234 5678", "010-5970-0000", "011-123-4567", "016-234-5678", "017-1234-5678",
            "018-123-4567", "019-9876-5432", "070-1234-5678"]
OUTSIDE = ["02-1234-5678", "031-8076-1234", "031-810-1234", "1588-1234", "051-123-4567"]
INSIDE = [("031-8075-1234", "+823180751234"), ("0318075-9999", "+823180759999"), ("031-900-1234", "+82319001234"),
          ("031-9123-4567", "+823191234567")]
MOBILE_MESSAGE = "휴대전화나 인터넷전화(070) 번호는 공식 회선으로 등록할 수 없습니다."
RANGE_MESSAGE = "회선번호가 시의 번호 대역(031-8075, 031-9)에 속하지 않습니다."


def values(number: str, extension: str = "") -> dict[str, str]:
    return {"number": number, "extension": extension, "department": "세정과", "institution": "고양특례시",
            "message": "지방세 안내 전화입니다"}


def test_the_default_ranges_are_goyangs():
    assert line_prefixes() == ("+82318075", "+82319")
    assert line_prefixes({"LINE_NUMBER_PREFIXES": " +8221, ,+82319 "}) == ("+8221", "+82319")
    assert line_prefixes({"LINE_NUMBER_PREFIXES": ""}) == ()


@pytest.mark.parametrize("number", PERSONAL)
def test_a_mobile_or_070_number_is_never_a_line(number):
    with pytest.raises(LineError) as refused:
        validate(values(number))
    assert str(refused.value.errors["number"]).startswith(MOBILE_MESSAGE)
    with pytest.raises(LineError):  # not even when the ranges are left open
        validate(values(number), prefixes=())


@pytest.mark.parametrize("number", OUTSIDE)
def test_a_number_outside_the_ranges_is_refused(number):
    with pytest.raises(LineError) as refused:
        validate(values(number))
    assert str(refused.value.errors["number"]) == RANGE_MESSAGE
    assert validate(values(number), prefixes=()).number.startswith("+82")  # no ranges configured: any landline


@pytest.mark.parametrize(("number", "e164"), INSIDE)
def test_numbers_in_the_ranges_are_lines(number, e164):
    assert validate(values(number)).number == e164


def test_the_import_rejects_those_rows_and_keeps_the_good_ones(app, departments):
    rows = ["031-8075-1111,4001,세정과,고양특례시,안내,", "+82 10 1234 5678,4002,세정과,고양특례시,안내,",
            "02-1234-5678,4003,세정과,고양특례시,안내,", "070-1234-5678,4004,세정과,고양특례시,안내,"]
    report = import_file(db.session, (HEADER + "\n".join(rows) + "\n").encode(), "lines.csv")
    db.session.commit()
    assert report["added"] == 1
    reasons = {item["row"]: item["reason"] for item in report["rejected"]}
    assert reasons[3].startswith(MOBILE_MESSAGE) and reasons[5].startswith(MOBILE_MESSAGE)
    assert reasons[4] == RANGE_MESSAGE
    assert list(db.session.scalars(select(Line.number))) == ["+823180751111"]


def test_the_worker_task_follows_the_configured_ranges(app, departments):
    upload = (HEADER + "02-1234-5678,4001,세정과,고양특례시,안내,\n"
              "031-8075-1111,4002,세정과,고양특례시,안내,\n").encode()
    report = import_task(db.session, lambda done, total: None,
                         TaskInput(payload={"filename": "x.csv"}, upload=upload,
                                   settings={"LINE_NUMBER_PREFIXES": "+8221"}))
    assert report["added"] == 1 and [r["row"] for r in report["rejected"]] == [3]
    assert "02-1" in report["rejected"][0]["reason"]


def test_save_line_refuses_a_mobile_when_editing_too(app, lines):
    with pytest.raises(LineError):
        save_line(db.session, values("010-1234-5678"))
    with pytest.raises(LineError):
        save_line(db.session, values("010-1234-5678", "3005"), lines[0])
    db.session.rollback()
    assert db.session.get(Line, lines[0].id).number == "+823180759571"


@pytest.mark.parametrize(("language", "expected"), [
    ("ko", MOBILE_MESSAGE), ("en", "A mobile or internet phone (070) number cannot be an official line.")])
def test_the_console_form_shows_the_reason(client, login, make_user, departments, language, expected):
    make_user("boss", role="admin")
    login("boss")
    headers = {"Accept-Language": language}
    html = client.get("/admin/lettering/lines/new", headers=headers).get_data(as_text=True)
    answer = client.post("/admin/lettering/lines/new", headers=headers, data={
        "csrf_token": csrf_token_from(html), "number": "+82 10 1234 5678", "extension": "7777",
        "department": "세정과", "institution": "고양특례시", "message": "새 회선입니다", "active": "y"})
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    if language == "ko" or "A mobile" in page:  # English once the catalogue has merged /work/i18n
        assert expected in page
    assert 'aria-invalid="true"' in page
    assert db.session.scalar(select(func.count(Line.id))) == 0


def test_the_cli_import_follows_the_configured_ranges(app, runner, tmp_path, departments):
    app.config["LINE_NUMBER_PREFIXES"] = "+8221"
    path = tmp_path / "lines.csv"
    path.write_text(HEADER + "02-1234-5678,4001,세정과,고양특례시,안내,\n031-8075-1111,4002,세정과,고양특례시,안내,\n")
    result = runner.invoke(args=["lines", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "추가 1" in result.output and "3행: 회선번호가 시의 번호 대역(02-1)에 속하지 않습니다." in result.output


def test_the_demo_lines_keep_the_rule(app):
    demo.seed(db.session, app.config)
    db.session.commit()
    numbers = list(db.session.scalars(select(Line.number)))
    assert len(numbers) > 3900
    assert all(number.startswith(("+82318075", "+82319")) for number in numbers)
